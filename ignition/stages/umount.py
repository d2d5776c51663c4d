"""umount (docs/engine.md, "The stages"): unmount what the mount stage mounted, deepest first.

Runs as the mount unit's ``ExecStop`` when the initramfs tears down. A target that is not
mounted (the mount stage never ran, or the admin unmounted it) is skipped with a note instead
of failing the teardown.
"""

from __future__ import annotations

import os

from ignition.stages import StageContext
from ignition.stages.mount import _depth, mountable
from ignition.system.runner import CommandError
from ignition.util.errors import StageError


def run(ctx: StageContext) -> None:
    log = ctx.system.log
    fss = mountable(ctx.config.storage.filesystems)
    for fs in sorted(fss, key=lambda f: -_depth(f.path or "/")):
        path = fs.path or "/"
        target = ctx.system.root.host(path)
        if ctx.dry_run:
            ctx.plan.append(f"umount: unmount {path}")
            continue
        if not os.path.ismount(target):
            log.info(f'"{path}" is not mounted: nothing to unmount')
            continue
        with log.op(f'unmounting "{path}"'):
            try:
                ctx.system.runner.run(["umount", target])
            except CommandError as exc:
                raise StageError(f'failed to unmount "{path}": {exc}') from None
