"""Software RAID with mdadm, as the reference's ``raid.go``: every array is (re)created with
``--force --run`` (no reuse detection, docs/disks.md), members given as their aliases, then
the stage waits for the array device.

Beyond the reference: members that are in use (mounted, swap, part of a running array or
held by device-mapper) are refused before mdadm runs, and a member that already carries an md
superblock is named in a warning (mdadm will overwrite it).
"""

from __future__ import annotations

from ignition.system import blkid, devices
from ignition.system.runner import CommandError, operand
from ignition.util.errors import StageError

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from ignition.config.model import Raid
    from ignition.stages.disks.context import DisksRun


def md_device(name: str) -> str:
    return name if name.startswith("/dev") else f"/dev/md/{name}"


def mdadm_argv(md: Raid, members: list[str]) -> list[str]:
    spares = md.spares or 0
    argv = [
        "mdadm",
        "--create",
        operand(md.name, "RAID array name"),
        "--force",
        "--run",
        "--homehost",
        "any",
        "--level",
        md.level or "",
        "--raid-devices",
        str(len(md.devices) - spares),
    ]
    if spares > 0:
        argv += ["--spare-devices", str(spares)]
    return [*argv, *md.options, *(operand(m, "device") for m in members)]


def create_raids(run: DisksRun) -> None:
    arrays = run.ctx.config.storage.raid
    if not arrays:
        return
    with run.log.prefixed("createRaids"):
        members = [dev for md in arrays for dev in md.devices]
        aliases = run.devices_for(members, "raid")
        for md in arrays:
            paths = [aliases.get(d, "") for d in md.devices]
            problems = False
            for dev, path in zip(md.devices, paths, strict=True):
                if not path:
                    continue  # dry run: created by the partitioning step
                use = devices.usage(path)
                if use.active:
                    why = ", ".join(use.reasons)
                    run.refuse(f'refusing to use active device "{dev}" in RAID "{md.name}" ({why})')
                    problems = True
                    continue
                try:
                    found = blkid.probe_filesystem(path, allow_ambivalent=True)
                except blkid.ProbeError:
                    found = blkid.FilesystemInfo()
                if found.type:
                    run.log.warning(
                        f'RAID "{md.name}": member "{dev}" holds {found.type} '
                        f'(label "{found.label}"); mdadm --create overwrites it'
                    )
            if problems:
                continue
            if run.dry_run:
                run.plan(
                    f"create {md.level} array {md_device(md.name)} from "
                    f"{', '.join(md.devices)} (mdadm --create overwrites the members)",
                    destroy=True,
                )
                continue
            with run.log.op(f'creating "{md.name}"'):
                try:
                    run.system.runner.run(mdadm_argv(md, paths))
                except CommandError as exc:
                    raise StageError(f"mdadm failed: {exc}") from None
        if not run.dry_run:
            run.devices_for([md_device(md.name) for md in arrays], "raid")
