"""crypttab entries and key files written for the files stage (docs/disks.md)."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
from pathlib import Path

import pytest

from ignition.stages.files.crypttab import write_crypttab
from ignition.system import blkid
from ignition.util.errors import StageError
from tests.integration.disks.conftest import Loop
from tests.unit.disks.support import make_context

KEY = b"k" * 64


def luks2(dev: str, tmp_path: Path) -> str:
    key = tmp_path / "key"
    key.write_bytes(KEY)
    subprocess.run(
        ["cryptsetup", "luksFormat", "-q", "--type", "luks2", "--key-file", str(key),
         "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", dev],
        check=True, capture_output=True,
    )  # fmt: skip
    return blkid.probe_filesystem(dev).uuid


def test_entries_and_key_files(loopdev: Loop, tmp_path: Path) -> None:
    a, b = loopdev(32), loopdev(32)
    ua, ub = luks2(a, tmp_path), luks2(b, tmp_path)
    url = "data:;base64," + base64.b64encode(KEY).decode()
    storage = {
        "luks": [
            {"name": "data", "device": a, "keyFile": {"source": url}},
            {
                "name": "root",
                "device": b,
                "clevis": {"tang": [{"url": "http://tang", "thumbprint": "t"}]},
            },
        ]
    }
    ctx, _ = make_context(tmp_path, storage)
    root = Path(ctx.system.root.directory)
    (root / "etc").mkdir()
    (root / "etc/crypttab").write_text("existing /dev/x none luks")  # no trailing newline
    ctx.state.luks_persist_key_files.update({"data": url, "root": url})
    write_crypttab(ctx)
    assert (root / "etc/crypttab").read_text() == (
        "existing /dev/x none luks\n"
        f"data UUID={ua} /etc/luks/data luks,x-initrd.attach\n"
        f"root UUID={ub} none luks,_netdev,x-initrd.attach\n"
    )
    assert stat.S_IMODE(os.stat(root / "etc/crypttab").st_mode) == 0o600
    assert (root / "etc/luks/data").read_bytes() == KEY
    assert stat.S_IMODE(os.stat(root / "etc/luks/data").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(root / "etc/luks").st_mode) == 0o700
    assert not (root / "etc/luks/root").exists()  # clevis unlocks it
    assert ctx.state.luks_persist_key_files == {}  # keys leave the state


def test_a_device_that_is_not_luks_is_an_error(loopdev: Loop, tmp_path: Path) -> None:
    dev = loopdev(32)
    subprocess.run(["mkfs.ext4", "-q", dev], check=True)
    ctx, _ = make_context(tmp_path, {"luks": [{"name": "x", "device": dev}]})
    with pytest.raises(StageError, match="is not a LUKS volume"):
        write_crypttab(ctx)


def test_a_rerun_adds_no_second_copy_of_a_line(loopdev: Loop, tmp_path: Path) -> None:
    """The files stage after a failure (or a kill) runs again: the entries it wrote the
    first time must not be appended twice; an entry for another volume still is."""
    dev = loopdev(32)
    uuid = luks2(dev, tmp_path)
    url = "data:;base64," + base64.b64encode(KEY).decode()
    ctx, _ = make_context(
        tmp_path, {"luks": [{"name": "data", "device": dev, "keyFile": {"source": url}}]}
    )
    root = Path(ctx.system.root.directory)
    (root / "etc").mkdir()
    (root / "etc/crypttab").write_text("data UUID=other /etc/luks/data luks\n")
    for _ in range(2):
        ctx.state.luks_persist_key_files.update({"data": url})
        write_crypttab(ctx)
    assert (root / "etc/crypttab").read_text() == (
        "data UUID=other /etc/luks/data luks\n"
        f"data UUID={uuid} /etc/luks/data luks,x-initrd.attach\n"
    )
    assert (root / "etc/luks/data").read_bytes() == KEY


def test_key_directory_link_stays_in_the_root(loopdev: Loop, tmp_path: Path) -> None:
    dev = loopdev(32)
    luks2(dev, tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    url = "data:;base64," + base64.b64encode(KEY).decode()
    ctx, _ = make_context(
        tmp_path, {"luks": [{"name": "data", "device": dev, "keyFile": {"source": url}}]}
    )
    root = Path(ctx.system.root.directory)
    (root / "etc").mkdir()
    (root / "etc/luks").symlink_to(outside)  # absolute: inside the root, it names root + outside
    ctx.state.luks_persist_key_files.update({"data": url})
    write_crypttab(ctx)
    assert list(outside.iterdir()) == []
    assert (root / str(outside).lstrip("/") / "data").read_bytes() == KEY
