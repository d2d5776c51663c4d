"""``Provider.metadata``: what each platform says about the machine for cloud-config (host
name, addresses for ``$private_ipv4``, SSH keys), read from stand-ins on 127.0.0.1 at the real
services' paths (coreos-cloudinit's datasources)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import providers
from ignition.fetch.fetcher import ResourceFetcher
from ignition.system.paths import Paths
from ignition.util.errors import IgnitionError
from ignition.util.log import Logger
from providers.base import InstanceMetadata, NetworkConfig, ProviderContext, ProviderError
from providers.vmware import GuestInfo, VmwareProvider
from tests.conftest import ListSink
from tests.integration.providers.standin import Answer, StandIn, standin

KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA key-a"
KEY_B = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ key-b"


@pytest.fixture
def sink() -> ListSink:
    return ListSink()


@pytest.fixture
def ctx(
    monkeypatch: pytest.MonkeyPatch, sink: ListSink
) -> Iterator[tuple[ProviderContext, StandIn]]:
    with standin() as server:
        monkeypatch.setenv("PYIGNITION_METADATA_ORIGIN", server.origin)
        log = Logger(sink)
        yield ProviderContext(ResourceFetcher(log), log, Paths(), "fetch", 10.0), server


def test_aws_reads_coreos_cloudinits_paths_with_the_token(
    ctx: tuple[ProviderContext, StandIn],
) -> None:
    pctx, server = ctx
    tok = {"X-aws-ec2-metadata-token": "t0k"}
    server.route("PUT", "/latest/api/token", Answer(200, b"t0k"))
    meta = "/2009-04-04/meta-data"
    for path, body in (
        ("public-keys", b"0=key-a\n1=key-b\n"),
        ("public-keys/0/openssh-key", KEY_A.encode() + b"\n"),
        ("public-keys/1/openssh-key", KEY_B.encode()),
        ("hostname", b"ip-10-0-0-5.eu-west-3.compute.internal other\n"),
        ("local-ipv4", b"10.0.0.5\n"),
    ):
        server.route("GET", f"{meta}/{path}", Answer(200, body, require=tok, missing_status=401))
    md = providers.get("aws").metadata(pctx)
    assert md == InstanceMetadata(
        hostname="ip-10-0-0-5",  # first word, first label, as coreos-cloudinit
        private_ipv4="10.0.0.5",
        public_ipv4="",  # 404: not known
        ssh_public_keys=(KEY_A, KEY_B),
    )
    assert md.known() == ["hostname", "private_ipv4", "2 SSH keys"]


def test_aws_malformed_key_list_is_an_error(ctx: tuple[ProviderContext, StandIn]) -> None:
    pctx, server = ctx
    server.route("PUT", "/latest/api/token", Answer(404))
    server.route("GET", "/2009-04-04/meta-data/public-keys", Answer(200, b"nonsense"))
    with pytest.raises(ProviderError, match="public-keys list is malformed"):
        providers.get("aws").metadata(pctx)


def test_a_base_url_moves_the_service_and_keeps_its_paths(
    ctx: tuple[ProviderContext, StandIn], monkeypatch: pytest.MonkeyPatch
) -> None:
    """coreos-cloudinit's ``-from-ec2-metadata URL``: the service answers under URL."""
    pctx, server = ctx
    monkeypatch.delenv("PYIGNITION_METADATA_ORIGIN")
    pctx.metadata_base = f"{server.origin}/prefix/"
    server.route("PUT", "/prefix/latest/api/token", Answer(404))
    server.route("GET", "/prefix/2009-04-04/meta-data/local-ipv4", Answer(200, b"10.9.8.7"))
    md = providers.get("aws").metadata(pctx)
    assert md is not None
    assert md.private_ipv4 == "10.9.8.7"


def test_gcp_hostname_and_first_interface(ctx: tuple[ProviderContext, StandIn]) -> None:
    pctx, server = ctx
    flavor = {"Metadata-Flavor": "Google"}
    base = "/computeMetadata/v1/instance"
    for path, body in (
        ("hostname", b"node1.c.project.internal"),
        ("network-interfaces/0/ip", b"10.128.0.7"),
        ("network-interfaces/0/access-configs/0/external-ip", b"not-an-ip"),
    ):
        server.route("GET", f"{base}/{path}", Answer(200, body, require=flavor))
    md = providers.get("gcp").metadata(pctx)
    assert md == InstanceMetadata(hostname="node1.c.project.internal", private_ipv4="10.128.0.7")


def test_gcp_bad_address_is_dropped_with_a_warning_naming_the_attribute(
    ctx: tuple[ProviderContext, StandIn], sink: ListSink
) -> None:
    pctx, server = ctx
    base = "/computeMetadata/v1/instance/network-interfaces/0"
    server.route("GET", f"{base}/access-configs/0/external-ip", Answer(200, b"secret-thing"))
    md = providers.get("gcp").metadata(pctx)
    assert md is not None
    assert md.public_ipv4 == ""
    assert "external-ip is not an IP address" in sink.text
    assert "secret-thing" not in sink.text


def test_digitalocean_v1_json(ctx: tuple[ProviderContext, StandIn]) -> None:
    pctx, server = ctx
    doc = {
        "hostname": "droplet",
        "public_keys": [KEY_A, KEY_A, ""],
        "interfaces": {
            "public": [
                {
                    "ipv4": {"ip_address": "203.0.113.4"},
                    "ipv6": {"ip_address": "2001:db8::4"},
                }
            ],
            "private": [{"ipv4": {"ip_address": "10.132.0.2"}}],
        },
    }
    server.route("GET", "/metadata/v1.json", Answer(200, json.dumps(doc).encode()))
    assert providers.get("digitalocean").metadata(pctx) == InstanceMetadata(
        hostname="droplet",
        public_ipv4="203.0.113.4",
        public_ipv6="2001:db8::4",
        private_ipv4="10.132.0.2",
        ssh_public_keys=(KEY_A,),
        network=NetworkConfig("digitalocean", doc),  # -convert-netconf digitalocean's input
    )


def test_digitalocean_metadata_that_is_not_json(ctx: tuple[ProviderContext, StandIn]) -> None:
    pctx, server = ctx
    server.route("GET", "/metadata/v1.json", Answer(200, b"<html>"))
    with pytest.raises(ProviderError, match="not JSON"):
        providers.get("digitalocean").metadata(pctx)


def test_packet_addresses_by_family_and_side(ctx: tuple[ProviderContext, StandIn]) -> None:
    pctx, server = ctx
    doc = {
        "hostname": "metal-1",
        "ssh_keys": [KEY_B],
        "network": {
            "addresses": [
                {"address": "147.75.0.9", "address_family": 4, "public": True},
                {"address": "10.80.0.3", "address_family": 4, "public": False},
                {"address": "2604:1380::9", "address_family": 6, "public": True},
            ]
        },
    }
    server.route(
        "GET", "/metadata", Answer(200, json.dumps(doc).encode(), require={"Accept": "*/*"})
    )
    assert providers.get("packet").metadata(pctx) == InstanceMetadata(
        hostname="metal-1",
        public_ipv4="147.75.0.9",
        private_ipv4="10.80.0.3",
        public_ipv6="2604:1380::9",
        ssh_public_keys=(KEY_B,),
        network=NetworkConfig("packet", doc["network"]),
    )


def test_openstack_meta_data_json_from_the_service(
    ctx: tuple[ProviderContext, StandIn], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pctx, server = ctx
    monkeypatch.setenv("PYIGNITION_HOST_ROOT", str(tmp_path))  # no config drive there
    doc = {"hostname": "vm-1.novalocal", "public_keys": {"mykey": KEY_A}}
    server.route("GET", "/openstack/latest/meta_data.json", Answer(200, json.dumps(doc).encode()))
    md = providers.get("openstack").metadata(pctx)
    assert md == InstanceMetadata(hostname="vm-1.novalocal", ssh_public_keys=(KEY_A,))


def test_platforms_without_metadata_say_none(ctx: tuple[ProviderContext, StandIn]) -> None:
    pctx, _ = ctx
    assert providers.get("file").metadata(pctx) is None
    assert providers.get("qemu").metadata(pctx) is None


class FakeGuestInfo(GuestInfo):
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get(self, key: str) -> str | None:
        return self.values.get(key)


def test_vmware_guestinfo_roles(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    dmi = tmp_path / "sys/class/dmi/id"
    dmi.mkdir(parents=True)
    (dmi / "sys_vendor").write_text("VMware, Inc.\n")
    monkeypatch.setenv("PYIGNITION_HOST_ROOT", str(tmp_path))
    ovf = (
        '<Environment xmlns="http://schemas.dmtf.org/ovf/environment/1" '
        'xmlns:oe="http://schemas.dmtf.org/ovf/environment/1"><PropertySection>'
        '<Property oe:key="guestinfo.hostname" oe:value="from-ovf"/>'
        '<Property oe:key="guestinfo.interface.1.ip.0.address" oe:value="192.0.2.8/24"/>'
        "</PropertySection></Environment>"
    )
    gi = FakeGuestInfo(
        {
            "ovfenv": ovf,
            "hostname": "vm-direct",  # a direct value wins over the OVF environment
            "interface.0.name": "ens192",
            "interface.0.role": "private",
            "interface.0.ip.0.address": "10.0.0.8/24",
            "interface.0.ip.1.address": "fd00::8/64",
            "interface.1.role": "public",
        }
    )
    log = Logger()
    pctx = ProviderContext(ResourceFetcher(log), log, Paths(), "fetch")
    md = VmwareProvider(gi).metadata(pctx)
    network = {  # the keys coreos-cloudinit kept for -convert-netconf vmware
        "interface.0.name": "ens192",
        "interface.0.ip.0.address": "10.0.0.8/24",
        "interface.0.ip.1.address": "fd00::8/64",
        "interface.1.ip.0.address": "192.0.2.8/24",
    }
    assert md == InstanceMetadata(
        hostname="vm-direct",
        private_ipv4="10.0.0.8",
        private_ipv6="fd00::8",
        public_ipv4="192.0.2.8",
        network=NetworkConfig("vmware", network),
    )
    gi.values["interface.0.role"] = "dmz"
    with pytest.raises(ProviderError, match="role is not public or private"):
        VmwareProvider(gi).metadata(pctx)


AZ = "/metadata/instance/"
AZ_TEXT = "?api-version=2017-08-01&format=text"
AZ_IPV4 = f"{AZ}network/interface/0/ipv4/ipAddress/0/"
AZ_HEADER = {"Metadata": "true"}
OVF_ENV = (
    b'<?xml version="1.0" encoding="utf-8"?><Environment '
    b'xmlns="http://schemas.dmtf.org/ovf/environment/1" '
    b'xmlns:wa="http://schemas.microsoft.com/windowsazure"><wa:ProvisioningSection>'
    b"<LinuxProvisioningConfigurationSet><HostName>from-ovf</HostName>"
    b"<UserName>core</UserName><UserPassword>hunter2</UserPassword>"
    b"</LinuxProvisioningConfigurationSet></wa:ProvisioningSection></Environment>"
)


def _azure_medium(host: Path, ovf: bytes) -> None:
    """The provisioning medium as /dev/sr0 of a host tree (a real UDF image)."""
    from tests.integration.providers import images

    image = images.iso(host.parent, "rd_rdfe_stable", {"ovf-env.xml": ovf}, style="udf")
    (host / "sys/class/block/sr0").mkdir(parents=True)
    (host / "sys/class/block/sr0/dev").write_text("11:0\n")
    (host / "dev").mkdir()
    (host / "dev/sr0").write_bytes(image.read_bytes())


def test_azure_imds_name_and_first_interface(
    ctx: tuple[ProviderContext, StandIn], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pctx, server = ctx
    _azure_medium(tmp_path / "host", OVF_ENV)
    monkeypatch.setenv("PYIGNITION_HOST_ROOT", str(tmp_path / "host"))
    for path, body in (
        (f"{AZ}compute/name{AZ_TEXT}", b"vm-az-1"),
        (f"{AZ_IPV4}privateIpAddress{AZ_TEXT}", b"10.1.0.4"),
        (f"{AZ_IPV4}publicIpAddress{AZ_TEXT}", b"20.61.0.7\n"),
    ):
        server.route("GET", path, Answer(200, body, require=AZ_HEADER, missing_status=400))
    md = providers.get("azure").metadata(pctx)
    assert md == InstanceMetadata(
        hostname="vm-az-1",  # IMDS wins over the medium
        private_ipv4="10.1.0.4",
        public_ipv4="20.61.0.7",
    )


def test_azure_without_imds_name_takes_the_ovf_host_name(
    ctx: tuple[ProviderContext, StandIn],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    sink: ListSink,
) -> None:
    pctx, server = ctx
    _azure_medium(tmp_path / "host", OVF_ENV)
    monkeypatch.setenv("PYIGNITION_HOST_ROOT", str(tmp_path / "host"))
    server.route("GET", f"{AZ}compute/name{AZ_TEXT}", Answer(200, b""))  # empty: not set
    server.route("GET", f"{AZ_IPV4}privateIpAddress{AZ_TEXT}", Answer(200, b"10.1.0.5"))
    # publicIpAddress: 404 (a Standard SKU public address is not in IMDS): not known
    md = providers.get("azure").metadata(pctx)
    assert md == InstanceMetadata(hostname="from-ovf", private_ipv4="10.1.0.5")
    assert "hunter2" not in sink.text


def test_azure_without_name_or_medium_has_no_host_name(
    ctx: tuple[ProviderContext, StandIn], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pctx, server = ctx
    monkeypatch.setenv("PYIGNITION_HOST_ROOT", str(tmp_path))  # no medium
    server.route("GET", f"{AZ_IPV4}privateIpAddress{AZ_TEXT}", Answer(200, b"10.1.0.6"))
    md = providers.get("azure").metadata(pctx)
    assert md == InstanceMetadata(private_ipv4="10.1.0.6")
    assert server.hits("GET", f"{AZ}compute/name{AZ_TEXT}")


def test_azurestack_host_name_from_the_medium_only(
    ctx: tuple[ProviderContext, StandIn], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pctx, server = ctx
    _azure_medium(tmp_path / "host", OVF_ENV)
    monkeypatch.setenv("PYIGNITION_HOST_ROOT", str(tmp_path / "host"))
    assert providers.get("azurestack").metadata(pctx) == InstanceMetadata(hostname="from-ovf")
    assert not server.hits("GET", f"{AZ}compute/name{AZ_TEXT}")


@pytest.mark.parametrize(
    ("ovf", "name"),
    [
        (OVF_ENV, "from-ovf"),
        (b"<Environment><HostName> spaced </HostName></Environment>", "spaced"),
        (b"<Environment/>", ""),
        (b"<not xml", ""),
    ],
)
def test_ovf_env_host_name(ovf: bytes, name: str) -> None:
    from providers._ovfenv import hostname_of

    assert hostname_of(ovf) == name


SCW = "/conf?format=json"


def test_scaleway_conf_from_a_privileged_port(ctx: tuple[ProviderContext, StandIn]) -> None:
    pctx, server = ctx
    doc = {
        "hostname": "scw-node",
        "private_ip": "10.64.0.3",
        "public_ip": {"address": "51.15.0.9", "dynamic": False},
        "ipv6": {"address": "2001:bc8::9", "netmask": "64"},
        "ssh_public_keys": [{"key": KEY_A, "fingerprint": "x"}, {"key": KEY_B}],
    }
    server.route("GET", SCW, Answer(200, json.dumps(doc).encode()))
    md = providers.get("scaleway").metadata(pctx)
    assert md == InstanceMetadata(
        hostname="scw-node",
        private_ipv4="10.64.0.3",
        public_ipv4="51.15.0.9",
        public_ipv6="2001:bc8::9",
        ssh_public_keys=(KEY_A, KEY_B),
    )
    (hit,) = server.hits("GET", SCW)
    assert hit.client_port < 1024


def test_scaleway_without_a_public_address_or_keys(ctx: tuple[ProviderContext, StandIn]) -> None:
    pctx, server = ctx
    doc = {"hostname": "scw-private", "private_ip": None, "public_ip": None, "ipv6": None}
    server.route("GET", SCW, Answer(200, json.dumps(doc).encode()))
    md = providers.get("scaleway").metadata(pctx)
    assert md == InstanceMetadata(hostname="scw-private")


def test_openstack_network_config_from_the_service(
    ctx: tuple[ProviderContext, StandIn], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pctx, server = ctx
    monkeypatch.setenv("PYIGNITION_HOST_ROOT", str(tmp_path))
    doc = {
        "hostname": "bm-1",
        "network_config": {"content_path": "/content/0000", "name": "network_config"},
    }
    server.route("GET", "/openstack/latest/meta_data.json", Answer(200, json.dumps(doc).encode()))
    server.route("GET", "/openstack/content/0000", Answer(200, b"auto eth0\n"))
    md = providers.get("openstack").metadata(pctx)
    assert md == InstanceMetadata(hostname="bm-1", network=NetworkConfig("debian", b"auto eth0\n"))
    assert md.known() == ["hostname", "network config (debian)"]
    doc["network_config"] = {"content_path": "/content/../../../etc/shadow"}
    server.route("GET", "/openstack/latest/meta_data.json", Answer(200, json.dumps(doc).encode()))
    with pytest.raises(ProviderError, match="content_path is not a plain path"):
        providers.get("openstack").metadata(pctx)


# --- Hetzner, Vultr, Exoscale, Akamai, Oracle Cloud: their documented services -----------------

HETZNER_METADATA = f"""\
availability-zone: fsn1-dc14
hostname: hz-node-1
instance-id: 42424242
local-ipv4: ''
network-config:
  config:
  - mac_address: 96:00:01:02:03:04
    name: eth0
    subnets:
    - ipv4: true
      type: dhcp
    type: physical
  version: 1
public-ipv4: 116.203.0.42
public-keys:
- {KEY_A}
- {KEY_B}
region: eu-central
vendor_data: "#cloud-config\\nruncmd: []\\n"
""".encode()
HETZNER_PRIVATE = b"""\
- ip: 10.0.0.2
  alias_ips: []
  interface_num: 1
  mac_address: 86:00:00:2a:7d:e0
  network_id: 1234
  network_name: backend
  network: 10.0.0.0/16
  subnet: 10.0.0.0/24
  gateway: 10.0.0.1
"""


def test_hetzner_yaml_metadata_and_private_network(ctx: tuple[ProviderContext, StandIn]) -> None:
    pctx, server = ctx
    server.route("GET", "/hetzner/v1/metadata", Answer(200, HETZNER_METADATA))
    server.route("GET", "/hetzner/v1/metadata/private-networks", Answer(200, HETZNER_PRIVATE))
    assert providers.get("hetzner").metadata(pctx) == InstanceMetadata(
        hostname="hz-node-1",
        public_ipv4="116.203.0.42",
        private_ipv4="10.0.0.2",
        ssh_public_keys=(KEY_A, KEY_B),
    )
    server.route("GET", "/hetzner/v1/metadata/private-networks", Answer(200, b"[]\n"))
    md = providers.get("hetzner").metadata(pctx)
    assert md is not None
    assert md.private_ipv4 == ""


@pytest.mark.parametrize(
    "body",
    [
        b"hostname: [unclosed\n",
        b"hostname: !!python/object/apply:os.system ['true']\n",
        b"[" * 200_000,
    ],
)
def test_hetzner_hostile_yaml_is_a_clean_error(
    ctx: tuple[ProviderContext, StandIn], body: bytes
) -> None:
    pctx, server = ctx
    server.route("GET", "/hetzner/v1/metadata", Answer(200, body))
    with pytest.raises(ProviderError, match=r"the metadata at .*/hetzner/v1/metadata is not YAML"):
        providers.get("hetzner").metadata(pctx)


VULTR = {
    "hostname": "vultr-guest",
    "instanceid": "a1b2c3",
    "interfaces": [
        {
            "ipv4": {
                "additional": [],
                "address": "45.76.1.9",
                "gateway": "45.76.0.1",
                "netmask": "255.255.254.0",
            },
            "ipv6": {"additional": [], "address": "2001:19f0:5:1::9", "prefix": "64"},
            "mac": "56:00:03:aa:bb:cc",
            "network-type": "public",
        },
        {
            "ipv4": {"address": "10.1.96.3", "gateway": "", "netmask": "255.255.240.0"},
            "mac": "5a:00:03:aa:bb:cc",
            "network-type": "private",
        },
    ],
    "public-keys": [KEY_B + "\n"],
    "region": {"regioncode": "EWR"},
}


def test_vultr_v1_json(ctx: tuple[ProviderContext, StandIn]) -> None:
    pctx, server = ctx
    server.route("GET", "/v1.json", Answer(200, json.dumps(VULTR).encode()))
    assert providers.get("vultr").metadata(pctx) == InstanceMetadata(
        hostname="vultr-guest",
        public_ipv4="45.76.1.9",
        public_ipv6="2001:19f0:5:1::9",
        private_ipv4="10.1.96.3",
        ssh_public_keys=(KEY_B,),
    )


def test_exoscale_cloudstack_style_attributes(ctx: tuple[ProviderContext, StandIn]) -> None:
    pctx, server = ctx
    base = "/latest/meta-data/"
    server.route("GET", base + "local-hostname", Answer(200, b"exo-1"))
    server.route("GET", base + "public-ipv4", Answer(200, b"185.19.28.7\n"))
    server.route("GET", base + "local-ipv4", Answer(200, b"185.19.28.7"))
    server.route("GET", base + "public-keys", Answer(200, (KEY_A + "\n" + KEY_B).encode()))
    assert providers.get("exoscale").metadata(pctx) == InstanceMetadata(
        hostname="exo-1",
        public_ipv4="185.19.28.7",
        private_ipv4="185.19.28.7",
        ssh_public_keys=(KEY_A, KEY_B),
    )
    server.route("GET", base + "public-keys", Answer(404))  # no key given: not known
    md = providers.get("exoscale").metadata(pctx)
    assert md is not None
    assert md.ssh_public_keys == ()


def test_akamai_token_then_instance_network_and_keys(ctx: tuple[ProviderContext, StandIn]) -> None:
    pctx, server = ctx
    server.route(
        "PUT",
        "/v1/token",
        Answer(200, b"tok-123", require={"Metadata-Token-Expiry-Seconds": "300"}),
    )
    need = {"Metadata-Token": "tok-123", "Accept": "application/json"}
    instance = {"id": 1, "label": "linode-web", "region": "us-east", "type": "g6-nanode-1"}
    network = {
        "interfaces": [],
        "ipv4": {"public": ["172.105.0.7/32"], "private": ["192.168.139.4/17"], "shared": []},
        "ipv6": {"slaac": "2600:3c03::f03c:94ff:fe00:7/128", "ranges": [], "link_local": ""},
    }
    keys = {"users": {"root": [KEY_A], "deploy": [KEY_B]}}
    for path, doc in (("instance", instance), ("network", network), ("ssh-keys", keys)):
        body = json.dumps(doc).encode()
        server.route("GET", f"/v1/{path}", Answer(200, body, require=need, missing_status=401))
    assert providers.get("akamai").metadata(pctx) == InstanceMetadata(
        hostname="linode-web",
        public_ipv4="172.105.0.7",
        private_ipv4="192.168.139.4",
        public_ipv6="2600:3c03::f03c:94ff:fe00:7",
        ssh_public_keys=(KEY_A,),
    )


def test_akamai_without_a_usable_token(ctx: tuple[ProviderContext, StandIn]) -> None:
    pctx, server = ctx
    server.route("PUT", "/v1/token", Answer(200, b"\x1b[2J\n"))
    with pytest.raises(ProviderError, match="gave no usable token"):
        providers.get("akamai").metadata(pctx)
    server.route("PUT", "/v1/token", Answer(200, b"t" * 10_000))
    with pytest.raises(IgnitionError, match="larger than 4096 bytes"):
        providers.get("akamai").metadata(pctx)


def test_oracle_instance_and_first_vnic(ctx: tuple[ProviderContext, StandIn]) -> None:
    pctx, server = ctx
    auth = {"Authorization": "Bearer Oracle"}
    instance = {
        "availabilityDomain": "EMIr:PHX-AD-1",
        "displayName": "Web Server",
        "hostname": "web-server",
        "id": "ocid1.instance.oc1.phx.abc",
        "metadata": {"ssh_authorized_keys": f"{KEY_A}\n{KEY_B}\n", "user_data": "I2Nsb3Vk"},
        "region": "phx",
    }
    vnics = [
        {
            "vnicId": "ocid1.vnic.oc1.phx.abc",
            "privateIp": "10.0.3.6",
            "vlanTag": 0,
            "macAddr": "02:00:17:00:12:34",
            "virtualRouterIp": "10.0.3.1",
            "subnetCidrBlock": "10.0.3.0/24",
        }
    ]
    server.route(
        "GET",
        "/opc/v2/instance/",
        Answer(200, json.dumps(instance).encode(), require=auth, missing_status=401),
    )
    server.route(
        "GET", "/opc/v2/vnics/", Answer(429), Answer(200, json.dumps(vnics).encode(), require=auth)
    )
    assert providers.get("oraclecloud").metadata(pctx) == InstanceMetadata(
        hostname="web-server", private_ipv4="10.0.3.6", ssh_public_keys=(KEY_A, KEY_B)
    )
    assert len(server.hits("GET", "/opc/v2/vnics/")) == 2  # 429 is retried


@pytest.mark.parametrize(
    ("platform", "path"),
    [
        ("vultr", "/v1.json"),
        ("oraclecloud", "/opc/v2/instance/"),
        ("hetzner", "/hetzner/v1/metadata"),
    ],
)
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "is not (JSON|YAML)"),
        (b"{" + b" " * (1 << 20) + b"}", "larger than 1 MiB"),
        (b"<html>blocked</html>", "is not JSON|nothing"),
    ],
)
def test_hostile_metadata_answers_are_clean_errors(
    ctx: tuple[ProviderContext, StandIn], platform: str, path: str, body: bytes, message: str
) -> None:
    pctx, server = ctx
    server.route("GET", path, Answer(200, body))
    if platform == "hetzner" and body.startswith(b"<html>"):
        # a YAML scalar, not a mapping: nothing is known, nothing is guessed
        md = providers.get(platform).metadata(pctx)
        assert md is not None
        assert md.hostname == ""
        return
    with pytest.raises(IgnitionError, match=message):
        providers.get(platform).metadata(pctx)


def test_metadata_values_that_are_not_addresses_or_strings_are_dropped(
    ctx: tuple[ProviderContext, StandIn], sink: ListSink
) -> None:
    pctx, server = ctx
    doc = {
        "hostname": ["not", "a", "string"],
        "public-keys": "not a list",
        "interfaces": [{"network-type": "public", "ipv4": {"address": "1.2.3.4; rm -rf /"}}],
    }
    server.route("GET", "/v1.json", Answer(200, json.dumps(doc).encode()))
    assert providers.get("vultr").metadata(pctx) == InstanceMetadata()
    assert "public ipv4 address is not an IP address" in sink.text
    assert "rm -rf" not in sink.text
