"""``digitalocean``: ``metadata/v1.json``'s ``interfaces`` and ``dns``.

One file per interface, matched by MAC address (``00-<mac>.network``): public interfaces get
their IPv4 and IPv6 addresses, the anchor IPv4 address, the nameservers and default routes
through their gateways; private interfaces their addresses only.
"""

from __future__ import annotations

from typing import Any

from cloudinit.netconf import Netconf, NetconfError
from cloudinit.netconf._json import array, integer, obj, string
from cloudinit.netconf.goaddr import ZERO6, cidr_mask, ipv4, parse_ip, parse_mac
from cloudinit.netconf.interfaces import Config, Interface, Net, Route, render


def process(data: object) -> Netconf:
    doc = obj(data, "the metadata")
    dns = obj(doc.get("dns"), "dns")
    nameservers = []
    for i, ns in enumerate(array(dns, "nameservers", "dns")):
        ip = parse_ip(ns) if isinstance(ns, str) else None
        if ip is None:
            raise NetconfError(f"dns.nameservers[{i}] is not an IP address")
        nameservers.append(ip)
    interfaces = obj(doc.get("interfaces"), "interfaces")
    out: list[Interface] = []
    for side, public in (("public", True), ("private", False)):
        for n, iface in enumerate(array(interfaces, side, "interfaces")):
            where = f"interfaces.{side}[{n}]"
            out.append(_interface(obj(iface, where), where, nameservers if public else [], public))
    return render(out, warnings=[])


def _interface(
    iface: dict[str, Any], where: str, nameservers: list[bytes], use_route: bool
) -> Interface:
    c = Config("static", nameservers=list(nameservers))
    if iface.get("ipv4") is not None:
        v4 = obj(iface["ipv4"], f"{where}.ipv4")
        ip = _ip(v4, "ip_address", f"{where}.ipv4")
        mask = _ip(v4, "netmask", f"{where}.ipv4")
        c.addresses.append(Net(ip, mask))
        if use_route:
            gateway = _ip(v4, "gateway", f"{where}.ipv4")
            c.routes.append(Route(Net(ipv4(0, 0, 0, 0), ipv4(0, 0, 0, 0)), gateway))
    if iface.get("ipv6") is not None:
        v6 = obj(iface["ipv6"], f"{where}.ipv6")
        ip = _ip(v6, "ip_address", f"{where}.ipv6")
        c.addresses.append(Net(ip, cidr_mask(integer(v6, "cidr", f"{where}.ipv6"), 128)))
        if use_route:
            gateway = _ip(v6, "gateway", f"{where}.ipv6")
            c.routes.append(Route(Net(ZERO6, ZERO6), gateway))
    if iface.get("anchor_ipv4") is not None:
        anchor = obj(iface["anchor_ipv4"], f"{where}.anchor_ipv4")
        ip = _ip(anchor, "ip_address", f"{where}.anchor_ipv4")
        c.addresses.append(Net(ip, _ip(anchor, "netmask", f"{where}.anchor_ipv4")))
    mac = parse_mac(string(iface, "mac", where))
    if mac is None:
        raise NetconfError(f"{where}.mac is not a MAC address")
    return Interface("", "physical", c, hwaddr=mac)


def _ip(doc: dict[str, Any], key: str, where: str) -> bytes:
    ip = parse_ip(string(doc, key, where))
    if ip is None:
        raise NetconfError(f"{where}.{key} is not an IP address")
    return ip
