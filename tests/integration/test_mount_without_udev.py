"""The mount and umount stages find ``/dev/disk/by-*`` devices the way the disks stage does
when no udev daemon makes those links: real ``ignition`` stage processes, a real loop device
partitioned and formatted by the disks stage (or beforehand), no udev."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ignition.system import blkid, devices
from tests.integration.harness import Machine, new_machine

pytestmark = [pytest.mark.root, pytest.mark.loopdev]

Loop = Callable[..., str]


@pytest.fixture
def m(tmp_path: Path) -> Machine:
    if devices.udev_running():
        pytest.skip("a udev daemon runs here: it makes the links itself")
    return new_machine(tmp_path)


def config(storage: dict[str, Any]) -> dict[str, Any]:
    files = [{"path": "/srv/data/hello", "contents": {"source": "data:,on-the-partition"}}]
    return {"ignition": {"version": "3.4.0"}, "storage": {**storage, "files": files}}


def partitioned(dev: str, kind: str) -> dict[str, Any]:
    """Storage that partitions ``dev`` and formats the partition, named by ``kind``."""
    name, guid = f"pyign-{uuid.uuid4().hex[:12]}", str(uuid.uuid4())
    part = {"number": 1, "label": name, "guid": guid, "sizeMiB": 0}
    device = {"by-partlabel": name, "by-partuuid": guid}[kind]
    fs = {"device": f"/dev/disk/{kind}/{device}", "format": "ext4", "path": "/srv/data"}
    disk = {"device": dev, "wipeTable": True, "partitions": [part]}
    return {"disks": [disk], "filesystems": [fs]}


def preformatted(dev: str, kind: str) -> dict[str, Any]:
    """Storage that reuses a file system made beforehand, named by ``kind``."""
    label, fs_uuid = f"pyign-{uuid.uuid4().hex[:8]}", str(uuid.uuid4())
    subprocess.run(
        ["mkfs.ext4", "-q", "-L", label, "-U", fs_uuid, dev], check=True, capture_output=True
    )
    device = {"by-label": label, "by-uuid": fs_uuid}[kind]
    fs = {"device": f"/dev/disk/{kind}/{device}", "format": "ext4", "path": "/srv/data"}
    return {"filesystems": [fs]}


def on_device(node: str, tmp: Path, name: str) -> bytes:
    mnt = tmp / "check"
    mnt.mkdir()
    subprocess.run(["mount", "-o", "ro", node, str(mnt)], check=True, capture_output=True)
    try:
        return (mnt / name).read_bytes()
    finally:
        subprocess.run(["umount", str(mnt)], check=True, capture_output=True)


@pytest.mark.parametrize("kind", ["by-partlabel", "by-partuuid", "by-label", "by-uuid"])
def test_disks_mount_files_umount_by_link(kind: str, loopdev: Loop, m: Machine) -> None:
    dev = loopdev(32)
    if kind.startswith("by-part"):
        storage, node = partitioned(dev, kind), devices.partition_node(dev, 1)
    else:
        storage, node = preformatted(dev, kind), dev
    m.write_config(config(storage))
    target = m.root / "srv/data"
    try:
        runs = {stage: m.stage(stage) for stage in ("fetch", "disks", "mount", "files")}
        for stage, r in runs.items():
            assert r.code == 0, f"{stage}: {r.text}"
        assert os.path.ismount(target)
        assert os.stat(target).st_dev == os.stat(node).st_rdev  # the right device
        link = storage["filesystems"][0]["device"]
        assert f'no udev daemon: "{link}" is "{node}"' in runs["mount"].text
    finally:
        r = m.stage("umount")
    assert r.code == 0, r.text
    assert not os.path.ismount(target)
    assert blkid.probe_filesystem(node).type == "ext4"
    assert on_device(node, m.tmp, "hello") == b"on-the-partition"


def test_a_link_that_matches_nothing_fails_before_touching_the_root(m: Machine) -> None:
    missing = f"/dev/disk/by-partlabel/pyign-absent-{uuid.uuid4().hex[:8]}"
    fs = {"device": missing, "format": "ext4", "path": "/srv/data"}
    m.write_config(config({"filesystems": [fs]}))
    assert m.stage("fetch").code == 0
    r = m.stage("mount")
    assert r.code == 1
    assert f'failed to mount "{missing}" at "/srv/data"' in r.text
    assert "no udev daemon, so looked for PARTLABEL=" in r.text
    assert list(m.root.iterdir()) == []  # no mount point was created
