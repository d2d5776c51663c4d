"""Partitioning, disk by disk, with the reference's decisions (``partitions.go``,
operator notes "partition reuse semantics").

For one disk everything is decided before anything is written: the table is read, sizes of 0
are resolved by ``sgdisk --pretend``, every configured partition gets an :class:`Action` from
:data:`DECISION_TABLE`, active partitions are refused, and only then does one ``sgdisk`` call
apply all deletions and creations. With ``wipeTable`` the new layout is checked against a
cleared table *before* the table is zapped (the reference zaps first and may then fail).
"""

from __future__ import annotations

import os
from enum import StrEnum

from ignition.system import blkid, devices
from ignition.system.partitioning import (
    KernelSync,
    NewPartition,
    PartitioningError,
    TableEdit,
    TableUnreadable,
    commit,
    kernel_differences,
    pretend,
    read_table,
    tell_kernel,
    verify_kernel,
    zap,
)
from ignition.util.errors import StageError
from ignition.util.record import record, replace

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from ignition.config.model import Disk, Partition
    from ignition.stages.disks.context import DisksRun

MIB = 1024 * 1024
MAX_GPT_ENTRIES = 128


class Action(StrEnum):
    NOTHING = "nothing"  # absent and should be absent
    CREATE = "create"
    FAIL_EXISTS = "fail: exists"  # present, should be absent, no permission to delete
    DELETE = "delete"
    KEEP = "keep"  # present and matching
    RESIZE = "resize"  # present, matching but for its size, resize:true
    FAIL_MISMATCH = "fail: mismatch"
    RECREATE = "recreate"  # present, not matching, wipePartitionEntry:true


ANY = None


@record
class Row:
    exists: bool
    should_exist: bool
    wipe_entry: bool | None
    matches: bool | None
    resizable: bool | None  # matches in everything but size and resize:true
    action: Action


# The operator notes' matrix, in the order the reference's switch tests it.
DECISION_TABLE: tuple[Row, ...] = (
    #   exists should_exist wipe_entry matches resizable
    Row(False,  False,      ANY,       ANY,    ANY,   Action.NOTHING),
    Row(False,  True,       ANY,       ANY,    ANY,   Action.CREATE),
    Row(True,   False,      False,     ANY,    ANY,   Action.FAIL_EXISTS),
    Row(True,   False,      True,      ANY,    ANY,   Action.DELETE),
    Row(True,   True,       ANY,       True,   ANY,   Action.KEEP),
    Row(True,   True,       False,     False,  True,  Action.RESIZE),
    Row(True,   True,       False,     False,  False, Action.FAIL_MISMATCH),
    Row(True,   True,       True,      False,  ANY,   Action.RECREATE),
)  # fmt: skip

MODIFYING = frozenset({Action.CREATE, Action.DELETE, Action.RESIZE, Action.RECREATE})


def decide(
    *, exists: bool, should_exist: bool, wipe_entry: bool, matches: bool, resizable: bool
) -> Action:
    for row in DECISION_TABLE:
        if (
            row.exists == exists
            and row.should_exist == should_exist
            and row.wipe_entry in (ANY, wipe_entry)
            and row.matches in (ANY, matches)
            and row.resizable in (ANY, resizable)
        ):
            return row.action
    raise AssertionError("decision table is not exhaustive")  # pragma: no cover


@record
class Wanted:
    """A configured partition, in sectors, with its real number."""

    number: int
    start: int | None
    size: int | None
    label: str | None
    type_guid: str
    guid: str
    should_exist: bool
    wipe_entry: bool
    resize: bool
    auto_number: bool = False  # configured with number 0


@record
class Decision:
    wanted: Wanted
    action: Action
    existing: blkid.PartitionEntry | None
    reason: str = ""  # why it did not match
    new: NewPartition | None = None


@record
class DiskPlan:
    decisions: tuple[Decision, ...]
    edit: TableEdit
    geometry: dict[int, tuple[int, int]]  # what --pretend resolved (sizes 0 / unset)


def to_sectors(mib: int | None, sector_size: int) -> int | None:
    return None if mib is None else mib * (MIB // sector_size)


def wanted_partitions(parts: tuple[Partition, ...], table: blkid.PartitionTable) -> list[Wanted]:
    """Config → :class:`Wanted`: number-0 entries last (stable), given the lowest number that is
    neither an existing partition (unless configured to be absent) nor claimed by another
    configured partition; an absent-entry for a number another entry creates is dropped."""
    ordered = sorted(parts, key=lambda p: p.number == 0)
    absent = {p.number for p in ordered if p.should_exist is False}
    taken = {e.number for e in table.partitions if e.number not in absent}
    taken |= {p.number for p in ordered if p.number and p.should_exist is not False}
    out = []
    for p in ordered:
        number = p.number
        if number == 0:
            number = next(n for n in range(1, MAX_GPT_ENTRIES + 2) if n not in taken)
            taken.add(number)
        out.append(
            Wanted(
                number=number,
                start=to_sectors(p.start_mib, table.sector_size),
                size=to_sectors(p.size_mib, table.sector_size),
                label=p.label,
                type_guid=p.type_guid or "",
                guid=p.guid or "",
                should_exist=p.should_exist is not False,
                wipe_entry=bool(p.wipe_partition_entry),
                resize=bool(p.resize),
                auto_number=p.number == 0,
            )
        )
    creating = {w.number for w in out if w.should_exist}
    # a deletion of N that a number-0 partition landing on N replaces: the deletion's permission
    # to wipe carries over to the replacement (the 2.27 "delete N, create at 0" idiom)
    replaced = {w.number: w.wipe_entry for w in out if not w.should_exist and w.number in creating}
    kept = [w for w in out if w.should_exist or w.number not in creating]
    return [
        replace(w, wipe_entry=True) if replaced.get(w.number) and w.should_exist else w
        for w in kept
    ]


def mismatch(existing: blkid.PartitionEntry, w: Wanted, *, ignore_size: bool = False) -> str:
    """Why ``existing`` does not match ``w`` (the reference's messages), "" when it does."""
    if w.start is not None and w.start != existing.start:
        return f"starting sector did not match (specified {w.start}, got {existing.start})"
    if w.guid and w.guid.lower() != existing.guid.lower():
        return f'GUID did not match (specified "{w.guid}", got "{existing.guid}")'
    if w.type_guid and w.type_guid.lower() != existing.type_guid.lower():
        return f'type GUID did not match (specified "{w.type_guid}", got "{existing.type_guid}")'
    if w.label is not None and w.label != existing.label:
        return f'label did not match (specified "{w.label}", got "{existing.label}")'
    if not ignore_size and w.size is not None and w.size != existing.size:
        return f"size did not match (specified {w.size}, got {existing.size})"
    return ""


def _needs_geometry(w: Wanted) -> bool:
    return w.should_exist and (not w.start or not w.size)


def resolve_geometry(
    run: DisksRun, device: str, wanted: list[Wanted], table: blkid.PartitionTable, *, clear: bool
) -> tuple[list[Wanted], dict[int, tuple[int, int]]]:
    """Fill unset start/size of existing partitions from the table (unless their entry may be
    wiped) and resolve sizes of 0 with ``sgdisk --pretend`` as if every configured partition
    were re-created. Returns the updated list and what sgdisk resolved."""
    filled = []
    for w in wanted:
        e = table.get(w.number)
        if e is not None and not w.wipe_entry:
            w = replace(w, start=e.start if w.start is None else w.start)
            w = replace(w, size=e.size if w.size is None else w.size)
        filled.append(w)
    inspect = tuple(w.number for w in filled if _needs_geometry(w))
    if not inspect and not clear:
        return filled, {}
    edit = TableEdit(
        device,
        deletions=tuple(w.number for w in filled if table.get(w.number) is not None),
        # labels left out: sgdisk does not escape them in its output
        creations=tuple(
            NewPartition(w.number, w.start or 0, w.size or 0, None, w.type_guid, w.guid)
            for w in filled
            if w.should_exist
        ),
        infos=inspect,
        clear=clear,
    )
    geometry = pretend(run.system, edit)
    resolved = []
    for w in filled:
        if w.number in geometry:
            start, size = geometry[w.number]
            # an explicit 0 takes the resolved value and is compared; unset stays unset
            w = replace(
                w,
                start=start if w.start == 0 else w.start,
                size=size if w.size == 0 else w.size,
            )
        resolved.append(w)
    return resolved, geometry


def plan_disk(
    run: DisksRun,
    device: str,
    disk: Disk,
    table: blkid.PartitionTable,
    active: dict[int, str],
    *,
    clear: bool = False,
) -> DiskPlan:
    wanted = wanted_partitions(disk.partitions, table)
    wanted, geometry = resolve_geometry(run, device, wanted, table, clear=clear)
    decisions = []
    for w in wanted:
        existing = table.get(w.number)
        reason = mismatch(existing, w) if existing else ""
        action = decide(
            exists=existing is not None,
            should_exist=w.should_exist,
            wipe_entry=w.wipe_entry,
            matches=existing is not None and not reason,
            resizable=bool(existing and w.resize and not mismatch(existing, w, ignore_size=True)),
        )
        new = None
        if action in (Action.CREATE, Action.RECREATE):
            new = NewPartition(w.number, w.start or 0, w.size or 0, w.label, w.type_guid, w.guid)
        elif action is Action.RESIZE and existing is not None:
            new = NewPartition(
                existing.number,
                existing.start,
                w.size or 0,
                existing.label,
                existing.type_guid,
                existing.guid,
            )
        decisions.append(Decision(w, action, existing, reason, new))
    edit = TableEdit(
        device,
        deletions=tuple(
            d.wanted.number
            for d in decisions
            if d.action in (Action.DELETE, Action.RESIZE, Action.RECREATE)
        ),
        creations=tuple(d.new for d in decisions if d.new is not None),
    )
    return DiskPlan(tuple(decisions), edit, geometry)


def _describe(device: str, d: Decision, geometry: dict[int, tuple[int, int]]) -> tuple[str, bool]:
    """A plan line for one decision and whether it destroys data."""
    n = d.wanted.number
    e = d.existing

    def shape(p: NewPartition) -> str:
        start, size = geometry.get(p.number, (p.start, p.size))
        start = p.start or start
        size = p.size or size
        bits = [f"start {start}", f"size {size} sectors"]
        if p.label is not None:
            bits.append(f'label "{p.label}"')
        if p.type_guid:
            bits.append(f"type {p.type_guid}")
        if p.guid:
            bits.append(f"guid {p.guid}")
        return ", ".join(bits)

    match d.action:
        case Action.NOTHING:
            return f"partition {n} of {device}: absent as configured", False
        case Action.KEEP:
            return f"keep partition {n} of {device} (matches)", False
        case Action.CREATE:
            assert d.new is not None
            return f"create partition {n} on {device}: {shape(d.new)}", False
        case Action.DELETE:
            assert e is not None
            return f'delete partition {n} ("{e.label}", {e.size} sectors) of {device}', True
        case Action.RECREATE:
            assert d.new is not None
            return (
                f"delete and recreate partition {n} of {device} ({d.reason}): {shape(d.new)}",
                True,
            )
        case Action.RESIZE:
            assert d.new is not None
            assert e is not None
            new_size = d.new.size or geometry.get(n, (0, 0))[1]
            return (
                f"resize partition {n} of {device} from {e.size} to {new_size} sectors",
                new_size < e.size,  # shrinking cuts off whatever lived at the end
            )
    return f"partition {n} of {device}: {d.action}", False


def disk_usage(node: str) -> tuple[devices.Usage, dict[int, str]]:
    """The disk's own use and its active partitions (number → why)."""
    whole = devices.usage(node, exclusive_check=False)
    active = {}
    for number, kp in devices.kernel_partitions(node).items():
        u = devices.usage(kp.node)
        if u.active:
            active[number] = f"{kp.node} {', '.join(u.reasons)}"
    return whole, active


def partition_disk(run: DisksRun, disk: Disk, device: str) -> None:
    """Partition one disk; ``device`` is its alias (or its node in a dry run)."""
    node = os.path.realpath(device)
    if devices.is_device_mapper(node):
        run.refuse(
            f'partitioning device-mapper disk "{device}" (e.g. multipath) is not supported; '
            "partition its underlying device or use a plain disk"
        )
        return
    whole, active = disk_usage(node)
    if whole.active and not active:
        run.refuse(
            f'refusing to operate on directly active disk "{device}" ({", ".join(whole.reasons)})'
        )
        return
    log = run.log
    zap_first = False
    if disk.wipe_table:
        log.info(f'wiping partition table requested on "{device}"')
        if active:
            run.refuse(f'refusing to wipe active disk "{device}" ({"; ".join(active.values())})')
            return
        current = read_table(device, require_gpt=False)
        if run.dry_run:
            run.plan(f"wipe partition table of {device}", destroy=bool(current.table_type))
        table = blkid.PartitionTable(current.sector_size, "")
        try:
            plan = plan_disk(run, device, disk, table, active, clear=True)
        except TableUnreadable as exc:
            # sgdisk will not load a corrupt or foreign table even to pretend: decide after the
            # zap (the reference's order)
            log.notice(f"cannot check the new layout before wiping: {exc}")
            if run.dry_run:
                run.plan(f"(the layout of {device} is resolved after the wipe: {exc})")
                return
            zap_first = True
            zap(run.system, device)
            table = read_table(device)
            plan = plan_disk(run, device, disk, table, active)
    else:
        with log.op(f'reading partition table of "{device}"'):
            table = read_table(device)
        plan = plan_disk(run, device, disk, table, active)

    for d in plan.decisions:
        n = d.wanted.number
        if d.action is Action.CREATE and d.wanted.auto_number and d.wanted.label:
            same = [e.number for e in table.partitions if e.label == d.wanted.label]
            if same:
                # the reference creates another one (a second boot duplicates it); say so
                log.warning(
                    f'partition {n} (number 0) gets the label "{d.wanted.label}" that partition '
                    f"{same[0]} already has; give it a number to reuse that partition instead"
                )
        match d.action:
            case Action.NOTHING:
                log.info(
                    f"partition {n} specified as nonexistant and no partition was found. Success."
                )
            case Action.KEEP:
                log.info(f"partition {n} found with correct specifications")
            case Action.FAIL_EXISTS:
                run.refuse(
                    f"partition {n} exists but is specified as nonexistant "
                    "and wipePartitionEntry is false"
                )
            case Action.FAIL_MISMATCH:
                run.refuse(f"partition {n} didn't match: {d.reason}")
            case Action.RESIZE:
                log.info(f"resizing partition {n}")
            case Action.RECREATE:
                log.info(
                    f"partition {n} did not meet specifications, "
                    "wiping partition entry and recreating"
                )
        if d.action in MODIFYING and n in active:
            run.refuse(f'refusing to modify active partition {n} on "{device}" ({active[n]})')
        if run.dry_run and d.action not in (Action.FAIL_EXISTS, Action.FAIL_MISMATCH):
            line, destructive = _describe(device, d, plan.geometry)
            run.plan(line, destroy=destructive)
    if run.dry_run:
        return

    if plan.edit.empty and not disk.wipe_table:
        # nothing to write; only make partitions the kernel does not know yet appear (a kernel
        # without a GPT parser never adds them by itself)
        missing = kernel_differences(node, table).add
        if missing:
            tell_kernel(run.system, node, device, KernelSync(add=missing))
            run.udev.trigger_settle([node])
        return
    if disk.wipe_table and not zap_first:
        zap(run.system, device)
    commit(run.system, plan.edit)
    after = read_table(device)
    check_table(device, plan, after)
    tell_kernel(run.system, node, device, kernel_differences(node, after))
    verify_kernel(node, after, plan.edit.deletions)
    run.udev.trigger_settle([node])


def check_table(device: str, plan: DiskPlan, table: blkid.PartitionTable) -> None:
    """What sgdisk wrote must be what was decided (read back through libblkid)."""
    for n in plan.edit.deletions:
        if table.get(n) is not None and all(p.number != n for p in plan.edit.creations):
            raise StageError(f"partition {n} of {device!r} still exists after deleting it")
    for p in plan.edit.creations:
        got = table.get(p.number)
        if got is None:
            raise StageError(f"partition {p.number} of {device!r} is missing after creating it")
        wrong = []
        if p.start and got.start != p.start:
            wrong.append(f"start {got.start}, wanted {p.start}")
        if p.size and got.size != p.size:
            wrong.append(f"size {got.size}, wanted {p.size}")
        if p.label is not None and got.label != p.label:
            wrong.append(f'label "{got.label}", wanted "{p.label}"')
        if p.type_guid and got.type_guid.lower() != p.type_guid.lower():
            wrong.append(f"type GUID {got.type_guid}, wanted {p.type_guid}")
        if p.guid and got.guid.lower() != p.guid.lower():
            wrong.append(f"GUID {got.guid}, wanted {p.guid}")
        if wrong:
            raise StageError(
                f"partition {p.number} of {device!r} was written differently: {'; '.join(wrong)}"
            )


def create_partitions(run: DisksRun) -> None:
    disks = run.ctx.config.storage.disks
    if not disks:
        return
    with run.log.prefixed("createPartitions"):
        aliases = run.devices_for([d.device for d in disks], "disks")
        for disk in disks:
            device = aliases.get(disk.device)
            if device is None:  # dry run only: the disk is not there
                run.refuse(f"disk {disk.device} does not exist")
                continue
            try:
                if run.dry_run:
                    partition_disk(run, disk, device)
                    continue
                with run.log.op(f'partitioning "{device}"'):
                    partition_disk(run, disk, device)
            except PartitioningError as exc:
                if not run.dry_run:
                    raise StageError(str(exc)) from None
                run.refuse(str(exc))
