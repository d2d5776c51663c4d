"""``upcloud``: ``GET http://169.254.169.254/metadata/v1/user_data``; 404 is "no config"
(docs/providers.md)."""

from __future__ import annotations

from providers._simple import UserDataProvider

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar


class UpcloudProvider(UserDataProvider):
    name: ClassVar[str] = "upcloud"
    url: ClassVar[str] = "http://169.254.169.254/metadata/v1/user_data"
