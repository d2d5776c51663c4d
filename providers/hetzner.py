"""``hetzner``: ``GET http://169.254.169.254/hetzner/v1/userdata``; 404 is "no config"
(providers.md §1a)."""

from __future__ import annotations

from typing import ClassVar

from providers._simple import UserDataProvider


class HetznerProvider(UserDataProvider):
    name: ClassVar[str] = "hetzner"
    url: ClassVar[str] = "http://169.254.169.254/hetzner/v1/userdata"
