"""Filesystem reuse rules and mkfs command lines (docs/disks.md)."""

from __future__ import annotations

import pytest

from ignition.config.model import Filesystem
from ignition.stages.disks.filesystems import canonical_uuid, matches, mkfs_argv
from ignition.system.blkid import FilesystemInfo
from ignition.util.errors import StageError

U = "F63BF118-F6D7-40A3-B64C-A92B05A7F9EE"


@pytest.mark.parametrize(
    ("fmt", "argv"),
    [
        ("ext4", ["mkfs.ext4", "-E", "x", "-F", "-U", U.lower(), "-L", "l", "/d"]),
        ("btrfs", ["mkfs.btrfs", "-E", "x", "--force", "-U", U.lower(), "-L", "l", "/d"]),
        ("xfs", ["mkfs.xfs", "-E", "x", "-f", "-m", f"uuid={U.lower()}", "-L", "l", "/d"]),
        ("swap", ["mkswap", "-E", "x", "-f", "-U", U.lower(), "-L", "l", "/d"]),
    ],
)
def test_mkfs_user_options_first_then_ours(fmt: str, argv: list[str]) -> None:
    fs = Filesystem(device="/x", format=fmt, label="l", uuid=U, options=("-E", "x"))
    assert mkfs_argv(fs, "/d") == argv


def test_vfat_and_none() -> None:
    fs = Filesystem(device="/x", format="vfat", label="EFI", uuid="A1B2-C3D4")
    assert mkfs_argv(fs, "/d") == ["mkfs.fat", "-i", "a1b2c3d4", "-n", "EFI", "/d"]
    assert mkfs_argv(Filesystem(device="/x", format="vfat"), "/d") == ["mkfs.fat", "/d"]
    assert mkfs_argv(Filesystem(device="/x", format="none"), "/d") is None
    with pytest.raises(StageError, match='unsupported filesystem format: "zfs"'):
        mkfs_argv(Filesystem(device="/x", format="zfs"), "/d")


def test_uuid_canonical_forms() -> None:
    assert canonical_uuid("ext4", U) == U.lower()
    assert canonical_uuid("vfat", "A1B2-C3D4") == "a1b2c3d4"
    assert canonical_uuid("vfat", "a1b2c3d4") == "a1b2c3d4"
    assert canonical_uuid("ext4", "A1B2-C3D4") == "a1b2-c3d4"  # only vfat drops the dash


def test_reuse_needs_type_and_every_given_attribute() -> None:
    found = FilesystemInfo("ext4", U.lower(), "data")
    assert matches(Filesystem(device="/x", format="ext4"), found)
    assert matches(Filesystem(device="/x", format="ext4", label="data", uuid=U), found)
    assert not matches(Filesystem(device="/x", format="xfs"), found)
    assert not matches(Filesystem(device="/x", format="ext4", label="Data"), found)
    assert not matches(Filesystem(device="/x", format="ext4", uuid=U[:-1] + "F"), found)
    # "none" means: no signature at all
    assert matches(Filesystem(device="/x", format="none"), FilesystemInfo())
    assert not matches(Filesystem(device="/x", format="none"), found)
    # vfat ids with and without the dash are the same id
    assert matches(
        Filesystem(device="/x", format="vfat", uuid="a1b2c3d4"), FilesystemInfo("vfat", "A1B2-C3D4")
    )
