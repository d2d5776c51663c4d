"""``/etc/environment``'s ``COREOS_*`` address variables from cloud-config (deviations C28).

An Ignition file can only be replaced or appended to, and the target's file is unknown when
the user data is converted; an append would repeat the lines at every re-run of
``coreos-cloudinit`` or ``ignition-apply``. So the conversion leaves the variables in the state
(``cloudConfigEnvironment``) and this step merges them in place, as coreos-cloudinit did: a
``NAME=`` line is replaced (later duplicates dropped), missing names are appended, every
other line stays, and so do the file's mode and owner (new file: 0644, root).
"""

from __future__ import annotations

import stat

from ignition.stages.files.fsops import At, RootFS, read_small
from ignition.stages.files.view import FILE, View, shown
from ignition.util.errors import StageError

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from collections.abc import Mapping

    from ignition.stages import StageContext
    from ignition.stages.files.plan import Plan

ENVIRONMENT = "/etc/environment"


def plan_environment(ctx: StageContext, plan: Plan, fs: RootFS, view: View) -> None:
    env = ctx.state.cloud_config_environment
    if not env:
        return
    where = "cloud-config addresses"
    try:
        logical = ctx.system.root.resolve(ENVIRONMENT)
    except OSError as exc:
        view.conflict(where, f"file {shown(ENVIRONMENT)}: {exc.strerror}")
        return
    if not view.parents(logical, where, f"file {shown(ENVIRONMENT)}"):
        return
    node = view.get(logical)
    if node is not None and node.kind != FILE:
        view.conflict(where, f"cannot merge into {shown(ENVIRONMENT)}: it {node.describe()}")
        return
    view.put(logical, FILE, where)
    names = ", ".join(sorted(env))
    plan.add("mergeEnvironment", f"set {names} in {shown(ENVIRONMENT)}", lambda: write(fs, env))


def merge(text: str, env: Mapping[str, str]) -> str:
    """``text`` with each ``NAME=`` line of ``env`` set in place and the missing ones added."""
    out: list[str] = []
    done: set[str] = set()
    for line in text.splitlines(keepends=True):
        name = line.partition("=")[0].strip() if "=" in line else ""
        if name in env:
            if name not in done:
                out.append(f"{name}={env[name]}\n")
                done.add(name)
            continue
        out.append(line)
    if out and not out[-1].endswith("\n"):
        out[-1] += "\n"
    out += [f"{n}={v}\n" for n, v in env.items() if n not in done]
    return "".join(out)


def write(fs: RootFS, env: Mapping[str, str]) -> None:
    with fs.at(ENVIRONMENT) as at:
        st = at.lstat()
        if st is not None and not stat.S_ISREG(st.st_mode):
            raise StageError(f'"{ENVIRONMENT}" exists and is not a regular file')
        old = _read(at) if st is not None else ""
        new = merge(old, env)
        if st is None:
            fs.write_atomic(at, new.encode())
        elif new != old:
            fs.write_atomic(
                at, new.encode(), mode=stat.S_IMODE(st.st_mode), uid=st.st_uid, gid=st.st_gid
            )


def _read(at: At) -> str:
    return read_small(at).decode("utf-8", "surrogateescape")
