"""Providers that read a config from a local file, a device or a helper's output read at most
the config size limit (``PYIGNITION_MAX_CONFIG_SIZE``): a huge or endless source is one clean
error, never the machine's memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from ignition.fetch.fetcher import ResourceFetcher
from ignition.system.paths import Paths
from ignition.util.log import Logger
from providers import qemu
from providers.base import ProviderContext, ProviderError
from tests.integration.providers.harness import Machine, config_for
from tests.integration.providers.test_hypervisors import VMUR, _fw_cfg

LIMIT = 1 << 20
SMALL = {"PYIGNITION_MAX_CONFIG_SIZE": str(LIMIT)}


def padded(data: bytes, size: int, pad: bytes = b" ") -> bytes:
    return data + pad * (size - len(data))


def test_file_provider(machine: Machine) -> None:
    (machine.tmp / "config.ign").write_bytes(padded(config_for("file"), 2 * LIMIT))
    res = machine.run("file", env=SMALL)
    assert res.code == 1
    assert f"config file 'config.ign': the config is larger than {LIMIT} bytes" in res.out
    assert res.cache is None


def test_zvm_spool_file(machine: Machine, tmp_path: Path) -> None:
    src = tmp_path / "spool"
    src.write_bytes(padded(config_for("zvm"), 2 * LIMIT))
    machine.tool("vmur", VMUR.format(type="ign", src=src))
    res = machine.run("zvm", env=SMALL)
    assert res.code == 1
    assert f"z/VM spool file 0463: the config is larger than {LIMIT} bytes" in res.out


def test_qemu_fw_cfg_size_is_checked_before_reading(machine: Machine) -> None:
    _fw_cfg(machine, "com.coreos", config_for("qemu"), size=1 << 40)
    res = machine.run("qemu", env=SMALL)
    assert res.code == 1
    assert f"the config is larger than {LIMIT} bytes" in res.out


@pytest.fixture
def virtio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, ProviderContext]:
    monkeypatch.setenv("PYIGNITION_HOST_ROOT", str(tmp_path))
    monkeypatch.setenv("PYIGNITION_MAX_CONFIG_SIZE", str(LIMIT))
    dev = tmp_path / qemu.BLOCK_DEVICE.lstrip("/")
    dev.parent.mkdir(parents=True)
    log = Logger()
    return dev, ProviderContext(ResourceFetcher(log), log, Paths(), "fetch")


def test_qemu_block_device_padding_is_not_read_whole(
    virtio: tuple[Path, ProviderContext],
) -> None:
    dev, ctx = virtio
    dev.write_bytes(config_for("qemu"))
    with open(dev, "r+b") as fh:  # sparse: 64 GiB of NUL padding after the config
        fh.truncate(64 << 30)
    assert qemu.read_block_device(ctx, wait=0) == config_for("qemu")


def test_qemu_block_device_larger_than_the_limit(virtio: tuple[Path, ProviderContext]) -> None:
    dev, ctx = virtio
    dev.write_bytes(padded(config_for("qemu"), LIMIT + 1))
    with pytest.raises(ProviderError, match=f"the config is larger than {LIMIT} bytes"):
        qemu.read_block_device(ctx, wait=0)
    dev.write_bytes(padded(config_for("qemu"), LIMIT))
    assert qemu.read_block_device(ctx, wait=0) == padded(config_for("qemu"), LIMIT)
