"""``packet``: Equinix Metal's ``/metadata`` ``network`` object.

Every interface is a slave of ``bond0`` (802.3ad, fast LACP, 200 ms monitor and delays, the
first interface's MAC address); the bond carries every address block, with a default route
through each public block's gateway and ``10.0.0.0/8`` through the private ones'. The
nameservers are the document's ``dns``, else Google's, on every interface. Each slave's file
is numbered by its place in the list, the bond's is ``00``.
"""

from __future__ import annotations

from typing import Any

from cloudinit.netconf import Netconf, NetconfError
from cloudinit.netconf._json import array, integer, obj, string
from cloudinit.netconf.goaddr import ZERO6, ipv4, parse_ip, parse_mac
from cloudinit.netconf.interfaces import Config, Interface, Net, Route, render

BOND_OPTIONS = {
    "Mode": "802.3ad",
    "LACPTransmitRate": "fast",
    "MIIMonitorSec": ".2",
    "UpDelaySec": ".2",
    "DownDelaySec": ".2",
}


def process(data: object) -> Netconf:
    doc = obj(data, "the network metadata")
    nameservers: list[bytes | None] = [ipv4(8, 8, 8, 8), ipv4(8, 8, 4, 4)]
    if doc.get("dns") is not None:
        nameservers = [
            parse_ip(ns) if isinstance(ns, str) else None for ns in array(doc, "dns", "network")
        ]
    addresses: list[Net] = []
    routes: list[Route] = []
    for n, raw in enumerate(array(doc, "addresses", "network")):
        where = f"network.addresses[{n}]"
        block = obj(raw, where)
        address, netmask, gateway = (
            _ip(block, k, where) for k in ("address", "netmask", "gateway")
        )
        addresses.append(Net(address, netmask))
        if block.get("public") is not True:
            routes.append(Route(Net(ipv4(10, 0, 0, 0), bytes((255, 0, 0, 0))), gateway))
        elif integer(block, "address_family", where) == 4:
            routes.append(Route(Net(ipv4(0, 0, 0, 0), ipv4(0, 0, 0, 0)), gateway))
        else:
            routes.append(Route(Net(ZERO6, ZERO6), gateway))
    nics = [
        obj(nic, f"network.interfaces[{n}]")
        for n, nic in enumerate(array(doc, "interfaces", "network"))
    ]
    if not nics:
        raise NetconfError("network.interfaces is empty: there is nothing to bond")
    mac = parse_mac(string(nics[0], "mac", "network.interfaces[0]"))
    bond = Interface(
        "bond0",
        "bond",
        Config("static", addresses=addresses, nameservers=list(nameservers), routes=routes),
        hwaddr=mac,
        options=dict(BOND_OPTIONS),
    )
    out: list[Interface] = []
    for index, nic in enumerate(nics):
        name = string(nic, "name", f"network.interfaces[{index}]")
        bond.slaves.append(name)
        slave = Interface(name, "physical", Config("static", nameservers=list(nameservers)))
        slave.children.append(bond)
        slave.depth = index
        out.append(slave)
    out.append(bond)
    return render(out, warnings=[], module_options=False)


def _ip(block: dict[str, Any], key: str, where: str) -> bytes | None:
    text = string(block, key, where)
    if not text:
        return None
    ip = parse_ip(text)
    if ip is None:
        raise NetconfError(f"{where}.{key} is not an IP address")
    return ip
