"""``proxmoxve``: NoCloud drive ``cidata``: ``/user-data``, then ``/vendor-data``. A file that
starts with ``#cloud-config\n`` is skipped, so the cloud-init user data Proxmox generates by
default does not hide an Ignition config in vendor-data (Proxmox bug 2429); no drive after
30 s is "no config" (docs/providers.md)."""

from __future__ import annotations

from providers import configdrive
from providers.base import Provider, ProviderContext

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar

DRIVE_WAIT = 30.0
CLOUD_CONFIG = b"#cloud-config\n"


class ProxmoxveProvider(Provider):
    name: ClassVar[str] = "proxmoxve"

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        label = configdrive.wait(ctx, configdrive.CIDATA, DRIVE_WAIT)
        if label is None:
            ctx.log.info("no cidata drive appeared in time: no config")
            return None
        for name in ("user-data", "vendor-data"):
            data = configdrive.read(ctx, label, name)
            if data is None:
                continue
            if data.startswith(CLOUD_CONFIG):
                ctx.log.info(f"{name} is a cloud-config: skipping it")
                continue
            return data
        return None
