"""The line numbers coreos-cloudinit's validator prints.

The reference does not take positions from its YAML parser: it scans the text for ``key:``
(or ``-`` for list items), starting at the line where the parent was found, and prints 0 when
the scan fails. The scan is naive (it matches inside block scalars, never finds quoted or
flow-style keys), but its numbers are part of the output users and scripts compare, so this
module reproduces it exactly. Our own diagnostics carry the true positions besides.
"""

from __future__ import annotations

import re

from ignition.record import record

_KEY = re.compile(r" *-? ?(.*?):")
_ELEM = re.compile(r" *-")


@record
class Lines:
    lines: tuple[str, ...]

    @staticmethod
    def of(text: str) -> Lines:
        return Lines(tuple(text.replace("\r", "").split("\n")))

    def current(self, i: int) -> str:
        return self.lines[i] if i < len(self.lines) else ""

    def rest_empty(self, i: int) -> bool:
        """Is the text after line ``i`` empty (Go's ``remainingLines == ""``)?"""
        after = self.lines[i + 1 :]
        return not after or after == ("",)

    def exhausted(self, i: int) -> bool:
        return self.current(i) == "" and self.rest_empty(i)

    def step(self, i: int) -> int:
        return i if self.exhausted(i) else i + 1


@record
class Cursor:
    """A position in the scan: line index ``i`` (0-based); the printed number is i + 1."""

    lines: Lines
    i: int = 0

    @property
    def number(self) -> int:
        return self.i + 1

    def next(self) -> Cursor:
        return Cursor(self.lines, self.lines.step(self.i))

    def find_key(self, key: str) -> tuple[Cursor, bool]:
        return self._find(_KEY, key)

    def find_elem(self) -> tuple[Cursor, bool]:
        return self._find(_ELEM, None)

    def _find(self, exp: re.Pattern[str], key: str | None) -> tuple[Cursor, bool]:
        lines, i = self.lines, self.i
        while not lines.exhausted(i):
            m = exp.match(lines.current(i))
            if m is not None and (key is None or m.group(1) == key):
                return Cursor(lines, i), True
            i = lines.step(i)
        return Cursor(lines, i), False
