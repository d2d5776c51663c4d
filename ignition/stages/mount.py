"""mount (docs/engine.md, "The stages"): the config's filesystems under the root, for the
files stage.

Filesystems with a ``path`` and a mountable format, shallowest first. The mount point is the
root joined with the path *without* following symlinks: every existing component must be a
real directory (a symlink there could point anywhere). Missing components are created 0755 and
recorded in the state (``notatedDirectories``) so the files stage can hand those inside a home
directory to the user. Then ``mount -o <mountOptions> -t <format> <device> <target>``.

The device is given to ``mount`` as written, as the reference does, when it exists. Without a
udev daemon no ``/dev/disk/by-*`` link is ever made: such a path is resolved the way the disks
stage resolves it (:func:`ignition.system.devices.resolve`: by label, UUID, partition label or
partition UUID, read from the superblocks and partition tables), and the node is mounted.
"""

from __future__ import annotations

import os
import stat

from ignition.util.errors import StageError

# Only what tells whether there is anything to mount is imported with the module (the fetch
# stage asks, for the work summary); the device machinery where a mount happens.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from ignition.config.model import Filesystem
    from ignition.stages import StageContext
    from ignition.system import devices

NOT_MOUNTED = (None, "", "swap", "none")


def mountable(fss: tuple[Filesystem, ...]) -> list[Filesystem]:
    out = [f for f in fss if f.path and f.format not in NOT_MOUNTED]
    return sorted(out, key=lambda f: _depth(f.path or "/"))


def _depth(path: str) -> int:
    return len([c for c in path.split("/") if c])


def mount_point(root: str, path: str) -> tuple[str, list[str]]:
    """The host mount point and the root-relative directories that must be created."""
    parts = [c for c in path.split("/") if c not in ("", ".")]
    if ".." in parts:
        raise StageError(f'mount path "{path}" contains ".."')
    current = root
    missing: list[str] = []
    logical = ""
    for c in parts:
        current = os.path.join(current, c)
        logical += "/" + c
        if missing:
            missing.append(logical)
            continue
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            missing.append(logical)
            continue
        if not stat.S_ISDIR(st.st_mode):
            raise StageError(f'mount path "{path}" contains non-directory component "{logical}"')
    return current, missing


def mount_source(ctx: StageContext, fs: Filesystem, lookup: devices.Lookup) -> str:
    """The device to hand ``mount``: as written where it exists, else the node the disks
    stage would find (no udev daemon); a virtiofs device is a tag, given as written."""
    if fs.format == "virtiofs":
        return fs.device
    from ignition.system import devices

    try:
        source = devices.resolve(fs.device, lookup)
    except devices.DeviceError as exc:
        raise StageError(f'failed to mount "{fs.device}" at "{fs.path}": {exc}') from None
    if source != fs.device:
        ctx.system.log.info(f'no udev daemon: "{fs.device}" is "{source}"')
    return source


def run(ctx: StageContext) -> None:
    from ignition.system import devices
    from ignition.system.runner import CommandError, operand

    root = ctx.system.root.directory
    log = ctx.system.log
    lookup = devices.Lookup(udev=devices.udev_running())
    for fs in mountable(ctx.config.storage.filesystems):
        path = fs.path or "/"
        target, missing = mount_point(root, path)
        if ctx.dry_run:
            for d in missing:
                ctx.plan.append(f"mount: create directory {d} (0755)")
            ctx.plan.append(f"mount: mount {fs.device} ({fs.format}) on {path}")
            continue
        with log.op(f'mounting "{fs.device}" at "{path}"'):
            source = operand(mount_source(ctx, fs, lookup), "device")
            for d in missing:
                os.mkdir(root.rstrip("/") + d, 0o755)
                ctx.state.notated_directories.append(d)
            opts = ",".join(fs.mount_options)
            try:
                ctx.system.runner.run(["mount", "-o", opts, "-t", fs.format or "", source, target])
            except CommandError as exc:
                raise StageError(f'failed to mount "{fs.device}" at "{path}": {exc}') from None
