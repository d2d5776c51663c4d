"""Access to ``--files-dir``: the only way the pure translators read local files.

Every path is confined to the directory: ``..`` and symlinks that lead outside are refused
(the reference only checks the joined path lexically, and ct not at all).
"""

from __future__ import annotations

import os
import stat as st
from typing import Protocol

from ignition.util.record import record


class LocalFileError(Exception):
    """A local file that cannot be used; the message is ready for the user."""


ESCAPE = "local file path traverses outside the files directory"


@record
class Entry:
    rel: str  # path relative to the tree root, "/"-separated ("" for the root)
    kind: str  # "file" | "dir" | "link" | "other"
    executable: bool = False
    target: str = ""  # link text


class FilesDir(Protocol):
    def read(self, rel: str) -> bytes: ...

    def walk(self, rel: str) -> list[Entry]: ...


@record
class NoFilesDir:
    """No ``--files-dir`` given: every local reference is an error."""

    message: str

    def read(self, rel: str) -> bytes:
        raise LocalFileError(self.message)

    def walk(self, rel: str) -> list[Entry]:
        raise LocalFileError(self.message)


def _os_reason(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    return reason[0].lower() + reason[1:] if reason else reason


@record
class OsFilesDir:
    """A real directory. ``confine`` resolves symlinks before checking containment."""

    root: str
    confine: bool = True

    def _join(self, rel: str) -> str:
        joined = os.path.normpath(os.path.join(self.root, rel.lstrip("/")))
        if self.confine:
            base = os.path.abspath(self.root)
            lexical = os.path.abspath(joined)
            if lexical != base and not lexical.startswith(base.rstrip("/") + "/"):
                raise LocalFileError(ESCAPE)
            real_base = os.path.realpath(base)
            real = os.path.realpath(lexical)
            if real != real_base and not real.startswith(real_base.rstrip("/") + "/"):
                raise LocalFileError(ESCAPE)
        return joined

    def read(self, rel: str) -> bytes:
        from ignition.util.limits import config_size, read_capped

        path = self._join(rel)
        limit = config_size()  # the file ends up inside the config
        try:
            with open(path, "rb") as fh:
                data = read_capped(fh, limit)
        except IsADirectoryError:
            raise LocalFileError(f"read {path}: is a directory") from None
        except OSError as exc:
            raise LocalFileError(f"open {path}: {_os_reason(exc)}") from None
        if data is None:
            raise LocalFileError(f"read {path}: larger than {limit} bytes")
        return data

    def walk(self, rel: str) -> list[Entry]:
        """Every node under ``rel`` in lexical order (Go's filepath.Walk), root first."""
        top = self._join(rel)
        try:
            info = os.lstat(top)
        except OSError as exc:
            raise LocalFileError(f"stat {top}: {_os_reason(exc)}") from None
        if not st.S_ISDIR(info.st_mode):
            raise LocalFileError("root of tree must be a directory")
        out: list[Entry] = []
        self._walk(top, "", out)
        return out

    def _walk(self, path: str, rel: str, out: list[Entry]) -> None:
        info = os.lstat(path)
        mode = info.st_mode
        if st.S_ISDIR(mode):
            out.append(Entry(rel, "dir"))
            for name in sorted(os.listdir(path)):
                self._walk(os.path.join(path, name), f"{rel}/{name}" if rel else name, out)
        elif st.S_ISLNK(mode):
            out.append(Entry(rel, "link", target=os.readlink(path)))
        elif st.S_ISREG(mode):
            out.append(Entry(rel, "file", executable=bool(mode & 0o111)))
        else:
            out.append(Entry(rel, "other"))

    def read_tree_file(self, rel: str) -> bytes:
        return self.read(rel)
