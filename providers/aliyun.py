"""``aliyun`` (Alibaba Cloud ECS): ``GET http://100.100.100.200/latest/user-data``; 404 is
"no config" (docs/providers.md)."""

from __future__ import annotations

from providers._simple import UserDataProvider

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar


class AliyunProvider(UserDataProvider):
    name: ClassVar[str] = "aliyun"
    url: ClassVar[str] = "http://100.100.100.200/latest/user-data"
