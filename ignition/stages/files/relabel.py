"""SELinux relabelling of what the stage created (§3.6.10), only where a policy exists.

The reference fails the stage when ``<root>/etc/selinux/config`` is missing (§8 #10); we
relabel only when the root names a policy (``SELINUXTYPE=``) and ``setfiles`` is available.
"""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ignition.stages import StageContext


def policy(ctx: StageContext) -> str | None:
    try:
        with open(ctx.system.root.follow("/etc/selinux/config"), encoding="utf-8") as fh:
            for line in fh:
                key, _, value = line.strip().partition("=")
                if key == "SELINUXTYPE" and value:
                    return value.strip()
    except OSError:
        return None
    return None


def relabel(ctx: StageContext, paths: list[str]) -> None:
    pol = policy(ctx)
    if pol is None or not paths or shutil.which("setfiles") is None:
        return
    root = str(ctx.system.root.root)
    contexts = os.path.join(root, "etc/selinux", pol, "contexts/files/file_contexts")
    existing = [p for p in dict.fromkeys(paths) if os.path.lexists(ctx.system.root.join(p))]
    if not existing:
        return
    data = b"".join(root.rstrip("/").encode() + p.encode() + b"\0" for p in existing)
    with ctx.system.log.op(f"relabeling {len(existing)} patterns"):
        ctx.system.runner.run(["setfiles", "-vF0", "-r", root, contexts, "-f", "-"], input=data)
