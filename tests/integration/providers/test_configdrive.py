"""Config-drive platforms with real ISO 9660 / FAT images under a host root, and OpenStack /
CloudStack racing a drive against the metadata service in both orders."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.integration.providers import images
from tests.integration.providers.harness import Machine, config_for
from tests.integration.providers.standin import Answer, StandIn

OS_PATH = "openstack/latest/user_data"
OS_URL = "/openstack/latest/user_data"


def test_openstack_drive_present_wins_without_asking(
    machine: Machine, server: StandIn, tmp_path: Path
) -> None:
    machine.drive("config-2", images.iso(tmp_path, "config-2", {OS_PATH: config_for("openstack")}))
    server.route("GET", OS_URL, Answer(200, b'{"ignition":{"version":"3.4.0"}}'))
    res = machine.run("openstack", origin=server.origin)
    assert res.got("openstack"), res.out
    assert server.hits("GET", OS_URL) == []


def test_openstack_metadata_service_answers_first(machine: Machine, server: StandIn) -> None:
    server.route("GET", OS_URL, Answer(200, config_for("openstack")))
    res = machine.run("openstack", origin=server.origin)
    assert res.got("openstack"), res.out
    assert res.seconds < 8


def test_openstack_fast_404_does_not_hide_a_slow_drive(
    machine: Machine, server: StandIn, tmp_path: Path
) -> None:
    image = images.fat(tmp_path, "CONFIG-2", {OS_PATH: config_for("openstack")})
    server.route("GET", OS_URL, Answer(404))
    timer = threading.Timer(3.0, machine.drive, args=("CONFIG-2", image))
    timer.start()
    try:
        res = machine.run("openstack", origin=server.origin)
    finally:
        timer.cancel()
    assert res.got("openstack"), res.out  # the reference would have taken the 404


def test_openstack_404_and_no_drive_is_no_config(machine: Machine, server: StandIn) -> None:
    server.route("GET", OS_URL, Answer(404))
    res = machine.run("openstack", origin=server.origin)
    assert res.empty(), res.out
    assert 9.5 < res.seconds < 20  # the drive's grace period


def test_openstack_drive_without_user_data_is_no_config(
    machine: Machine, server: StandIn, tmp_path: Path
) -> None:
    machine.drive("config-2", images.iso(tmp_path, "config-2", {"openstack/latest/x": b"{}"}))
    assert machine.run("openstack", origin=server.origin).empty()


def test_openstack_service_error_is_raised_after_the_grace(
    machine: Machine, server: StandIn
) -> None:
    server.route("GET", OS_URL, Answer(403))
    res = machine.run("openstack", origin=server.origin)
    assert res.code == 1
    assert "403" in res.out


def test_brightbox_is_openstack(machine: Machine, server: StandIn) -> None:
    server.route("GET", OS_URL, Answer(200, config_for("brightbox")))
    assert machine.run("brightbox", origin=server.origin).got("brightbox")


def test_openstack_fetch_offline_needs_network(machine: Machine, server: StandIn) -> None:
    res = machine.run("openstack", origin=server.origin, stage="fetch-offline")
    assert res.code == 0
    assert res.neednet


CS_FILE = "cloudstack/userdata/user_data.txt"


def test_cloudstack_metadata_from_the_dhcp_server(machine: Machine, server: StandIn) -> None:
    machine.put("/run/systemd/netif/leases/2", "ADDRESS=10.1.1.5\nSERVER_ADDRESS=10.1.1.1\n")
    server.route("GET", "/latest/user-data", Answer(200, config_for("cloudstack")))
    assert machine.run("cloudstack", origin=server.origin).got("cloudstack")


def test_cloudstack_drive(machine: Machine, server: StandIn, tmp_path: Path) -> None:
    machine.drive("config-2", images.iso(tmp_path, "config-2", {CS_FILE: config_for("cloudstack")}))
    server.route("GET", "/latest/user-data", Answer(404))
    assert machine.run("cloudstack", origin=server.origin).got("cloudstack")


@pytest.mark.parametrize("platform", ["nutanix", "powervs"])
def test_config_2_platforms(platform: str, machine: Machine, tmp_path: Path) -> None:
    machine.drive("config-2", images.iso(tmp_path, "config-2", {OS_PATH: config_for(platform)}))
    res = machine.run(platform)
    assert res.got(platform), res.out


def test_config_2_platform_drive_without_file(machine: Machine, tmp_path: Path) -> None:
    machine.drive("config-2", images.fat(tmp_path, "config-2", {"other": b"x"}, bits=16))
    assert machine.run("nutanix").empty()


@pytest.mark.parametrize(
    ("label", "file"), [("cidata", "user-data"), ("config-2", OS_PATH)], ids=["nocloud", "cd"]
)
def test_kubevirt_either_drive(label: str, file: str, machine: Machine, tmp_path: Path) -> None:
    machine.drive(
        label, images.iso(tmp_path, label, {file: config_for("kubevirt")}, style="xorriso")
    )
    assert machine.run("kubevirt").got("kubevirt")


def test_ibmcloud_cidata_fat32(machine: Machine, tmp_path: Path) -> None:
    image = images.fat(tmp_path, "cidata", {"user-data": config_for("ibmcloud")}, bits=32)
    machine.drive("cidata", image)
    assert machine.run("ibmcloud").got("ibmcloud")


@pytest.mark.slow
def test_ibmcloud_no_drive_after_30s_is_no_config(machine: Machine) -> None:
    res = machine.run("ibmcloud")
    assert res.empty(), res.out
    assert 29 < res.seconds < 45


def test_proxmoxve_skips_cloud_config(machine: Machine, tmp_path: Path) -> None:
    files = {"user-data": b"#cloud-config\nhostname: x\n", "vendor-data": config_for("proxmoxve")}
    machine.drive("cidata", images.iso(tmp_path, "cidata", files, style="joliet"))
    assert machine.run("proxmoxve").got("proxmoxve")


def test_proxmoxve_user_data_first(machine: Machine, tmp_path: Path) -> None:
    files = {"user-data": config_for("proxmoxve"), "vendor-data": b"{}"}
    machine.drive("cidata", images.fat(tmp_path, "cidata", files))
    assert machine.run("proxmoxve").got("proxmoxve")


def test_proxmoxve_only_cloud_config_is_no_config(machine: Machine, tmp_path: Path) -> None:
    files = {"user-data": b"#cloud-config\n{}\n"}
    machine.drive("cidata", images.iso(tmp_path, "cidata", files))
    assert machine.run("proxmoxve").empty()


def test_damaged_drive_is_an_error(machine: Machine, tmp_path: Path) -> None:
    big = config_for("nutanix") + b" " * 20000
    image = images.iso(tmp_path, "config-2", {OS_PATH: big})
    data = image.read_bytes()
    cut = tmp_path / "cut.iso"
    cut.write_bytes(data[: data.index(big[:64]) + 100])
    machine.drive("config-2", cut)
    res = machine.run("nutanix")
    assert res.code == 1
    assert 'config drive "config-2"' in res.out
    assert res.cache is None
