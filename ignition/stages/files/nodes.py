"""Files, directories and links (§3.6.4–3.6.6).

Order: directories, files and symlinks in one list sorted by the depth of their resolved path
(stable, so equal depths keep directories, files, symlinks in config order: §8 #7), then hard
links (their targets may be deeper). Two entries that resolve to the same path are an error.

Existing-node rules (``overwrite`` false): a file with a ``contents.source`` (even ``""``)
refuses any existing node; a file without one keeps an existing regular file's contents and
applies appends and ownership; a directory accepts an existing directory; a link accepts an
identical link. ``overwrite`` true removes whatever is there first (``rm -rf``, §8 #22).
"""

from __future__ import annotations

import os
import posixpath
import stat
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from ignition.config.model import Directory, File, Link, NodeGroup, NodeUser
from ignition.errors import StageError
from ignition.record import record
from ignition.stages.files import accounts
from ignition.stages.files.fsops import (
    At,
    RootFS,
    append_from,
    install,
    remove_all,
    set_owner_mode,
    write_atomic,
)

if TYPE_CHECKING:
    from ignition.stages import StageContext
    from ignition.stages.files.plan import Plan
    from ignition.stages.files.staging import Staged


@record
class Entry:
    kind: str  # "directory" | "file" | "link" | "hard link"
    node: File | Directory | Link
    logical: str  # resolved path inside the root
    host: Path  # the same on the host (resolved once, at planning)
    index: int  # position in its config list (for messages)


def ordered_entries(ctx: StageContext) -> list[Entry]:
    st = ctx.config.storage
    root = ctx.system.root
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    groups: tuple[tuple[str, tuple[File | Directory | Link, ...]], ...] = (
        ("directory", st.directories),
        ("file", st.files),
        ("link", st.links),
    )
    for kind, nodes in groups:
        for i, n in enumerate(nodes):
            try:
                logical = root.resolve(n.path)
                host = root.root / logical.lstrip("/") if logical != "/" else root.root
            except OSError as exc:
                raise StageError(f'{kind} at "{n.path}": {exc.strerror}') from None
            if logical in seen:
                raise StageError(
                    f"{kind} at {n.path} resolved to {logical} after symlink chasing, "
                    f"but another entry with path {seen[logical]} also resolves there"
                )
            seen[logical] = n.path
            is_hard = isinstance(n, Link) and bool(n.hard)
            entries.append(Entry("hard link" if is_hard else kind, n, logical, host, i))
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
                raise StageError(f'no such user "{user.name}"')
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
                raise StageError(f'no such group "{group.name}"')
            return gid
        return default


def check_names(ctx: StageContext, entries: list[Entry]) -> None:
    """Fail before acting when an owner name can exist neither now nor after passwd."""
    users = set(accounts.users(ctx.system)) | {u.name for u in ctx.config.passwd.users}
    groups = set(accounts.groups(ctx.system)) | {g.name for g in ctx.config.passwd.groups}
    groups |= {u.name for u in ctx.config.passwd.users if not u.no_user_group}
    for e in entries:
        if e.node.user.name and e.node.user.name not in users:
            raise StageError(f'{e.kind} "{e.node.path}": no such user "{e.node.user.name}"')
        if e.node.group.name and e.node.group.name not in groups:
            raise StageError(f'{e.kind} "{e.node.path}": no such group "{e.node.group.name}"')


def _lstat(host: Path) -> os.stat_result | None:
    try:
        return os.lstat(host)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _check_existing(e: Entry, st: os.stat_result | None, ctx: StageContext) -> None:
    n = e.node
    if st is None or n.overwrite:
        return
    p = n.path
    if isinstance(n, File):
        if not stat.S_ISREG(st.st_mode):
            raise StageError(
                f'error creating file "{p}": A non regular file exists there already '
                "and overwrite is false"
            )
        if n.contents.source is not None:
            raise StageError(
                f'error creating file "{p}": A file exists there already and overwrite is false'
            )
    elif isinstance(n, Directory):
        if not stat.S_ISDIR(st.st_mode):
            raise StageError(
                f'error creating directory "{p}": A non-directory already exists '
                "and overwrite is false"
            )
    elif isinstance(n, Link):
        if n.hard:
            target = _hard_target(ctx, n)
            try:
                tst = os.stat(target, follow_symlinks=False)
            except FileNotFoundError:
                tst = None
            if tst is None or (tst.st_dev, tst.st_ino) != (st.st_dev, st.st_ino):
                raise StageError(
                    f'error creating hard link "{p}": a different node exists there already '
                    "and overwrite is false"
                )
        elif not stat.S_ISLNK(st.st_mode) or not _same_target(ctx, e):
            raise StageError(
                f'error creating symlink "{p}": a different node exists there already '
                "and overwrite is false"
            )


def _same_target(ctx: StageContext, e: Entry) -> bool:
    assert isinstance(e.node, Link)
    current = os.readlink(e.host)
    return posixpath.normpath(current) == posixpath.normpath(e.node.target or "")


def _hard_target(ctx: StageContext, n: Link) -> Path:
    # runtime semantics: a relative target is taken from the root (§8 #5)
    return ctx.system.root.join("/" + (n.target or "").lstrip("/"))


def plan_nodes(
    ctx: StageContext,
    plan: Plan,
    fs: RootFS,
    owners: Owners,
    entries: list[Entry],
    staged: dict[int, Staged],
) -> None:
    for e in entries:
        st = _lstat(e.host)
        _check_existing(e, st, ctx)  # against the root as it is before the stage acts
        destructive = bool(e.node.overwrite) and st is not None
        n = e.node
        if isinstance(n, File):
            what = "write" if n.contents.source is not None else "ensure"
            text = f'{what} file "{n.path}"' + _perm_text(n.mode, n.user, n.group)
            if n.append:
                text += f" and append {len(n.append)} resources"
            plan.add(
                "createFiles",
                text,
                partial(_create_file, ctx, fs, owners, e, staged),
                destructive=destructive,
            )
        elif isinstance(n, Directory):
            plan.add(
                "createFiles",
                f'create directory "{n.path}"' + _perm_text(n.mode, n.user, n.group),
                partial(_create_directory, ctx, fs, owners, e),
                destructive=destructive,
                op=False,
            )
        else:
            kind = "hard link" if n.hard else "symlink"
            plan.add(
                "createFiles",
                f'create {kind} "{n.path}" -> "{n.target}"',
                partial(_create_link, ctx, fs, owners, e),
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
    if st is not None and e.node.overwrite:
        ctx.system.log.info(f'removing "{e.node.path}" (overwrite is true)')
        remove_all(fs, at)
        return None
    _check_existing(e, st, ctx)
    return st


def _create_file(
    ctx: StageContext, fs: RootFS, owners: Owners, e: Entry, staged: dict[int, Staged]
) -> None:
    n = e.node
    s = staged[id(n)]
    assert isinstance(n, File)
    with fs.at_host(e.host) as at:
        st = _prepare(ctx, fs, at, e)
        if s.contents is not None or st is None:
            uid = owners.uid(n.user, 0)
            gid = owners.gid(n.group, 0)
            mode = n.mode if n.mode is not None else 0o644
            ctx.system.log.info(f'writing file "{n.path}"')
            if isinstance(s.contents, str):
                install(at, s.contents, uid=uid, gid=gid, mode=mode)
            else:
                write_atomic(at, s.contents or b"", mode=mode, uid=uid, gid=gid)
            if not s.appends:
                return  # owner and mode are set already
        for i, extra in enumerate(s.appends):
            ctx.system.log.info(f'appending to file "{n.path}" ({i + 1}/{len(s.appends)})')
            append_from(at, extra)
        cur = _current_owner(at)
        set_owner_mode(at, owners.uid(n.user, cur[0]), owners.gid(n.group, cur[1]), n.mode)


def _current_owner(at: At) -> tuple[int, int]:
    try:
        st = os.stat(at.name, dir_fd=at.fd)  # follows a symlink, as the reference's stat
    except OSError:
        return 0, 0
    return st.st_uid, st.st_gid


def _create_directory(ctx: StageContext, fs: RootFS, owners: Owners, e: Entry) -> None:
    n = e.node
    assert isinstance(n, Directory)
    if e.logical == "/":
        return
    with fs.at_host(e.host) as at:
        st = _prepare(ctx, fs, at, e)
        if st is None:
            os.mkdir(at.name, 0o755, dir_fd=at.fd)
            fs.created_dirs.append(e.logical)
        cur = _current_owner(at)
        set_owner_mode(at, owners.uid(n.user, cur[0]), owners.gid(n.group, cur[1]), n.mode)


def _create_link(ctx: StageContext, fs: RootFS, owners: Owners, e: Entry) -> None:
    n = e.node
    assert isinstance(n, Link)
    with fs.at_host(e.host) as at:
        st = _prepare(ctx, fs, at, e)
        if n.hard:
            if st is not None:
                return  # the same inode already (checked)
            target = _hard_target(ctx, n)
            with fs.at(ctx.system.root.relative(target), create_parents=False) as src:
                os.link(
                    src.name, at.name, src_dir_fd=src.fd, dst_dir_fd=at.fd, follow_symlinks=False
                )
            return
        if st is None:
            os.symlink(n.target or "", at.name, dir_fd=at.fd)
        else:
            ctx.system.log.info(f'symlink "{n.path}" already exists with the same target')
            if n.user.id is None and not n.user.name and n.group.id is None and not n.group.name:
                return
        # defaults: the owner of the link's target inside the root (0:0 when dangling)
        try:
            tst = os.stat(ctx.system.root.follow(e.logical))
            cur = (tst.st_uid, tst.st_gid)
        except OSError:
            cur = (0, 0)
        uid, gid = owners.uid(n.user, cur[0]), owners.gid(n.group, cur[1])
        os.chown(at.name, uid, gid, dir_fd=at.fd, follow_symlinks=False)
