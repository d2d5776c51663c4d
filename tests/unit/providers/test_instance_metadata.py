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
from ignition.log import Logger
from ignition.system.paths import Paths
from providers.base import InstanceMetadata, ProviderContext, ProviderError
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
    assert md == InstanceMetadata(
        hostname="vm-direct",
        private_ipv4="10.0.0.8",
        private_ipv6="fd00::8",
        public_ipv4="192.0.2.8",
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
