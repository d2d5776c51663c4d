"""The whole disks stage in plan mode (``ignition plan``) on image files: no root needed, since
planning only reads (libblkid) and pretends (sgdisk --pretend). Also proves planning touches
nothing."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from ignition.stages.disks import run_with
from ignition.util.errors import StageError
from tests.unit.disks.support import make_context, sgdisk

pytestmark = pytest.mark.skipif(shutil.which("sgdisk") is None, reason="sgdisk not installed")


def image(tmp_path: Path, mib: int = 256) -> Path:
    img = tmp_path / "disk.img"
    with open(img, "wb") as fh:
        fh.truncate(mib * 1024 * 1024)
    return img


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def base_layout(img: Path) -> None:
    sgdisk(
        "--new=1:2048:+65536", "--change-name=1:EFI",
        "--typecode=1:C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
        "--new=6:0:+65536", "--change-name=6:OEM",
        "--new=9:0:+131072", "--change-name=9:ROOT",
        str(img),
    )  # fmt: skip


def test_plan_lists_every_decision_and_touches_nothing(tmp_path: Path) -> None:
    img = image(tmp_path)
    base_layout(img)
    before = digest(img)
    storage = {
        "disks": [
            {
                "device": str(img),
                "partitions": [
                    # (number-0 partitions: test_decisions.py)
                    {"number": 1, "label": "EFI", "startMiB": 1, "sizeMiB": 32},  # keep
                    {"number": 6, "shouldExist": False, "wipePartitionEntry": True},  # delete
                    {"number": 9, "startMiB": 65, "sizeMiB": 100, "resize": True},  # grow
                    {"number": 2, "label": "data", "startMiB": 33, "sizeMiB": 16},  # new
                    {"number": 12, "shouldExist": False},  # nothing
                ],
            }
        ]
    }
    ctx, _ = make_context(tmp_path, storage, dry_run=True)
    run_with(ctx, timeout=0.1)
    dev = str(img)
    assert ctx.plan == [
        f"disks: keep partition 1 of {dev} (matches)",
        f'disks: delete partition 6 ("OEM", 65536 sectors) of {dev}  [DESTRUCTIVE]',
        f"disks: resize partition 9 of {dev} from 131072 to 204800 sectors",
        f'disks: create partition 2 on {dev}: start 67584, size 32768 sectors, label "data"',
        f"disks: partition 12 of {dev}: absent as configured",
    ]
    assert digest(img) == before


def test_plan_reports_what_the_run_would_refuse(tmp_path: Path) -> None:
    img = image(tmp_path)
    base_layout(img)
    storage = {
        "disks": [
            {
                "device": str(img),
                "partitions": [
                    {"number": 6, "shouldExist": False},
                    {"number": 9, "startMiB": 65, "sizeMiB": 2},
                ],
            }
        ]
    }
    ctx, _ = make_context(tmp_path, storage, dry_run=True)
    with pytest.raises(StageError) as err:
        run_with(ctx, timeout=0.1)
    assert "2 problems" in str(err.value)
    assert ctx.plan == [
        "disks: would fail: partition 6 exists but is specified as nonexistant "
        "and wipePartitionEntry is false",
        "disks: would fail: partition 9 didn't match: size did not match "
        "(specified 4096, got 131072)",
    ]


def test_plan_wipe_table_and_filesystems(tmp_path: Path) -> None:
    img = image(tmp_path)
    base_layout(img)
    storage = {
        "disks": [
            {"device": str(img), "wipeTable": True, "partitions": [{"label": "only", "number": 1}]}
        ],
        "filesystems": [{"device": "/dev/disk/by-partlabel/only", "format": "ext4", "label": "x"}],
    }
    ctx, _ = make_context(tmp_path, storage, dry_run=True)
    run_with(ctx, timeout=0.1)
    assert ctx.plan[0] == f"disks: wipe partition table of {img}  [DESTRUCTIVE]"
    assert ctx.plan[1].startswith(f"disks: create partition 1 on {img}: start 2048, size 522207")
    assert ctx.plan[2] == (
        'disks: create ext4 filesystem on /dev/disk/by-partlabel/only (label "x") '
        "(device created by an earlier step)"
    )
