"""``scaleway``: ``GET http://169.254.42.42/user_data/cloud-init``. The service answers only
requests from a privileged source port, so every attempt binds a random local port in
1..1022 (docs/providers.md; needs root or CAP_NET_BIND_SERVICE, as in the initramfs);
404 is "no config".

Metadata for cloud-config: ``/conf?format=json`` from the same privileged port (what Afterburn
reads): ``hostname``, ``private_ip``, ``public_ip.address``, ``ipv6.address`` (public) and
``ssh_public_keys[].key``."""

from __future__ import annotations

from providers._simple import UserDataProvider
from providers.base import InstanceMetadata, ProviderContext

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar

METADATA_URL = "http://169.254.42.42/conf?format=json"


class ScalewayProvider(UserDataProvider):
    name: ClassVar[str] = "scaleway"
    url: ClassVar[str] = "http://169.254.42.42/user_data/cloud-init"
    source_port_max: ClassVar[int | None] = 1022

    def metadata(self, ctx: ProviderContext) -> InstanceMetadata:
        from providers import _instance  # only for cloud-config user data (boot time)

        doc = _instance.json_document(ctx, METADATA_URL, source_port_max=self.source_port_max)
        keys = _instance.field(doc, "ssh_public_keys")
        hostname = _instance.field(doc, "hostname")
        f = _instance.field
        return InstanceMetadata(
            hostname=hostname if isinstance(hostname, str) else "",
            private_ipv4=_instance.address(ctx, f(doc, "private_ip"), "private_ip", 4),
            public_ipv4=_instance.address(ctx, f(doc, "public_ip", "address"), "public_ip", 4),
            public_ipv6=_instance.address(ctx, f(doc, "ipv6", "address"), "ipv6", 6),
            ssh_public_keys=_instance.keys(
                [_instance.field(k, "key") for k in keys] if isinstance(keys, list) else []
            ),
        )
