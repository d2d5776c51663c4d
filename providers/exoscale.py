"""``exoscale``: ``GET http://169.254.169.254/1.0/user-data``; 404 is "no config"
(providers.md §1a)."""

from __future__ import annotations

from typing import ClassVar

from providers._simple import UserDataProvider


class ExoscaleProvider(UserDataProvider):
    name: ClassVar[str] = "exoscale"
    url: ClassVar[str] = "http://169.254.169.254/1.0/user-data"
