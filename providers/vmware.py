"""``vmware``: guestinfo properties, directly or inside the OVF environment (docs/providers.md).

- Keys: ``guestinfo.ignition.config.data`` and ``...data.encoding``; Flatcar's
  ``guestinfo.coreos.config.data(.encoding)`` and ``guestinfo.{ignition,coreos}.config.url``
  are read too. The OVF environment in ``guestinfo.ovfenv`` supplies defaults (its
  ``PropertySection`` properties of the same names); direct guestinfo values win.
- Encodings: ``""``, ``b64``/``base64``, ``gz``/``gzip``, ``gz+base64``/``gzip+base64``/
  ``gz+b64``/``gzip+b64``; any other is fatal. An empty value is "no config".
- Transport: ``vmware-rpctool "info-get guestinfo.<key>"`` (or ``vmtoolsd --cmd``), looked up
  like every host path, else RPCI over the backdoor port as the reference does. Detection: DMI
  says VMware; otherwise the platform is not VMware and there is no config (the reference's
  "no provider"). amd64 only, as in the reference.
- Metadata for cloud-config (coreos-cloudinit's VMware datasource): ``hostname``, the
  addresses of ``interface.N.ip.M.address`` by ``interface.N.role`` (public/private), and the
  ``dns.*`` and ``interface.N.*`` keys as the ``vmware`` network description.
- ``ignition-rmcfg``: the data is overwritten with ``e30K`` (``{}``), the encoding set to
  ``base64``, and both are pruned from the OVF environment (properties cannot be deleted).
"""

from __future__ import annotations

import base64
import binascii
import platform
import xml.etree.ElementTree as ET
from collections.abc import Callable

from ignition.config.detect import DecompressionError, gunzip
from ignition.config.model import Resource
from ignition.system import hostroot
from providers import _instance
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

DATA_KEYS = ("ignition.config.data", "coreos.config.data")
URL_KEYS = ("ignition.config.url", "coreos.config.url")
OVF_NS = "http://schemas.dmtf.org/ovf/environment/1"
EMPTY_CONFIG_B64 = "e30K"
MAX_INTERFACES = 16  # guestinfo has no list length: stop at the first gap, or here


def is_vmware() -> bool:
    for f in ("sys_vendor", "product_name"):
        value = hostroot.read_text(f"/sys/class/dmi/id/{f}") or ""
        if value.startswith(("VMware", "VMW")):
            return True
    return False


class GuestInfo:
    """guestinfo through ``vmware-rpctool`` or ``vmtoolsd`` when installed, else the backdoor
    port itself (:mod:`providers._vmbackdoor`; never under a test host root, whose DMI facts
    are made up)."""

    def _call(self, command: str) -> tuple[bool, str]:
        if hostroot.which("vmware-rpctool"):
            done = hostroot.run(["vmware-rpctool", command], check=False)
        elif hostroot.which("vmtoolsd"):
            done = hostroot.run(["vmtoolsd", "--cmd", command], check=False)
        elif not hostroot.root():
            from providers import _vmbackdoor

            if not _vmbackdoor.is_virtual_world():
                raise ProviderError("the VMware backdoor did not answer")
            try:
                return _vmbackdoor.rpci(command)
            except OSError as exc:
                raise ProviderError(f"guestinfo over the backdoor: {exc}") from None
        else:
            raise ProviderError("no guestinfo transport: vmware-rpctool or vmtoolsd is needed")
        return done.returncode == 0, done.stdout.decode("utf-8", "replace").removesuffix("\n")

    def get(self, key: str) -> str | None:
        ok, value = self._call(f"info-get guestinfo.{key}")
        return value if ok else None  # "No value found"

    def set(self, key: str, value: str) -> None:
        ok, _ = self._call(f"info-set guestinfo.{key} {value}")
        if not ok:
            raise ProviderError(f"couldn't set guestinfo.{key}")


def ovf_properties(xml: str) -> dict[str, str]:
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise ProviderError(f"guestinfo.ovfenv is not XML: {exc}") from None
    props = {}
    for prop in root.iter(f"{{{OVF_NS}}}Property"):
        key = prop.get(f"{{{OVF_NS}}}key") or ""
        props[key.removeprefix("guestinfo.")] = prop.get(f"{{{OVF_NS}}}value") or ""
    return props


def decode(data: str, encoding: str) -> bytes:
    enc = encoding.strip().lower()
    raw = data.encode()
    try:
        if enc == "":
            return raw
        if enc in ("b64", "base64"):
            return base64.b64decode(b"".join(raw.split()), validate=True)
        # gunzip is bounded: a gzip bomb is an error, not a MemoryError
        if enc in ("gz", "gzip"):
            return gunzip(raw)
        if enc in ("gz+base64", "gzip+base64", "gz+b64", "gzip+b64"):
            return gunzip(base64.b64decode(b"".join(raw.split()), validate=True))
    except (binascii.Error, ValueError, DecompressionError) as exc:
        raise ProviderError(f"guestinfo config data is not valid {enc}: {exc}") from None
    raise ProviderError(f"unsupported encoding {encoding!r}")


class VmwareProvider(Provider):
    name: ClassVar[str] = "vmware"

    def __init__(self, guestinfo: GuestInfo | None = None) -> None:
        self.guestinfo = guestinfo or GuestInfo()

    def _values(self) -> dict[str, str]:
        gi = self.guestinfo
        ovfenv = gi.get("ovfenv")
        values = ovf_properties(ovfenv) if ovfenv else {}
        for key in DATA_KEYS + URL_KEYS:
            for k in (key, f"{key}.encoding"):
                direct = gi.get(k)
                if direct is not None:
                    values[k] = direct
        return values

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        if platform.machine() not in ("x86_64", "AMD64"):
            raise ProviderError("vmware provider is not supported on this architecture")
        if not is_vmware():
            ctx.log.warning("not running on VMware: no config from guestinfo")
            return None
        values = self._values()
        for key in DATA_KEYS:
            if values.get(key):
                ctx.log.info(f"using config from guestinfo.{key}")
                return decode(values[key], values.get(f"{key}.encoding", "")) or None
        for key in URL_KEYS:
            if values.get(key):
                ctx.log.info(f"fetching config from guestinfo.{key}")
                return ctx.fetcher.fetch(Resource(source=values[key]), what="config") or None
        ctx.log.info("no config in guestinfo: no config")
        return None

    def metadata(self, ctx: ProviderContext) -> InstanceMetadata | None:
        if not is_vmware():
            return None
        gi = self.guestinfo
        ovfenv = gi.get("ovfenv")
        defaults = ovf_properties(ovfenv) if ovfenv else {}

        def get(key: str) -> str:
            value = gi.get(key)
            return (value if value is not None else defaults.get(key, "")).strip()

        return metadata_from(ctx, get)

    def delete_config(self, ctx: ProviderContext) -> None:
        gi = self.guestinfo
        for key in DATA_KEYS:
            if gi.get(key):
                gi.set(key, EMPTY_CONFIG_B64)
                gi.set(f"{key}.encoding", "base64")
        ovfenv = gi.get("ovfenv")
        if ovfenv:
            gi.set("ovfenv", prune_ovf(ovfenv))
        ctx.log.info("deleted the config from guestinfo")


def metadata_from(ctx: ProviderContext, get: Callable[[str], str]) -> InstanceMetadata:
    """coreos-cloudinit's VMware metadata from guestinfo values (``get`` answers "" for a key
    that is not set): the host name, the addresses by ``interface.N.role``, and every network
    key it kept for ``-convert-netconf vmware``."""
    netconf: dict[str, str] = {}

    def keep(key: str) -> str:
        value = get(key)
        if value:
            netconf[key] = value
        return value

    for kind in ("server", "domain"):
        for n in range(MAX_INTERFACES):
            if not keep(f"dns.{kind}.{n}"):
                break
    found: dict[str, str] = {}
    for i in range(MAX_INTERFACES):
        role = get(f"interface.{i}.role")
        if role not in ("", "public", "private"):
            raise ProviderError(f"guestinfo.interface.{i}.role is not public or private")
        present = [bool(keep(f"interface.{i}.{k}")) for k in ("name", "mac", "dhcp")]
        for a in range(MAX_INTERFACES):
            value = keep(f"interface.{i}.ip.{a}.address")
            if not value:
                break
            present.append(True)
            ip = _instance.address(ctx, value, f"interface.{i}.ip.{a}.address")
            if ip and role:
                found[f"{role}_ipv{6 if ':' in ip else 4}"] = ip
        for r in range(MAX_INTERFACES):
            route = [keep(f"interface.{i}.route.{r}.{k}") for k in ("gateway", "destination")]
            if not any(route):
                break
            present.append(True)
        if not any(present):
            break
    return InstanceMetadata(
        hostname=get("hostname"),
        public_ipv4=found.get("public_ipv4", ""),
        private_ipv4=found.get("private_ipv4", ""),
        public_ipv6=found.get("public_ipv6", ""),
        private_ipv6=found.get("private_ipv6", ""),
        network=NetworkConfig("vmware", netconf) if netconf else None,
    )


def prune_ovf(xml: str) -> str:
    ET.register_namespace("", OVF_NS)
    ET.register_namespace("oe", OVF_NS)
    root = ET.fromstring(xml)
    drop = {f"guestinfo.{k}{s}" for k in DATA_KEYS + URL_KEYS for s in ("", ".encoding")}
    for parent in list(root.iter()):
        for child in list(parent):
            key = child.get(f"{{{OVF_NS}}}key") or ""
            if child.tag == f"{{{OVF_NS}}}Property" and (key in drop or f"guestinfo.{key}" in drop):
                parent.remove(child)
    return ET.tostring(root, encoding="unicode")
