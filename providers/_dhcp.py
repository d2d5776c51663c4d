"""DHCP lease facts some platforms need: the DHCP server (CloudStack's metadata host) and
option 245 (Azure's wireserver). Read from lease files, as the reference does for networkd
(docs/providers.md): systemd-networkd (``/run/systemd/netif/leases/<ifindex>``),
NetworkManager's internal client (same ``KEY=VALUE`` format) and dhclient."""

from __future__ import annotations

import ipaddress
import re

from ignition.system import hostroot

KV_DIRS = ("/run/systemd/netif/leases", "/var/lib/NetworkManager", "/run/NetworkManager")
DHCLIENT_DIRS = ("/var/lib/dhclient", "/var/lib/dhcp", "/var/lib/NetworkManager")
_DHCLIENT_SERVER = re.compile(r"option\s+dhcp-server-identifier\s+([0-9.]+);")
_DHCLIENT_245 = re.compile(r"option\s+unknown-245\s+([0-9a-fA-F:]+);")


def _kv_leases() -> list[dict[str, str]]:
    out = []
    for d in KV_DIRS:
        for name in hostroot.listdir(d):
            if d != KV_DIRS[0] and not name.endswith(".lease"):
                continue
            text = hostroot.read_text(f"{d}/{name}") or ""
            kv = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
            if kv:
                out.append(kv)
    return out


def _dhclient_text() -> list[str]:
    out = []
    for d in DHCLIENT_DIRS:
        for name in hostroot.listdir(d):
            if name.endswith((".lease", ".leases")):
                out.append(hostroot.read_text(f"{d}/{name}") or "")
    return out


def server_address() -> str | None:
    for kv in _kv_leases():
        if kv.get("SERVER_ADDRESS"):
            return kv["SERVER_ADDRESS"].strip()
    for text in _dhclient_text():
        found = _DHCLIENT_SERVER.findall(text)
        if found:
            return str(found[-1])
    return None


def option_245() -> str | None:
    """Option 245 as a dotted IPv4 address (leases store it as hex)."""
    raw: str | None = None
    for kv in _kv_leases():
        if kv.get("OPTION_245"):
            raw = kv["OPTION_245"].strip()
            break
    if raw is None:
        for text in _dhclient_text():
            found = _DHCLIENT_245.findall(text)
            if found:
                raw = found[-1]
                break
    if raw is None:
        return None
    try:
        return str(ipaddress.IPv4Address(bytes.fromhex(raw.replace(":", ""))))
    except ValueError:
        return None
