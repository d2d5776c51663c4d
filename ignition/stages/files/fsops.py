"""File operations confined to the target root, down to the system call.

:meth:`TargetRoot.join` turns a config path into a host path inside the root (symlinks in the
parents resolved as if the root were ``/``). Between that decision and the write, an earlier
action of the same stage may have created a symlink on the way; a plain ``open()`` would then
follow it, possibly out of the root. So every operation here walks from the root's directory
descriptor one component at a time with ``O_NOFOLLOW`` and acts relative to the parent's
descriptor (``*at()`` calls): a symlink that appears on the way is an error, never followed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

from ignition.errors import StageError
from ignition.record import record
from ignition.system.root import TargetRoot

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
COPY_CHUNK = 1024 * 1024


@record
class At:
    """An open parent directory and the name of the node in it."""

    fd: int
    name: str
    host: Path  # for messages and for tools that need a path
    logical: str  # the resolved path inside the root

    def lstat(self) -> os.stat_result | None:
        try:
            return os.stat(self.name, dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            return None


class RootFS:
    """Directory descriptors are cached per stage (a thousand files in one directory cost one
    walk, not a thousand); any removal drops the cache, so a descriptor never outlives the
    directory it was opened for. Call :meth:`close` at the end of the stage."""

    def __init__(self, root: TargetRoot) -> None:
        self.root = root
        self.created_dirs: list[str] = []  # first missing component of each mkdir -p (relabel)
        self._dirs: dict[tuple[str, ...], int] = {}

    def close(self) -> None:
        for fd in self._dirs.values():
            os.close(fd)
        self._dirs.clear()

    def invalidate_below(self, at: At) -> None:
        """Forget the descriptors of directories that were inside a removed one."""
        prefix = tuple(at.logical.strip("/").split("/"))
        for key in [k for k in self._dirs if k[: len(prefix)] == prefix]:
            os.close(self._dirs.pop(key))

    def at(
        self, path: str, *, create_parents: bool = True
    ) -> contextlib.AbstractContextManager[At]:
        return self.at_host(self.root.join(path), create_parents=create_parents)

    @contextlib.contextmanager
    def at_host(self, host: Path, *, create_parents: bool = True) -> Iterator[At]:
        """``host`` is a path :meth:`TargetRoot.join` produced (maybe earlier in the stage)."""
        base = str(self.root.root).rstrip("/")
        text = str(host)
        if not text.startswith(base + "/"):
            raise StageError(f'"{text}" is outside the target root')
        rel = tuple(c for c in text[len(base) + 1 :].split("/") if c)
        if not rel:
            raise StageError("the root directory itself cannot be replaced")
        parents = tuple(rel[:-1])
        fd = self._dirs.get(parents)
        if fd is None:
            fd = self._open_dir(parents, create=create_parents)
        yield At(fd, rel[-1], host, "/" + "/".join(rel))

    def _open_dir(self, parents: tuple[str, ...], *, create: bool) -> int:
        depth = len(parents)
        while depth > 0 and parents[:depth] not in self._dirs:
            depth -= 1
        if depth == 0:
            fd = self._dirs.get(())
            if fd is None:
                fd = self._dirs[()] = os.open(self.root.root, DIR_FLAGS)
        else:
            fd = self._dirs[parents[:depth]]
        for i in range(depth, len(parents)):
            logical = "/" + "/".join(parents[: i + 1])
            fd = self._descend(fd, parents[i], logical, create=create)
            self._dirs[parents[: i + 1]] = fd
        return fd

    def _descend(self, fd: int, comp: str, logical: str, *, create: bool) -> int:
        try:
            nfd = os.open(comp, DIR_FLAGS, dir_fd=fd)
        except FileNotFoundError:
            if not create:
                raise
            try:
                os.mkdir(comp, 0o755, dir_fd=fd)
                if not any(logical.startswith(d + "/") for d in self.created_dirs):
                    self.created_dirs.append(logical)
            except FileExistsError:
                pass
            nfd = os.open(comp, DIR_FLAGS, dir_fd=fd)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                raise StageError(
                    f'"{logical}" is not a directory (a symlink or file appeared on the path)'
                ) from None
            raise
        return nfd


def remove_all(fs: RootFS, at: At) -> None:
    """``rm -rf`` of whatever is at the node (the reference's overwrite, §8 #22)."""
    st = at.lstat()
    if st is None:
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(at.name, dir_fd=at.fd)
        fs.invalidate_below(at)
    else:
        os.unlink(at.name, dir_fd=at.fd)


def install(at: At, staged: str, *, uid: int, gid: int, mode: int) -> None:
    """Move a verified staged body into place, owner and mode set before it is visible."""
    fd = os.open(staged, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        os.fchown(fd, uid, gid)  # before chmod: chown clears setuid/setgid
        os.fchmod(fd, mode)
    finally:
        os.close(fd)
    try:
        os.rename(staged, at.name, dst_dir_fd=at.fd)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    # another filesystem (a separate /var, say): copy into a temp file beside the target
    tmp, out = _create_temp(at)
    try:
        with open(staged, "rb") as src:
            while chunk := src.read(COPY_CHUNK):
                _write_all(out, chunk)
        os.fchown(out, uid, gid)
        os.fchmod(out, mode)
        os.fsync(out)
    except BaseException:
        os.close(out)
        os.unlink(tmp, dir_fd=at.fd)
        raise
    os.close(out)
    os.rename(tmp, at.name, src_dir_fd=at.fd, dst_dir_fd=at.fd)
    os.unlink(staged)


def write_atomic(at: At, data: bytes, *, mode: int = 0o644, uid: int = 0, gid: int = 0) -> None:
    """Replace the node with ``data`` (temp file in the same directory, then rename); owner
    and mode are set on the temp file, so the data is never visible with other rights."""
    tmp, fd = _create_temp(at)
    try:
        _write_all(fd, data)
        if os.geteuid() == 0:
            os.fchown(fd, uid, gid)
        os.fchmod(fd, mode)
    except BaseException:
        os.close(fd)
        os.unlink(tmp, dir_fd=at.fd)
        raise
    os.close(fd)
    os.rename(tmp, at.name, src_dir_fd=at.fd, dst_dir_fd=at.fd)


def _create_temp(at: At) -> tuple[str, int]:
    """A new private (0600) file beside the node: ``.<name>.ignition-<random>``."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    while True:
        tmp = f".{at.name[:200]}.ignition-{os.urandom(6).hex()}"
        try:
            return tmp, os.open(tmp, flags, 0o600, dir_fd=at.fd)
        except FileExistsError:
            continue


def append_from(at: At, staged: str | bytes) -> None:
    """Append a staged body (a file, or bytes) to the node, which must be a regular file."""
    fd = os.open(
        at.name, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644, dir_fd=at.fd
    )
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise StageError(f'can only append to files: "{at.logical}"')
        if isinstance(staged, bytes):
            _write_all(fd, staged)
            return
        with open(staged, "rb") as src:
            while chunk := src.read(COPY_CHUNK):
                _write_all(fd, chunk)
    finally:
        os.close(fd)


def set_owner_mode(at: At, uid: int, gid: int, mode: int | None) -> None:
    """lchown, then chmod when a mode is given (never through a symlink)."""
    st = at.lstat()
    if st is None:
        raise StageError(f'"{at.logical}" disappeared')
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


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
