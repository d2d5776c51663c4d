"""``brightbox``: OpenStack's sources and semantics (docs/providers.md)."""

from __future__ import annotations

from providers.openstack import OpenstackProvider

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar


class BrightboxProvider(OpenstackProvider):
    name: ClassVar[str] = "brightbox"
