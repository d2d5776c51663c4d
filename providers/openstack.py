"""``openstack``: config drive ``config-2``/``CONFIG-2`` (``openstack/latest/user_data``)
against the metadata service ``http://169.254.169.254/openstack/latest/user_data``, plus
``http://[fe80::a9fe:a9fe%<iface>]/...`` on every up interface with IPv6 (providers.md §4.4).
A 404 is "no config" once the drive had its chance (:mod:`providers._race`). Offline it asks
for the network at once, as the reference does (the service is the common case)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import ClassVar

from ignition.fetch import NeedsNetwork
from providers import _imds, _instance, _race, configdrive, hostroot
from providers.base import InstanceMetadata, Provider, ProviderContext, ProviderError

PATH = "/openstack/latest/user_data"
META_PATH = "/openstack/latest/meta_data.json"


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


def service_urls(path: str = PATH) -> list[str]:
    v4 = f"http://169.254.169.254{path}"
    if _imds.origin() is not None:  # every endpoint is the stand-in: one is enough
        return [v4]
    return [v4] + [f"http://[fe80::a9fe:a9fe%25{i}]{path}" for i in ipv6_interfaces()]


def parse_metadata(raw: bytes | None) -> InstanceMetadata:
    """``meta_data.json``: ``hostname`` and the ``public_keys`` map (name → key)."""
    if not raw:
        return InstanceMetadata()
    try:
        doc = json.loads(raw)
    except ValueError:
        raise ProviderError("meta_data.json is not JSON") from None
    hostname = _instance.field(doc, "hostname")
    keys = _instance.field(doc, "public_keys")
    return InstanceMetadata(
        hostname=hostname if isinstance(hostname, str) else "",
        ssh_public_keys=_instance.keys(keys.values() if isinstance(keys, dict) else []),
    )


class OpenstackProvider(Provider):
    name: ClassVar[str] = "openstack"

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        if ctx.fetcher.offline:
            raise NeedsNetwork("the OpenStack metadata service requires networking")
        asks: list[Callable[[], bytes]] = [partial(_imds.fetch, ctx, u) for u in service_urls()]
        return _race.race(ctx, configdrive.CONFIG_2, PATH, asks)

    def metadata(self, ctx: ProviderContext) -> InstanceMetadata:
        if ctx.fetcher.offline:
            raise NeedsNetwork("the OpenStack metadata service requires networking")
        urls = service_urls(META_PATH)
        asks: list[Callable[[], bytes]] = [partial(_imds.fetch, ctx, u) for u in urls]
        return parse_metadata(_race.race(ctx, configdrive.CONFIG_2, META_PATH, asks))
