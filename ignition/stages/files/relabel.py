"""SELinux relabelling of what the stage created (docs/engine.md), only where a policy exists.

The reference fails the stage when ``<root>/etc/selinux/config`` is missing; we
relabel only when the root names a policy (``SELINUXTYPE=``) and ``setfiles`` is available.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from ignition.stages import StageContext

MAX_CONFIG = 64 * 1024  # /etc/selinux/config is a few lines


def policy(ctx: StageContext) -> str | None:
    """The root's ``SELINUXTYPE``, read inside the root; a name that is not one directory
    name (``../x``) is no policy."""
    try:
        fd = ctx.system.root.open("/etc/selinux/config", os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, encoding="utf-8", errors="replace") as fh:
            text = fh.read(MAX_CONFIG)
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.strip().partition("=")
        value = value.strip()
        if key == "SELINUXTYPE" and value:
            return value if "/" not in value and value not in (".", "..") else None
    return None


def relabel(ctx: StageContext, paths: list[str]) -> None:
    pol = policy(ctx)
    if pol is None or not paths:
        return
    import shutil

    if shutil.which("setfiles") is None:
        return
    root = ctx.system.root.directory
    contexts = ctx.system.root.follow(f"/etc/selinux/{pol}/contexts/files/file_contexts")
    existing = [p for p in dict.fromkeys(paths) if os.path.lexists(ctx.system.root.host(p))]
    if not existing:
        return
    data = b"".join(root.rstrip("/").encode() + p.encode() + b"\0" for p in existing)
    with ctx.system.log.op(f"relabeling {len(existing)} patterns"):
        ctx.system.runner.run(["setfiles", "-vF0", "-r", root, contexts, "-f", "-"], input=data)
