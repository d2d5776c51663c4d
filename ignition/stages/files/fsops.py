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
from dataclasses import dataclass
from pathlib import Path

from ignition.errors import StageError
from ignition.system.root import TargetRoot

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
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
    def __init__(self, root: TargetRoot) -> None:
        self.root = root
        self.created_dirs: list[str] = []  # first missing component of each mkdir -p (relabel)

    @contextlib.contextmanager
    def at(self, path: str, *, create_parents: bool = True) -> Iterator[At]:
        host = self.root.join(path)
        rel = host.relative_to(self.root.root).parts
        if not rel:
            raise StageError(f'"{path}" is the root directory itself')
        fd = os.open(self.root.root, DIR_FLAGS)
        try:
            logical = ""
            for comp in rel[:-1]:
                logical += "/" + comp
                fd = self._descend(fd, comp, logical, create=create_parents)
            yield At(fd, rel[-1], host, logical + "/" + rel[-1])
        finally:
            os.close(fd)

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
            os.close(fd)
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                raise StageError(
                    f'"{logical}" is not a directory (a symlink or file appeared on the path)'
                ) from None
            raise
        os.close(fd)
        return nfd


def remove_all(at: At) -> None:
    """``rm -rf`` of whatever is at the node (the reference's overwrite, §8 #22)."""
    st = at.lstat()
    if st is None:
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(at.name, dir_fd=at.fd)
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
    tmp = f".{at.name}.ignition-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp, dir_fd=at.fd)
    out = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=at.fd)
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
    """Replace the node with ``data`` (temp file in the same directory, then rename)."""
    tmp = f".{at.name}.ignition-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp, dir_fd=at.fd)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=at.fd)
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


def append_from(at: At, staged: str) -> None:
    """Append a staged body to the node, which must be (or become) a regular file."""
    fd = os.open(
        at.name, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644, dir_fd=at.fd
    )
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise StageError(f'can only append to files: "{at.logical}"')
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
