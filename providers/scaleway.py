"""``scaleway``: ``GET http://169.254.42.42/user_data/cloud-init``. The service answers only
requests from a privileged source port, so every attempt binds a random local port in
1..1022 (providers.md §1a, §4.11; needs root or CAP_NET_BIND_SERVICE, as in the initramfs);
404 is "no config"."""

from __future__ import annotations

from typing import ClassVar

from providers._simple import UserDataProvider


class ScalewayProvider(UserDataProvider):
    name: ClassVar[str] = "scaleway"
    url: ClassVar[str] = "http://169.254.42.42/user_data/cloud-init"
    source_port_max: ClassVar[int | None] = 1022
