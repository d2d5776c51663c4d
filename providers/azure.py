"""``azure``: IMDS user data, else the provisioning medium's custom data; then report to the
wireserver (docs/providers.md).

1. ``GET http://169.254.169.254/metadata/instance/compute/userData?api-version=2021-01-01&format=text``
   with ``Metadata: true``; 404, 410 and 429 are retried like 5xx (cloud-init and the reference
   agree); a non-empty answer is base64 of the user data. Any other IMDS failure is fatal.
2. Empty: wait (1 s polls, forever) for the medium with ``ovf-env.xml`` and read
   ``CustomData.bin`` (absent: "no config").
3. Beyond the reference: the status hook reports *Ready* after the fetch stage (and again
   after files, for a config that fetch-offline already had) and a
   *ProvisioningFailed* with the reason when a stage fails (:mod:`providers._wireserver`), so
   the VM never sits in "provisioning" (docs/deviations.md P5).

Metadata for cloud-config: IMDS ``compute/name`` (the host name, as Afterburn reads it) and
the first interface's private and public IPv4 address (IMDS ``network``); the host name from
the provisioning medium's ``ovf-env.xml`` when IMDS has none.
"""

from __future__ import annotations

from ignition.fetch import NeedsNetwork
from providers import _azuremedia, _imds, _wireserver
from providers.base import InstanceMetadata, Provider, ProviderContext

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar

IMDS_URL = (
    "http://169.254.169.254/metadata/instance/compute/userData?api-version=2021-01-01&format=text"
)
RETRY_CODES = frozenset({404, 410, 429})
_INSTANCE = "http://169.254.169.254/metadata/instance/"
_TEXT = "?api-version=2017-08-01&format=text"
NAME_URL = f"{_INSTANCE}compute/name{_TEXT}"
IPV4_URL = f"{_INSTANCE}network/interface/0/ipv4/ipAddress/0/{{}}IpAddress{_TEXT}"
METADATA_RETRY = frozenset({410, 429})  # 404: the field is not there
MEDIA_KINDS = ("udf", "iso9660")  # the reference: udf only; ISO 9660 is read too (harmless)
READY_AFTER = ("fetch", "files")  # files: when fetch-offline already had the config


class AzureProvider(Provider):
    name: ClassVar[str] = "azure"
    media_kinds: ClassVar[tuple[str, ...]] = MEDIA_KINDS
    ready_after: ClassVar[tuple[str, ...]] = READY_AFTER

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        if ctx.fetcher.offline:
            raise NeedsNetwork("the Azure instance metadata service requires networking")
        data = _imds.fetch(ctx, IMDS_URL, headers={"Metadata": "true"}, retry_codes=RETRY_CODES)
        if data.strip():
            ctx.log.info("using the user data from the instance metadata service")
            return _imds.b64decode(data, "IMDS user data") or None
        ctx.log.info("IMDS has no user data: looking for custom data on the provisioning medium")
        return _azuremedia.wait_custom_data(ctx, self.media_kinds)

    def metadata(self, ctx: ProviderContext) -> InstanceMetadata:
        from providers import _instance  # only for cloud-config user data (boot time)

        def get(url: str) -> str:
            return _instance.optional(
                ctx, url, headers={"Metadata": "true"}, retry_codes=METADATA_RETRY
            )

        def ipv4(side: str) -> str:
            return _instance.address(ctx, get(IPV4_URL.format(side)), f"{side} IPv4", 4)

        hostname = get(NAME_URL)
        if not hostname:
            hostname = _azuremedia.ovf_hostname(self.media_kinds)
        return InstanceMetadata(
            hostname=hostname, private_ipv4=ipv4("private"), public_ipv4=ipv4("public")
        )

    def status(self, ctx: ProviderContext, stage: str, error: BaseException | None) -> None:
        if ctx.fetcher.offline:
            return  # fetch-offline: the wireserver needs the network
        if error is not None:
            _wireserver.report(ctx, f"Ignition {stage} stage failed: {error}")
        elif stage in self.ready_after:
            _wireserver.report(ctx, None)
