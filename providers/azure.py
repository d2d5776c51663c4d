"""``azure``: IMDS user data, else the provisioning medium's custom data; then report to the
wireserver (providers.md §4.3).

1. ``GET http://169.254.169.254/metadata/instance/compute/userData?api-version=2021-01-01&format=text``
   with ``Metadata: true``; 404, 410 and 429 are retried like 5xx (cloud-init and the reference
   agree); a non-empty answer is base64 of the user data. Any other IMDS failure is fatal.
2. Empty: wait (1 s polls, forever) for the medium with ``ovf-env.xml`` and read
   ``CustomData.bin`` (absent: "no config").
3. Beyond the reference: the status hook reports *Ready* after the fetch stage (and again
   after files, for a config that fetch-offline already had) and a
   *ProvisioningFailed* with the reason when a stage fails (:mod:`providers._wireserver`), so
   the VM never sits in "provisioning" (docs/deviations.md P5).
"""

from __future__ import annotations

from typing import ClassVar

from ignition.fetch import NeedsNetwork
from providers import _azuremedia, _imds, _wireserver
from providers.base import Provider, ProviderContext

IMDS_URL = (
    "http://169.254.169.254/metadata/instance/compute/userData?api-version=2021-01-01&format=text"
)
RETRY_CODES = frozenset({404, 410, 429})
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

    def status(self, ctx: ProviderContext, stage: str, error: BaseException | None) -> None:
        if ctx.fetcher.offline:
            return  # fetch-offline: the wireserver needs the network
        if error is not None:
            _wireserver.report(ctx, f"Ignition {stage} stage failed: {error}")
        elif stage in self.ready_after:
            _wireserver.report(ctx, None)
