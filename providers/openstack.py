"""``openstack``: config drive ``config-2``/``CONFIG-2`` (``openstack/latest/user_data``)
against the metadata service ``http://169.254.169.254/openstack/latest/user_data``, plus
``http://[fe80::a9fe:a9fe%<iface>]/...`` on every up interface with IPv6 (providers.md §4.4).
A 404 is "no config" once the drive had its chance (:mod:`providers._race`). Offline it asks
for the network at once, as the reference does (the service is the common case)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import ClassVar

from ignition.fetch import NeedsNetwork
from providers import _imds, _race, configdrive, hostroot
from providers.base import Provider, ProviderContext

PATH = "/openstack/latest/user_data"
IPV4 = f"http://169.254.169.254{PATH}"


def ipv6_interfaces() -> list[str]:
    """Up, non-loopback interfaces that have an IPv6 address (``/proc/net/if_inet6``)."""
    names = set()
    for line in (hostroot.read_text("/proc/net/if_inet6") or "").splitlines():
        fields = line.split()
        if len(fields) == 6 and fields[5] != "lo":
            names.add(fields[5])
    up = []
    for name in sorted(names):
        state = hostroot.read_text(f"/sys/class/net/{name}/operstate")
        if state in ("up", "unknown"):
            up.append(name)
    return up


def service_urls() -> list[str]:
    if _imds.origin() is not None:  # every endpoint is the stand-in: one is enough
        return [IPV4]
    return [IPV4] + [f"http://[fe80::a9fe:a9fe%25{i}]{PATH}" for i in ipv6_interfaces()]


class OpenstackProvider(Provider):
    name: ClassVar[str] = "openstack"

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        if ctx.fetcher.offline:
            raise NeedsNetwork("the OpenStack metadata service requires networking")
        asks: list[Callable[[], bytes]] = [partial(_imds.fetch, ctx, u) for u in service_urls()]
        return _race.race(ctx, configdrive.CONFIG_2, PATH, asks)
