"""GPT partition tables: read, plan, write once, tell the kernel, verify.

- **Read**: libblkid (:mod:`ignition.system.blkid`), read-only, the reference's own reader.
- **Resolve geometry**: ``sgdisk --pretend`` with ``--info`` for every partition whose start or
  size is 0 ("start of the largest free block" / "fill it"), exactly as the reference. sgdisk
  writes the table, so its own dry run is the only geometry that cannot disagree with the write
  (alignment to 2048 sectors or less for unaligned tables, usable range from the GPT header).
- **Write**: one ``sgdisk`` call per disk (deletions first, then creations with names, type GUIDs
  and partition GUIDs); sgdisk applies every option in memory and writes only if all succeed.
- **Tell the kernel**: compare the kernel's partitions (sysfs) with the new table and run
  ``partx --delete/--update/--add`` for exactly the differences; a kernel that re-read the table
  itself needs no call. (sgdisk only issues BLKRRPART, which fails while any partition of the disk
  is in use, and on kernels without a GPT parser drops every partition node.)
- **Verify**: the kernel's start and size of every partition must equal the table's.

Why not pyparted (libparted 3.5, Debian 12): it cannot set or read GPT type GUIDs (needs parted
≥ 3.6), cannot set or read unique partition GUIDs, cannot create a partition at a chosen number
(libparted always takes the lowest free slot; ``num`` is read-only in pyparted), reports free space
past the backup GPT header of a grown disk where sgdisk will not create partitions, and rewrites
the protective MBR on commit (a hybrid MBR is lost). Even reading is unsuitable: ``ped_disk_new``
opens the disk read-write and every partition of it write-only to flush its buffer cache; with udev
running each such close raises a "change" event that re-probes the partitions and flaps their
``/dev/disk/by-*`` links, and it touches partitions the config does not name.
"""

from __future__ import annotations

import re

from ignition.system import blkid, devices
from ignition.system.runner import CommandError, operand
from ignition.util.record import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ignition.system import System

SGDISK_DEFAULT_TYPE = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"  # Linux filesystem


class PartitioningError(Exception):
    pass


class TableUnreadable(PartitioningError):
    """sgdisk refused to load the disk's table (corrupt, or not a GPT): exit status 2 or 3."""


@record
class NewPartition:
    number: int
    start: int = 0  # logical sectors; 0 = sgdisk's default (start of the largest free block)
    size: int = 0  # logical sectors; 0 = sgdisk's default (to the end of that block)
    label: str | None = None  # None = leave sgdisk's default (empty)
    type_guid: str = ""  # "" = sgdisk's default (Linux filesystem)
    guid: str = ""  # "" = random


@record
class TableEdit:
    """One sgdisk invocation: deletions first, then creations (the reference's builder)."""

    device: str
    deletions: tuple[int, ...] = ()
    creations: tuple[NewPartition, ...] = ()
    infos: tuple[int, ...] = ()
    clear: bool = False  # start from an empty table (only used to plan a wipeTable)

    @property
    def empty(self) -> bool:
        return not (self.deletions or self.creations or self.clear)

    def args(self, *, pretend: bool = False) -> list[str]:
        opts: list[str] = ["--pretend"] if pretend else []
        if self.clear:
            opts.append("--clear")
        opts += [f"--delete={n}" for n in self.deletions]
        for p in self.creations:
            opts.append(f"--new={p.number}:{p.start}:+{p.size}")
            if p.label is not None:
                opts.append(f"--change-name={p.number}:{p.label}")
            if p.type_guid:
                opts.append(f"--typecode={p.number}:{p.type_guid}")
            if p.guid:
                opts.append(f"--partition-guid={p.number}:{p.guid}")
        opts += [f"--info={n}" for n in self.infos]
        return ["sgdisk", *opts, operand(self.device, "device")]


# (compiled on first use, by re's cache: most runs never resolve a geometry)
_FIRST = r"^First sector: (\d*) \(.*\)$"
_LAST = r"^Last sector: (\d*) \(.*\)$"


def parse_info_blocks(output: str, numbers: tuple[int, ...]) -> dict[int, tuple[int, int]]:
    """Parse the ``--info`` blocks of ``sgdisk --pretend`` in order: number → (start, size).

    Strict like the reference: exactly one First/Last pair per requested number, nothing after.
    """
    out: dict[int, tuple[int, int]] = {}
    if not numbers:
        return out
    i = 0
    start: int | None = None
    for line in output.split("\n"):
        m_first, m_last = re.match(_FIRST, line), re.match(_LAST, line)
        if i == len(numbers):
            if m_first or m_last:
                raise PartitioningError("sgdisk had unexpected output")
            continue
        if start is None:
            if m_first:
                if not m_first.group(1):
                    raise PartitioningError("sgdisk had unexpected output")
                start = int(m_first.group(1))
        elif m_last:
            if not m_last.group(1):
                raise PartitioningError("sgdisk had unexpected output")
            out[numbers[i]] = (start, int(m_last.group(1)) - start + 1)
            i += 1
            start = None
    if i != len(numbers):
        raise PartitioningError("sgdisk had unexpected output")
    return out


def read_table(device: str, *, require_gpt: bool = True) -> blkid.PartitionTable:
    """The disk's GPT (no table = no partitions). Any other table is refused unless the caller
    is about to wipe it."""
    try:
        table = blkid.read_partition_table(device)
    except blkid.ProbeError as exc:
        raise PartitioningError(str(exc)) from None
    if require_gpt and table.table_type not in ("", "gpt"):
        raise PartitioningError(
            f"{device!r}: disk does not have a GPT (found a {table.table_type} partition table)"
        )
    return table


def pretend(system: System, edit: TableEdit) -> dict[int, tuple[int, int]]:
    """Run the edit with ``--pretend`` and return the resolved geometry of ``edit.infos``."""
    argv = edit.args(pretend=True)
    system.log.info(f"running sgdisk with options: [{' '.join(argv[1:])}]")
    try:
        done = system.runner.run(argv)
    except CommandError as exc:
        cls = TableUnreadable if exc.returncode in (2, 3) else PartitioningError
        raise cls(f"failed to pretend to create partitions: {exc}") from None
    return parse_info_blocks(done.text, edit.infos)


def commit(system: System, edit: TableEdit) -> None:
    if edit.empty:
        return
    argv = edit.args()
    system.log.info(f"running sgdisk with options: [{' '.join(argv[1:])}]")
    what = (
        f"deleting {len(edit.deletions)} partitions and creating {len(edit.creations)} "
        f'partitions on "{edit.device}"'
    )
    with system.log.op(what):
        try:
            system.runner.run(argv)
        except CommandError as exc:
            raise PartitioningError(f"commit failure: create partitions failed: {exc}") from None


def zap(system: System, device: str) -> None:
    """``sgdisk --zap-all``; exits 2 on a corrupted table even though it wiped it, so a failure
    is retried once (the reference does the same, fedora-coreos-tracker#1596)."""
    argv = ["sgdisk", "--zap-all", operand(device, "device")]
    with system.log.op(f'wiping partition table of "{device}"'):
        try:
            system.runner.run(argv)
        except CommandError:
            system.log.info("potential error encountered while wiping table... retrying")
            try:
                system.runner.run(argv)
            except CommandError as exc:
                raise PartitioningError(str(exc)) from None


# -- the kernel's view ----------------------------------------------------------------------------


@record(frozen=False)
class KernelSync:
    """The partx calls that bring the kernel's partitions in line with a table."""

    delete: list[int] = field(default_factory=list)
    update: list[int] = field(default_factory=list)
    add: list[int] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.delete or self.update or self.add)


def kernel_differences(disk_node: str, table: blkid.PartitionTable) -> KernelSync:
    factor = table.sector_size // 512
    have = devices.kernel_partitions(disk_node)
    want = {p.number: (p.start * factor, p.size * factor) for p in table.partitions}
    sync = KernelSync()
    for n, kp in sorted(have.items()):
        if n not in want:
            sync.delete.append(n)
        elif (kp.start, kp.size) != want[n]:
            sync.update.append(n)
    sync.add = sorted(n for n in want if n not in have)
    return sync


def _ranges(numbers: list[int]) -> list[str]:
    """[1, 2, 3, 6] → ["1:3", "6"]: partx takes contiguous ranges."""
    out: list[str] = []
    for n in sorted(numbers):
        if out and int(out[-1].rpartition(":")[2]) == n - 1:
            out[-1] = f"{out[-1].partition(':')[0]}:{n}"
        else:
            out.append(str(n))
    return out


def tell_kernel(system: System, disk_node: str, alias: str, sync: KernelSync) -> int:
    """Run the partx calls (failures only NOTICEd, as the reference; verification decides).
    Returns the number of calls made."""
    calls = 0
    for op, numbers in (("delete", sync.delete), ("update", sync.update), ("add", sync.add)):
        for nr in _ranges(numbers):
            calls += 1
            try:
                system.runner.run(["partx", f"--{op}", "--nr", nr, disk_node])
            except CommandError as exc:
                system.log.notice(f'triggering partition {nr} {op} on "{alias}" failed: {exc}')
    return calls


def verify_kernel(disk_node: str, table: blkid.PartitionTable, deleted: tuple[int, ...]) -> None:
    """The kernel must now see exactly the table: deleted partitions gone, every other one with
    the table's start and size."""
    factor = table.sector_size // 512
    have = devices.kernel_partitions(disk_node)
    for n in deleted:
        if n in have and table.get(n) is None:
            raise PartitioningError(f'"{have[n].node}" unexpectedly exists after partitioning')
    for p in table.partitions:
        kp = have.get(p.number)
        node = devices.partition_node(disk_node, p.number)
        if kp is None:
            raise PartitioningError(
                f'partition "{node}" is missing from the kernel after partitioning'
            )
        if (kp.start, kp.size) != (p.start * factor, p.size * factor):
            raise PartitioningError(
                f'kernel partition start/size for "{kp.node}" does not match expected '
                f"(start {kp.start} vs {p.start * factor}, size {kp.size} vs {p.size * factor})"
            )
