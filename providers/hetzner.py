"""``hetzner``: ``GET http://169.254.169.254/hetzner/v1/userdata``; 404 is "no config"
(docs/providers.md).

Metadata for cloud-config: ``/hetzner/v1/metadata`` (YAML: ``hostname``, ``public-ipv4``,
``public-keys``) and ``/hetzner/v1/metadata/private-networks`` (YAML list; the first
network's ``ip`` is the private IPv4 address)."""

from __future__ import annotations

from providers._simple import UserDataProvider
from providers.base import InstanceMetadata, ProviderContext

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar

METADATA_URL = "http://169.254.169.254/hetzner/v1/metadata"
PRIVATE_URL = "http://169.254.169.254/hetzner/v1/metadata/private-networks"


class HetznerProvider(UserDataProvider):
    name: ClassVar[str] = "hetzner"
    url: ClassVar[str] = "http://169.254.169.254/hetzner/v1/userdata"

    def metadata(self, ctx: ProviderContext) -> InstanceMetadata:
        from providers import _instance  # only for cloud-config user data

        doc = _instance.yaml_document(ctx, METADATA_URL)
        private = _instance.yaml_document(ctx, PRIVATE_URL)
        keys = _instance.field(doc, "public-keys")
        f = _instance.field
        return InstanceMetadata(
            hostname=_instance.string(doc, "hostname"),
            public_ipv4=_instance.address(ctx, f(doc, "public-ipv4"), "public-ipv4", 4),
            private_ipv4=_instance.address(ctx, f(private, 0, "ip"), "private network ip", 4),
            ssh_public_keys=_instance.keys(keys if isinstance(keys, list) else []),
        )
