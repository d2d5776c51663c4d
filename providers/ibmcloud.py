"""``ibmcloud`` (IBM Cloud VPC): NoCloud drive ``cidata``, file ``/user-data``; no drive after
30 s is "no config" (docs/providers.md)."""

from __future__ import annotations

from providers import configdrive
from providers.base import Provider, ProviderContext

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar

DRIVE_WAIT = 30.0


class IbmcloudProvider(Provider):
    name: ClassVar[str] = "ibmcloud"

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        return configdrive.fetch(ctx, [(configdrive.CIDATA, "user-data")], timeout=DRIVE_WAIT)
