"""File operations confined to the target root, down to the system call, and undoable.

:meth:`TargetRoot.host` turns a config path into a host path inside the root (symlinks in the
parents resolved as if the root were ``/``). Between that decision and the write, an earlier
action of the same stage may have created a symlink on the way; a plain ``open()`` would then
follow it, possibly out of the root. So every operation here walks from the root's directory
descriptor one component at a time with ``O_NOFOLLOW`` and acts relative to the parent's
descriptor (``*at()`` calls): a symlink that appears on the way is an error, never followed.

With a :class:`~ignition.stages.files.journal.Journal`, every change to what existed before
the run is recorded first with what undoes it: a node that did not exist (``new``), a replaced
or removed node kept aside beside it (``backup``: a hard link, or the node renamed), owner and
mode, a length before an append, a temporary file. Changes below a directory this run created
are not recorded: undoing the directory undoes them.
"""

from __future__ import annotations

import errno
import os
import stat

from ignition.system.root import DIR_FLAGS, TargetRoot
from ignition.util.errors import StageError
from ignition.util.record import record

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from ignition.stages.files.journal import Journal

COPY_CHUNK = 1024 * 1024


@record
class At:
    """An open parent directory and the name of the node in it."""

    fd: int
    name: str
    host: str  # for messages and for tools that need a path
    logical: str  # the resolved path inside the root
    guarded: bool = False  # changes here are journaled (the parent existed before this run)

    def lstat(self) -> os.stat_result | None:
        try:
            return os.stat(self.name, dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            return None

    def __enter__(self) -> At:  # ``with fs.at(path) as at``: the descriptor is the cache's
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def sibling(self, name: str) -> str:
        """The logical path of ``name`` in the same directory."""
        return self.logical.rsplit("/", 1)[0] + "/" + name


class RootFS:
    """Directory descriptors are cached per stage (a thousand files in one directory cost one
    walk, not a thousand); any removal drops the cache, so a descriptor never outlives the
    directory it was opened for. Call :meth:`close` at the end of the stage."""

    def __init__(self, root: TargetRoot, journal: Journal | None = None) -> None:
        self.root = root
        self.journal = journal
        self.created_dirs: list[str] = []  # first missing component of each mkdir -p (relabel)
        self._dirs: dict[tuple[str, ...], int] = {}
        self._fresh: set[tuple[str, ...]] = set()  # directories this run created

    def close(self) -> None:
        for fd in self._dirs.values():
            os.close(fd)
        self._dirs.clear()

    def invalidate_below(self, at: At) -> None:
        """Forget the descriptors of directories that were inside a removed one."""
        prefix = tuple(at.logical.strip("/").split("/"))
        for key in [k for k in self._dirs if k[: len(prefix)] == prefix]:
            os.close(self._dirs.pop(key))
        self._fresh = {k for k in self._fresh if k[: len(prefix)] != prefix}

    def at(self, path: str, *, create_parents: bool = True) -> At:
        return self.locate(self.root.host(path), create_parents=create_parents)

    def locate(self, host: str, *, create_parents: bool = True) -> At:
        """The parent directory of ``host`` (a path :meth:`TargetRoot.host` or ``host_of`` gave,
        maybe earlier in the stage), opened; its descriptor belongs to the cache."""
        base = self.root.directory.rstrip("/")
        text = host
        if not text.startswith(base + "/"):
            raise StageError(f'"{text}" is outside the target root')
        rel = tuple(c for c in text[len(base) + 1 :].split("/") if c)
        if not rel:
            raise StageError("the root directory itself cannot be replaced")
        parents = tuple(rel[:-1])
        fd = self._dirs.get(parents)
        if fd is None:
            fd = self._open_dir(parents, create=create_parents)
        return At(fd, rel[-1], host, "/" + "/".join(rel), self._guarded(parents))

    def _guarded(self, parents: tuple[str, ...]) -> bool:
        if self.journal is None:
            return False
        return not any(parents[:i] in self._fresh for i in range(1, len(parents) + 1))

    def _open_dir(self, parents: tuple[str, ...], *, create: bool) -> int:
        depth = len(parents)
        while depth > 0 and parents[:depth] not in self._dirs:
            depth -= 1
        if depth == 0:
            fd = self._dirs.get(())
            if fd is None:
                fd = self._dirs[()] = os.open(self.root.directory, DIR_FLAGS)
        else:
            fd = self._dirs[parents[:depth]]
        for i in range(depth, len(parents)):
            fd = self._descend(fd, parents[: i + 1], create=create)
            self._dirs[parents[: i + 1]] = fd
        return fd

    def _descend(self, fd: int, key: tuple[str, ...], *, create: bool) -> int:
        comp, logical = key[-1], "/" + "/".join(key)
        try:
            return os.open(comp, DIR_FLAGS, dir_fd=fd)
        except FileNotFoundError:
            if not create:
                raise
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                raise StageError(
                    f'"{logical}" is not a directory (a symlink or file appeared on the path)'
                ) from None
            raise
        if self._guarded(key[:-1]):
            assert self.journal is not None
            self.journal.record("new", logical)
        os.mkdir(comp, 0o755, dir_fd=fd)  # in a setgid directory: its group and the bit
        self._fresh.add(key)
        if not any(logical.startswith(d + "/") for d in self.created_dirs):
            self.created_dirs.append(logical)
        return os.open(comp, DIR_FLAGS, dir_fd=fd)

    # ------------------------------------------------------------------ changes, journaled

    def _note_new(self, at: At) -> None:
        if at.guarded:
            assert self.journal is not None
            self.journal.record("new", at.logical)

    def _backup_name(self, at: At) -> str:
        assert self.journal is not None
        name = f".{at.name[:100]}.pyignition-{self.journal.unique()}"
        self.journal.record("backup", at.logical, at.sibling(name))
        return name

    def mkdir(self, at: At, mode: int = 0o755) -> None:
        self._note_new(at)
        os.mkdir(at.name, mode, dir_fd=at.fd)
        self._fresh.add(tuple(at.logical.strip("/").split("/")))

    def symlink(self, at: At, target: str) -> None:
        self._note_new(at)
        os.symlink(target, at.name, dir_fd=at.fd)

    def hardlink(self, src: At, at: At) -> None:
        self._note_new(at)
        os.link(src.name, at.name, src_dir_fd=src.fd, dst_dir_fd=at.fd, follow_symlinks=False)

    def remove(self, at: At) -> None:
        """``rm -rf`` of whatever is at the node (the reference's overwrite); a node
        that existed before the run is only moved aside, for the undo."""
        st = at.lstat()
        if st is None:
            return
        if at.guarded:
            os.rename(at.name, self._backup_name(at), src_dir_fd=at.fd, dst_dir_fd=at.fd)
        elif stat.S_ISDIR(st.st_mode):
            import shutil  # with bz2 and lzma: only where a directory is replaced

            shutil.rmtree(at.name, dir_fd=at.fd)
        else:
            os.unlink(at.name, dir_fd=at.fd)
        if stat.S_ISDIR(st.st_mode):
            self.invalidate_below(at)

    def _replace(self, at: At, tmp: str) -> None:
        """Rename ``tmp`` (a name in the node's directory, or an absolute path) over the node;
        what was there is kept (hard link) for the undo."""
        self.keep(at)  # a directory is not kept: the rename fails below
        os.rename(tmp, at.name, src_dir_fd=at.fd, dst_dir_fd=at.fd)

    def keep(self, at: At) -> None:
        """Before the node is replaced by a rename (ours, or a tool's: shadow-utils writes
        ``/etc/passwd+`` and renames it): what is there now is kept (hard link) for the undo,
        and a node that is not there yet is recorded as new. A directory is left as it is."""
        if not at.guarded:
            return
        st = at.lstat()
        if st is None:
            self._note_new(at)
        elif not stat.S_ISDIR(st.st_mode):
            backup = self._backup_name(at)
            try:
                os.link(at.name, backup, src_dir_fd=at.fd, dst_dir_fd=at.fd, follow_symlinks=False)
            except OSError:  # no hard links here (vfat...): move it aside instead
                assert self.journal is not None
                self.journal.sync()  # a change: its record first, even a deferred one
                os.rename(at.name, backup, src_dir_fd=at.fd, dst_dir_fd=at.fd)

    def _temp(self, at: At) -> tuple[str, int]:
        """A new private (0600) file beside the node: ``.<name>.pyignition-<unique>``."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        while True:
            unique = self.journal.unique() if self.journal else os.urandom(6).hex()
            tmp = f".{at.name[:100]}.pyignition-{unique}"
            if at.guarded:
                assert self.journal is not None
                self.journal.record("temp", at.sibling(tmp))
            try:
                return tmp, os.open(tmp, flags, 0o600, dir_fd=at.fd)
            except FileExistsError:
                continue

    def install(self, at: At, staged: str, *, uid: int, gid: int | None, mode: int) -> None:
        """Move a verified staged body into place, owner and mode set before it is visible.
        ``gid`` None: the group a new file gets there (see :func:`inherited_gid`)."""
        if gid is None:
            gid = inherited_gid(at)
        fd = os.open(staged, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            os.fchown(fd, uid, gid)  # before chmod: chown clears setuid/setgid
            os.fchmod(fd, mode)
        finally:
            os.close(fd)
        try:
            self._replace(at, staged)  # absolute: the rename ignores the directory descriptor
            return
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
        # another filesystem (a separate /var, say): copy into a temp file beside the target
        tmp, out = self._temp(at)
        try:
            with open(staged, "rb") as src:
                while chunk := src.read(COPY_CHUNK):
                    write_all(out, chunk)
            os.fchown(out, uid, gid)
            os.fchmod(out, mode)
        except BaseException:
            os.close(out)
            os.unlink(tmp, dir_fd=at.fd)
            raise
        os.close(out)
        self._replace(at, tmp)
        os.unlink(staged)

    def write_atomic(
        self, at: At, data: bytes, *, mode: int = 0o644, uid: int = 0, gid: int | None = None
    ) -> None:
        """Replace the node with ``data`` (temp file in the same directory, then rename); owner
        and mode are set on the temp file, so the data is never visible with other rights.
        ``gid`` None: the group the kernel gives a new file there (a setgid directory's)."""
        tmp, fd = self._temp(at)
        try:
            write_all(fd, data)
            if os.geteuid() == 0:
                os.fchown(fd, uid, -1 if gid is None else gid)
            os.fchmod(fd, mode)
        except BaseException:
            os.close(fd)
            os.unlink(tmp, dir_fd=at.fd)
            raise
        os.close(fd)
        self._replace(at, tmp)

    def append(self, at: At, body: str | bytes) -> None:
        """Append a body (a staged file's path, or bytes) to the node, a regular file."""
        st = at.lstat()
        if at.guarded:
            if st is None:
                self._note_new(at)
            elif stat.S_ISREG(st.st_mode):
                assert self.journal is not None
                self.journal.record("size", at.logical, st.st_size)
        # O_NONBLOCK: a named pipe there fails the open instead of blocking the stage
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK
        fd = os.open(at.name, flags | os.O_CLOEXEC, 0o644, dir_fd=at.fd)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise StageError(f'can only append to files: "{at.logical}"')
            if isinstance(body, bytes):
                write_all(fd, body)
                return
            with open(body, "rb") as src:
                while chunk := src.read(COPY_CHUNK):
                    write_all(fd, chunk)
        finally:
            os.close(fd)

    def set_owner_mode(self, at: At, uid: int, gid: int, mode: int | None) -> None:
        """lchown, then chmod when a mode is given (never through a symlink)."""
        st = at.lstat()
        if st is None:
            raise StageError(f'"{at.logical}" disappeared')
        if at.guarded:
            assert self.journal is not None
            self.journal.record("attrs", at.logical, st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode))
        set_owner_mode(at, st, uid, gid, mode)


def set_owner_mode(at: At, st: os.stat_result, uid: int, gid: int, mode: int | None) -> None:
    if stat.S_ISLNK(st.st_mode):
        os.chown(at.name, uid, gid, dir_fd=at.fd, follow_symlinks=False)
        return
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
    if stat.S_ISDIR(st.st_mode):
        flags |= os.O_DIRECTORY
    elif not stat.S_ISREG(st.st_mode):
        os.chown(at.name, uid, gid, dir_fd=at.fd, follow_symlinks=False)
        if mode is not None:
            os.chmod(at.name, mode, dir_fd=at.fd)
        return
    fd = os.open(at.name, flags, dir_fd=at.fd)
    try:
        if (st.st_uid, st.st_gid) != (uid, gid):
            os.fchown(fd, uid, gid)
        if mode is not None:
            os.fchmod(fd, mode)
    finally:
        os.close(fd)


def inherited_gid(at: At) -> int:
    """The group a new node gets in the node's directory: the directory's own group when it
    has the setgid bit (the kernel's rule, which a file staged elsewhere and moved in would
    not get), else root's."""
    st = os.fstat(at.fd)
    return st.st_gid if st.st_mode & stat.S_ISGID else 0


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def read_small(at: At) -> bytes:
    """The bytes of the regular file at ``at`` (a file the stage edits in place, such as
    ``/etc/environment``): see :func:`read_regular`."""
    fd = os.open(at.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=at.fd)
    return read_regular(fd, f'"{at.logical}"')


def read_regular(fd: int, what: str) -> bytes:
    """The bytes of the file open on ``fd`` (closed here), which must be a regular file of at
    most the config size limit: the root is input too, and a FIFO or a device there must not
    hang the stage, nor a huge file take its memory. ``what`` names it in the errors."""
    from ignition.util import limits

    limit = limits.config_size()
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise StageError(f"{what} is not a regular file")
        data = limits.read_capped(fh, limit)
    if data is None:
        raise StageError(
            f"{what} is larger than {limit} bytes (set {limits.CONFIG_SIZE_VAR} to raise the limit)"
        )
    return data
