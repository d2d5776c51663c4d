"""``aliyun`` (Alibaba Cloud ECS): ``GET http://100.100.100.200/latest/user-data``; 404 is
"no config" (docs/providers.md)."""

from __future__ import annotations

from typing import ClassVar

from providers._simple import UserDataProvider


class AliyunProvider(UserDataProvider):
    name: ClassVar[str] = "aliyun"
    url: ClassVar[str] = "http://100.100.100.200/latest/user-data"
