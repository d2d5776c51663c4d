"""mount (§3.4): mount the config's filesystems under the root for the files stage.

Filesystems with a ``path`` and a mountable format, shallowest first. The mount point is the
root joined with the path *without* following symlinks: every existing component must be a
real directory (a symlink there could point anywhere). Missing components are created 0755 and
recorded in the state (``notatedDirectories``) so the files stage can hand those inside a home
directory to the user. Then ``mount -o <mountOptions> -t <format> <device> <target>``.
"""

from __future__ import annotations

import os
import stat

from ignition.config.model import Filesystem
from ignition.errors import StageError
from ignition.stages import StageContext
from ignition.system.runner import CommandError

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


def run(ctx: StageContext) -> None:
    root = str(ctx.system.root.root)
    log = ctx.system.log
    for fs in mountable(ctx.config.storage.filesystems):
        path = fs.path or "/"
        target, missing = mount_point(root, path)
        argv = ["mount", "-o", ",".join(fs.mount_options), "-t", fs.format or "", fs.device, target]
        if ctx.dry_run:
            for d in missing:
                ctx.plan.append(f"mount: create directory {d} (0755)")
            ctx.plan.append(f"mount: mount {fs.device} ({fs.format}) on {path}")
            continue
        with log.op(f'mounting "{fs.device}" at "{path}"'):
            for d in missing:
                os.mkdir(root.rstrip("/") + d, 0o755)
                ctx.state.notated_directories.append(d)
            try:
                ctx.system.runner.run(argv)
            except CommandError as exc:
                raise StageError(f'failed to mount "{fs.device}" at "{path}": {exc}') from None
