"""``vmware``: the guestinfo keys (``guestinfo.`` dropped) coreos-cloudinit collected.

``dns.server.N`` and ``dns.domain.N`` for every interface; then ``interface.N.`` for N = 0, 1,
... until one has neither addresses, routes nor DHCP: ``name``, ``mac``, ``dhcp`` (``yes`` or
``no``), ``ip.M.address`` (``address/prefix``), ``route.M.gateway`` with
``route.M.destination`` (``network/prefix``). Static when it has addresses or routes, else DHCP.
"""

from __future__ import annotations

from collections.abc import Mapping

from cloudinit.netconf import MAX_INTERFACES, Netconf, NetconfError
from cloudinit.netconf.goaddr import parse_cidr, parse_ip, parse_mac
from cloudinit.netconf.interfaces import Config, Interface, Net, Route, render


def process(data: object) -> Netconf:
    if not isinstance(data, Mapping):
        raise NetconfError("the vmware network config must be the guestinfo keys")
    config: Mapping[str, str] = data
    nameservers: list[bytes | None] = []
    for i in range(MAX_INTERFACES + 1):
        text = config.get(f"dns.server.{i}")
        if text is None:
            break
        ip = parse_ip(text)
        if ip is None:
            raise NetconfError(f"guestinfo.dns.server.{i} is not an IP address")
        nameservers.append(ip)
    domains = []
    for i in range(MAX_INTERFACES + 1):
        domain = config.get(f"dns.domain.{i}")
        if domain is None:
            break
        if not domain or any(c.isspace() for c in domain):
            raise NetconfError(f"guestinfo.dns.domain.{i} is not a domain name")
        domains.append(domain)
    out: list[Interface] = []
    for i in range(MAX_INTERFACES + 1):
        iface = _interface(config, i, nameservers, domains)
        if iface is None:
            break
        if i == MAX_INTERFACES:
            raise NetconfError(f"more than {MAX_INTERFACES} interfaces")
        out.append(iface)
    return render(out, warnings=[])


def _interface(
    config: Mapping[str, str], i: int, nameservers: list[bytes | None], domains: list[str]
) -> Interface | None:
    prefix = f"interface.{i}."
    dhcp = config.get(prefix + "dhcp")
    if dhcp not in (None, "yes", "no"):
        raise NetconfError(f"guestinfo.{prefix}dhcp is not yes or no")
    addresses = []
    for a in range(MAX_INTERFACES + 1):
        text = config.get(f"{prefix}ip.{a}.address")
        if text is None:
            break
        cidr = parse_cidr(text)
        if cidr is None:
            raise NetconfError(f"guestinfo.{prefix}ip.{a}.address is not address/prefix")
        addresses.append(Net(cidr[0], cidr[2]))
    routes = []
    for r in range(MAX_INTERFACES + 1):
        gateway = config.get(f"{prefix}route.{r}.gateway")
        destination = config.get(f"{prefix}route.{r}.destination")
        if gateway is None and destination is None:
            break
        if gateway is None or destination is None:
            missing = "gateway" if gateway is None else "destination"
            raise NetconfError(f"guestinfo.{prefix}route.{r}: missing {missing} key")
        gw = parse_ip(gateway)
        if gw is None:
            raise NetconfError(f"guestinfo.{prefix}route.{r}.gateway is not an IP address")
        dest = parse_cidr(destination)
        if dest is None:
            raise NetconfError(f"guestinfo.{prefix}route.{r}.destination is not network/prefix")
        routes.append(Route(Net(dest[1], dest[2]), gw))
    hwaddr = None
    if prefix + "mac" in config:
        hwaddr = parse_mac(config[prefix + "mac"])
        if hwaddr is None:
            raise NetconfError(f"guestinfo.{prefix}mac is not a MAC address")
    name = config.get(prefix + "name", "")
    if addresses or routes:
        c = Config(
            "static",
            addresses=addresses,
            nameservers=list(nameservers),
            domains=list(domains),
            routes=routes,
            hwaddress=hwaddr,
        )
    elif dhcp == "yes":
        c = Config("dhcp", hwaddress=hwaddr)
    else:
        return None
    return Interface(name, "physical", c, hwaddr=hwaddr)
