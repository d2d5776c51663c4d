"""``vultr``: ``GET http://169.254.169.254/user-data/user-data``; 404 is "no config"
(docs/providers.md).

Metadata for cloud-config: ``/v1.json``: ``hostname``, ``public-keys``, and the addresses of
the first ``interfaces`` entry of each ``network-type`` (``public``: IPv4 and IPv6;
``private``: IPv4)."""

from __future__ import annotations

from providers._simple import UserDataProvider
from providers.base import InstanceMetadata, ProviderContext

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar

METADATA_URL = "http://169.254.169.254/v1.json"


class VultrProvider(UserDataProvider):
    name: ClassVar[str] = "vultr"
    url: ClassVar[str] = "http://169.254.169.254/user-data/user-data"

    def metadata(self, ctx: ProviderContext) -> InstanceMetadata:
        from providers import _instance  # only for cloud-config user data

        doc = _instance.json_document(ctx, METADATA_URL)
        interfaces = _instance.field(doc, "interfaces")
        first: dict[str, object] = {}
        for iface in interfaces if isinstance(interfaces, list) else []:
            kind = _instance.field(iface, "network-type")
            if isinstance(kind, str) and kind not in first:
                first[kind] = iface

        def ip(kind: str, family: str, version: int) -> str:
            value = _instance.field(first.get(kind), family, "address")
            return _instance.address(ctx, value, f"{kind} {family} address", version)

        keys = _instance.field(doc, "public-keys")
        return InstanceMetadata(
            hostname=_instance.string(doc, "hostname"),
            public_ipv4=ip("public", "ipv4", 4),
            public_ipv6=ip("public", "ipv6", 6),
            private_ipv4=ip("private", "ipv4", 4),
            ssh_public_keys=_instance.keys(keys if isinstance(keys, list) else []),
        )
