"""LUKS on loop devices. Formatting works on any kernel; opening needs device-mapper with
dm-crypt (this project's CI host has neither: those parts are skipped there with the reason)."""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ignition.config.urls import decode_data_url
from ignition.system import blkid
from ignition.util.errors import StageError
from tests.integration.disks.conftest import Loop, Stage

KEY = b"correct horse battery staple, but longer and secret"
KEY_URL = "data:;base64," + base64.b64encode(KEY).decode()
UUID = "0b7b1b5c-6fd2-4d8c-9c7e-4dcb3d5f2c11"
FAST = ["--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000"]  # tests need no slow KDF


def dm_crypt_unavailable() -> str | None:
    # /dev/mapper/control is no proof: libdevmapper creates the node even when the kernel lacks dm
    if not os.path.exists("/sys/class/misc/device-mapper"):
        return "no device-mapper in this kernel: LUKS volumes can be formatted but not opened"
    return None


@pytest.fixture(autouse=True)
def _cryptsetup() -> Iterator[None]:
    """Skip without cryptsetup. libdevmapper creates /dev/mapper/control on first use even where
    the kernel has no device-mapper; remove it again then, since tools (the conformance runner
    among them) take that node as proof that LUKS volumes can be opened."""
    if shutil.which("cryptsetup") is None:
        pytest.skip("cryptsetup is not installed (./dev setup installs cryptsetup-bin)")
    had_node = os.path.exists("/dev/mapper/control")
    had_dir = os.path.isdir("/dev/mapper")
    yield
    if not had_node and not os.path.exists("/sys/class/misc/device-mapper"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink("/dev/mapper/control")
        if not had_dir:
            with contextlib.suppress(OSError):
                os.rmdir("/dev/mapper")


def volume(dev: str, **extra: object) -> dict[str, object]:
    return {
        "name": "pyign-test",
        "device": dev,
        "keyFile": {"source": KEY_URL},
        "options": FAST,
        **extra,
    }


def luks_format(dev: str, tmp_path: Path, *, kind: str = "luks2", label: str = "") -> None:
    key = tmp_path / "key"
    key.write_bytes(KEY)
    argv = ["cryptsetup", "luksFormat", "-q", "--type", kind, "--key-file", str(key), *FAST]
    if label:
        argv += ["--label", label]
    argv.append(dev)
    subprocess.run(argv, check=True, capture_output=True)


def close(name: str) -> None:
    subprocess.run(["cryptsetup", "luksClose", name], capture_output=True, check=False)


def test_format_where_the_kernel_allows_it(loopdev: Loop, stage: Stage) -> None:
    dev = loopdev(32)
    storage = {"luks": [volume(dev, label="secret-data", uuid=UUID, wipeVolume=True)]}
    dm_missing = dm_crypt_unavailable()
    try:
        if dm_missing:
            with pytest.raises(StageError, match="opening luks device"):
                stage(storage)
        else:
            stage(storage)
            assert os.path.exists("/dev/mapper/pyign-test")
    finally:
        close("pyign-test")
    info = blkid.probe_filesystem(dev)
    assert (info.type, info.version, info.label, info.uuid) == (
        "crypto_LUKS",
        "2",
        "secret-data",
        UUID,
    )
    assert stage.ctx is not None
    # the key went to the state for the files stage, and nowhere into logs or command lines
    assert decode_data_url(stage.ctx.state.luks_persist_key_files["pyign-test"]).data == KEY
    for line in [stage.sink.text(), *(" ".join(c) for c in stage.calls)]:
        assert KEY.decode() not in line
        assert KEY_URL not in line
    # the temporary key file is gone
    keyfiles = {c[c.index("--key-file") + 1] for c in stage.ran("cryptsetup") if "--key-file" in c}
    assert keyfiles
    assert not any(os.path.exists(k) for k in keyfiles)


def test_other_signature_is_refused_without_wipe(loopdev: Loop, stage: Stage) -> None:
    dev = loopdev(32)
    subprocess.run(["mkfs.ext4", "-q", dev], check=True)
    with pytest.raises(
        StageError, match=r'volume at ".*" is not of the correct type \(found ext4\)'
    ):
        stage({"luks": [volume(dev)]})
    assert stage.ran("cryptsetup") == []
    assert blkid.probe_filesystem(dev).type == "ext4"


def test_luks1_is_not_reused(loopdev: Loop, stage: Stage, tmp_path: Path) -> None:
    dev = loopdev(32)
    luks_format(dev, tmp_path, kind="luks1")
    with pytest.raises(
        StageError, match="is a luks device but not luks2; Ignition cannot reuse it"
    ):
        stage({"luks": [volume(dev)]})
    assert blkid.probe_filesystem(dev).version == "1"


def test_luks2_with_other_label_is_not_reused(loopdev: Loop, stage: Stage, tmp_path: Path) -> None:
    dev = loopdev(32)
    luks_format(dev, tmp_path, label="old")
    with pytest.raises(StageError, match="volume is not of the correct type"):
        stage({"luks": [volume(dev, label="new")]})
    assert (
        'could not be reused: label did not match (specified "new", got "old")' in stage.sink.text()
    )
    assert [c[1] for c in stage.ran("cryptsetup")] == []  # decided from the header, nothing run


def test_luks2_reuse_needs_a_key_file(loopdev: Loop, stage: Stage, tmp_path: Path) -> None:
    dev = loopdev(32)
    luks_format(dev, tmp_path)
    with pytest.raises(StageError, match="volume is not of the correct type"):
        stage({"luks": [{"name": "pyign-test", "device": dev}]})
    assert "could not be reused: config must specify keyfile" in stage.sink.text()


def test_luks2_is_reused_with_its_key(loopdev: Loop, stage: Stage, tmp_path: Path) -> None:
    why = dm_crypt_unavailable()
    if why:
        pytest.skip(why)
    dev = loopdev(32)
    luks_format(dev, tmp_path, label="keep")
    try:
        stage({"luks": [volume(dev, label="keep")]})
        assert os.path.exists("/dev/mapper/pyign-test")
        assert stage.ran("cryptsetup")[0][1] == "luksDump"
        assert all(c[1] != "luksFormat" for c in stage.ran("cryptsetup"))
    finally:
        close("pyign-test")


def test_clevis_missing_is_a_clear_error_before_anything_is_formatted(
    loopdev: Loop, stage: Stage
) -> None:
    if shutil.which("clevis"):
        pytest.skip("clevis is installed here; this checks the error where it is not")
    dev = loopdev(32)
    with pytest.raises(StageError, match="bound with clevis, but clevis is not installed"):
        stage({"luks": [volume(dev, clevis={"tpm2": True}, wipeVolume=True)]})
    assert stage.ran("cryptsetup") == []
    assert blkid.probe_filesystem(dev).type == ""
