"""The root as the planned actions will leave it: conflicts are found before anything is written.

Planning tells the view, action by action, what will be at each (resolved) path: a path the
plan has not touched is looked up in the root as it is, one it has touched answers with what the
plan puts there. So a parent that is a regular file, a file where a directory goes, a link over
a directory the config fills, two entries that contradict each other, ... are all found while
planning. Each conflict names the config entry (by JSON path) and the path; the stage reports
every one of them and writes nothing.
"""

from __future__ import annotations

import os
import stat

from ignition.util import leanjson
from ignition.util.errors import StageError
from ignition.util.record import record

DIRECTORY = "directory"
FILE = "regular file"
SYMLINK = "symlink"
_ABSENT = ""  # removed by the plan
MAX_SHOWN = 256  # characters of a path echoed in a message


def shown(text: str) -> str:
    """``text`` double-quoted for a message: control and other invisible characters escaped,
    long values cut."""
    if len(text) > MAX_SHOWN:
        text = text[:MAX_SHOWN] + "..."
    elif text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'  # the common case, ten times faster
    quoted = leanjson.dumps(text, ensure_ascii=False)
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in quoted)


def kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return DIRECTORY
    if stat.S_ISREG(mode):
        return FILE
    if stat.S_ISLNK(mode):
        return SYMLINK
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    return "special file"


@record
class Node:
    kind: str  # DIRECTORY, FILE, SYMLINK, another kind_of(), or _ABSENT
    by: str = ""  # the config entry that puts it there ("" : it is in the root already)
    fresh: bool = False  # a directory the plan creates: nothing is below it but what is planned
    target: str | None = None  # a planned symlink's target

    def describe(self) -> str:
        article = "an" if self.kind[0] in "aeiou" else "a"
        if self.by:
            return f"will be {article} {self.kind} (from {self.by})"
        return f"is {article} {self.kind} in the root"


class View:
    def __init__(self, base: str) -> None:
        self.base = base  # the root's host path, "" for /
        self._planned: dict[str, Node] = {}
        self.conflicts: list[str] = []

    def conflict(self, where: str, message: str) -> None:
        self.conflicts.append(f"{where}: {message}")

    def get(self, logical: str) -> Node | None:
        """What will be at ``logical`` after the actions planned so far (None: nothing)."""
        path = logical
        while True:
            node = self._planned.get(path)
            if node is not None:
                if path == logical:
                    return node if node.kind else None
                if node.kind != DIRECTORY or node.fresh:
                    return None  # below a planned file, link, removal or new directory
                break
            if path == "/":
                break
            path = path.rsplit("/", 1)[0] or "/"
        try:
            st = os.lstat(self.base + logical)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:  # a name too long for the file system, an I/O error, ...
            raise StageError(f"{shown(logical)}: {exc.strerror}") from None
        return Node(kind_of(st.st_mode))

    def parents(self, logical: str, where: str, what: str) -> bool:
        """Plan the missing directories above ``logical`` (``mkdir -p``). False, with a
        conflict, when one of them is not a directory."""
        parent = self._planned.get(logical.rsplit("/", 1)[0])
        if parent is not None and parent.kind == DIRECTORY:
            return True  # checked with an earlier entry (a removal above forgets it)
        path = ""
        for comp in logical.strip("/").split("/")[:-1]:
            path += "/" + comp
            node = self.get(path)
            if node is None:
                self._planned[path] = Node(DIRECTORY, where, fresh=True)
            elif node.kind != DIRECTORY:
                self.conflict(
                    where, f"cannot create {what}: {shown(path)} {node.describe()}, not a directory"
                )
                return False
        return True

    def put(self, logical: str, kind: str, by: str, *, target: str | None = None) -> None:
        fresh = False
        if kind == DIRECTORY:  # new and empty, unless an existing directory is kept
            cur = self.get(logical)
            fresh = cur is None or cur.fresh
        self._planned[logical] = Node(kind, by, fresh, target)

    def remove(self, logical: str, by: str) -> None:
        """``rm -rf``: the node and everything planned below it are gone."""
        node = self.get(logical)
        if node is not None and node.kind == DIRECTORY:
            prefix = logical.rstrip("/") + "/"
            for key in [k for k in self._planned if k.startswith(prefix)]:
                del self._planned[key]
        self._planned[logical] = Node(_ABSENT, by)
