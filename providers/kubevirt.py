"""``kubevirt``: NoCloud (``cidata`` → ``/user-data``) or ConfigDrive (``config-2`` →
``/openstack/latest/user_data``), whichever appears; waits indefinitely; a drive without the
file is "no config" (docs/providers.md)."""

from __future__ import annotations

from providers import configdrive
from providers.base import Provider, ProviderContext

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar


class KubevirtProvider(Provider):
    name: ClassVar[str] = "kubevirt"

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        return configdrive.fetch(
            ctx,
            [
                (configdrive.CIDATA, "user-data"),
                (configdrive.CONFIG_2, "openstack/latest/user_data"),
            ],
            timeout=None,
        )
