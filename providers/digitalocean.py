"""``digitalocean``: ``GET http://169.254.169.254/metadata/v1/user-data``. Unlike most clouds
the reference treats *every* error, 404 included, as fatal (providers.md §1a), and so do we:
a droplet always has the endpoint, so a 404 means something is wrong."""

from __future__ import annotations

from typing import ClassVar

from providers._simple import UserDataProvider


class DigitaloceanProvider(UserDataProvider):
    name: ClassVar[str] = "digitalocean"
    url: ClassVar[str] = "http://169.254.169.254/metadata/v1/user-data"
    not_found_is_empty: ClassVar[bool] = False
