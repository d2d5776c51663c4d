"""``exoscale``: ``GET http://169.254.169.254/1.0/user-data``; 404 is "no config"
(docs/providers.md).

Metadata for cloud-config: the CloudStack-style tree ``/latest/meta-data/``:
``local-hostname``, ``public-ipv4``, ``local-ipv4`` (the private address) and
``public-keys`` (one key per line); an attribute the service lacks (404) is not known."""

from __future__ import annotations

from providers._simple import UserDataProvider
from providers.base import InstanceMetadata, ProviderContext

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar

METADATA_URL = "http://169.254.169.254/latest/meta-data/"


class ExoscaleProvider(UserDataProvider):
    name: ClassVar[str] = "exoscale"
    url: ClassVar[str] = "http://169.254.169.254/1.0/user-data"

    def metadata(self, ctx: ProviderContext) -> InstanceMetadata:
        from providers import _instance  # only for cloud-config user data

        def get(name: str) -> str:
            return _instance.optional(ctx, METADATA_URL + name)

        return InstanceMetadata(
            hostname=get("local-hostname"),
            public_ipv4=_instance.address(ctx, get("public-ipv4"), "public-ipv4", 4),
            private_ipv4=_instance.address(ctx, get("local-ipv4"), "local-ipv4", 4),
            ssh_public_keys=_instance.keys([get("public-keys")]),
        )
