"""The partition decision table (docs/disks.md) and the pure steps around it."""

from __future__ import annotations

import itertools

import pytest

from ignition.config.model import Partition
from ignition.stages.disks.partitions import (
    DECISION_TABLE,
    Action,
    Wanted,
    decide,
    mismatch,
    to_sectors,
    wanted_partitions,
)
from ignition.system.blkid import PartitionEntry, PartitionTable


@pytest.mark.parametrize(
    ("exists", "should_exist", "wipe", "matches", "resizable", "action"),
    [
        (False, False, False, False, False, Action.NOTHING),
        (False, False, True, False, False, Action.NOTHING),
        (False, True, False, False, False, Action.CREATE),
        (False, True, True, False, False, Action.CREATE),
        (True, False, False, False, False, Action.FAIL_EXISTS),
        (True, False, False, True, False, Action.FAIL_EXISTS),
        (True, False, True, False, False, Action.DELETE),
        (True, False, True, True, False, Action.DELETE),
        (True, True, False, True, False, Action.KEEP),
        (True, True, True, True, False, Action.KEEP),  # a match is kept even when wiping is allowed
        (True, True, False, False, True, Action.RESIZE),
        (True, True, False, False, False, Action.FAIL_MISMATCH),
        (True, True, True, False, False, Action.RECREATE),
        (True, True, True, False, True, Action.RECREATE),  # wipe wins over resize, as the reference
    ],
)
def test_operator_notes_matrix(
    exists: bool, should_exist: bool, wipe: bool, matches: bool, resizable: bool, action: Action
) -> None:
    got = decide(
        exists=exists,
        should_exist=should_exist,
        wipe_entry=wipe,
        matches=matches,
        resizable=resizable,
    )
    assert got is action


def test_table_is_exhaustive() -> None:
    for combo in itertools.product((False, True), repeat=5):
        exists, should_exist, wipe, matches, resizable = combo
        assert decide(
            exists=exists,
            should_exist=should_exist,
            wipe_entry=wipe,
            matches=matches,
            resizable=resizable,
        ) in set(Action)
    assert len({row.action for row in DECISION_TABLE}) == len(Action)


def entry(
    number: int, start: int, size: int, label: str = "", guid: str = "G", typ: str = "T"
) -> PartitionEntry:
    return PartitionEntry(number, start, size, typ, guid, label)


def want(**kw: object) -> Wanted:
    base: dict[str, object] = dict(
        number=1,
        start=None,
        size=None,
        label=None,
        type_guid="",
        guid="",
        should_exist=True,
        wipe_entry=False,
        resize=False,
    )
    base.update(kw)
    return Wanted(**base)  # type: ignore[arg-type]


def test_mismatch_messages_are_the_references() -> None:
    e = entry(1, 2048, 4096, "root", "AAAA", "BBBB")
    assert mismatch(e, want()) == ""
    assert (
        mismatch(e, want(start=4096)) == "starting sector did not match (specified 4096, got 2048)"
    )
    assert mismatch(e, want(size=1)) == "size did not match (specified 1, got 4096)"
    assert mismatch(e, want(size=1), ignore_size=True) == ""
    assert mismatch(e, want(guid="aaaa")) == ""  # GUIDs compare case-insensitively
    assert mismatch(e, want(guid="cccc")) == 'GUID did not match (specified "cccc", got "AAAA")'
    assert (
        mismatch(e, want(type_guid="dddd"))
        == 'type GUID did not match (specified "dddd", got "BBBB")'
    )
    assert mismatch(e, want(label="Root")) == 'label did not match (specified "Root", got "root")'
    assert mismatch(e, want(label="")) == 'label did not match (specified "", got "root")'


def test_mib_to_sectors_follows_the_sector_size() -> None:
    assert to_sectors(None, 512) is None
    assert to_sectors(0, 512) == 0
    assert to_sectors(3, 512) == 3 * 2048
    assert to_sectors(3, 4096) == 3 * 256


def table(*entries: PartitionEntry) -> PartitionTable:
    return PartitionTable(512, "gpt", entries)


def test_number_zero_comes_last_and_takes_the_lowest_free_number() -> None:
    parts = (
        Partition(label="a", size_mib=1),
        Partition(number=2, label="b"),
        Partition(label="c", size_mib=1),
    )
    got = wanted_partitions(parts, table(entry(1, 2048, 2048)))
    assert [(w.number, w.label) for w in got] == [(2, "b"), (3, "a"), (4, "c")]


def test_number_zero_may_land_on_a_partition_configured_absent() -> None:
    parts = (
        Partition(number=2, should_exist=False, wipe_partition_entry=True),
        Partition(label="new", size_mib=1),
    )
    got = wanted_partitions(parts, table(entry(1, 2048, 2048), entry(2, 4096, 2048)))
    # the deletion entry is dropped; the replacement inherits its permission to wipe
    assert [(w.number, w.label, w.should_exist, w.wipe_entry) for w in got] == [
        (2, "new", True, True)
    ]


def test_absent_entry_without_wipe_does_not_authorise_a_replacement() -> None:
    parts = (Partition(number=2, should_exist=False), Partition(label="new", size_mib=1))
    got = wanted_partitions(parts, table(entry(1, 2048, 2048), entry(2, 4096, 2048)))
    assert [(w.number, w.wipe_entry) for w in got] == [(2, False)]
