"""Files, directories and links (docs/engine.md, "The stages").

Order: directories, files and symlinks in one list sorted by the depth of their resolved path
(stable, so equal depths keep directories, files, symlinks in config order, as the reference),
then hard links (their targets may be deeper). Two entries that resolve to the same path are an
error.

Existing-node rules (``overwrite`` false): a file with a ``contents.source`` (even ``""``)
refuses any existing node; a file without one keeps an existing regular file's contents and
applies appends and ownership; a directory accepts an existing directory; a link accepts an
identical link. ``overwrite`` true removes whatever is there first (``rm -rf``, as the reference).

Planning checks every entry against the root as the earlier entries will leave it (a
:class:`~ignition.stages.files.view.View`): parents that are not directories, existing nodes,
hard-link targets, owners that will not exist. Acting checks the existing-node rules again
against the real root (nothing else may have changed it meanwhile).
"""

from __future__ import annotations

import os
import posixpath
import stat

from ignition.config.model import Directory, File, Link, NodeGroup, NodeUser
from ignition.stages.files import accounts
from ignition.stages.files.fsops import At, RootFS
from ignition.stages.files.plan import bind
from ignition.stages.files.view import DIRECTORY, FILE, SYMLINK, Node, View, kind_of, shown
from ignition.system.root import BadPath, check_path
from ignition.util.errors import StageError
from ignition.util.record import record

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from collections.abc import Callable

    from ignition.stages import StageContext
    from ignition.stages.files.plan import Plan
    from ignition.stages.files.staging import Staged


@record
class Entry:
    kind: str  # "directory" | "file" | "link" | "hard link"
    node: File | Directory | Link
    logical: str  # resolved path inside the root
    host: str  # the same on the host (resolved once, at planning)
    where: str  # JSON path of the entry, e.g. "$.storage.files.3"


SECTIONS = (("directory", "directories"), ("file", "files"), ("link", "links"))


def ordered_entries(ctx: StageContext) -> list[Entry]:
    st = ctx.config.storage
    root = ctx.system.root
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    lists: dict[str, tuple[File | Directory | Link, ...]] = {
        "directories": st.directories,
        "files": st.files,
        "links": st.links,
    }
    for kind, section in SECTIONS:
        for i, n in enumerate(lists[section]):
            where = f"$.storage.{section}.{i}"
            try:
                logical = root.resolve(n.path)
            except OSError as exc:
                raise StageError(f"{where}.path: {kind} {shown(n.path)}: {exc.strerror}") from None
            host = root.host_of(logical)
            if logical in seen:
                raise StageError(
                    f"{kind} at {shown(n.path)} resolved to {shown(logical)} after symlink "
                    f"chasing, but another entry with path {shown(seen[logical])} also "
                    "resolves there"
                )
            seen[logical] = n.path
            is_hard = isinstance(n, Link) and bool(n.hard)
            entries.append(Entry("hard link" if is_hard else kind, n, logical, host, where))
    soft = [e for e in entries if e.kind != "hard link"]
    hard = [e for e in entries if e.kind == "hard link"]
    soft.sort(key=lambda e: e.logical.count("/"))
    return soft + hard


class Owners:
    """Owner names resolved in the target root (after the passwd step ran)."""

    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx
        self._users: dict[str, accounts.Account] | None = None
        self._groups: dict[str, int] | None = None

    def reload(self) -> None:
        self._users = self._groups = None

    def uid(self, user: NodeUser, default: int) -> int:
        if user.id is not None:
            return user.id
        if user.name:
            if self._users is None:
                self._users = accounts.users(self.ctx.system)
            acct = self._users.get(user.name)
            if acct is None:
                raise StageError(f"no such user {shown(user.name)}")
            return acct.uid
        return default

    def gid(self, group: NodeGroup, default: int) -> int:
        if group.id is not None:
            return group.id
        if group.name:
            if self._groups is None:
                self._groups = accounts.groups(self.ctx.system)
            gid = self._groups.get(group.name)
            if gid is None:
                raise StageError(f"no such group {shown(group.name)}")
            return gid
        return default


def check_owners(ctx: StageContext, entries: list[Entry], view: View) -> None:
    """An owner name must exist in the root, or be created (and not deleted) by this run."""
    users = set(accounts.users(ctx.system))
    groups = set(accounts.groups(ctx.system))
    if not ctx.live or ctx.accounts:  # the passwd steps run
        pw = ctx.config.passwd
        users |= {u.name for u in pw.users}
        groups |= {g.name for g in pw.groups}
        groups |= {u.name for u in pw.users if not u.no_user_group}
        users -= {u.name for u in pw.users if u.should_exist is False}
        groups -= {g.name for g in pw.groups if g.should_exist is False}
        groups -= {u.name for u in pw.users if u.should_exist is False and not u.no_user_group}
    for e in entries:
        what = f"{e.kind} {shown(e.node.path)}"
        if e.node.user.name and e.node.user.name not in users:
            view.conflict(f"{e.where}.user.name", f"{what}: no such user {shown(e.node.user.name)}")
        if e.node.group.name and e.node.group.name not in groups:
            view.conflict(
                f"{e.where}.group.name", f"{what}: no such group {shown(e.node.group.name)}"
            )


def _existing_problem(e: Entry, kind: str, same: Callable[[], bool]) -> str | None:
    """Why the node at ``e`` (of ``kind``) may not stay, with ``overwrite`` false."""
    n = e.node
    p = shown(n.path)
    if isinstance(n, File):
        if kind != FILE:
            return (
                f"error creating file {p}: A non regular file exists there already "
                "and overwrite is false"
            )
        if n.contents.source is not None:
            return f"error creating file {p}: A file exists there already and overwrite is false"
    elif isinstance(n, Directory):
        if kind != DIRECTORY:
            return (
                f"error creating directory {p}: A non-directory already exists "
                "and overwrite is false"
            )
    elif n.hard:
        if not same():
            return (
                f"error creating hard link {p}: a different node exists there already "
                "and overwrite is false"
            )
    elif kind != SYMLINK or not same():
        return (
            f"error creating symlink {p}: a different node exists there already "
            "and overwrite is false"
        )
    return None


def _same_on_disk(ctx: StageContext, e: Entry, st: os.stat_result) -> bool:
    """The existing link is the one the entry asks for (same target, or same inode)."""
    n = e.node
    assert isinstance(n, Link)
    if n.hard:
        try:
            tst = os.stat(_hard_target(ctx, n), follow_symlinks=False)
        except (FileNotFoundError, NotADirectoryError):
            return False
        return (tst.st_dev, tst.st_ino) == (st.st_dev, st.st_ino)
    if not stat.S_ISLNK(st.st_mode):
        return False
    return _same_target(os.readlink(e.host), n.target or "")


def _same_target(a: str, b: str) -> bool:
    return posixpath.normpath(a) == posixpath.normpath(b)


def _hard_target(ctx: StageContext, n: Link) -> str:
    # runtime semantics: a relative target is taken from the root
    return ctx.system.root.host("/" + (n.target or "").lstrip("/"))


def _plan_check(ctx: StageContext, e: Entry, view: View) -> bool:
    """Record the entry's conflicts with the root and with earlier entries; True if none."""
    n = e.node
    where = f"{e.where}.path"
    if e.logical == "/":  # a directory there is a no-op; anything else would replace the root
        if not isinstance(n, Directory):
            view.conflict(where, f"{e.kind} {shown(n.path)}: the root itself cannot be replaced")
        return False
    if not view.parents(e.logical, where, f"{e.kind} {shown(n.path)}"):
        return False
    if isinstance(n, Link) and not n.hard:
        try:
            check_path(n.target or "")
        except BadPath as exc:
            view.conflict(f"{e.where}.target", f"symlink {shown(n.path)}: {exc.strerror}")
            return False
    if isinstance(n, Link) and n.hard and not _hard_target_ok(ctx, e, view):
        return False
    cur = view.get(e.logical)
    if cur is None or n.overwrite:
        return True
    problem = _existing_problem(e, cur.kind, lambda: _same_planned(ctx, e, cur))
    if problem:
        view.conflict(where, problem)
        return False
    return True


def _same_planned(ctx: StageContext, e: Entry, cur: Node) -> bool:
    if cur.by:  # put there by an earlier entry of this config
        n = e.node
        assert isinstance(n, Link)
        return not n.hard and cur.target is not None and _same_target(cur.target, n.target or "")
    return _same_on_disk(ctx, e, os.lstat(e.host))


def _hard_target_ok(ctx: StageContext, e: Entry, view: View) -> bool:
    n = e.node
    assert isinstance(n, Link)
    where = f"{e.where}.target"
    try:
        target = ctx.system.root.resolve("/" + (n.target or "").lstrip("/"))
    except OSError as exc:
        view.conflict(where, f"hard link {shown(n.path)}: target {shown(n.target or '')}: "
                      f"{exc.strerror}")  # fmt: skip
        return False
    node = view.get(target)
    if node is None or node.kind == DIRECTORY:
        what = "does not exist" if node is None else "is a directory"
        view.conflict(where, f"hard link {shown(n.path)}: target {shown(target)} {what}")
        return False
    return True


def _plan_put(ctx: StageContext, e: Entry, view: View) -> None:
    n = e.node
    if n.overwrite:
        view.remove(e.logical, e.where)
    if isinstance(n, Directory):
        view.put(e.logical, DIRECTORY, e.where)
    elif isinstance(n, File):
        view.put(e.logical, FILE, e.where)
    elif n.hard:
        target = view.get(ctx.system.root.resolve("/" + (n.target or "").lstrip("/")))
        view.put(e.logical, target.kind if target else FILE, e.where)
    else:
        view.put(e.logical, SYMLINK, e.where, target=n.target or "")


def plan_nodes(
    ctx: StageContext,
    plan: Plan,
    fs: RootFS,
    owners: Owners,
    entries: list[Entry],
    staged: dict[int, Staged],
    view: View,
) -> None:
    check_owners(ctx, entries, view)
    for e in entries:
        if not _plan_check(ctx, e, view):
            continue
        destructive = bool(e.node.overwrite) and view.get(e.logical) is not None
        _plan_put(ctx, e, view)
        n = e.node
        if isinstance(n, File):
            what = "write" if n.contents.source is not None else "ensure"
            text = f"{what} file {shown(n.path)}" + _perm_text(n.mode, n.user, n.group)
            if n.append:
                text += f" and append {len(n.append)} resources"
            plan.add(
                "createFiles",
                text,
                bind(_create_file, ctx, fs, owners, e, staged),
                destructive=destructive,
            )
        elif isinstance(n, Directory):
            plan.add(
                "createFiles",
                f"create directory {shown(n.path)}" + _perm_text(n.mode, n.user, n.group),
                bind(_create_directory, ctx, fs, owners, e),
                destructive=destructive,
                op=False,
            )
        else:
            kind = "hard link" if n.hard else "symlink"
            plan.add(
                "createFiles",
                f"create {kind} {shown(n.path)} -> {shown(n.target or '')}",
                bind(_create_link, ctx, fs, owners, e),
                destructive=destructive,
            )


def _perm_text(mode: int | None, user: NodeUser, group: NodeGroup) -> str:
    bits = []
    if mode is not None:
        bits.append(f"mode {mode:04o}")
    u = user.name or (str(user.id) if user.id is not None else None)
    g = group.name or (str(group.id) if group.id is not None else None)
    if u or g:
        bits.append(f"owner {u or '-'}:{g or '-'}")
    return f" ({', '.join(bits)})" if bits else ""


def _prepare(ctx: StageContext, fs: RootFS, at: At, e: Entry) -> os.stat_result | None:
    st = at.lstat()
    if st is None:
        return None
    if e.node.overwrite:
        ctx.system.log.info(f"removing {shown(e.node.path)} (overwrite is true)")
        fs.remove(at)
        return None
    problem = _existing_problem(e, kind_of(st.st_mode), lambda: _same_on_disk(ctx, e, st))
    if problem:
        raise StageError(problem)
    return st


def _create_file(
    ctx: StageContext, fs: RootFS, owners: Owners, e: Entry, staged: dict[int, Staged]
) -> None:
    n = e.node
    s = staged[id(n)]
    assert isinstance(n, File)
    with fs.locate(e.host) as at:
        st = _prepare(ctx, fs, at, e)
        if s.contents is not None or st is None:
            uid = owners.uid(n.user, 0)
            # no group given: the one the kernel gives a new file there (a setgid directory's)
            gid = owners.gid(n.group, 0) if n.group.id is not None or n.group.name else None
            mode = n.mode if n.mode is not None else 0o644
            ctx.system.log.info(f"writing file {shown(n.path)}")
            if isinstance(s.contents, str):
                fs.install(at, s.contents, uid=uid, gid=gid, mode=mode)
            else:
                fs.write_atomic(at, s.contents or b"", mode=mode, uid=uid, gid=gid)
            if not s.appends:
                return  # owner and mode are set already
        for i, extra in enumerate(s.appends):
            ctx.system.log.info(f"appending to file {shown(n.path)} ({i + 1}/{len(s.appends)})")
            fs.append(at, extra)
        cur = _current_owner(at)
        fs.set_owner_mode(at, owners.uid(n.user, cur[0]), owners.gid(n.group, cur[1]), n.mode)


def _current_owner(at: At) -> tuple[int, int]:
    st = at.lstat()  # a regular file or directory here (checked): nothing to follow
    return (st.st_uid, st.st_gid) if st is not None else (0, 0)


def _create_directory(ctx: StageContext, fs: RootFS, owners: Owners, e: Entry) -> None:
    n = e.node
    assert isinstance(n, Directory)
    if e.logical == "/":
        return
    with fs.locate(e.host) as at:
        st = _prepare(ctx, fs, at, e)
        if st is None:
            fs.mkdir(at)  # in a setgid directory: its group and the bit, as mkdir(1)
            fs.created_dirs.append(e.logical)
        cur = _current_owner(at)
        fs.set_owner_mode(at, owners.uid(n.user, cur[0]), owners.gid(n.group, cur[1]), n.mode)


def _create_link(ctx: StageContext, fs: RootFS, owners: Owners, e: Entry) -> None:
    n = e.node
    assert isinstance(n, Link)
    with fs.locate(e.host) as at:
        st = _prepare(ctx, fs, at, e)
        if n.hard:
            if st is not None:
                return  # the same inode already (checked)
            target = _hard_target(ctx, n)
            with fs.locate(target, create_parents=False) as src:
                fs.hardlink(src, at)
            return
        if st is None:
            fs.symlink(at, n.target or "")
        else:
            ctx.system.log.info(f"symlink {shown(n.path)} already exists with the same target")
            if n.user.id is None and not n.user.name and n.group.id is None and not n.group.name:
                return
        # defaults: the owner of the link's target inside the root (0:0 when dangling)
        try:
            tst = os.stat(ctx.system.root.follow(e.logical))
            cur = (tst.st_uid, tst.st_gid)
        except OSError:
            cur = (0, 0)
        uid, gid = owners.uid(n.user, cur[0]), owners.gid(n.group, cur[1])
        fs.set_owner_mode(at, uid, gid, None)
