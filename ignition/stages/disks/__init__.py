"""The disks stage: partitions, then RAID, then LUKS, then filesystems (the reference's order,
each step failing the stage).

Nothing is touched when the config names no disk, array, volume or filesystem (not even udev).
Before the first step, devices named by more than one consumer are refused (a LUKS volume that
is also formatted as a filesystem, a RAID member that is also a LUKS device, ...): one of the
two would silently destroy the other.

``ignition plan`` (``ctx.dry_run``) runs the same decisions read-only and lists every action in
``ctx.plan`` (``disks: ...``), destructive ones marked ``[DESTRUCTIVE]``, refusals as
``disks: would fail: ...``.
"""

from __future__ import annotations

import os

from ignition.util.errors import StageError

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from collections.abc import Callable

    from ignition.stages import StageContext
    from ignition.stages.disks.context import DisksRun

__all__ = ["run", "run_with"]


def steps() -> tuple[tuple[Callable[[DisksRun], None], str], ...]:
    """The steps in order, with what their failure says (imported here: a stage process
    imports only what it runs)."""
    from ignition.stages.disks.filesystems import create_filesystems
    from ignition.stages.disks.luks import create_luks
    from ignition.stages.disks.partitions import create_partitions
    from ignition.stages.disks.raid import create_raids

    return (
        (create_partitions, "create partitions failed"),
        (create_raids, "failed to create raids"),
        (create_luks, "failed to create luks"),
        (create_filesystems, "failed to create filesystems"),
    )


def _key(path: str) -> str:
    return os.path.realpath(path) if os.path.exists(path) else os.path.normpath(path)


def conflicts(run: DisksRun) -> list[str]:
    """Devices claimed by two consumers (whole disks being partitioned may also be formatted:
    wiping a table and formatting the bare disk is legitimate)."""
    storage = run.ctx.config.storage
    users: dict[str, list[str]] = {}
    for i, md in enumerate(storage.raid):
        for dev in md.devices:
            users.setdefault(_key(dev), []).append(f"storage.raid.{i} ({md.name})")
    for i, v in enumerate(storage.luks):
        if v.device:
            users.setdefault(_key(v.device), []).append(f"storage.luks.{i} ({v.name})")
    for i, fs in enumerate(storage.filesystems):
        if fs.format and fs.format != "virtiofs":
            users.setdefault(_key(fs.device), []).append(f"storage.filesystems.{i}")
    return [
        f"device {dev} is used by both {' and '.join(who)}"
        for dev, who in users.items()
        if len(who) > 1
    ]


def run_with(ctx: StageContext, *, timeout: float | None = None) -> DisksRun:
    """Run (or plan) the stage; returns the run's bookkeeping (udev settles, problems).
    ``timeout``: how long to wait for each device (default: systemd's, 90 s)."""
    from ignition.stages.disks.context import DisksRun
    from ignition.stages.disks.filesystems import wanted
    from ignition.system import devices

    r = DisksRun(ctx, timeout=devices.DEVICE_TIMEOUT if timeout is None else timeout)
    storage = ctx.config.storage
    if not (storage.disks or storage.raid or storage.luks or wanted(r)):
        return r
    for problem in conflicts(r):
        r.refuse(problem)
    for step, failure in steps():
        try:
            step(r)
        except StageError as exc:
            raise StageError(f"{failure}: {exc}") from None
    if r.problems:
        raise StageError(
            f"the disks stage would fail ({len(r.problems)} problems): " + "; ".join(r.problems)
        )
    return r


def run(ctx: StageContext) -> None:
    run_with(ctx)
