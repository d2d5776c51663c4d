"""``/etc/.ignition-result.json`` and provider output files (docs/engine.md, "The stages").

The result file records the boot that provisioned the machine and whether a user config was
given. On a rerun the old report is nested as ``previousReport`` with a warning, unless the
distro's ``is-live-image`` hook says this is a live image (then it is silently replaced).
"""

from __future__ import annotations

import os
import stat
import time

from ignition.config import codec
from ignition.config.model import File
from ignition.config.urls import URLError, decode_data_url
from ignition.stages.files.fsops import RootFS
from ignition.stages.files.view import DIRECTORY, FILE, View, shown
from ignition.system.runner import CommandError
from ignition.util import leanjson
from ignition.util.errors import StageError

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import Any

    from ignition.stages import StageContext
    from ignition.stages.files.plan import Plan

RESULT_FILE = "/etc/.ignition-result.json"
RERUN_WARNING = (
    "Ignition has already run on this system. Unexpected behavior may occur. "
    "Ignition is not designed to run more than once per system."
)


def plan_file(ctx: StageContext, view: View, where: str, path: str) -> bool:
    """Plan a file the stage writes whatever is there (but a directory); False, with a
    conflict, when it cannot be written."""
    try:
        logical = ctx.system.root.resolve(path)
    except OSError as exc:
        view.conflict(where, f"file {shown(path)}: {exc.strerror}")
        return False
    if not view.parents(logical, where, f"file {shown(path)}"):
        return False
    node = view.get(logical)
    if node is not None and node.kind == DIRECTORY:
        view.conflict(where, f"cannot write {shown(path)}: it {node.describe()}")
        return False
    view.put(logical, FILE, where)
    return True


def plan_result(ctx: StageContext, plan: Plan, fs: RootFS, view: View) -> None:
    if plan_file(ctx, view, "result file", RESULT_FILE):
        plan.add("createResultFile", f"write {shown(RESULT_FILE)}", lambda: write_result(ctx, fs))


def local_time(when: float) -> str:
    """RFC 3339 local time to the second (``2026-12-07T01:02:03+01:00``; ``Z`` for UTC), as
    ``datetime``'s ``isoformat`` writes it; ``time`` is what the interpreter has loaded anyway."""
    t = time.localtime(int(when))
    offset = t.tm_gmtoff or 0
    sign = "-" if offset < 0 else "+"
    hours, rest = divmod(abs(offset), 3600)
    zone = f"{sign}{hours:02d}:{rest // 60:02d}" + (f":{rest % 60:02d}" if rest % 60 else "")
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + ("Z" if offset == 0 else zone)


def write_result(ctx: StageContext, fs: RootFS) -> None:
    try:
        with open(ctx.system.paths.boot_id, encoding="ascii") as fh:
            boot_id = fh.read().strip()
    except OSError:
        boot_id = ""
    result: dict[str, Any] = {
        "provisioningBootID": boot_id,
        "provisioningDate": local_time(time.time()),
        "userConfigProvided": any(c.kind == "user" for c in ctx.state.fetched_configs),
    }
    with fs.at(RESULT_FILE) as at:
        st = at.lstat()
        if st is not None and stat.S_ISREG(st.st_mode):
            previous = _read(at.fd, at.name)
            if not _is_live_image(ctx):
                ctx.system.log.warning(RERUN_WARNING)
                result["previousReport"] = previous
        data = leanjson.dumps(result, indent=2) + "\n"
        fs.write_atomic(at, data.encode(), mode=0o600)


def _read(dir_fd: int, name: str) -> Any:
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    with os.fdopen(fd, "rb") as fh:
        raw = fh.read()
    try:
        return leanjson.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def _is_live_image(ctx: StageContext) -> bool:
    try:
        ctx.system.runner.run(["is-live-image"])
    except CommandError:
        return False
    return True


def plan_provider_files(ctx: StageContext, plan: Plan, fs: RootFS, view: View) -> None:
    """Files a provider left in the state for this stage (Hyper-V KVP pools: 0600)."""
    for raw in ctx.state.provider_output_files:
        f = codec.decode(File, raw)
        if not plan_file(ctx, view, "provider output file", f.path):
            continue
        try:
            data = decode_data_url(f.contents.source or "data:,").data
        except URLError as exc:
            raise StageError(f"provider output file {shown(f.path)}: {exc}") from None
        mode = f.mode if f.mode is not None else 0o600

        def act(path: str = f.path, data: bytes = data, mode: int = mode) -> None:
            with fs.at(path) as at:
                fs.write_atomic(at, data, mode=mode)

        plan.add("createProviderOutputFiles", f"write provider file {shown(f.path)}", act)
