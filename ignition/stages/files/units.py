"""systemd units, drop-ins, masks and presets (§3.6.7).

For each unit in config order: drop-ins with contents → ``/etc/systemd/system/<unit>.d/<name>``,
contents → ``/etc/systemd/system/<unit>`` (0644, replaced atomically, whatever
``storage.files`` says), ``mask: true`` → a ``/dev/null`` symlink there (after the contents, as
the reference: §8 #21), ``mask: false`` → such a symlink removed. ``enabled`` goes to the preset
file ``/etc/systemd/system-preset/20-ignition.preset`` (appended, lines sorted as the
reference sorts its keys), applied by systemd's first-boot ``preset-all``; instances of one
template share a line (``enable a@.service x y``). ``enabled: false`` disables only a unit that
is currently enabled: its ``[Install]`` symlinks are removed and a ``disable`` line written
(the reference asks ``systemctl --root``; we read the symlinks ourselves, no systemctl or
D-Bus needed; the reference's D-Bus systemd version check for instances is skipped, §8 #9).
"""

from __future__ import annotations

import os
import shutil
import stat
from functools import partial
from typing import TYPE_CHECKING

from ignition.record import field, record
from ignition.stages.files.fsops import RootFS, write_atomic

if TYPE_CHECKING:
    from ignition.stages import StageContext
    from ignition.stages.files.plan import Plan

UNIT_DIR = "/etc/systemd/system"
PRESET_FILE = "/etc/systemd/system-preset/20-ignition.preset"
INSTALL_DIR_SUFFIXES = (".wants", ".requires", ".upholds")


@record(frozen=False)
class Preset:
    unit: str  # the unit, or the template of instances
    enabled: bool
    instances: list[str] = field(default_factory=list)


def split_instance(name: str) -> tuple[str, str]:
    """``a@b.service`` → (``a@.service``, ``b``); other names → (name, "")."""
    at = name.find("@")
    dot = name.rfind(".")
    if at < 0 or dot < at:
        return name, ""
    return name[: at + 1] + name[dot:], name[at + 1 : dot]


def plan_units(ctx: StageContext, plan: Plan, fs: RootFS) -> None:
    presets: dict[str, Preset] = {}
    for u in ctx.config.systemd.units:
        for d in u.dropins:
            if d.contents is None:
                continue
            path = f"{UNIT_DIR}/{u.name}.d/{d.name}"
            data = d.contents.encode()
            plan.add(
                "createUnits",
                f'write drop-in "{path}"',
                partial(_write, fs, path, data),
            )
        path = f"{UNIT_DIR}/{u.name}"
        if u.contents:
            data = u.contents.encode()
            plan.add(
                "createUnits",
                f'write unit "{path}"',
                partial(_write, fs, path, data),
                destructive=_exists(ctx, path),
            )
        if u.mask:
            plan.add(
                "createUnits",
                f'mask unit "{u.name}" ("{path}" -> /dev/null)',
                partial(_mask, fs, path),
                destructive=_exists(ctx, path) and not _is_masked(ctx, path),
            )
        elif u.mask is False and _is_masked(ctx, path):
            plan.add(
                "createUnits",
                f'unmask unit "{u.name}"',
                partial(_unmask, fs, path),
            )
        if u.enabled is not None:
            unit, instance = split_instance(u.name)
            key = f"{unit}-{'true' if u.enabled else 'false'}"
            presets.setdefault(key, Preset(unit, u.enabled)).instances.append(instance)
    if presets:
        plan_presets(ctx, plan, fs, [presets[k] for k in sorted(presets)])


def plan_presets(ctx: StageContext, plan: Plan, fs: RootFS, presets: list[Preset]) -> None:
    for p in presets:
        names = [p.unit if not i else p.unit.replace("@.", f"@{i}.") for i in p.instances]
        if p.enabled:
            text = f'enable "{p.unit}"' + (f" instances {p.instances}" if p.instances[0] else "")
            plan.add("createUnits", text, partial(_append_preset, fs, _line("enable", p)))
            continue
        links = [link for n in names for link in enabled_links(ctx, n)]
        if not links:
            continue  # not enabled: the reference writes nothing at all (§8 #8)
        plan.add(
            "createUnits",
            f'disable "{p.unit}" (remove {len(links)} install symlinks)',
            partial(_disable, fs, p, links),
            destructive=True,
        )


def _line(verb: str, p: Preset) -> str:
    inst = [i for i in p.instances if i]
    return " ".join([verb, p.unit, *inst]) + "\n"


def enabled_links(ctx: StageContext, name: str) -> list[str]:
    """Root paths of the symlinks that make ``name`` enabled (what ``systemctl disable``
    removes): ``<target>.wants|requires|upholds/<name>`` and aliases pointing at it."""
    base = ctx.system.root.join(UNIT_DIR)
    found: list[str] = []
    try:
        entries = sorted(os.scandir(base), key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return found
    for entry in entries:
        if entry.is_symlink():
            target = os.readlink(entry.path)
            if os.path.basename(target) == name and entry.name != name:
                found.append(f"{UNIT_DIR}/{entry.name}")  # an alias
            continue
        if entry.is_dir(follow_symlinks=False) and entry.name.endswith(INSTALL_DIR_SUFFIXES):
            link = os.path.join(entry.path, name)
            if os.path.islink(link):
                found.append(f"{UNIT_DIR}/{entry.name}/{name}")
    return found


def _exists(ctx: StageContext, path: str) -> bool:
    return os.path.lexists(ctx.system.root.join(path))


def _is_masked(ctx: StageContext, path: str) -> bool:
    host = ctx.system.root.join(path)
    return os.path.islink(host) and os.readlink(host) == "/dev/null"


def _write(fs: RootFS, path: str, data: bytes) -> None:
    with fs.at(path) as at:
        write_atomic(at, data, mode=0o644)


def _mask(fs: RootFS, path: str) -> None:
    with fs.at(path) as at:
        st = at.lstat()
        if st is not None:
            if stat.S_ISLNK(st.st_mode) and os.readlink(at.name, dir_fd=at.fd) == "/dev/null":
                return
            if stat.S_ISDIR(st.st_mode):
                shutil.rmtree(at.name, dir_fd=at.fd)
                fs.invalidate_below(at)
            else:
                os.unlink(at.name, dir_fd=at.fd)
        os.symlink("/dev/null", at.name, dir_fd=at.fd)


def _unmask(fs: RootFS, path: str) -> None:
    with fs.at(path, create_parents=False) as at:
        if at.lstat() is not None and os.readlink(at.name, dir_fd=at.fd) == "/dev/null":
            os.unlink(at.name, dir_fd=at.fd)


def _disable(fs: RootFS, p: Preset, links: list[str]) -> None:
    for link in links:
        with fs.at(link, create_parents=False) as at:
            st = at.lstat()
            if st is not None and stat.S_ISLNK(st.st_mode):
                os.unlink(at.name, dir_fd=at.fd)
    _append_preset(fs, _line("disable", p))


def _append_preset(fs: RootFS, line: str) -> None:
    with fs.at(PRESET_FILE) as at:
        fd = os.open(
            at.name, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644, dir_fd=at.fd
        )
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
