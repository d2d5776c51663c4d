"""``akamai`` (Linode): token, then user data (docs/providers.md).

``PUT http://169.254.169.254/v1/token`` with ``Metadata-Token-Expiry-Seconds: 300``, then
``GET /v1/user-data`` with ``Metadata-Token`` and ``Accept: */*``. The answer is base64 and
may be gzip inside (the one provider besides VMware that decompresses). Every error, 404
included, is fatal; an empty body is "no config". Offline, it asks for the network at once.

Metadata for cloud-config (JSON with ``Accept: application/json``, the same token):
``/v1/instance``'s ``label`` (the host name), ``/v1/network``'s first ``ipv4.public``,
``ipv4.private`` and ``ipv6.slaac`` address, and ``/v1/ssh-keys``' keys of ``users.root``
(those the instance was deployed with).
"""

from __future__ import annotations

from ignition.config.detect import DecompressionError, gunzip
from ignition.fetch import NeedsNetwork
from providers import _imds
from providers.base import InstanceMetadata, Provider, ProviderContext, ProviderError

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar

TOKEN_URL = "http://169.254.169.254/v1/token"
USER_DATA_URL = "http://169.254.169.254/v1/user-data"
INSTANCE_URL = "http://169.254.169.254/v1/instance"
NETWORK_URL = "http://169.254.169.254/v1/network"
SSH_KEYS_URL = "http://169.254.169.254/v1/ssh-keys"
MAX_TOKEN = 4096


def token(ctx: ProviderContext) -> str:
    if ctx.fetcher.offline:
        raise NeedsNetwork("akamai metadata service requires networking")
    raw = _imds.fetch(
        ctx,
        TOKEN_URL,
        method="PUT",
        headers={"Metadata-Token-Expiry-Seconds": "300", "Accept": "*/*"},
        max_size=MAX_TOKEN,
    )
    text = raw.decode("ascii", "replace").strip()
    if not text or not text.isprintable():
        raise ProviderError("the akamai metadata service gave no usable token")
    return text


class AkamaiProvider(Provider):
    name: ClassVar[str] = "akamai"

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        data = _imds.fetch(
            ctx, USER_DATA_URL, headers={"Metadata-Token": token(ctx), "Accept": "*/*"}
        )
        if not data.strip():
            return None
        data = _imds.b64decode(data, "akamai user data")
        if data[:2] == b"\x1f\x8b":
            try:
                data = gunzip(data)  # bounded: a gzip bomb is an error, not a MemoryError
            except DecompressionError as exc:
                raise ProviderError(f"akamai user data: {exc}") from None
        return data or None

    def metadata(self, ctx: ProviderContext) -> InstanceMetadata:
        from providers import _instance  # only for cloud-config user data

        headers = {"Metadata-Token": token(ctx), "Accept": "application/json"}
        instance = _instance.json_document(ctx, INSTANCE_URL, headers)
        network = _instance.json_document(ctx, NETWORK_URL, headers)
        keys = _instance.field(_instance.json_document(ctx, SSH_KEYS_URL, headers), "users", "root")

        def ip(*path: str | int) -> str:
            where = ".".join(str(p) for p in path)
            return _instance.address(ctx, _instance.field(network, *path), where)

        return InstanceMetadata(
            hostname=_instance.string(instance, "label"),
            public_ipv4=ip("ipv4", "public", 0),
            private_ipv4=ip("ipv4", "private", 0),
            public_ipv6=ip("ipv6", "slaac"),
            ssh_public_keys=_instance.keys(keys if isinstance(keys, list) else []),
        )
