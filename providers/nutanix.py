"""``nutanix`` (Nutanix AHV): config drive ``config-2``, ``/openstack/latest/user_data``; the
reference waits for the drive indefinitely; a drive without the file is "no config"
(docs/providers.md)."""

from __future__ import annotations

from providers import configdrive
from providers.base import Provider, ProviderContext

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar


class NutanixProvider(Provider):
    name: ClassVar[str] = "nutanix"

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        return configdrive.fetch(
            ctx, [(configdrive.CONFIG_2, "openstack/latest/user_data")], timeout=None
        )
