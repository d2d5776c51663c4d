"""Reuse versus wipe for every filesystem type on loop devices, concurrent creation, the
``none`` format, refusal of active devices, and finding devices by label without udev."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from ignition.system import blkid
from ignition.util.errors import StageError
from tests.integration.disks.conftest import Loop, Mount, Stage

UUID = "f63bf118-f6d7-40a3-b64c-a92b05a7f9ee"
# (format, size the tools need, a label it accepts, uuid as configured, as blkid prints it)
FORMATS = [
    ("ext4", 32, "data", UUID, UUID),
    ("xfs", 320, "data", UUID, UUID),
    ("btrfs", 128, "data", UUID, UUID),
    ("swap", 32, "data", UUID, UUID),
    ("vfat", 32, "DATA", "A1B2C3D4", "A1B2-C3D4"),
]
OTHER = {"ext4": "xfs", "xfs": "ext4", "btrfs": "ext4", "swap": "ext4", "vfat": "ext4"}
MKFS = {
    "ext4": ["mkfs.ext4", "-q"],
    "xfs": ["mkfs.xfs", "-q"],
    "btrfs": ["mkfs.btrfs", "-q"],
    "swap": ["mkswap"],
    "vfat": ["mkfs.fat"],
}


def need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (./dev setup installs it)")


def mkfs(fmt: str, dev: str, *extra: str) -> None:
    subprocess.run([*MKFS[fmt], *extra, dev], check=True, capture_output=True)


@pytest.mark.parametrize(
    ("fmt", "mib", "label", "uuid", "shown"), FORMATS, ids=[f[0] for f in FORMATS]
)
def test_create_reuse_refuse_wipe(
    loopdev: Loop, stage: Stage, fmt: str, mib: int, label: str, uuid: str, shown: str
) -> None:
    need(MKFS[fmt][0])
    dev = loopdev(mib)
    fs = {"device": dev, "format": fmt, "label": label, "uuid": uuid}

    # create on an empty device: label and UUID as configured
    stage({"filesystems": [fs]})
    info = blkid.probe_filesystem(dev)
    assert (info.type, info.label, info.uuid) == (fmt, label, shown)
    assert len(stage.ran(MKFS[fmt][0])) == 1

    # same config again: reused, no mkfs, nothing rewritten
    stage({"filesystems": [fs]})
    assert stage.ran(MKFS[fmt][0]) == []
    assert stage.ran("wipefs") == []
    assert "is already correctly formatted. Skipping mkfs..." in stage.sink.text()

    # another type without wipeFilesystem: refused, untouched
    other = OTHER[fmt]
    with pytest.raises(StageError, match="is not of the correct type"):
        stage({"filesystems": [{"device": dev, "format": other}]})
    assert blkid.probe_filesystem(dev).uuid == shown
    assert "a filesystem wipe was not requested" in stage.sink.text()

    # with wipeFilesystem: recreated as asked, even when type and label already match
    stage({"filesystems": [{**fs, "uuid": None, "wipeFilesystem": True}]})
    info = blkid.probe_filesystem(dev)
    assert info.type == fmt
    assert info.uuid != shown  # a new filesystem
    assert len(stage.ran("wipefs")) == 1


def test_none_erases_signatures(loopdev: Loop, stage: Stage) -> None:
    dev = loopdev(32)
    mkfs("ext4", dev)
    with pytest.raises(StageError, match="is not of the correct type"):
        stage({"filesystems": [{"device": dev, "format": "none"}]}, version="3.3.0")
    stage(
        {"filesystems": [{"device": dev, "format": "none", "wipeFilesystem": True}]},
        version="3.3.0",
    )
    assert blkid.probe_filesystem(dev).type == ""
    assert stage.ran("mkfs.ext4") == []
    # and on an empty device "none" is already satisfied
    stage({"filesystems": [{"device": dev, "format": "none"}]}, version="3.3.0")
    assert stage.ran("wipefs") == []


def test_independent_filesystems_are_created_concurrently(loopdev: Loop, stage: Stage) -> None:
    devs = [loopdev(128) for _ in range(3)]
    stage(
        {
            "filesystems": [
                {"device": devs[0], "format": "ext4", "label": "a"},
                {"device": devs[1], "format": "btrfs", "label": "b"},
                {"device": devs[2], "format": "swap", "label": "c"},
            ]
        }
    )
    assert [blkid.probe_filesystem(d).label for d in devs] == ["a", "b", "c"]
    assert "creating 3 filesystems" in stage.sink.text()


def test_errors_of_all_workers_are_reported(loopdev: Loop, stage: Stage) -> None:
    a, b = loopdev(32), loopdev(32)
    with pytest.raises(StageError) as err:
        stage(
            {
                "filesystems": [
                    {"device": a, "format": "ext4", "options": ["--no-such-option"]},
                    {"device": b, "format": "btrfs", "options": ["--no-such-option"]},
                ]
            }
        )
    text = str(err.value)
    assert "mkfs.ext4" in text
    assert "mkfs.btrfs" in text


def test_mounted_filesystem_is_reused_but_never_wiped(
    loopdev: Loop, stage: Stage, mounted: Mount
) -> None:
    dev = loopdev(32)
    mkfs("ext4", dev, "-L", "busy")
    mounted(dev)
    stage({"filesystems": [{"device": dev, "format": "ext4", "label": "busy"}]})
    with pytest.raises(StageError, match=r'refusing to wipe active device ".*" \(mounted\)'):
        stage({"filesystems": [{"device": dev, "format": "ext4", "wipeFilesystem": True}]})
    assert stage.ran("wipefs") == []
    assert blkid.probe_filesystem(dev).label == "busy"


def test_device_by_label_without_udev(loopdev: Loop, stage: Stage) -> None:
    dev = loopdev(32)
    mkfs("ext4", dev, "-L", "findme-by-label")
    stage(
        {
            "filesystems": [
                {
                    "device": "/dev/disk/by-label/findme-by-label",
                    "format": "ext4",
                    "wipeFilesystem": True,
                    "label": "x",
                }
            ]
        }
    )
    assert blkid.probe_filesystem(dev).label == "x"


def test_missing_device_times_out_naming_what_was_looked_for(loopdev: Loop, stage: Stage) -> None:
    dev = loopdev(32)
    mkfs("ext4", dev, "-L", "present-label")
    with pytest.raises(StageError) as err:
        stage(
            {"filesystems": [{"device": "/dev/disk/by-label/absent-label", "format": "ext4"}]},
            timeout=0.3,
        )
    text = str(err.value)
    assert "timed out after 0.3s waiting for devices" in text
    assert "LABEL='absent-label'" in text
    assert "'present-label'" in text  # what was found instead


def test_duplicate_labels_are_refused(loopdev: Loop, stage: Stage) -> None:
    a, b = loopdev(32), loopdev(32)
    mkfs("ext4", a, "-L", "twin-label")
    mkfs("ext4", b, "-L", "twin-label")
    with pytest.raises(StageError, match="2 devices have LABEL='twin-label'"):
        stage({"filesystems": [{"device": "/dev/disk/by-label/twin-label", "format": "ext4"}]})


def test_one_device_claimed_twice_is_refused(loopdev: Loop, stage: Stage) -> None:
    dev = loopdev(32)
    with pytest.raises(
        StageError, match=r"is used by both storage\.luks\.0 \(x\) and storage\.filesystems\.0"
    ):
        stage(
            {
                "luks": [{"name": "x", "device": dev, "keyFile": {"source": "data:,k"}}],
                "filesystems": [{"device": dev, "format": "ext4"}],
            }
        )
    assert stage.ran("cryptsetup") == []
    assert blkid.probe_filesystem(dev).type == ""
