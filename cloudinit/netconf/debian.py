"""``debian``: an ifupdown ``interfaces`` file (OpenStack/Rackspace config drives).

As coreos-cloudinit read it: ``\\``-continued lines joined, comments and blank lines dropped,
stanzas started by ``auto``, ``iface``, ``mapping`` and ``allow-*`` (``mapping`` is an
error, as there). ``iface NAME inet METHOD`` with
``static`` (``address``, ``netmask``, ``gateway``, ``dns-nameservers``, ``hwaddress ether``,
``post-up route add -net ... netmask ... gw ...``), ``dhcp``, ``manual`` or ``loopback``
(skipped). A name with a dot, or a ``vlan_raw_device`` option, makes a VLAN (id after the last
dot, or after ``vlan``); ``bond-slaves`` makes a bond (``bond-mode``, ``bond-miimon``,
``bond-lacp-rate`` as its options); slaves and raw devices without a stanza of their own are
``manual`` NICs.

Beyond the reference (which refused these inputs or left the VLAN detached): ``inet6``
stanzas (``netmask`` a prefix length, ``address`` with ``/prefix``, ``auto`` method) add to the
interface's ``inet`` stanza instead of replacing it; ``address`` may carry its ``/prefix``;
``allow-*`` lines are read like ``auto``; ``vlan-raw-device`` is ``vlan_raw_device``; a dotted
VLAN name without either hangs under the part before the dot; ``bond-master`` on a slave and
``bond-slaves none`` (Debian's other bonding style) attach the slave. Options the reference
ignored are named in the warnings.
"""

from __future__ import annotations

from cloudinit.netconf import MAX_INTERFACES, Netconf, NetconfError
from cloudinit.netconf.goaddr import ZERO6, ipv4, parse_cidr, parse_ip, parse_mac, to4
from cloudinit.netconf.interfaces import Config, Interface, Net, Route, link, render

MAX_SIZE = 1 << 20
MAX_STANZAS = 4 * MAX_INTERFACES
BOND_OPTIONS = ("mode", "miimon", "lacp-rate")
# options that carry nothing networkd needs (derived from the address, or structural)
QUIET = frozenset(
    {"address", "netmask", "gateway", "dns-nameservers", "hwaddress", "broadcast", "network"}
    | {"bond-slaves", "bond-master", "vlan_raw_device", "vlan-raw-device", "post-up", "pre-down"}
    | {f"bond-{o}" for o in BOND_OPTIONS}
)


def process(data: object) -> Netconf:
    if not isinstance(data, bytes):
        raise NetconfError("the debian network config must be the interfaces file's bytes")
    if len(data) > MAX_SIZE:
        raise NetconfError(f"the interfaces file is larger than {MAX_SIZE} bytes")
    text = data.decode("utf-8", "replace")
    warnings: list[str] = []
    stanzas = parse(lines(text), warnings)
    return render(build(stanzas), warnings=warnings)


def lines(text: str) -> list[tuple[int, str]]:
    """(line number, text) of every meaningful line; continuation lines joined."""
    out: list[tuple[int, str]] = []
    number, pending = 0, ""
    start = 1
    for raw in text.split("\n"):
        number += 1
        if not pending:
            start = number
        if raw.endswith("\\"):
            pending += raw[:-1]
            continue
        line = (pending + raw).strip()
        pending = ""
        if line and not line.startswith("#"):
            out.append((start, line))
    if pending.strip() and not pending.strip().startswith("#"):
        out.append((start, pending.strip()))
    return out


class Stanza:
    __slots__ = ("family", "kind", "line", "method", "name", "options")

    def __init__(self, name: str, family: str, method: str, line: int) -> None:
        self.name, self.family, self.method, self.line = name, family, method, line
        self.kind = "physical"
        self.options: dict[str, list[str]] = {}


def _is_start(line: str) -> bool:
    return line.split(" ")[0] in ("auto", "iface", "mapping") or line.startswith("allow-")


def parse(numbered: list[tuple[int, str]], warnings: list[str]) -> list[Stanza]:
    stanzas: list[Stanza] = []
    current: Stanza | None = None
    started = False
    for number, line in numbered:
        if _is_start(line):
            if len(stanzas) >= MAX_STANZAS:
                raise NetconfError(f"more than {MAX_STANZAS} stanzas")
            started = True
            current = _start(line, number)
            if current is not None:
                stanzas.append(current)
        elif not started:
            raise NetconfError(f"line {number}: an option outside any stanza")
        elif current is not None:  # options of `auto` lines mean nothing
            _option(current, line)
    for s in stanzas:
        _classify(s, warnings)
    return stanzas


def _start(line: str, number: int) -> Stanza | None:
    tokens = line.split()
    if len(tokens) < 2:
        raise NetconfError(f"line {number}: malformed stanza start")
    kind, attrs = tokens[0], tokens[1:]
    if kind == "auto" or kind.startswith("allow-"):
        return None
    if kind != "iface":
        raise NetconfError(f"line {number}: unknown stanza {kind[:40]!r}")
    if len(attrs) != 3:
        raise NetconfError(f"line {number}: iface needs a name, an address family and a method")
    name, family, method = attrs
    if family not in ("inet", "inet6"):
        raise NetconfError(f"line {number}: address family {family[:20]!r} is not inet or inet6")
    return Stanza(name, family, method, number)


def _option(s: Stanza, line: str) -> None:
    if line.startswith(("post-up", "pre-down")):
        key = "post-up" if line.startswith("post-up") else "pre-down"
        _head, sep, rest = line.partition(" ")
        if sep:
            s.options.setdefault(key, []).append(rest)
        return
    tokens = line.split()
    s.options[tokens[0]] = tokens[1:]


def _classify(s: Stanza, warnings: list[str]) -> None:
    o = s.options
    if "vlan-raw-device" in o and "vlan_raw_device" not in o:
        o["vlan_raw_device"] = o["vlan-raw-device"]
    if "vlan_raw_device" in o or "." in s.name:
        s.kind = "vlan"
    elif "bond-slaves" in o:
        s.kind = "bond"
    ignored = sorted(k for k in o if k not in QUIET)
    ignored += ["post-up " + cmd.split()[0] for cmd in o.get("post-up", []) if not _is_route(cmd)]
    for k in ignored:
        warnings.append(f"{s.name}: option {k[:40]!r} is not carried over")


def _is_route(cmd: str) -> bool:
    return cmd.startswith("route add")


def _config(s: Stanza) -> Config:
    o, where = s.options, f"line {s.line} ({s.name})"
    if s.method == "loopback":
        return Config("loopback")
    if s.method == "manual" or (s.family == "inet6" and s.method == "auto"):
        return Config("manual")
    if s.method == "dhcp":
        return Config("dhcp", hwaddress=_hwaddress(o, where))
    if s.method != "static":
        raise NetconfError(f"{where}: invalid config method {s.method[:20]!r}")
    c = Config("static", hwaddress=_hwaddress(o, where))
    c.addresses.append(_address(s, where))
    gateways = o.get("gateway", [])
    if len(gateways) == 1:
        dest = Net(ZERO6, ZERO6) if s.family == "inet6" else Net(ipv4(0, 0, 0, 0), bytes(4))
        c.routes.append(Route(dest, parse_ip(gateways[0])))
    c.nameservers = [parse_ip(ns) for ns in o.get("dns-nameservers", [])]
    for cmd in o.get("post-up", []):
        if _is_route(cmd):
            route = _route(cmd)
            if route is not None:
                c.routes.append(route)
    return c


def _address(s: Stanza, where: str) -> Net:
    o = s.options
    values = o.get("address", [])
    text = values[0] if len(values) == 1 else ""
    masks = o.get("netmask", [])
    cidr = parse_cidr(text) if "/" in text else None
    if cidr is not None and not masks:  # address 10.0.0.5/24 (newer ifupdown)
        return Net(cidr[0], cidr[2])
    ip = parse_ip(text)
    if ip is None:
        raise NetconfError(f"{where}: missing address in static interface definition")
    if len(masks) != 1:
        raise NetconfError(f"{where}: missing netmask in static interface definition")
    if s.family == "inet6" or to4(ip) is None:
        prefix = parse_cidr(f"{text}/{masks[0]}")
        if prefix is None:
            raise NetconfError(f"{where}: the inet6 netmask is not a prefix length")
        return Net(ip, prefix[2])
    mask = to4(parse_ip(masks[0]))
    if mask is None:
        raise NetconfError(f"{where}: missing netmask in static interface definition")
    return Net(ip, mask)


def _hwaddress(o: dict[str, list[str]], where: str) -> bytes | None:
    hw = o.get("hwaddress", [])
    if len(hw) == 2 and hw[0] == "ether":
        mac = parse_mac(hw[1])
        if mac is None:
            raise NetconfError(f"{where}: malformed hwaddress option")
        return mac
    return None


def _route(cmd: str) -> Route | None:
    """``route add -net DEST [netmask MASK] gw GATEWAY``; None when a part is missing."""
    dest_ip: bytes | None = None
    dest_mask: bytes | None = None
    gateway: bytes | None = None
    fields = cmd.split()
    for i, f in enumerate(fields[:-1]):
        nxt = fields[i + 1]
        if f == "-net":
            cidr = parse_cidr(nxt)
            if cidr is not None:
                dest_ip, dest_mask = cidr[1], cidr[2]
            else:
                dest_ip = parse_ip(nxt)
        elif f == "netmask":
            dest_mask = to4(parse_ip(nxt))
        elif f == "gw":
            gateway = parse_ip(nxt)
    if dest_ip is None or dest_mask is None or gateway is None:
        return None
    return Route(Net(dest_ip, dest_mask), gateway)


def build(stanzas: list[Stanza]) -> list[Interface]:
    """The reference's ``createInterfaces`` (stanzas in file order; an interface's stanza of
    the other address family merged into it), then the stacks linked, in name order."""
    interfaces: dict[str, Interface] = {}
    families: dict[str, str] = {}

    def manual_nic(name: str) -> None:
        if name not in interfaces:
            interfaces[name] = Interface(name)

    for s in stanzas:
        config = _config(s)
        if config.method == "loopback":
            continue
        previous = interfaces.get(s.name)
        if previous is not None and families.get(s.name, s.family) != s.family:
            _merge(previous.config, config)
            continue
        families[s.name] = s.family
        if s.kind == "bond":
            slaves = [n for n in s.options["bond-slaves"] if n != "none"]
            options = {
                k: s.options[f"bond-{k}"][0] for k in BOND_OPTIONS if s.options.get(f"bond-{k}")
            }
            interfaces[s.name] = Interface(s.name, "bond", config, slaves=slaves, options=options)
            for slave in slaves:
                manual_nic(slave)
        elif s.kind == "vlan":
            vlan_id, raw = _vlan(s)
            if raw:
                manual_nic(raw)
            interfaces[s.name] = Interface(s.name, "vlan", config, vlan_id=vlan_id, raw_device=raw)
        else:
            interfaces[s.name] = Interface(s.name, "physical", config)
        if len(interfaces) > MAX_INTERFACES:
            raise NetconfError(f"more than {MAX_INTERFACES} interfaces")
    for s in stanzas:  # Debian's other spelling: `bond-master` on each slave
        master = interfaces.get((s.options.get("bond-master") or [""])[0])
        if master is not None and master.kind == "bond" and s.name not in master.slaves:
            master.slaves.append(s.name)
    link(interfaces)
    return [interfaces[n] for n in sorted(interfaces)]


def _merge(into: Config, extra: Config) -> None:
    if extra.method == "dhcp":
        into.dhcp = True
    if into.method == "manual" and extra.method == "static":
        into.method = "static"
    into.addresses += extra.addresses
    into.nameservers += [ns for ns in extra.nameservers if ns not in into.nameservers]
    into.routes += extra.routes
    into.hwaddress = into.hwaddress or extra.hwaddress


def _vlan(s: Stanza) -> tuple[int, str]:
    where = f"line {s.line} ({s.name})"
    if "." in s.name:
        base, _, vid = s.name.rpartition(".")
    elif s.name.startswith("vlan"):
        base, vid = "", s.name.removeprefix("vlan")
    else:
        raise NetconfError(f"{where}: malformed vlan name")
    if not vid.isascii() or not vid.isdigit() or not 0 <= int(vid[:6]) <= 4094:
        raise NetconfError(f"{where}: malformed vlan name")
    device = s.options.get("vlan_raw_device", [])
    raw = device[0] if len(device) == 1 else base
    return int(vid), raw
