"""Config drives with a file system the user-space readers do not know (ext4, xfs, btrfs):
real images on loop devices, shown under the host root as block devices, read through the
real ``ignition -stage fetch`` by a read-only mount that never outlives the run."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.providers.harness import Machine, Result, config_for
from tests.integration.providers.standin import Answer, StandIn

pytestmark = [pytest.mark.root, pytest.mark.loopdev]

OS_PATH = "openstack/latest/user_data"
MKFS = {
    "ext4": (["mkfs.ext4", "-q", "-L"], 16),
    "xfs": (["mkfs.xfs", "-q", "-L"], 320),
    "btrfs": (["mkfs.btrfs", "-q", "-L"], 128),
}
Loop = Callable[..., str]


def drive(loopdev: Loop, tmp: Path, fstype: str, label: str, files: dict[str, bytes]) -> str:
    """A loop device holding a ``fstype`` file system labelled ``label`` with ``files``
    (values starting with ``->`` become symbolic links)."""
    argv, mib = MKFS[fstype]
    if shutil.which(argv[0]) is None:
        pytest.skip(f"{argv[0]} is not installed (./dev setup installs it)")
    dev = loopdev(mib)
    subprocess.run([*argv, label, dev], check=True, capture_output=True)
    mnt = tmp / f"fill-{os.path.basename(dev)}"
    mnt.mkdir()
    subprocess.run(["mount", "-t", fstype, dev, str(mnt)], check=True, capture_output=True)
    try:
        for name, data in files.items():
            p = mnt / name
            p.parent.mkdir(parents=True, exist_ok=True)
            if data.startswith(b"->"):
                p.symlink_to(data[2:].decode())
            else:
                p.write_bytes(data)
    finally:
        subprocess.run(["umount", str(mnt)], check=True, capture_output=True)
    return dev


def run_clean(machine: Machine, platform: str, dev: str, **kw: object) -> Result:
    """Run the stage with a private TMPDIR; afterwards nothing of ``dev`` is mounted and no
    temporary mount point is left."""
    tmpdir = machine.tmp / "tmpdir"
    tmpdir.mkdir(exist_ok=True)
    res = machine.run(platform, env={"TMPDIR": str(tmpdir)}, **kw)  # type: ignore[arg-type]
    rdev = os.stat(dev).st_rdev
    numbers = f"{os.major(rdev)}:{os.minor(rdev)}"
    with open("/proc/self/mountinfo") as fh:
        assert not [line for line in fh if line.split()[2] == numbers], "left mounted"
    assert list(tmpdir.iterdir()) == [], "mount point left behind"
    return res


@pytest.mark.parametrize(
    ("platform", "fstype", "label", "file"),
    [
        ("nutanix", "ext4", "config-2", OS_PATH),
        ("powervs", "xfs", "config-2", OS_PATH),
        ("kubevirt", "btrfs", "cidata", "user-data"),
        ("kubevirt", "ext4", "config-2", OS_PATH),
        ("ibmcloud", "xfs", "cidata", "user-data"),
    ],
)
def test_drive_read_through_a_read_only_mount(
    platform: str,
    fstype: str,
    label: str,
    file: str,
    loopdev: Loop,
    machine: Machine,
    tmp_path: Path,
) -> None:
    dev = drive(loopdev, tmp_path, fstype, label, {file: config_for(platform)})
    machine.block_drive(label, dev)
    res = run_clean(machine, platform, dev)
    assert res.got(platform), res.out
    assert f'config drive "{label}" ({fstype}) was read through a read-only mount' in res.out


def test_openstack_ext4_drive_wins_over_the_service(
    loopdev: Loop, machine: Machine, server: StandIn, tmp_path: Path
) -> None:
    dev = drive(loopdev, tmp_path, "ext4", "config-2", {OS_PATH: config_for("openstack")})
    machine.block_drive("config-2", dev)
    server.route("GET", "/" + OS_PATH, Answer(404))
    res = run_clean(machine, "openstack", dev, origin=server.origin)
    assert res.got("openstack"), res.out


def test_proxmoxve_ext4_skips_cloud_config(loopdev: Loop, machine: Machine, tmp_path: Path) -> None:
    files = {"user-data": b"#cloud-config\nhostname: x\n", "vendor-data": config_for("proxmoxve")}
    dev = drive(loopdev, tmp_path, "ext4", "cidata", files)
    machine.block_drive("cidata", dev)
    res = run_clean(machine, "proxmoxve", dev)
    assert res.got("proxmoxve"), res.out


def test_drive_without_the_file_is_no_config(
    loopdev: Loop, machine: Machine, tmp_path: Path
) -> None:
    dev = drive(loopdev, tmp_path, "ext4", "config-2", {"openstack/latest/other": b"{}"})
    machine.block_drive("config-2", dev)
    assert run_clean(machine, "nutanix", dev).empty()


def test_links_on_the_drive_stay_on_the_drive(
    loopdev: Loop, machine: Machine, tmp_path: Path
) -> None:
    # a file of the host holding a valid config: a link on the drive must not reach it
    outside = tmp_path / "host-file.ign"
    outside.write_bytes(config_for("outside"))
    files = {OS_PATH: b"->" + str(outside).encode()}
    dev = drive(loopdev, tmp_path, "ext4", "config-2", files)
    machine.block_drive("config-2", dev)
    res = run_clean(machine, "nutanix", dev)
    assert res.empty(), res.out
    assert not res.got("outside")


def test_relative_and_absolute_links_inside_the_drive(
    loopdev: Loop, machine: Machine, tmp_path: Path
) -> None:
    files = {
        "real/config.ign": config_for("nutanix"),
        "openstack/latest/user_data": b"->../../link2",
        "link2": b"->/real/config.ign",  # absolute: the drive's root
    }
    dev = drive(loopdev, tmp_path, "btrfs", "config-2", files)
    machine.block_drive("config-2", dev)
    assert run_clean(machine, "nutanix", dev).got("nutanix")


def test_oversized_file_is_refused_unread(loopdev: Loop, machine: Machine, tmp_path: Path) -> None:
    dev = drive(loopdev, tmp_path, "ext4", "config-2", {})
    mnt = tmp_path / "grow"
    mnt.mkdir()
    subprocess.run(["mount", dev, str(mnt)], check=True, capture_output=True)
    try:
        (mnt / "openstack/latest").mkdir(parents=True)
        with open(mnt / OS_PATH, "wb") as fh:  # sparse: 64 MiB + 1 that use no space
            fh.truncate(64 * 1024 * 1024 + 1)
    finally:
        subprocess.run(["umount", str(mnt)], check=True, capture_output=True)
    machine.block_drive("config-2", dev)
    res = run_clean(machine, "nutanix", dev)
    assert res.code == 1
    assert f'"{OS_PATH}" is larger than {64 * 1024 * 1024} bytes' in res.out
    assert res.cache is None


def test_directory_in_place_of_the_file_is_an_error(
    loopdev: Loop, machine: Machine, tmp_path: Path
) -> None:
    dev = drive(loopdev, tmp_path, "ext4", "config-2", {OS_PATH + "/inner": b"{}"})
    machine.block_drive("config-2", dev)
    res = run_clean(machine, "nutanix", dev)
    assert res.code == 1
    assert f'"{OS_PATH}" is not a regular file' in res.out


def test_unmountable_signature_is_an_error(loopdev: Loop, machine: Machine, tmp_path: Path) -> None:
    dev = loopdev(16)
    subprocess.run(["mkswap", "-L", "config-2", dev], check=True, capture_output=True)
    machine.block_drive("config-2", dev)
    res = run_clean(machine, "nutanix", dev)
    assert res.code == 1
    assert 'config drive "config-2": couldn\'t mount' in res.out
    assert "(swap)" in res.out
    assert res.cache is None


def test_a_plain_file_is_never_mounted(machine: Machine, tmp_path: Path) -> None:
    junk = tmp_path / "ext4.img"
    with open(junk, "wb") as fh:
        fh.truncate(16 * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", "-L", "config-2", str(junk)], check=True)
    machine.drive("config-2", junk)  # a regular file standing in for the device
    res = machine.run("nutanix")
    assert res.code == 1
    assert "is not a block device: not mounting it" in res.out


# -- the OS layer's promise: nothing stays mounted, whatever happens after `mount` -----------

SLOW_MOUNT = '#!/bin/sh\n/usr/bin/mount "$@" || exit $?\nexec sleep 60\n'  # mounts, never returns


def slow_mount_path(tmp: Path) -> str:
    bindir = tmp / "slow-bin"
    bindir.mkdir()
    (bindir / "mount").write_text(SLOW_MOUNT)
    (bindir / "mount").chmod(0o755)
    return f"{bindir}:{os.environ['PATH']}"


def mounted(dev: str) -> bool:
    rdev = os.stat(dev).st_rdev
    with open("/proc/self/mountinfo") as fh:
        return any(line.split()[2] == f"{os.major(rdev)}:{os.minor(rdev)}" for line in fh)


def test_a_mount_that_times_out_is_taken_down(
    loopdev: Loop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    from ignition.system import mounts
    from ignition.system.runner import Runner
    from ignition.util.log import Logger

    dev = drive(loopdev, tmp_path, "ext4", "config-2", {"user-data": b"{}"})
    (tmp_path / "t").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "t"))
    runner = Runner(Logger(), env={**os.environ, "PATH": slow_mount_path(tmp_path)})
    with pytest.raises(mounts.MountError, match="timed out after 2"):
        mounts.read_file(runner, dev, "user-data", max_size=100, timeout=2)
    assert not mounted(dev)
    assert list((tmp_path / "t").iterdir()) == []


READ_IN_CHILD = """
import sys
from ignition.util.log import Logger
from ignition.system import mounts
from ignition.system.runner import Runner
mounts.read_file(Runner(Logger()), sys.argv[1], "user-data", max_size=100)
"""


def test_sigterm_while_mounted_unmounts_first(loopdev: Loop, tmp_path: Path) -> None:
    import signal
    import sys
    import time

    dev = drive(loopdev, tmp_path, "ext4", "config-2", {"user-data": b"{}"})
    (tmp_path / "t").mkdir()
    env = {**os.environ, "PATH": slow_mount_path(tmp_path), "TMPDIR": str(tmp_path / "t")}
    child = subprocess.Popen([sys.executable, "-c", READ_IN_CHILD, dev], env=env)
    try:
        deadline = time.monotonic() + 20
        while not mounted(dev):
            assert time.monotonic() < deadline, "the stand-in never mounted"
            assert child.poll() is None
            time.sleep(0.05)
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=30) == 128 + signal.SIGTERM
    finally:
        child.kill()
        child.wait()
    assert not mounted(dev)
    assert list((tmp_path / "t").iterdir()) == []
