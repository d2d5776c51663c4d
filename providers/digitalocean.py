"""``digitalocean``: ``GET http://169.254.169.254/metadata/v1/user-data``. Unlike most clouds
the reference treats *every* error, 404 included, as fatal (docs/providers.md), and so do we:
a droplet always has the endpoint, so a 404 means something is wrong.

Metadata for cloud-config (coreos-cloudinit's DigitalOcean datasource): ``metadata/v1.json``:
``hostname``, ``public_keys`` and the first public and private interface's addresses; the
document itself is the ``digitalocean`` network description (``interfaces``, ``dns``)."""

from __future__ import annotations

from providers import _instance
from providers._simple import UserDataProvider
from providers.base import InstanceMetadata, NetworkConfig, ProviderContext

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar

METADATA_URL = "http://169.254.169.254/metadata/v1.json"


class DigitaloceanProvider(UserDataProvider):
    name: ClassVar[str] = "digitalocean"
    url: ClassVar[str] = "http://169.254.169.254/metadata/v1/user-data"
    not_found_is_empty: ClassVar[bool] = False

    def metadata(self, ctx: ProviderContext) -> InstanceMetadata:
        doc = _instance.json_document(ctx, METADATA_URL)

        def ip(side: str, family: str, version: int) -> str:
            value = _instance.field(doc, "interfaces", side, 0, family, "ip_address")
            return _instance.address(ctx, value, f"{side} {family}", version)

        keys = _instance.field(doc, "public_keys")
        hostname = _instance.field(doc, "hostname")
        return InstanceMetadata(
            hostname=hostname if isinstance(hostname, str) else "",
            public_ipv4=ip("public", "ipv4", 4),
            public_ipv6=ip("public", "ipv6", 6),
            private_ipv4=ip("private", "ipv4", 4),
            private_ipv6=ip("private", "ipv6", 6),
            ssh_public_keys=_instance.keys(keys if isinstance(keys, list) else []),
            network=NetworkConfig("digitalocean", doc) if isinstance(doc, dict) and doc else None,
        )
