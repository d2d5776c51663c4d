"""``-convert-netconf``: each format's real-world input turned into the networkd files
coreos-cloudinit wrote (names, sections, line order), and hostile input refused cleanly."""

from __future__ import annotations

import pytest

from cloudinit.netconf import Netconf, NetconfError, generate
from cloudinit.netconf.goaddr import cidr_mask, ipnet_string, parse_cidr, parse_ip, parse_mac


def files(result: Netconf) -> dict[str, str]:
    return dict(result.files)


# An Ironic (Rackspace OnMetal) config drive's interfaces file: an LACP bond of two NICs and a
# tagged VLAN on it carrying the static address, in the style the reference understood.
ONMETAL = b"""\
# Injected by the bare-metal service
auto lo
iface lo inet loopback

auto eth0
iface eth0 inet manual
    bond-master bond0

auto eth1
iface eth1 inet manual
    bond-master bond0

auto bond0
iface bond0 inet manual
    bond-mode 4
    bond-miimon 100
    bond-lacp-rate 1
    bond-slaves eth0 eth1
    hwaddress ether a0:36:9f:5c:aa:01

auto bond0.101
iface bond0.101 inet static
    address 10.184.6.25
    netmask 255.255.255.224
    gateway 10.184.6.1
    dns-nameservers 69.20.0.164 69.20.0.196
    vlan_raw_device bond0
    hwaddress ether a0:36:9f:5c:aa:01
    post-up route add -net 10.176.0.0 netmask 255.240.0.0 gw 10.184.6.1 || true
    pre-down route del -net 10.176.0.0 netmask 255.240.0.0 gw 10.184.6.1 || true
"""


def test_debian_bond_and_vlan_stack_as_coreos_cloudinit_wrote_it() -> None:
    result = generate("debian", ONMETAL)
    assert [n for n, _ in result.files] == [
        "01-bond0.netdev",
        "01-bond0.network",
        "00-bond0.101.netdev",
        "00-bond0.101.network",
        "02-eth0.network",
        "02-eth1.network",
    ]
    f = files(result)
    assert f["01-bond0.netdev"] == (
        "[NetDev]\nKind=bond\nName=bond0\n\n[Bond]\nlacp-rate=1\nmiimon=100\nmode=4\n"
    )
    assert f["01-bond0.network"] == "[Match]\nName=bond0\n\n[Network]\nVLAN=bond0.101\n"
    assert f["00-bond0.101.netdev"] == (
        "[NetDev]\nKind=vlan\nName=bond0.101\nMACAddress=a0:36:9f:5c:aa:01\n\n[VLAN]\nId=101\n"
    )
    assert f["00-bond0.101.network"] == (
        "[Match]\nName=bond0.101\n\n[Network]\nDNS=69.20.0.164\nDNS=69.20.0.196\n"
        "\n[Address]\nAddress=10.184.6.25/27\n"
        "\n[Route]\nDestination=0.0.0.0/0\nGateway=10.184.6.1\n"
        "\n[Route]\nDestination=10.176.0.0/12\nGateway=10.184.6.1\n"
    )
    assert f["02-eth0.network"] == "[Match]\nName=eth0\n\n[Network]\nBond=bond0\n"
    assert f["02-eth1.network"] == "[Match]\nName=eth1\n\n[Network]\nBond=bond0\n"
    assert result.bonding_options == "lacp-rate=1 miimon=100 mode=4"
    assert (result.bond, result.vlan) == (True, True)
    assert result.warnings == ()


# OpenStack Nova's injected template (flat_injected), with IPv6 and a DHCP second NIC.
NOVA = b"""\
# Injected by Nova on instance boot
#
# This file describes the network interfaces available on your system
# and how to activate them. For more information, see interfaces(5).

# The loopback network interface
auto lo
iface lo inet loopback

auto eth0
iface eth0 inet static
    hwaddress ether fa:16:3e:5d:27:c1
    address 192.168.10.14
    netmask 255.255.255.0
    broadcast 192.168.10.255
    gateway 192.168.10.1
    dns-nameservers 192.168.10.2 8.8.8.8
    dns-search example.org
    mtu 1450

iface eth0 inet6 static
    hwaddress ether fa:16:3e:5d:27:c1
    address 2001:db8:10::14
    netmask 64
    gateway 2001:db8:10::1

auto eth1
iface eth1 inet dhcp
"""


def test_debian_nova_template_with_ipv6_and_dhcp() -> None:
    result = generate("debian", NOVA)
    assert files(result) == {
        "00-eth0.network": (
            "[Match]\nName=eth0\n\n[Network]\nDNS=192.168.10.2\nDNS=8.8.8.8\n"
            "\n[Address]\nAddress=192.168.10.14/24\n"
            "\n[Address]\nAddress=2001:db8:10::14/64\n"
            "\n[Route]\nDestination=0.0.0.0/0\nGateway=192.168.10.1\n"
            "\n[Route]\nDestination=::/0\nGateway=2001:db8:10::1\n"
        ),
        "00-eth1.network": "[Match]\nName=eth1\n\n[Network]\nDHCP=true\n",
    }
    # what coreos-cloudinit dropped silently is named (never a value)
    assert result.warnings == (
        "eth0: option 'dns-search' is not carried over",
        "eth0: option 'mtu' is not carried over",
    )


def test_debian_reading_rules_of_the_reference() -> None:
    text = b"""\
auto eth0 \\
     eth0.7
iface eth0 inet static
    address 10.0.0.9
    netmask \\
      255.255.0.0
    post-up route add -net 172.16.0.0/12 gw 10.0.0.1
    post-up route add default gw 10.0.0.254
    post-up ip link set eth0 promisc on
iface vlan7 inet dhcp
    vlan_raw_device eth0
    hwaddress ether 02-00-00-00-00-07
"""
    result = generate("debian", text)
    assert files(result) == {
        "01-eth0.network": (
            "[Match]\nName=eth0\n\n[Network]\nVLAN=vlan7\n"
            "\n[Address]\nAddress=10.0.0.9/16\n"
            "\n[Route]\nDestination=172.16.0.0/12\nGateway=10.0.0.1\n"
        ),
        "00-vlan7.netdev": (
            "[NetDev]\nKind=vlan\nName=vlan7\nMACAddress=02:00:00:00:00:07\n\n[VLAN]\nId=7\n"
        ),
        "00-vlan7.network": "[Match]\nName=vlan7\n\n[Network]\nDHCP=true\n",
    }
    assert result.warnings == ("eth0: option 'post-up ip' is not carried over",)


def test_debian_dotted_vlan_hangs_under_its_base_and_slaves_come_from_bond_slaves() -> None:
    text = b"""\
iface bond1 inet static
    address 10.1.0.2
    netmask 255.255.255.0
    bond-slaves enp1s0 enp2s0
    bond-mode active-backup
allow-hotplug enp1s0.30
iface enp1s0.30 inet manual
"""
    f = files(generate("debian", text))
    assert f["01-enp1s0.network"] == (
        "[Match]\nName=enp1s0\n\n[Network]\nBond=bond1\nVLAN=enp1s0.30\n"
    )
    assert f["01-enp2s0.network"] == "[Match]\nName=enp2s0\n\n[Network]\nBond=bond1\n"
    assert f["00-bond1.netdev"].endswith("[Bond]\nmode=active-backup\n")
    assert f["00-enp1s0.30.netdev"] == "[NetDev]\nKind=vlan\nName=enp1s0.30\n\n[VLAN]\nId=30\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"address 1.2.3.4\n", "line 1: an option outside any stanza"),
        (b"mapping eth0\n  script /x\n", "line 1: unknown stanza 'mapping'"),
        (b"iface eth0 inet\n", "line 1: iface needs a name, an address family and a method"),
        (b"iface eth0 ipx static\n", "address family 'ipx' is not inet or inet6"),
        (b"iface eth0 inet ppp\n", "line 1 (eth0): invalid config method 'ppp'"),
        (b"iface eth0 inet static\n netmask 255.0.0.0\n", "missing address"),
        (b"iface eth0 inet static\n address 10.0.0.1\n", "missing netmask"),
        (b"iface eth0 inet static\n address 10.0.0.1\n netmask 64\n", "missing netmask"),
        (
            b"iface eth0 inet static\n address 10.0.0.1\n netmask 255.0.255.0\n",
            "eth0: an address has no usable netmask",
        ),
        (
            b"iface eth0 inet static\n address 10.0.0.1\n netmask 255.0.0.0\n gateway gw\n",
            "eth0: a route has no valid gateway",
        ),
        (
            b"iface eth0 inet static\n address 10.0.0.1\n netmask 255.0.0.0\n"
            b" dns-nameservers 8.8.8.8 resolver\n",
            "eth0: a nameserver is not an IP address",
        ),
        (b"iface eth0 inet dhcp\n hwaddress ether zz\n", "malformed hwaddress option"),
        (b"iface vlanx inet manual\n vlan_raw_device eth0\n", "malformed vlan name"),
        (b"iface eth0.5000 inet manual\n", "malformed vlan name"),
        (b"iface x/y inet dhcp\n", "is not an interface name"),
        (
            b"iface b0 inet manual\n bond-slaves b1\niface b1 inet manual\n bond-slaves b0\n",
            "stacked in a cycle",
        ),
        (
            b"iface e0 inet manual\niface b0 inet manual\n bond-slaves e0 b1\n"
            b"iface b1 inet manual\n bond-slaves b0\n",
            "is stacked on itself",
        ),
    ],
)
def test_debian_input_coreos_cloudinit_refused_or_broke_on(text: bytes, message: str) -> None:
    with pytest.raises(NetconfError, match=message.replace("(", r"\(").replace(")", r"\)")):
        generate("debian", text)


def test_debian_bounds() -> None:
    with pytest.raises(NetconfError, match="larger than"):
        generate("debian", b"#" * (1 << 20) + b"\n#")
    many = b"".join(b"iface eth%d inet dhcp\n" % i for i in range(300))
    with pytest.raises(NetconfError, match="more than"):
        generate("debian", many)
    with pytest.raises(NetconfError, match="interfaces file's bytes"):
        generate("debian", "text")
    with pytest.raises(NetconfError, match="unsupported network config format 'yaml'"):
        generate("yaml", b"")
    # a deep DAG of bonds is walked once per interface, not once per path
    chain = b"iface b0 inet manual\n bond-slaves n0 n1\n"
    for i in range(1, 30):
        chain += b"iface b%d inet manual\n bond-slaves b%d n%d\n" % (i, i - 1, i + 1)
    assert len(generate("debian", chain).files) == 2 * 30 + 31


# DigitalOcean's metadata/v1.json (abridged to what the conversion reads).
DROPLET = {
    "hostname": "web-1",
    "interfaces": {
        "public": [
            {
                "ipv4": {
                    "ip_address": "203.0.113.14",
                    "netmask": "255.255.240.0",
                    "gateway": "203.0.112.1",
                },
                "ipv6": {
                    "ip_address": "2604:A880:0800:0010:0000:0000:017D:2001",
                    "cidr": 64,
                    "gateway": "2604:A880:0800:0010:0000:0000:0000:0001",
                },
                "anchor_ipv4": {
                    "ip_address": "10.17.0.5",
                    "netmask": "255.255.0.0",
                    "gateway": "10.17.0.1",
                },
                "mac": "96:5E:D2:1B:3C:01",
                "type": "public",
            }
        ],
        "private": [
            {
                "ipv4": {
                    "ip_address": "10.132.0.14",
                    "netmask": "255.255.0.0",
                    "gateway": "10.132.0.1",
                },
                "mac": "96:5e:d2:1b:3c:02",
                "type": "private",
            }
        ],
    },
    "dns": {"nameservers": ["67.207.67.2", "67.207.67.3"]},
}


def test_digitalocean_one_file_per_interface_by_mac() -> None:
    assert files(generate("digitalocean", DROPLET)) == {
        "00-96:5e:d2:1b:3c:01.network": (
            "[Match]\nMACAddress=96:5e:d2:1b:3c:01\n\n[Network]\n"
            "DNS=67.207.67.2\nDNS=67.207.67.3\n"
            "\n[Address]\nAddress=203.0.113.14/20\n"
            "\n[Address]\nAddress=2604:a880:800:10::17d:2001/64\n"
            "\n[Address]\nAddress=10.17.0.5/16\n"
            "\n[Route]\nDestination=0.0.0.0/0\nGateway=203.0.112.1\n"
            "\n[Route]\nDestination=::/0\nGateway=2604:a880:800:10::1\n"
        ),
        "00-96:5e:d2:1b:3c:02.network": (
            "[Match]\nMACAddress=96:5e:d2:1b:3c:02\n\n[Network]\n"
            "\n[Address]\nAddress=10.132.0.14/16\n"
        ),
    }


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"dns": {"nameservers": ["ns1"]}}, r"dns.nameservers\[0\] is not an IP address"),
        ({"interfaces": {"public": [{"mac": "x"}]}}, r"interfaces.public\[0\].mac is not a MAC"),
        ({"interfaces": {"public": [{"ipv4": {}}]}}, r"ipv4.ip_address is not an IP address"),
        (
            {"interfaces": {"public": [{"ipv6": {"ip_address": "::1", "cidr": "64"}}]}},
            "ipv6.cidr is not a number",
        ),
        (
            {
                "interfaces": {
                    "private": [
                        {"ipv6": {"ip_address": "fd00::1", "cidr": 200}, "mac": "02:00:00:00:00:01"}
                    ]
                }
            },
            "an address has no usable netmask",
        ),
        ({"interfaces": []}, "interfaces is not an object"),
        ({"interfaces": {"public": [{}] * 100}}, "more than 64 entries"),
        ([], "the metadata is not an object"),
    ],
)
def test_digitalocean_bad_metadata(doc: object, message: str) -> None:
    with pytest.raises(NetconfError, match=message):
        generate("digitalocean", doc)


# Equinix Metal's /metadata "network" object (c3.small: two NICs bonded, three blocks).
METAL = {
    "bonding": {"mode": 4},
    "interfaces": [
        {"name": "enp1s0f0", "mac": "0c:c4:7a:e5:42:10", "bond": "bond0"},
        {"name": "enp1s0f1", "mac": "0c:c4:7a:e5:42:11", "bond": "bond0"},
    ],
    "addresses": [
        {
            "address_family": 4,
            "public": True,
            "address": "147.75.65.9",
            "netmask": "255.255.255.254",
            "gateway": "147.75.65.8",
            "cidr": 31,
        },
        {
            "address_family": 6,
            "public": True,
            "address": "2604:1380:1:4e00::1",
            "netmask": "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
            "gateway": "2604:1380:1:4e00::",
            "cidr": 127,
        },
        {
            "address_family": 4,
            "public": False,
            "address": "10.99.182.129",
            "netmask": "255.255.255.254",
            "gateway": "10.99.182.128",
            "cidr": 31,
        },
    ],
}


def test_packet_bonds_every_interface() -> None:
    result = generate("packet", METAL)
    assert [n for n, _ in result.files] == [
        "00-enp1s0f0.network",
        "01-enp1s0f1.network",
        "00-bond0.netdev",
        "00-bond0.network",
    ]
    f = files(result)
    google = "DNS=8.8.8.8\nDNS=8.8.4.4\n"
    assert f["00-enp1s0f0.network"] == f"[Match]\nName=enp1s0f0\n\n[Network]\nBond=bond0\n{google}"
    assert f["00-bond0.netdev"] == (
        "[NetDev]\nKind=bond\nName=bond0\nMACAddress=0c:c4:7a:e5:42:10\n\n[Bond]\n"
        "DownDelaySec=.2\nLACPTransmitRate=fast\nMIIMonitorSec=.2\nMode=802.3ad\nUpDelaySec=.2\n"
    )
    assert f["00-bond0.network"] == (
        f"[Match]\nName=bond0\nMACAddress=0c:c4:7a:e5:42:10\n\n[Network]\n{google}"
        "\n[Address]\nAddress=147.75.65.9/31\n"
        "\n[Address]\nAddress=2604:1380:1:4e00::1/127\n"
        "\n[Address]\nAddress=10.99.182.129/31\n"
        "\n[Route]\nDestination=0.0.0.0/0\nGateway=147.75.65.8\n"
        "\n[Route]\nDestination=::/0\nGateway=2604:1380:1:4e00::\n"
        "\n[Route]\nDestination=10.0.0.0/8\nGateway=10.99.182.128\n"
    )
    assert result.bond
    assert not result.vlan
    assert result.bonding_options == ""  # networkd's [Bond] keys, not the module's
    with_dns = generate("packet", {**METAL, "dns": ["1.1.1.1"]})
    assert "DNS=1.1.1.1\n\n" in files(with_dns)["00-bond0.network"]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"interfaces": []}, "there is nothing to bond"),
        ({"interfaces": [{"name": "a/b"}]}, "'a/b' is not an interface name"),
        ({**METAL, "addresses": [{"address": "10.0.0.1"}]}, "an address has no usable netmask"),
        ({**METAL, "addresses": [{"address": "x"}]}, r"addresses\[0\].address is not an IP"),
        ({**METAL, "dns": ["8.8.8.8", 7]}, "a nameserver is not an IP address"),
    ],
)
def test_packet_bad_metadata(doc: object, message: str) -> None:
    with pytest.raises(NetconfError, match=message):
        generate("packet", doc)


# VMware guestinfo as an OVF template sets it (guestinfo. dropped).
GUESTINFO = {
    "dns.server.0": "10.20.0.2",
    "dns.server.1": "10.20.0.3",
    "dns.domain.0": "lab.example.com",
    "interface.0.name": "ens192",
    "interface.0.mac": "00:50:56:8C:1A:01",
    "interface.0.dhcp": "no",
    "interface.0.ip.0.address": "10.20.0.50/24",
    "interface.0.ip.1.address": "fd20::50/64",
    "interface.0.route.0.gateway": "10.20.0.1",
    "interface.0.route.0.destination": "0.0.0.0/0",
    "interface.0.route.1.gateway": "10.20.0.254",
    "interface.0.route.1.destination": "192.168.7.9/16",
    "interface.1.mac": "00:50:56:8c:1a:02",
    "interface.1.dhcp": "yes",
    "interface.3.name": "after-a-gap",
}


def test_vmware_static_and_dhcp_interfaces_until_the_first_gap() -> None:
    assert files(generate("vmware", GUESTINFO)) == {
        "00-ens192.network": (
            "[Match]\nName=ens192\nMACAddress=00:50:56:8c:1a:01\n\n[Network]\n"
            "DNS=10.20.0.2\nDNS=10.20.0.3\nDomains=lab.example.com\n"
            "\n[Address]\nAddress=10.20.0.50/24\n"
            "\n[Address]\nAddress=fd20::50/64\n"
            "\n[Route]\nDestination=0.0.0.0/0\nGateway=10.20.0.1\n"
            "\n[Route]\nDestination=192.168.0.0/16\nGateway=10.20.0.254\n"
        ),
        "00-00:50:56:8c:1a:02.network": (
            "[Match]\nMACAddress=00:50:56:8c:1a:02\n\n[Network]\nDHCP=true\n"
        ),
    }


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"interface.0.dhcp": "true"}, "interface.0.dhcp is not yes or no"),
        ({"interface.0.ip.0.address": "10.0.0.5"}, "is not address/prefix"),
        ({"interface.0.route.0.gateway": "10.0.0.1"}, "missing destination key"),
        ({"interface.0.route.0.destination": "0.0.0.0/0"}, "missing gateway key"),
        ({"interface.0.mac": "00:50", "interface.0.dhcp": "yes"}, "mac is not a MAC address"),
        ({"dns.server.0": "dns"}, "dns.server.0 is not an IP address"),
        ({"dns.domain.0": "a b"}, "dns.domain.0 is not a domain name"),
        (
            {"interface.0.name": "a\nb", "interface.0.dhcp": "yes"},
            "is not an interface name",
        ),
        ({f"interface.{i}.dhcp": "yes" for i in range(70)}, "more than 64 interfaces"),
    ],
)
def test_vmware_bad_keys(keys: dict[str, str], message: str) -> None:
    with pytest.raises(NetconfError, match=message):
        generate("vmware", keys)


def test_go_address_printing() -> None:
    v4 = parse_ip("10.1.2.3")
    assert v4 is not None
    assert len(v4) == 16
    assert ipnet_string(v4, parse_ip("255.255.255.0")) == "10.1.2.3/24"
    assert ipnet_string(v4, bytes((255, 0, 255, 0))) == "10.1.2.3/ff00ff00"
    assert ipnet_string(parse_ip("fe80::1"), bytes(4)) == "<nil>"
    assert ipnet_string(parse_ip("::ffff:10.0.0.1"), cidr_mask(8, 32)) == "10.0.0.1/8"
    assert ipnet_string(parse_ip("2001:db8:0:1:1:1:1:1"), cidr_mask(64, 128)) == (
        "2001:db8:0:1:1:1:1:1/64"
    )
    assert parse_ip("fe80::1%eth0") is None
    assert parse_ip("010.0.0.1") is None
    assert parse_cidr("10.9.8.7/8") == (
        parse_ip("10.9.8.7"),
        bytes((10, 0, 0, 0)),
        cidr_mask(8, 32),
    )
    assert parse_cidr("10.0.0.1/33") is None
    assert parse_mac("0050.568c.1a01") == bytes.fromhex("0050568c1a01")
    assert parse_mac("00:50-56:8c:1a:01") is None
    assert parse_mac("00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01") is not None
