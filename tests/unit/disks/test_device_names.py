"""Device naming rules that need no devices."""

from __future__ import annotations

from pathlib import Path

import pytest

from ignition.system.devices import (
    DeviceError,
    Lookup,
    alias_path,
    link_query,
    partition_node,
    resolve,
)


def test_partition_names_follow_the_kernel() -> None:
    assert partition_node("/dev/vda", 4) == "/dev/vda4"
    assert partition_node("/dev/loop3", 1) == "/dev/loop3p1"
    assert partition_node("/dev/nvme0n1", 2) == "/dev/nvme0n1p2"


def test_links_that_can_be_found_without_udev() -> None:
    assert link_query("/dev/disk/by-label/ROOT") == ("LABEL", "ROOT")
    assert link_query("/dev/disk/by-partlabel/my\\x20data") == ("PARTLABEL", "my data")
    assert link_query("/dev/disk/by-uuid/abc") == ("UUID", "abc")
    assert link_query("/dev/disk/by-partuuid/abc") == ("PARTUUID", "abc")
    assert link_query("/dev/disk/by-id/virtio-x") is None
    assert link_query("/dev/vda") is None


def test_alias_keeps_the_path_as_written() -> None:
    got = alias_path("/run/ignition/dev_aliases", "/dev/disk/by-label/ROOT")
    assert got == "/run/ignition/dev_aliases/dev/disk/by-label/ROOT"


def test_resolve_gives_an_existing_path_as_written(tmp_path: Path) -> None:
    image = tmp_path / "disk.img"
    image.write_bytes(b"")
    for udev in (True, False):
        assert resolve(str(image), Lookup(udev=udev)) == str(image)


def test_resolve_names_what_it_looked_for() -> None:
    with pytest.raises(DeviceError, match="udev is running and made no such link"):
        resolve("/dev/disk/by-label/pyign-absent", Lookup(udev=True))
    with pytest.raises(DeviceError, match="no such device"):
        resolve("/dev/pyign-absent", Lookup(udev=False))
    with pytest.raises(DeviceError, match="by-id links are never made"):
        resolve("/dev/disk/by-id/pyign-absent", Lookup(udev=False))
