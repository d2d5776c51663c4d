"""Filesystems: reuse or (wipe and) create, as the reference's ``filesystems.go`` and the
operator notes "filesystem reuse semantics".

Every device is probed and decided first, in config order (cheap: libblkid in-process); only
then are the ``wipefs``/``mkfs`` runs started, concurrently, one worker per CPU, and their errors
collected. A device that is in use (mounted, swap, held) is never wiped.
"""

from __future__ import annotations

import os
from enum import StrEnum

from ignition.stages.disks.context import probe_signature
from ignition.system import blkid, devices
from ignition.system.runner import CommandError, operand
from ignition.util.errors import StageError
from ignition.util.record import record

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    from ignition.config.model import Filesystem
    from ignition.stages.disks.context import DisksRun

    T = TypeVar("T")

FLATCAR_OEM_LABEL = "OEM"


class FsAction(StrEnum):
    REUSE = "reuse"
    CREATE = "create"  # wipe signatures (if any) and make the filesystem


@record
class FsDecision:
    fs: Filesystem
    device: str  # alias (node in a dry run; "" when the device does not exist yet)
    action: FsAction
    found: blkid.FilesystemInfo | None  # None: not probed (dry run, device not there yet)


def canonical_uuid(fmt: str, uuid: str) -> str:
    """Lower case; for vfat also without the dash blkid prints (``A1B2-C3D4``), which mkfs.fat
    does not accept (the reference's ``canonicalizeFilesystemUUID``)."""
    uuid = uuid.lower()
    if fmt == "vfat" and len(uuid) >= 5 and uuid[4] == "-":
        uuid = uuid[:4] + uuid[5:]
    return uuid


def matches(fs: Filesystem, info: blkid.FilesystemInfo) -> bool:
    fmt = fs.format or ""
    want_type = "" if fmt == "none" else fmt
    return (
        info.type == want_type
        and (fs.label is None or info.label == fs.label)
        and (
            fs.uuid is None or canonical_uuid(info.type, info.uuid) == canonical_uuid(fmt, fs.uuid)
        )
    )


def mkfs_argv(fs: Filesystem, device: str) -> list[str] | None:
    """The reference's mkfs command line (user options first); None for ``none``."""
    fmt = fs.format or ""
    opts = list(fs.options)
    uuid = canonical_uuid(fmt, fs.uuid) if fs.uuid is not None else None
    label = fs.label
    match fmt:
        case "ext4":
            argv = ["mkfs.ext4", *opts, "-F"]
            argv += ["-U", uuid] if uuid is not None else []
            argv += ["-L", label] if label is not None else []
        case "btrfs":
            argv = ["mkfs.btrfs", *opts, "--force"]
            argv += ["-U", uuid] if uuid is not None else []
            argv += ["-L", label] if label is not None else []
        case "xfs":
            argv = ["mkfs.xfs", *opts, "-f"]
            argv += ["-m", f"uuid={uuid}"] if uuid is not None else []
            argv += ["-L", label] if label is not None else []
        case "swap":
            argv = ["mkswap", *opts, "-f"]
            argv += ["-U", uuid] if uuid is not None else []
            argv += ["-L", label] if label is not None else []
        case "vfat":
            # mkfs.fat has no force flag: it always overwrites
            argv = ["mkfs.fat", *opts]
            argv += ["-i", uuid] if uuid is not None else []
            argv += ["-n", label] if label is not None else []
        case "none":
            return None
        case _:
            raise StageError(f'unsupported filesystem format: "{fmt}"')
    return [*argv, operand(device, "device")]


def probe(run: DisksRun, fs: Filesystem, device: str) -> blkid.FilesystemInfo:
    with run.log.op(f'determining filesystem type of "{fs.device}"'):
        info = probe_signature(run, device)
        run.log.info(
            f'found {info.type} filesystem at "{fs.device}" with uuid "{info.uuid}" '
            f'and label "{info.label}"'
        )
    return info


def decide(run: DisksRun, fs: Filesystem, device: str) -> FsDecision | None:
    """Reuse or create; None when the reference would refuse (recorded by ``run.refuse``)."""
    if not device:  # dry run: created by an earlier step, cannot be probed now
        return FsDecision(fs, device, FsAction.CREATE, None)
    info = probe(run, fs, device)
    if not fs.wipe_filesystem:
        if matches(fs, info):
            run.log.info(
                f'filesystem at "{fs.device}" is already correctly formatted. Skipping mkfs...'
            )
            return FsDecision(fs, device, FsAction.REUSE, info)
        if info.label == FLATCAR_OEM_LABEL and fs.label in (None, FLATCAR_OEM_LABEL):
            # Flatcar: the OEM filesystem is kept whatever type it has (its format changed
            # between releases; configs written for the old one must not wipe it)
            run.log.info(f'keeping the existing OEM filesystem ({info.type}) at "{fs.device}"')
            return FsDecision(fs, device, FsAction.REUSE, info)
        if info.type:
            run.log.err(
                f'filesystem at "{fs.device}" is not of the correct type, label, or UUID '
                f'(found {info.type}, "{info.label}", {info.uuid}) '
                "and a filesystem wipe was not requested"
            )
            run.refuse(
                f'filesystem at "{fs.device}" is not of the correct type (found {info.type}, '
                f'"{info.label}", {info.uuid}; wanted {fs.format}) '
                "and a filesystem wipe was not requested"
            )
            return None
    use = devices.usage(device)
    if use.active:
        run.refuse(f'refusing to wipe active device "{fs.device}" ({", ".join(use.reasons)})')
        return None
    return FsDecision(fs, device, FsAction.CREATE, info)


def describe(d: FsDecision) -> tuple[str, bool]:
    fs = d.fs
    if d.action is FsAction.REUSE:
        assert d.found is not None
        return f'reuse {d.found.type} filesystem on {fs.device} (label "{d.found.label}")', False
    what = "erase signatures on" if fs.format == "none" else f"create {fs.format} filesystem on"
    extra = []
    if fs.label is not None:
        extra.append(f'label "{fs.label}"')
    if fs.uuid is not None:
        extra.append(f"uuid {fs.uuid}")
    tail = f" ({', '.join(extra)})" if extra else ""
    if d.found is None:
        return f"{what} {fs.device}{tail} (device created by an earlier step)", False
    if d.found.type:
        return (
            f'wipe {d.found.type} filesystem (label "{d.found.label}") '
            f"and {what} {fs.device}{tail}",
            True,
        )
    return f"{what} {fs.device}{tail}", False


def make(run: DisksRun, d: FsDecision) -> None:
    """wipefs, then mkfs (in a worker thread: logs without touching the shared prefix stack)."""
    fs = d.fs
    log = run.log
    try:
        log.info(f'wiping filesystem signatures from "{d.device}"')
        run.system.runner.run(["wipefs", "-a", operand(d.device, "device")])
    except CommandError as exc:
        raise StageError(f"wipefs failed: {exc}") from None
    argv = mkfs_argv(fs, d.device)
    if argv is None:
        return
    log.info(f'creating "{fs.format}" filesystem on "{d.device}"')
    try:
        run.system.runner.run(argv)
    except CommandError as exc:
        raise StageError(f"mkfs failed: {exc}") from None
    log.info(f'created "{fs.format}" filesystem on "{d.device}"')


def wanted(run: DisksRun) -> list[Filesystem]:
    return [
        fs
        for fs in run.ctx.config.storage.filesystems
        if fs.format and fs.format != "virtiofs"  # virtiofs: a tag, not a block device
    ]


def concurrently(
    fn: Callable[[T], object], items: list[T], workers: int
) -> list[BaseException | None]:
    """``fn(item)`` for every item, ``workers`` threads at a time; what each one raised (None
    for success), in the items' order. (Not ``concurrent.futures``: it imports ``logging``, a
    tenth of a second of a guest's boot.)"""
    import threading

    failed: list[BaseException | None] = [None] * len(items)
    todo = iter(range(len(items)))
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                i = next(todo, None)
            if i is None:
                return
            try:
                fn(items[i])
            except BaseException as exc:  # handed to the caller, as a future would
                failed[i] = exc

    threads = [threading.Thread(target=worker) for _ in range(max(1, workers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return failed


def create_filesystems(run: DisksRun) -> None:
    fss = wanted(run)
    if not fss:
        return
    with run.log.prefixed("createFilesystems"):
        aliases = run.devices_for([fs.device for fs in fss], "filesystems")
        decisions = []
        for fs in fss:
            d = decide(run, fs, aliases.get(fs.device, ""))
            if d is None:
                continue
            if run.dry_run:
                line, destructive = describe(d)
                run.plan(line, destroy=destructive)
            elif d.action is FsAction.CREATE:
                decisions.append(d)
        if run.dry_run or not decisions:
            return
        workers = max(1, min(len(decisions), os.cpu_count() or 1))
        with run.log.op(f"creating {len(decisions)} filesystems ({workers} at a time)"):
            failed = concurrently(lambda d: make(run, d), decisions, workers)
            errors = [str(e) for e in failed if e is not None]
            if errors:
                raise StageError("\n".join(errors))
            # the reference settles after each mkfs so by-label links do not flap under later
            # units; one trigger for all devices does the same
            run.udev.trigger_settle(os.path.realpath(d.device) for d in decisions)
