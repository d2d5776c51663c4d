"""``vultr``: ``GET http://169.254.169.254/user-data/user-data``; 404 is "no config"
(providers.md §1a)."""

from __future__ import annotations

from typing import ClassVar

from providers._simple import UserDataProvider


class VultrProvider(UserDataProvider):
    name: ClassVar[str] = "vultr"
    url: ClassVar[str] = "http://169.254.169.254/user-data/user-data"
