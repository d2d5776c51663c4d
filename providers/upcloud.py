"""``upcloud``: ``GET http://169.254.169.254/metadata/v1/user_data``; 404 is "no config"
(docs/providers.md)."""

from __future__ import annotations

from typing import ClassVar

from providers._simple import UserDataProvider


class UpcloudProvider(UserDataProvider):
    name: ClassVar[str] = "upcloud"
    url: ClassVar[str] = "http://169.254.169.254/metadata/v1/user_data"
