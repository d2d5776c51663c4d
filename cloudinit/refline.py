"""The line numbers coreos-cloudinit's validator prints.

The reference does not take positions from its YAML parser: it scans the text for ``key:``
(or ``-`` for list items), starting at the line where the parent was found, and prints 0 when
the scan fails. The scan is naive (it matches inside block scalars, never finds quoted or
flow-style keys), but its numbers are part of the output users and scripts compare, so this
module reproduces it exactly. Our own diagnostics carry the true positions besides.

Each line is matched once and indexed, so a scan is a binary search instead of the
reference's walk (which is quadratic in the number of keys).
"""

from __future__ import annotations

import bisect
import re

from ignition.util.record import record

_KEY = re.compile(r" *-? ?(.*?):")
_ELEM = re.compile(r" *-")


class Lines:
    """The text as the reference's scanner sees it: carriage returns removed, split at LF."""

    __slots__ = ("base", "elems", "end", "keys")

    def __init__(self, text: str) -> None:
        text = text.replace("\r", "")
        self.base = 1 if text else 0  # the reference never leaves line 0 on an empty text
        lines = text.split("\n")
        # The scan stops at the first line that is empty with nothing but an empty line (or
        # nothing) after it: the reference's "currentLine and remainingLines are empty".
        n = len(lines)
        end = n
        while end > 0 and lines[end - 1] == "" and end >= n - 1:
            end -= 1
        self.end = end
        self.keys: dict[str, list[int]] = {}
        self.elems: list[int] = []
        for i in range(end):
            m = _KEY.match(lines[i])
            if m is not None:
                self.keys.setdefault(m.group(1), []).append(i)
            if _ELEM.match(lines[i]):
                self.elems.append(i)

    def step(self, i: int) -> int:
        return i if i >= self.end else i + 1

    def find(self, where: list[int], i: int) -> tuple[int, bool]:
        k = bisect.bisect_left(where, i)
        if k < len(where):
            return where[k], True
        return max(i, self.end), False


@record
class Cursor:
    """A position in the scan: line index ``i`` (0-based); the printed number is i + 1."""

    lines: Lines
    i: int = 0

    @property
    def number(self) -> int:
        return self.i + self.lines.base

    def next(self) -> Cursor:
        return Cursor(self.lines, self.lines.step(self.i))

    def find_key(self, key: str) -> tuple[Cursor, bool]:
        j, ok = self.lines.find(self.lines.keys.get(key, []), self.i)
        return Cursor(self.lines, j), ok

    def find_elem(self) -> tuple[Cursor, bool]:
        j, ok = self.lines.find(self.lines.elems, self.i)
        return Cursor(self.lines, j), ok
