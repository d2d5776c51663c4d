"""sgdisk command shapes and parsing its ``--info`` output (the reference's builder/parser)."""

from __future__ import annotations

import pytest

from ignition.system.partitioning import (
    NewPartition,
    PartitioningError,
    TableEdit,
    _ranges,
    parse_info_blocks,
)

INFO = """Creating new GPT entries in memory.
Partition GUID code: 0FC63DAF-8483-4772-8E79-3D69D8477DE4 (Linux filesystem)
Partition unique GUID: A4D042EA-3F9C-4416-AD9F-93F14F39C2B5
First sector: 2048 (at 1024.0 KiB)
Last sector: 67583 (at 33.0 MiB)
Partition size: 65536 sectors (32.0 MiB)
Partition name: ''
Partition GUID code: 4D21B016-B534-45C2-A9FB-5C16E091FD2D (Linux /var)
First sector: 67584 (at 33.0 MiB)
Last sector: 198655 (at 97.0 MiB)
"""


def test_command_line_is_the_references() -> None:
    edit = TableEdit(
        "/run/ignition/dev_aliases/dev/vdb",
        deletions=(4, 9),
        creations=(
            NewPartition(9, 4096, 0, "ROOT", "3884DD41-8582-4404-B9A8-E9B84F2DF50E", "abc"),
            NewPartition(10, 0, 2048, "", "", ""),
            NewPartition(11),
        ),
        infos=(9,),
    )
    assert edit.args(pretend=True) == [
        "sgdisk",
        "--pretend",
        "--delete=4",
        "--delete=9",
        "--new=9:4096:+0",
        "--change-name=9:ROOT",
        "--typecode=9:3884DD41-8582-4404-B9A8-E9B84F2DF50E",
        "--partition-guid=9:abc",
        "--new=10:0:+2048",
        "--change-name=10:",  # an empty label is still set
        "--new=11:0:+0",
        "--info=9",
        "/run/ignition/dev_aliases/dev/vdb",
    ]
    assert TableEdit("/dev/x").empty
    assert not TableEdit("/dev/x", clear=True).empty


def test_info_blocks_parse_in_order() -> None:
    assert parse_info_blocks(INFO, (3, 1)) == {3: (2048, 65536), 1: (67584, 131072)}
    assert parse_info_blocks("", ()) == {}


@pytest.mark.parametrize(
    "text",
    [
        INFO.replace("Last sector: 198655 (at 97.0 MiB)\n", ""),  # a block cut short
        INFO + "First sector: 5 (at x)\n",  # more blocks than asked for
        "First sector:  (at 0)\nLast sector: 5 (at 0)\n",  # no number
    ],
)
def test_unexpected_output_is_refused(text: str) -> None:
    with pytest.raises(PartitioningError, match="sgdisk had unexpected output"):
        parse_info_blocks(text, (3, 1) if text.count("First") > 1 else (3,))


def test_partx_ranges() -> None:
    assert _ranges([]) == []
    assert _ranges([6, 1, 2, 3, 9, 10]) == ["1:3", "6", "9:10"]
