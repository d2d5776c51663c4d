"""Every row of the partition decision table on real loop devices, the kernel's view after
partitioning, and refusal of active disks and partitions."""

from __future__ import annotations

import os
import subprocess

import pytest

from ignition.system import blkid, devices
from ignition.util.errors import StageError
from tests.integration.disks.conftest import Loop, Mount, Stage, backing_file
from tests.unit.disks.support import parted_table, partition

T_DATA = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"
T_VAR = "4D21B016-B534-45C2-A9FB-5C16E091FD2D"
GUID1 = "3ED3993F-0016-422B-B134-09FCBA6F66EF"


def base(dev: str) -> None:
    """1: 32 MiB "one", 2: 32 MiB "two", a 32 MiB gap, 4: 16 MiB "four"."""
    partition(
        dev,
        "--new=1:2048:+65536", "--change-name=1:one", f"--partition-guid=1:{GUID1}",
        "--new=2:67584:+65536", "--change-name=2:two", f"--typecode=2:{T_VAR}",
        "--new=4:198656:+32768", "--change-name=4:four",
    )  # fmt: skip


def table(dev: str) -> dict[int, tuple[int, int, str, str, str]]:
    t = blkid.read_partition_table(dev)
    return {p.number: (p.start, p.size, p.label, p.type_guid, p.guid) for p in t.partitions}


def assert_kernel_matches_disk(dev: str) -> None:
    """The kernel's partitions (sysfs) are exactly the table's, with their nodes present."""
    t = blkid.read_partition_table(dev)
    have = devices.kernel_partitions(dev)
    assert sorted(have) == [p.number for p in t.partitions]
    f = t.sector_size // 512  # sysfs counts 512-byte units
    for p in t.partitions:
        assert (have[p.number].start, have[p.number].size) == (p.start * f, p.size * f)
        assert os.path.exists(devices.partition_node(dev, p.number))


def test_absent_and_should_be_absent_changes_nothing(loopdev: Loop, stage: Stage) -> None:
    dev = loopdev(128)
    base(dev)
    before = table(dev)
    stage({"disks": [{"device": dev, "partitions": [{"number": 3, "shouldExist": False}]}]})
    assert table(dev) == before
    assert stage.writes() == []
    assert (
        "partition 3 specified as nonexistant and no partition was found. Success."
        in stage.sink.text()
    )


def test_create(loopdev: Loop, stage: Stage) -> None:
    dev = loopdev(128)
    base(dev)
    stage(
        {
            "disks": [
                {
                    "device": dev,
                    "partitions": [
                        {
                            "number": 3,
                            "label": "three",
                            "sizeMiB": 16,
                            "typeGuid": T_VAR,
                            "guid": GUID1.lower()[:-1] + "0",
                        },
                        {"label": "auto", "sizeMiB": 8},  # number 0: first free number, 5
                    ],
                }
            ]
        }
    )
    got = table(dev)
    assert got[3][1:4] == (32768, "three", T_VAR)
    assert got[3][4] == GUID1[:-1] + "0"
    assert got[5][1:4] == (16384, "auto", T_DATA)  # sgdisk's default type
    assert got[1] == (2048, 65536, "one", T_DATA, GUID1)  # untouched
    assert len(stage.writes()) == 1  # one write for the disk
    # an independent reader (libparted, on the image file) agrees
    assert parted_table(backing_file(dev))[3][1:] == (32768, "three")
    assert_kernel_matches_disk(dev)


def test_exists_but_should_not_and_no_wipe_fails(loopdev: Loop, stage: Stage) -> None:
    dev = loopdev(128)
    base(dev)
    before = table(dev)
    with pytest.raises(
        StageError,
        match="partition 2 exists but is specified as nonexistant and wipePartitionEntry is false",
    ):
        stage({"disks": [{"device": dev, "partitions": [{"number": 2, "shouldExist": False}]}]})
    assert table(dev) == before
    assert stage.writes() == []


def test_delete(loopdev: Loop, stage: Stage) -> None:
    dev = loopdev(128)
    base(dev)
    stage(
        {
            "disks": [
                {
                    "device": dev,
                    "partitions": [{"number": 2, "shouldExist": False, "wipePartitionEntry": True}],
                }
            ]
        }
    )
    assert sorted(table(dev)) == [1, 4]
    assert not os.path.exists(devices.partition_node(dev, 2))
    assert_kernel_matches_disk(dev)


def test_matching_partition_is_kept_without_writing(loopdev: Loop, stage: Stage) -> None:
    dev = loopdev(128)
    base(dev)
    before = table(dev)
    stage(
        {
            "disks": [
                {
                    "device": dev,
                    "partitions": [
                        {
                            "number": 1,
                            "label": "one",
                            "startMiB": 1,
                            "sizeMiB": 32,
                            "guid": GUID1.lower(),
                        },
                        {"number": 2, "typeGuid": T_VAR.lower()},
                    ],
                }
            ]
        }
    )
    assert table(dev) == before
    assert stage.ran("sgdisk") == []  # nothing to resolve, nothing to write
    assert "partition 1 found with correct specifications" in stage.sink.text()


def test_resize_keeps_identity_and_data(loopdev: Loop, stage: Stage, mounted: Mount) -> None:
    dev = loopdev(128)
    base(dev)
    p4 = devices.partition_node(dev, 4)
    subprocess.run(["mkfs.ext4", "-q", "-L", "keep", p4], check=True)
    before = table(dev)[4]
    stage(
        {
            "disks": [
                {
                    "device": dev,
                    "partitions": [{"number": 4, "label": "four", "sizeMiB": 0, "resize": True}],
                }
            ]
        }
    )
    after = table(dev)[4]
    assert after[0] == before[0]  # same start
    assert after[1] > before[1]  # grown to the end of the free space behind it
    assert after[2:] == before[2:]  # same label, type GUID and GUID
    assert "resizing partition 4" in stage.sink.text()
    assert blkid.probe_filesystem(p4).label == "keep"
    assert_kernel_matches_disk(dev)


def test_mismatch_without_permission_fails(loopdev: Loop, stage: Stage) -> None:
    dev = loopdev(128)
    base(dev)
    before = table(dev)
    with pytest.raises(
        StageError,
        match=r"partition 1 didn't match: size did not match \(specified 4096, got 65536\)",
    ):
        stage({"disks": [{"device": dev, "partitions": [{"number": 1, "sizeMiB": 2}]}]})
    assert table(dev) == before
    assert stage.writes() == []


def test_mismatch_with_wipe_recreates(loopdev: Loop, stage: Stage) -> None:
    dev = loopdev(128)
    base(dev)
    stage(
        {
            "disks": [
                {
                    "device": dev,
                    "partitions": [
                        {"number": 2, "label": "new", "sizeMiB": 8, "wipePartitionEntry": True}
                    ],
                }
            ]
        }
    )
    _, size, label, typ, _ = table(dev)[2]
    assert (size, label, typ) == (16384, "new", T_DATA)
    assert (
        "partition 2 did not meet specifications, wiping partition entry and recreating"
        in stage.sink.text()
    )
    assert_kernel_matches_disk(dev)


def test_fill_resolves_zero_sizes_like_sgdisk(loopdev: Loop, stage: Stage) -> None:
    dev = loopdev(128)
    base(dev)
    # start 0 / size 0: the largest free block, i.e. the 32 MiB gap between 2 and 4 (not the
    # 15 MiB behind 4, nor the first one)
    stage(
        {
            "disks": [
                {
                    "device": dev,
                    "partitions": [{"number": 3, "label": "gap", "startMiB": 0, "sizeMiB": 0}],
                }
            ]
        }
    )
    start, size, *_ = table(dev)[3]
    assert (start, size) == (133120, 65536)
    assert_kernel_matches_disk(dev)


def test_wipe_table_and_number_zero(loopdev: Loop, stage: Stage) -> None:
    dev = loopdev(128)
    base(dev)
    stage(
        {
            "disks": [
                {
                    "device": dev,
                    "wipeTable": True,
                    "partitions": [{"label": "a", "sizeMiB": 16}, {"label": "b", "sizeMiB": 16}],
                }
            ]
        }
    )
    assert {n: v[2] for n, v in table(dev).items()} == {1: "a", 2: "b"}
    assert not os.path.exists(devices.partition_node(dev, 4))
    assert_kernel_matches_disk(dev)
    # checked before the zap (pretend against a cleared table), then zap and one write
    zap = [c for c in stage.writes() if "--zap-all" in c]
    assert len(zap) == 1
    assert len(stage.writes()) == 2


def test_wipe_table_refuses_a_layout_that_does_not_fit_before_wiping(
    loopdev: Loop, stage: Stage
) -> None:
    dev = loopdev(128)
    base(dev)
    before = table(dev)
    with pytest.raises(StageError, match="failed to pretend to create partitions"):
        stage(
            {
                "disks": [
                    {
                        "device": dev,
                        "wipeTable": True,
                        "partitions": [{"label": "big", "sizeMiB": 512}],
                    }
                ]
            }
        )
    assert table(dev) == before  # nothing was wiped
    assert stage.writes() == []


def test_four_k_sectors(loopdev: Loop, stage: Stage) -> None:
    dev = loopdev(64, sector_size=4096)
    stage(
        {
            "disks": [
                {
                    "device": dev,
                    "partitions": [{"number": 1, "label": "x", "startMiB": 1, "sizeMiB": 8}],
                }
            ]
        }
    )
    t = blkid.read_partition_table(dev)
    assert t.sector_size == 4096
    assert (t.partitions[0].start, t.partitions[0].size) == (256, 2048)
    assert_kernel_matches_disk(dev)


def test_untouched_partitions_keep_their_nodes(loopdev: Loop, stage: Stage) -> None:
    """sgdisk's re-read drops every partition node on a kernel without a GPT parser; the
    stage puts the kernel back in line with the table."""
    dev = loopdev(128)
    base(dev)
    stage(
        {"disks": [{"device": dev, "partitions": [{"number": 3, "label": "three", "sizeMiB": 8}]}]}
    )
    for n in (1, 2, 3, 4):
        assert os.path.exists(devices.partition_node(dev, n))
    assert_kernel_matches_disk(dev)


def test_refuses_to_modify_an_active_partition(loopdev: Loop, stage: Stage, mounted: Mount) -> None:
    dev = loopdev(128)
    base(dev)
    p2 = devices.partition_node(dev, 2)
    subprocess.run(["mkfs.ext4", "-q", p2], check=True)
    mounted(p2)
    before = table(dev)
    with pytest.raises(
        StageError, match=r'refusing to modify active partition 2 on ".*" \(/dev/loop\d+p2 mounted'
    ):
        stage(
            {
                "disks": [
                    {
                        "device": dev,
                        "partitions": [
                            {"number": 2, "shouldExist": False, "wipePartitionEntry": True}
                        ],
                    }
                ]
            }
        )
    assert table(dev) == before
    assert stage.writes() == []
    # other partitions of the same disk may still change while one is mounted
    stage(
        {"disks": [{"device": dev, "partitions": [{"number": 3, "label": "three", "sizeMiB": 8}]}]}
    )
    assert 3 in table(dev)
    assert_kernel_matches_disk(dev)


def test_refuses_to_wipe_a_disk_with_an_active_partition(
    loopdev: Loop, stage: Stage, mounted: Mount
) -> None:
    dev = loopdev(128)
    base(dev)
    p1 = devices.partition_node(dev, 1)
    subprocess.run(["mkfs.ext4", "-q", p1], check=True)
    mounted(p1)
    with pytest.raises(StageError, match="refusing to wipe active disk"):
        stage({"disks": [{"device": dev, "wipeTable": True}]})
    assert sorted(table(dev)) == [1, 2, 4]


def test_refuses_a_directly_active_disk(loopdev: Loop, stage: Stage, mounted: Mount) -> None:
    dev = loopdev(64)
    subprocess.run(["mkfs.ext4", "-q", dev], check=True)
    mounted(dev)
    with pytest.raises(
        StageError, match=r'refusing to operate on directly active disk ".*" \(mounted\)'
    ):
        stage({"disks": [{"device": dev, "partitions": [{"number": 1, "sizeMiB": 8}]}]})
    assert blkid.probe_filesystem(dev).type == "ext4"


def test_dry_run_plans_without_writing(loopdev: Loop, stage: Stage) -> None:
    dev = loopdev(128)
    base(dev)
    before = table(dev)
    stage(
        {
            "disks": [
                {"device": dev, "wipeTable": True, "partitions": [{"number": 1, "label": "x"}]}
            ]
        },
        dry_run=True,
    )
    assert table(dev) == before
    assert stage.writes() == []
    assert stage.ctx is not None
    assert stage.ctx.plan[0] == f"disks: wipe partition table of {dev}  [DESTRUCTIVE]"
    assert not os.path.exists(stage.tmp_path / "dev_aliases")  # no alias created either


def test_number_zero_twice_duplicates_like_the_reference_and_warns(
    loopdev: Loop, stage: Stage
) -> None:
    dev = loopdev(64)
    config = {"disks": [{"device": dev, "partitions": [{"label": "data-twice", "sizeMiB": 8}]}]}
    stage(config)
    stage(config)
    assert [v[2] for v in table(dev).values()] == ["data-twice", "data-twice"]
    assert 'gets the label "data-twice" that partition 1 already has' in stage.sink.text()
