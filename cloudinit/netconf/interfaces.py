"""Network interfaces and the networkd files coreos-cloudinit wrote for them.

Each interface gives up to three files named ``<depth>-<name>`` (two hexadecimal digits; the
name is the MAC address when the source names no interface): ``.netdev`` for bonds and VLANs,
then ``.network``. An interface's depth is one more than the deepest device stacked on it
(a VLAN over a bond over two NICs: VLAN 00, bond 01, NICs 02), so devices come up in order.
The text of every section is the reference's, line for line.
"""

from __future__ import annotations

import re

from cloudinit.netconf import MAX_INTERFACES, Netconf, NetconfError
from cloudinit.netconf.goaddr import ip_string, ipnet_string, mac_string, usable_net
from ignition.util.record import field, record

# what Linux accepts as an interface name (no '/', no blanks, at most 15 bytes)
_IFNAME = re.compile(r"[A-Za-z0-9_.:@+-]{1,15}")


@record(frozen=False)
class Net:
    ip: bytes | None
    mask: bytes | None


@record(frozen=False)
class Route:
    destination: Net
    gateway: bytes | None


@record(frozen=False)
class Config:
    """How an interface is configured: ``static`` (addresses, DNS, routes), ``dhcp`` or
    ``manual`` (nothing but its place in the stack)."""

    method: str = "manual"
    addresses: list[Net] = field(default_factory=list)
    nameservers: list[bytes | None] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    hwaddress: bytes | None = None
    dhcp: bool = False  # also DHCP (a static inet6 stanza next to a dhcp inet one)


@record(frozen=False)
class Interface:
    name: str
    kind: str = "physical"  # physical | bond | vlan
    config: Config = field(default_factory=Config)
    hwaddr: bytes | None = None
    children: list[Interface] = field(default_factory=list)
    depth: int = 0
    slaves: list[str] = field(default_factory=list)  # bond
    options: dict[str, str] = field(default_factory=dict)  # bond: [Bond] keys
    vlan_id: int = 0  # vlan
    raw_device: str = ""  # vlan

    def filename(self) -> str:
        return f"{self.depth:02x}-{self.name or mac_string(self.hwaddr)}"

    def network(self) -> str:
        out = "[Match]\n"
        if self.name:
            out += f"Name={self.name}\n"
        if self.hwaddr:
            out += f"MACAddress={mac_string(self.hwaddr)}\n"
        out += "\n[Network]\n"
        for child in self.children:
            out += f"{'VLAN' if child.kind == 'vlan' else 'Bond'}={child.name}\n"
        c = self.config
        for ns in c.nameservers:
            out += f"DNS={ip_string(ns)}\n"
        for d in c.domains:
            out += f"Domains={d}\n"
        if c.method == "dhcp" or c.dhcp:
            out += "DHCP=true\n"
        for a in c.addresses:
            out += f"\n[Address]\nAddress={ipnet_string(a.ip, a.mask)}\n"
        for r in c.routes:
            dest = ipnet_string(r.destination.ip, r.destination.mask)
            out += f"\n[Route]\nDestination={dest}\nGateway={ip_string(r.gateway)}\n"
        return out

    def netdev(self) -> str:
        if self.kind == "bond":
            out = f"[NetDev]\nKind=bond\nName={self.name}\n"
            if self.hwaddr:
                out += f"MACAddress={mac_string(self.hwaddr)}\n"
            out += "\n[Bond]\n"
            for k in sorted(self.options):
                out += f"{k}={self.options[k]}\n"
            return out
        if self.kind == "vlan":
            out = f"[NetDev]\nKind=vlan\nName={self.name}\n"
            if self.config.method in ("static", "dhcp") and self.config.hwaddress:
                out += f"MACAddress={mac_string(self.config.hwaddress)}\n"
            return out + f"\n[VLAN]\nId={self.vlan_id}\n"
        return ""

    def modprobe_params(self) -> str:
        return " ".join(f"{k}={self.options[k]}" for k in sorted(self.options))


def link(interfaces: dict[str, Interface]) -> None:
    """Hang every VLAN under its raw device and every bond under its slaves (in name order,
    as the reference), then number the depths from the top of each stack."""
    for name in sorted(interfaces):
        i = interfaces[name]
        parents = [i.raw_device] if i.kind == "vlan" else i.slaves if i.kind == "bond" else []
        for p in parents:
            parent = interfaces.get(p)
            if parent is not None and parent.kind in ("physical", "bond"):
                parent.children.append(i)
    children = {c.name for i in interfaces.values() for c in i.children}
    if interfaces and len(children) == len(interfaces):
        raise NetconfError("the interfaces are stacked in a cycle")
    done: dict[str, int] = {}
    for name in sorted(interfaces):
        if name not in children:
            _set_depth(interfaces[name], set(), done)


def _set_depth(i: Interface, above: set[str], done: dict[str, int]) -> int:
    """The depth below ``i`` plus one (each interface computed once: a shared slave is not
    walked again)."""
    if i.name in done:
        return done[i.name]
    if i.name in above:
        raise NetconfError(f"interface {i.name} is stacked on itself")
    above.add(i.name)
    deepest = 0
    for child in i.children:
        deepest = max(deepest, _set_depth(child, above, done))
    above.discard(i.name)
    i.depth = deepest
    done[i.name] = deepest + 1
    return deepest + 1


def render(
    ordered: list[Interface], *, warnings: list[str], module_options: bool = True
) -> Netconf:
    """The files of ``ordered`` (the reference's order), after the checks that keep a broken
    unit from being written. ``module_options``: the first bond's options are the bonding
    module's (debian's ``bond-*``; Equinix Metal's are networkd's own ``[Bond]`` keys)."""
    if len(ordered) > MAX_INTERFACES:
        raise NetconfError(f"more than {MAX_INTERFACES} interfaces")
    files: list[tuple[str, str]] = []
    for i in ordered:
        check(i)
        base = i.filename()
        netdev = i.netdev()
        if netdev:
            files.append((f"{base}.netdev", netdev))
        files.append((f"{base}.network", i.network()))
    names = [n for n, _ in files]
    if len(set(names)) != len(names):
        raise NetconfError("two interfaces would be written to the same file")
    bond = next((i for i in ordered if i.kind == "bond"), None)
    return Netconf(
        files=tuple(files),
        bonding_options=bond.modprobe_params() if bond is not None and module_options else "",
        bond=bond is not None,
        vlan=any(i.kind == "vlan" for i in ordered),
        warnings=tuple(warnings),
    )


def check(i: Interface) -> None:
    """What networkd would reject: a name that is no interface name (or a path), an address
    that prints as ``<nil>`` or with a hexadecimal mask, a missing gateway."""
    if i.name and (not _IFNAME.fullmatch(i.name) or i.name in (".", "..")):
        raise NetconfError(f"{i.name[:40]!r} is not an interface name")
    if not i.name and not i.hwaddr and i.kind != "physical":
        raise NetconfError("a bond or VLAN without a name")
    what = i.name or mac_string(i.hwaddr) or "the unnamed interface"
    for a in i.config.addresses:
        if not usable_net(a.ip, a.mask):
            raise NetconfError(f"{what}: an address has no usable netmask")
    for r in i.config.routes:
        if not usable_net(r.destination.ip, r.destination.mask):
            raise NetconfError(f"{what}: a route's destination has no usable netmask")
        if not r.gateway:
            raise NetconfError(f"{what}: a route has no valid gateway")
    if any(ns is None for ns in i.config.nameservers):
        raise NetconfError(f"{what}: a nameserver is not an IP address")
    for k, v in i.options.items():
        if not re.fullmatch(r"[A-Za-z0-9_.:+-]{1,64}", v):
            raise NetconfError(f"{what}: bond option {k} has an unusable value")
