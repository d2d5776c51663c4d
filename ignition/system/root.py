"""Paths under the target root, resolved so that nothing can lead a write outside it.

Like the reference's ``JoinPath``: every component but the last is resolved as if the root were
``/`` (absolute symlink targets are taken inside the root, ``..`` stops at the root), and the
last component is never followed, so an existing symlink there is replaced or inspected, not
written through. Unlike the reference (one symlink level per component), chains of symlinks are
followed fully, with a hop limit.

Reads are confined the same way (:meth:`TargetRoot.open`): an absolute symlink inside the root
is taken inside the root, as under ``chroot``, never on the host. A path with a NUL byte is
refused (:class:`BadPath`) before it reaches a system call.
"""

from __future__ import annotations

import errno
import os

MAX_HOPS = 40
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class RootEscape(OSError):
    pass


class BadPath(OSError):
    """A path no file system can hold (a NUL byte): refused before any system call."""


def check_path(path: str) -> None:
    """Refuse what no system call takes: a NUL byte, a character with no file-name bytes."""
    if "\0" in path:
        raise BadPath(errno.EINVAL, "the path contains a NUL byte")
    try:
        os.fsencode(path)
    except UnicodeError:
        raise BadPath(errno.EINVAL, "the path is not valid UTF-8") from None


def _components(path: str) -> list[str]:
    return [c for c in path.split("/") if c not in ("", ".")]


class TargetRoot:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.directory = os.path.abspath(root)  # the root on the host, as a string

    def __repr__(self) -> str:
        return f"TargetRoot({self.directory!r})"

    def resolve(self, path: str) -> str:
        """The logical absolute path (inside the root) that ``path`` designates."""
        check_path(path)
        parts = _components(path)
        if not parts:
            return "/"
        last = parts[-1]
        todo = parts[-2::-1]  # a stack: the next component last
        resolved: list[str] = []
        hops = 0
        base = self._base
        # plain strings and os.path: this runs for every node of a config (pathlib is ~5x slower)
        while todo:
            c = todo.pop()
            if c in ("", "."):
                continue
            if c == "..":
                if resolved:
                    resolved.pop()
                continue
            candidate = base + "/" + "/".join(resolved) + "/" + c if resolved else base + "/" + c
            if os.path.islink(candidate):
                hops += 1
                if hops > MAX_HOPS:
                    raise OSError(errno.ELOOP, "too many levels of symbolic links", path)
                target = os.readlink(candidate)
                if target.startswith("/"):
                    resolved = []
                todo.extend(reversed(_components(target)))
            else:
                resolved.append(c)
        if last == "..":
            if resolved:
                resolved.pop()
            return "/" + "/".join(resolved)
        return "/" + "/".join([*resolved, last])

    @property
    def _base(self) -> str:
        return "" if self.directory == "/" else self.directory

    def host(self, path: str) -> str:
        """The host path for ``path`` in the target root (last component not followed)."""
        logical = self.resolve(path)
        comps = _components(logical)
        if ".." in comps:  # resolve() never yields one; keep the guarantee explicit
            raise RootEscape(errno.EXDEV, "path resolves outside the target root", path)
        if not comps:
            return self.directory
        return self._base + "/" + "/".join(comps)

    def host_of(self, logical: str) -> str:
        """The host path of a path :meth:`resolve` already gave (no walk again)."""
        return self.directory if logical == "/" else self._base + logical

    def follow(self, path: str) -> str:
        """Like :meth:`host`, but the last component is followed too (e.g. a home dir)."""
        # every component but the last is followed: add a last one, then drop it
        logical = self.resolve(path.rstrip("/") + "/.pyignition-follow")
        return self.host_of(logical.rsplit("/", 1)[0] or "/")

    def open(self, path: str, flags: int = os.O_RDONLY) -> int:
        """Open ``path`` for reading, confined like a write: resolved inside the root (the last
        component followed too, as :meth:`follow`), then opened by walking from the root's
        descriptor with ``O_NOFOLLOW``, so a symlink that appears meanwhile fails the open
        instead of leading out of the root. Returns the descriptor."""
        logical = self.resolve(path.rstrip("/") + "/.pyignition-follow").rsplit("/", 1)[0]
        comps = _components(logical)
        fd = os.open(self.directory, DIR_FLAGS)
        try:
            for c in comps[:-1]:
                parent, fd = fd, -1
                try:
                    fd = os.open(c, DIR_FLAGS, dir_fd=parent)
                finally:
                    os.close(parent)
            if not comps:
                return os.dup(fd)
            return os.open(comps[-1], flags | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
        finally:
            if fd >= 0:
                os.close(fd)

    def relative(self, host_path: str) -> str:
        """The logical path of a host path (:meth:`host`, :meth:`follow`) inside the root."""
        if host_path == self.directory:
            return "/"
        if self.directory == "/":
            return host_path
        if not host_path.startswith(self.directory + "/"):
            raise RootEscape(errno.EXDEV, "path is outside the target root", host_path)
        return host_path[len(self.directory) :]
