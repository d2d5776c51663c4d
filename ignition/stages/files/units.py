"""systemd units, drop-ins, masks and presets (docs/engine.md, "The stages").

For each unit in config order: drop-ins with contents → ``/etc/systemd/system/<unit>.d/<name>``,
contents → ``/etc/systemd/system/<unit>`` (0644, replaced atomically, whatever
``storage.files`` says), ``mask: true`` → a ``/dev/null`` symlink there (after the contents, as
the reference), ``mask: false`` → such a symlink removed. ``enabled`` goes to the preset
file ``/etc/systemd/system-preset/20-ignition.preset`` (appended, lines sorted as the
reference sorts its keys), applied by systemd's first-boot ``preset-all``; instances of one
template share a line (``enable a@.service x y``). ``enabled: false`` disables only a unit that
is currently enabled: its ``[Install]`` symlinks are removed and a ``disable`` line written
(the reference asks ``systemctl --root``; we read the symlinks ourselves, no systemctl or
D-Bus needed; the reference's D-Bus systemd version check for instances is skipped).
"""

from __future__ import annotations

import os
import stat

from ignition.stages.files.fsops import RootFS
from ignition.stages.files.plan import bind
from ignition.stages.files.view import DIRECTORY, FILE, SYMLINK, Node, View, shown
from ignition.util.record import field, record

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from ignition.stages import StageContext
    from ignition.stages.files.plan import Plan

UNIT_DIR = "/etc/systemd/system"
PRESET_FILE = "/etc/systemd/system-preset/20-ignition.preset"
INSTALL_DIR_SUFFIXES = (".wants", ".requires", ".upholds")
MASK_TARGET = "/dev/null"


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


def _bad_name(name: str) -> bool:
    return not name or "/" in name or "\0" in name or name in (".", "..")


def _target(
    ctx: StageContext, view: View, where: str, path: str, what: str, *, create: bool = True
) -> str | None:
    """The resolved path of a unit file, its parents planned (``create``); None (with a
    conflict) when it cannot be written there."""
    try:
        logical = ctx.system.root.resolve(path)
    except OSError as exc:
        view.conflict(where, f"{what} {shown(path)}: {exc.strerror}")
        return None
    if create and not view.parents(logical, where, f"{what} {shown(path)}"):
        return None
    return logical


def _plan_write(
    ctx: StageContext, plan: Plan, fs: RootFS, view: View, where: str, path: str, data: bytes,
    what: str,
) -> None:  # fmt: skip
    logical = _target(ctx, view, where, path, what)
    if logical is None:
        return
    node = view.get(logical)
    if node is not None and node.kind == DIRECTORY:
        view.conflict(where, f"cannot write {what} {shown(path)}: it {node.describe()}")
        return
    view.put(logical, FILE, where)
    plan.add(
        "createUnits",
        f"write {what} {shown(path)}",
        bind(_write, fs, path, data),
        destructive=node is not None and not node.by,  # replaces what is in the root
    )


def plan_units(ctx: StageContext, plan: Plan, fs: RootFS, view: View) -> None:
    presets: dict[str, Preset] = {}
    for i, u in enumerate(ctx.config.systemd.units):
        where = f"$.systemd.units.{i}"
        if _bad_name(u.name):
            view.conflict(f"{where}.name", f"invalid unit name {shown(u.name)}")
            continue
        for j, d in enumerate(u.dropins):
            if d.contents is None:
                continue
            if _bad_name(d.name):
                view.conflict(f"{where}.dropins.{j}.name", f"invalid drop-in name {shown(d.name)}")
                continue
            path = f"{UNIT_DIR}/{u.name}.d/{d.name}"
            _plan_write(ctx, plan, fs, view, f"{where}.dropins.{j}", path, d.contents.encode(),
                        "drop-in")  # fmt: skip
        path = f"{UNIT_DIR}/{u.name}"
        if u.contents:
            _plan_write(ctx, plan, fs, view, where, path, u.contents.encode(), "unit")
        if u.mask is not None:
            _plan_mask(ctx, plan, fs, view, where, u.name, mask=u.mask)
        if u.enabled is not None:
            unit, instance = split_instance(u.name)
            key = f"{unit}-{'true' if u.enabled else 'false'}"
            presets.setdefault(key, Preset(unit, u.enabled)).instances.append(instance)
    if presets:
        plan_presets(ctx, plan, fs, view, [presets[k] for k in sorted(presets)])


def _plan_mask(
    ctx: StageContext, plan: Plan, fs: RootFS, view: View, where: str, name: str, *, mask: bool
) -> None:
    path = f"{UNIT_DIR}/{name}"
    logical = _target(ctx, view, f"{where}.mask", path, "unit", create=mask)
    if logical is None:
        return
    node = view.get(logical)
    masked = _is_masked(ctx, logical, node)
    if mask:
        if not masked:
            view.remove(logical, where)
            view.put(logical, SYMLINK, where, target=MASK_TARGET)
        plan.add(
            "createUnits",
            f"mask unit {shown(name)} ({shown(path)} -> {MASK_TARGET})",
            bind(_mask, fs, path),
            destructive=node is not None and not node.by and not masked,
        )
    elif masked:
        view.remove(logical, where)
        plan.add("createUnits", f"unmask unit {shown(name)}", bind(_unmask, fs, path))


def plan_presets(
    ctx: StageContext, plan: Plan, fs: RootFS, view: View, presets: list[Preset]
) -> None:
    preset_ok = _plan_preset_file(ctx, view)
    for p in presets:
        names = [p.unit if not i else p.unit.replace("@.", f"@{i}.") for i in p.instances]
        if p.enabled:
            text = f"enable {shown(p.unit)}" + (
                f" instances {p.instances}" if p.instances[0] else ""
            )
            if preset_ok:
                plan.add("createUnits", text, bind(_append_preset, fs, _line("enable", p)))
            continue
        links = [link for n in names for link in enabled_links(ctx, n)]
        if not links:
            continue  # not enabled: the reference writes nothing at all
        for link in links:
            view.remove(ctx.system.root.resolve(link), "$.systemd.units")
        if preset_ok:
            plan.add(
                "createUnits",
                f"disable {shown(p.unit)} (remove {len(links)} install symlinks)",
                bind(_disable, fs, p, links),
                destructive=True,
            )


def _plan_preset_file(ctx: StageContext, view: View) -> bool:
    where = "$.systemd.units"
    logical = _target(ctx, view, where, PRESET_FILE, "preset file")
    if logical is None:
        return False
    node = view.get(logical)
    if node is not None and node.kind != FILE:
        view.conflict(where, f"cannot append to {shown(PRESET_FILE)}: it {node.describe()}")
        return False
    view.put(logical, FILE, where)
    return True


def _line(verb: str, p: Preset) -> str:
    inst = [i for i in p.instances if i]
    return " ".join([verb, p.unit, *inst]) + "\n"


def enabled_links(ctx: StageContext, name: str) -> list[str]:
    """Root paths of the symlinks that make ``name`` enabled (what ``systemctl disable``
    removes): ``<target>.wants|requires|upholds/<name>`` and aliases pointing at it. Read
    inside the root only (an absolute symlink on the way is taken inside it)."""
    found: list[str] = []
    try:
        fd = ctx.system.root.open(UNIT_DIR, os.O_RDONLY | os.O_DIRECTORY)
    except (FileNotFoundError, NotADirectoryError):
        return found
    try:
        with os.scandir(fd) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            if entry.is_symlink():
                target = os.readlink(entry.name, dir_fd=fd)
                if os.path.basename(target) == name and entry.name != name:
                    found.append(f"{UNIT_DIR}/{entry.name}")  # an alias
                continue
            if entry.is_dir(follow_symlinks=False) and entry.name.endswith(INSTALL_DIR_SUFFIXES):
                try:
                    st = os.stat(f"{entry.name}/{name}", dir_fd=fd, follow_symlinks=False)
                except (FileNotFoundError, NotADirectoryError):
                    continue
                if stat.S_ISLNK(st.st_mode):
                    found.append(f"{UNIT_DIR}/{entry.name}/{name}")
    finally:
        os.close(fd)
    return found


def _is_masked(ctx: StageContext, logical: str, node: Node | None) -> bool:
    if node is None or node.kind != SYMLINK:
        return False
    if node.by:
        return node.target == MASK_TARGET
    return os.readlink(ctx.system.root.host(logical)) == MASK_TARGET


def _write(fs: RootFS, path: str, data: bytes) -> None:
    with fs.at(path) as at:
        fs.write_atomic(at, data, mode=0o644)


def _mask(fs: RootFS, path: str) -> None:
    with fs.at(path) as at:
        st = at.lstat()
        if st is not None:
            if stat.S_ISLNK(st.st_mode) and os.readlink(at.name, dir_fd=at.fd) == MASK_TARGET:
                return
            fs.remove(at)
        fs.symlink(at, MASK_TARGET)


def _unmask(fs: RootFS, path: str) -> None:
    with fs.at(path, create_parents=False) as at:
        st = at.lstat()
        masked = st is not None and stat.S_ISLNK(st.st_mode)
        if masked and os.readlink(at.name, dir_fd=at.fd) == MASK_TARGET:
            fs.remove(at)


def _disable(fs: RootFS, p: Preset, links: list[str]) -> None:
    for link in links:
        with fs.at(link, create_parents=False) as at:
            st = at.lstat()
            if st is not None and stat.S_ISLNK(st.st_mode):
                fs.remove(at)
    _append_preset(fs, _line("disable", p))


def _append_preset(fs: RootFS, line: str) -> None:
    with fs.at(PRESET_FILE) as at:
        fs.append(at, line.encode())
