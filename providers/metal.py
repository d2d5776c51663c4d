"""``metal``: bare metal has no metadata service. The config comes from the kernel command line
(``ignition.config.url``, ``ignition.config.device``/``path``) or a system ``user.ign``, both
handled by config acquisition before any provider is asked; the provider itself has nothing."""

from __future__ import annotations

from providers.base import Provider, ProviderContext

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar


class MetalProvider(Provider):
    name: ClassVar[str] = "metal"

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        return None
