"""``openstack``: config drive ``config-2``/``CONFIG-2`` (``openstack/latest/user_data``)
against the metadata service ``http://169.254.169.254/openstack/latest/user_data``, plus
``http://[fe80::a9fe:a9fe%<iface>]/...`` on every up interface with IPv6 (docs/providers.md).
Metadata for cloud-config: ``meta_data.json`` from the same places, and the interfaces file
its ``network_config`` names (coreos-cloudinit's ``-convert-netconf debian`` input).
A 404 is "no config" once the drive had its chance (:mod:`providers._race`). Offline it asks
for the network at once, as the reference does (the service is the common case)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import partial

from ignition.fetch import NeedsNetwork
from ignition.system import hostroot
from ignition.util.errors import NotFound
from providers import _imds, _instance, _race, configdrive
from providers.base import (
    InstanceMetadata,
    NetworkConfig,
    Provider,
    ProviderContext,
    ProviderError,
)

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar

PATH = "/openstack/latest/user_data"
META_PATH = "/openstack/latest/meta_data.json"
MAX_CONTENT = 1 << 20
_CONTENT = re.compile(r"[A-Za-z0-9._/-]{1,256}")


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


def parse_metadata(
    raw: bytes | None, read_content: Callable[[str], bytes | None] | None = None
) -> InstanceMetadata:
    """``meta_data.json``: ``hostname``, the ``public_keys`` map (name → key), and the
    interfaces file ``network_config.content_path`` names (the ``debian`` network description;
    ``read_content`` reads a path under ``openstack/``, None when it does not exist)."""
    if not raw:
        return InstanceMetadata()
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        raise ProviderError("meta_data.json is not JSON") from None
    hostname = _instance.field(doc, "hostname")
    keys = _instance.field(doc, "public_keys")
    network = None
    path = content_path(doc)
    if path is not None and read_content is not None:
        # a missing file is an empty description, as coreos-cloudinit read it
        network = NetworkConfig("debian", read_content(path) or b"")
    return InstanceMetadata(
        hostname=hostname if isinstance(hostname, str) else "",
        ssh_public_keys=_instance.keys(keys.values() if isinstance(keys, dict) else []),
        network=network,
    )


def content_path(doc: object) -> str | None:
    """``network_config.content_path`` (``/content/0000``) as a path under ``openstack/``;
    one that climbs out of it is an error."""
    value = _instance.field(doc, "network_config", "content_path")
    if not isinstance(value, str) or not value:
        return None
    parts = value.strip("/").split("/")
    if not _CONTENT.fullmatch(value) or any(p in ("", ".", "..") for p in parts):
        raise ProviderError("meta_data.json's network_config.content_path is not a plain path")
    return "/".join(parts)


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
        raw = _race.race(ctx, configdrive.CONFIG_2, META_PATH, asks)
        return parse_metadata(raw, partial(read_content, ctx))


def read_content(ctx: ProviderContext, path: str) -> bytes | None:
    """``openstack/<path>`` from the config drive when there is one (it gave
    ``meta_data.json``), else from the metadata service."""
    label = configdrive.find(configdrive.CONFIG_2)
    if label is not None:
        return configdrive.read(ctx, label, f"/openstack/{path}")
    try:
        return _imds.fetch(ctx, service_urls(f"/openstack/{path}")[0], max_size=MAX_CONTENT)
    except NotFound:
        return None
