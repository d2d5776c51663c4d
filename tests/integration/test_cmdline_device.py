"""``ignition.config.device``/``ignition.config.path`` on a real ext4 loop device: the device
is hostile media like a config drive (a link on it stays on it, a huge file is refused
unread, nothing stays mounted), read by the real ``ignition -stage fetch``."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from ignition.config.model import LATEST_VERSION
from tests.integration.harness import Machine, Run, new_machine

pytestmark = [pytest.mark.root, pytest.mark.loopdev]

Loop = Callable[..., str]
CONFIG = json.dumps({"ignition": {"version": LATEST_VERSION}, "storage": {}}).encode()


def device(loopdev: Loop, tmp: Path, files: dict[str, bytes]) -> str:
    """An ext4 loop device labelled CFG holding ``files`` (``->x`` makes a link to x)."""
    dev = loopdev(16)
    subprocess.run(["mkfs.ext4", "-q", "-L", "CFG", dev], check=True, capture_output=True)
    mnt = tmp / "fill"
    mnt.mkdir()
    subprocess.run(["mount", dev, str(mnt)], check=True, capture_output=True)
    try:
        for name, data in files.items():
            p = mnt / name
            p.parent.mkdir(parents=True, exist_ok=True)
            if data.startswith(b"->"):
                p.symlink_to(data[2:].decode())
            elif data.startswith(b"sparse:"):
                with open(p, "wb") as fh:
                    fh.truncate(int(data[7:]))
            else:
                p.write_bytes(data)
    finally:
        subprocess.run(["umount", str(mnt)], check=True, capture_output=True)
    return dev


def fetch(m: Machine, dev: str, path: str, env: dict[str, str] | None = None) -> Run:
    """The fetch stage with ``dev`` shown as /dev/disk/by-label/CFG under a host root."""
    host = m.tmp / "host"
    (host / "dev/disk/by-label").mkdir(parents=True)
    os.mknod(host / "dev/vdb", stat.S_IFBLK | 0o600, os.stat(dev).st_rdev)
    (host / "dev/disk/by-label/CFG").symlink_to("../../vdb")
    (m.tmp / "cmdline").write_text(f"ignition.config.device=CFG ignition.config.path={path}\n")
    tmpdir = m.tmp / "tmpdir"
    tmpdir.mkdir()
    r = m.stage(
        "fetch", env={"PYIGNITION_HOST_ROOT": str(host), "TMPDIR": str(tmpdir), **(env or {})}
    )
    rdev = os.stat(dev).st_rdev
    with open("/proc/self/mountinfo") as fh:
        assert not [x for x in fh if x.split()[2] == f"{os.major(rdev)}:{os.minor(rdev)}"]
    assert list(tmpdir.iterdir()) == [], "mount point left behind"
    assert "Traceback" not in r.text
    return r


def test_config_read_from_the_labelled_device(loopdev: Loop, tmp_path: Path) -> None:
    m = new_machine(tmp_path)
    r = fetch(m, device(loopdev, tmp_path, {"cfg/user.ign": CONFIG}), "/cfg/user.ign")
    assert r.code == 0, r.text
    assert json.loads(m.cache.read_text())["ignition"]["version"] == LATEST_VERSION


def test_a_link_on_the_device_stays_on_the_device(loopdev: Loop, tmp_path: Path) -> None:
    outside = tmp_path / "host.ign"  # a valid config on the host: the link must not reach it
    outside.write_bytes(CONFIG)
    m = new_machine(tmp_path)
    r = fetch(m, device(loopdev, tmp_path, {"user.ign": b"->" + bytes(outside)}), "user.ign")
    assert r.code == 1, r.text
    assert 'config file "user.ign" not found on device "CFG"' in r.out
    assert not m.cache.exists()


def test_a_huge_file_is_refused_unread(loopdev: Loop, tmp_path: Path) -> None:
    m = new_machine(tmp_path)
    dev = device(loopdev, tmp_path, {"user.ign": b"sparse:%d" % (1 << 30)})
    r = fetch(m, dev, "user.ign", env={"PYIGNITION_MAX_CONFIG_SIZE": "1M"})
    assert r.code == 1, r.text
    assert f'device "CFG": "user.ign" is larger than {1 << 20} bytes' in r.out
    assert not m.cache.exists()


def test_a_directory_is_not_read(loopdev: Loop, tmp_path: Path) -> None:
    m = new_machine(tmp_path)
    r = fetch(m, device(loopdev, tmp_path, {"user.ign/x": CONFIG}), "user.ign")
    assert r.code == 1, r.text
    assert '"user.ign" is not a regular file' in r.out
