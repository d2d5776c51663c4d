"""Block devices as the disks stage sees them: waiting, aliases, in-use checks, the kernel's
partition list, and telling udev about changes. The mount stage and the crypttab writer find
their devices with the same :class:`Lookup` (:func:`resolve`), so a config that works through
``disks`` works through ``mount`` on the same machine.

Waiting. The reference asks systemd over D-Bus to wait for each device's ``.device`` unit. We
wait for the device node ourselves:

- where a udev daemon runs (the initramfs), a device counts as present once its path exists and
  udev has finished processing it (its entry in udev's database, ``/run/udev/data/b<major>:
  <minor>``, exists: what libudev's ``is_initialized`` reads), so its ``/dev/disk/by-*`` links
  and properties are final;
- without one (containers, build hosts, this project's CI), ``/dev/disk/by-*`` links are never
  made, so a ``by-label``/``by-partlabel``/``by-uuid``/``by-partuuid`` path is resolved by
  probing the block devices listed in sysfs with libblkid, the way udev's rules would name
  them. Other ``/dev/disk/by-*`` kinds (``by-id``, ``by-path``) cannot be derived without udev.

The wait is bounded (systemd's default device timeout, 90 s); the error names what was looked
for and what was found instead.

Aliases. As the reference: ``<dev_aliases>/<path as written>`` is a symlink to the resolved
node, and every tool is given the alias, so a by-label link that udev briefly removes while it
re-probes a device cannot break an operation half-way.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import time

from ignition.system import blkid
from ignition.util.record import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from ignition.system import System

DEVICE_TIMEOUT = 90.0  # systemd's DefaultDeviceTimeoutSec, what the reference waits at most
ALIAS_RESOLVE_TIMEOUT = 30.0  # the reference retries resolving an alias target this long
UDEV_CONTROL = "/run/udev/control"
UDEV_DATA = "/run/udev/data"  # udev's database: one file per device it has processed
SYS_BLOCK = "/sys/class/block"
LINK_KINDS = {  # /dev/disk/by-<kind> that can be found without udev → what to compare
    "by-label": "LABEL",
    "by-uuid": "UUID",
    "by-partlabel": "PARTLABEL",
    "by-partuuid": "PARTUUID",
}


class DeviceError(Exception):
    pass


def udev_running() -> bool:
    """A udev daemon listens on its control socket (the initramfs); containers have none."""
    try:
        return stat.S_ISSOCK(os.stat(UDEV_CONTROL).st_mode)
    except OSError:
        return False


def node_name(node: str) -> str:
    """``/dev/loop0p1`` → ``loop0p1`` (the sysfs name); follows symlinks."""
    return os.path.basename(os.path.realpath(node))


def partition_node(disk_node: str, number: int) -> str:
    """The reference's naming: ``<disk>p<N>`` if the disk name ends in a digit, else ``<disk>N``."""
    return f"{disk_node}{'p' if disk_node[-1:].isdigit() else ''}{number}"


def is_device_mapper(node: str) -> bool:
    return os.path.exists(f"{SYS_BLOCK}/{node_name(node)}/dm/name")


def _udev_unescape(text: str) -> str:
    """udev writes ``/`` and spaces in link names as ``\\x2f``, ``\\x20``."""
    out = bytearray()
    i = 0
    raw = text.encode()
    while i < len(raw):
        if raw[i : i + 2] == b"\\x" and i + 4 <= len(raw):
            try:
                out.append(int(raw[i + 2 : i + 4], 16))
                i += 4
                continue
            except ValueError:
                pass
        out.append(raw[i])
        i += 1
    return out.decode("utf-8", "replace")


def link_query(path: str) -> tuple[str, str] | None:
    """``/dev/disk/by-label/ROOT`` → ("LABEL", "ROOT"); None for other paths."""
    parts = path.split("/")
    if len(parts) == 5 and parts[:3] == ["", "dev", "disk"] and parts[3] in LINK_KINDS:
        return LINK_KINDS[parts[3]], _udev_unescape(parts[4])
    return None


def block_devices() -> list[str]:
    """Every block device node the kernel has (``/dev/<name>``), skipping empty ones (unbound
    loop devices) — read from sysfs, no udev needed."""
    out = []
    try:
        names = sorted(os.listdir(SYS_BLOCK))
    except OSError:
        return []
    for name in names:
        try:
            with open(f"{SYS_BLOCK}/{name}/size") as fh:
                if int(fh.read().strip() or 0) == 0:
                    continue
        except (OSError, ValueError):
            continue
        node = f"/dev/{name}"
        if os.path.exists(node):
            out.append(node)
    return out


FS_KEYS = ("LABEL", "UUID")  # from the filesystem superblock
PART_KEYS = ("PARTLABEL", "PARTUUID")  # from the disk's partition table


def probe_properties(node: str, key: str) -> dict[str, str]:
    """What udev's rules would put into the by-* link kind of ``key`` for ``node``: only the
    probe that answers it runs (superblocks for LABEL/UUID, the partition entry otherwise)."""
    if key in FS_KEYS:
        try:
            fs = blkid.probe_filesystem(node)
        except blkid.ProbeError:
            return {"LABEL": "", "UUID": ""}
        return {"LABEL": fs.label, "UUID": fs.uuid}
    try:
        name, uuid = blkid.probe_partition_entry(node)
    except blkid.ProbeError:
        name, uuid = "", ""
    return {"PARTLABEL": name, "PARTUUID": uuid}


@record(frozen=False)
class Lookup:
    """Finding device nodes for configured paths, with or without udev."""

    udev: bool
    # probe results of one scan (node → key → value), so repeated polls stay cheap
    _scan: dict[str, dict[str, str]] = field(default_factory=dict)
    _scanned_at: float = -1.0

    def rescan(self, key: str, *, min_interval: float) -> dict[str, str]:
        """node → value of ``key`` for every block device (probing only what ``key`` needs)."""
        now = time.monotonic()
        if self._scanned_at < 0 or now - self._scanned_at >= min_interval:
            self._scan = {n: {} for n in block_devices()}
            self._scanned_at = now
        for node, props in self._scan.items():
            if key not in props:
                props.update(probe_properties(node, key))
        return {node: props[key] for node, props in self._scan.items()}

    def find(self, path: str) -> str | None:
        """The device node ``path`` designates now, or None. Raises on an ambiguous link."""
        if self.udev:
            return self._find_udev(path)
        if os.path.exists(path):
            return os.path.realpath(path)
        query = link_query(path)
        if query is None:
            return None
        key, want = query
        values = self.rescan(key, min_interval=0.2)
        hits = [node for node, have in values.items() if have and _same(key, have, want)]
        if len(hits) > 1:
            raise DeviceError(
                f"{path}: {len(hits)} devices have {key}={want!r} ({', '.join(hits)}); "
                "refusing to guess which one is meant"
            )
        return hits[0] if hits else None

    def _find_udev(self, path: str) -> str | None:
        if not os.path.exists(path):
            return None
        node = os.path.realpath(path)
        return node if _udev_initialized(node) else None

    def describe_missing(self, path: str) -> str:
        """What was looked for and what exists instead, for the timeout error."""
        query = link_query(path)
        if self.udev:
            if os.path.exists(path):
                return f"{path}: exists but udev has not finished processing it"
            return f"{path}: no such device (udev is running and made no such link)"
        if query is None:
            if path.startswith("/dev/disk/"):
                return (
                    f"{path}: no such link, and without a udev daemon /dev/disk/"
                    f"{path.split('/')[3] if path.count('/') > 3 else ''} links are never made; "
                    "name the device as /dev/<node> or by label, partlabel, uuid or partuuid"
                )
            return f"{path}: no such device"
        key, want = query
        values = self.rescan(key, min_interval=0.0)
        seen = sorted({v for v in values.values() if v})
        return (
            f"{path}: no udev daemon, so looked for {key}={want!r} on "
            f"{len(values)} block devices; found {key} "
            + (", ".join(repr(s) for s in seen) if seen else "on none of them")
        )


def resolve(path: str, lookup: Lookup | None = None) -> str:
    """What a tool should be given for the configured device ``path`` now, without waiting:
    the path itself where it exists (a node, or a link udev made), as the reference does;
    without a udev daemon, for a ``/dev/disk/by-{label,uuid,partlabel,partuuid}`` path, the
    node the disks stage would find. Raises :class:`DeviceError` saying what was looked for."""
    if os.path.exists(path):
        return path
    lookup = lookup or Lookup(udev=udev_running())
    node = None if lookup.udev else lookup.find(path)
    if node is None:
        raise DeviceError(lookup.describe_missing(path))
    return node


def _same(key: str, have: str, want: str) -> bool:
    # udev's by-uuid links use blkid's spelling; accept any case for (part)uuids
    return have.lower() == want.lower() if key in ("UUID", "PARTUUID") else have == want


def _udev_initialized(node: str) -> bool:
    """Has udev processed the block device ``node``? libudev answers from the same file."""
    try:
        st = os.stat(node)
    except (OSError, ValueError):
        return False
    if not stat.S_ISBLK(st.st_mode):
        return False
    return os.path.exists(f"{UDEV_DATA}/b{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}")


def wait_for(
    paths: Sequence[str],
    *,
    lookup: Lookup,
    timeout: float = DEVICE_TIMEOUT,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, str]:
    """Wait until every path designates a device node; return path → node."""
    found: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        for p in paths:
            if p not in found:
                node = lookup.find(p)
                if node is not None:
                    found[p] = node
        missing = [p for p in paths if p not in found]
        if not missing:
            return found
        if time.monotonic() >= deadline:
            details = "; ".join(lookup.describe_missing(p) for p in missing)
            raise DeviceError(f"timed out after {timeout:g}s waiting for devices: {details}")
        sleep(delay)
        delay = min(delay * 2, 0.1)


def ensure_block_device(node: str) -> None:
    try:
        st = os.stat(node)
    except OSError as exc:
        raise DeviceError(f"{node}: {exc.strerror}") from None
    if not stat.S_ISBLK(st.st_mode):
        raise DeviceError(f"{node} is not a block device")


def alias_path(aliases_dir: str, device: str) -> str:
    return os.path.join(aliases_dir, device.lstrip("/"))


def create_alias(
    aliases_dir: str,
    device: str,
    node: str | None = None,
    *,
    timeout: float = ALIAS_RESOLVE_TIMEOUT,
) -> tuple[str, str]:
    """Point ``<aliases_dir>/<device>`` at the resolved node; return (alias, target).

    ``node`` is the node found by waiting (needed where no udev link exists); otherwise the path
    is resolved, retrying while it is missing (udev may be re-creating it).
    """
    target = node
    deadline = time.monotonic() + timeout
    while target is None:
        try:
            os.stat(device)
            target = os.path.realpath(device)
        except FileNotFoundError:
            if time.monotonic() >= deadline:
                raise DeviceError(f"failed to resolve {device!r}: no such device") from None
            time.sleep(0.01)
    ensure_block_device(target)
    alias = alias_path(aliases_dir, device)
    os.makedirs(os.path.dirname(alias), mode=0o755, exist_ok=True)
    tmp = f"{alias}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    os.symlink(target, tmp)
    os.replace(tmp, alias)
    return alias, target


# -- in-use checks ------------------------------------------------------------------------------


def _mount_devices() -> tuple[set[int], set[str]]:
    """(device numbers, resolved source paths) of everything mounted."""
    numbers: set[int] = set()
    sources: set[str] = set()
    try:
        with open("/proc/self/mountinfo") as fh:
            lines = fh.read().splitlines()
    except OSError:
        lines = []
    for line in lines:
        fields = line.split()
        if len(fields) < 10:
            continue
        major, _, minor = fields[2].partition(":")
        with contextlib.suppress(ValueError):
            numbers.add(os.makedev(int(major), int(minor)))
        sep = fields.index("-") if "-" in fields else -1
        if sep > 0 and sep + 2 < len(fields):
            src = fields[sep + 2]
            if src.startswith("/"):
                sources.add(os.path.realpath(src))
    return numbers, sources


def _swap_devices() -> set[str]:
    try:
        with open("/proc/swaps") as fh:
            lines = fh.read().splitlines()[1:]
    except OSError:
        return set()
    return {os.path.realpath(line.split()[0]) for line in lines if line.split()}


def _holders(node: str) -> list[str]:
    try:
        return sorted(os.listdir(f"{SYS_BLOCK}/{node_name(node)}/holders"))
    except OSError:
        return []


def _exclusively_opened(node: str) -> bool:
    """True when the kernel has the device claimed (mounted, swap, md, dm, LVM, btrfs): an
    ``O_EXCL`` open of a block device fails with EBUSY exactly then. Opening read-only for an
    instant changes nothing and raises no udev event."""
    try:
        fd = os.open(node, os.O_RDONLY | os.O_EXCL | os.O_CLOEXEC)
    except OSError as exc:
        return exc.errno == errno.EBUSY
    os.close(fd)
    return False


@record
class Usage:
    node: str
    reasons: tuple[str, ...]

    @property
    def active(self) -> bool:
        return bool(self.reasons)


def usage(node: str, *, exclusive_check: bool = True) -> Usage:
    """Why ``node`` is in use, if it is. The reference checks mounts and holders (and skips
    holders for device-mapper nodes); we also check swap and the kernel's exclusive claim."""
    node = os.path.realpath(node)
    reasons = []
    numbers, sources = _mount_devices()
    try:
        rdev = os.stat(node).st_rdev
    except OSError:
        rdev = -1
    if node in sources or rdev in numbers:
        reasons.append("mounted")
    if node in _swap_devices():
        reasons.append("active swap")
    if not is_device_mapper(node):
        held = _holders(node)
        if held:
            reasons.append("held by " + ", ".join(held))
    if exclusive_check and not reasons and _exclusively_opened(node):
        reasons.append("opened exclusively by the kernel")
    return Usage(node, tuple(reasons))


@record
class KernelPartition:
    node: str
    start: int  # 512-byte units, as sysfs reports
    size: int


def kernel_partitions(disk_node: str) -> dict[int, KernelPartition]:
    """The kernel's current partitions of a disk (sysfs), by number."""
    name = node_name(disk_node)
    base = f"{SYS_BLOCK}/{name}"
    out: dict[int, KernelPartition] = {}
    try:
        entries = os.listdir(base)
    except OSError:
        return out
    for entry in entries:
        if not entry.startswith(name):
            continue
        d = f"{base}/{entry}"
        try:
            with open(f"{d}/partition") as fh:
                number = int(fh.read())
            with open(f"{d}/start") as fh:
                start = int(fh.read())
            with open(f"{d}/size") as fh:
                size = int(fh.read())
        except (OSError, ValueError):
            continue
        out[number] = KernelPartition(f"/dev/{entry}", start, size)
    return out


# -- udev ---------------------------------------------------------------------------------------


@record(frozen=False)
class Udev:
    """Telling udev about changes, only where a daemon runs: ``udevadm trigger --settle`` would
    block forever without one, and without one there are no links to refresh."""

    system: System
    running: bool
    settles: int = 0

    def trigger_settle(self, nodes: Iterable[str]) -> None:
        """The reference's ``udevadm trigger --settle <dev>``: re-run udev's rules for the
        changed devices and wait until they are processed (a bare ``settle`` could return before
        the events of a just-closed device were queued)."""
        devs = sorted(set(nodes))
        if not self.running or not devs:
            return
        self.settles += 1
        self.system.runner.run(["udevadm", "trigger", "--settle", *devs], timeout=DEVICE_TIMEOUT)
