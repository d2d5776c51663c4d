"""The indexed line scan gives exactly the reference's walk (checked against a transcription)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from cloudinit.refline import Cursor, Lines

_KEY = re.compile(r" *-? ?(.*?):")
_ELEM = re.compile(r" *-")


class GoContext:
    """coreos-cloudinit's ``context``: currentLine, remainingLines, lineNumber."""

    def __init__(self, text: str) -> None:
        self.current, self.remaining, self.number = "", text.replace("\r", ""), 0
        self.increment()

    def increment(self) -> None:
        if self.current == "" and self.remaining == "":
            return
        head, sep, tail = self.remaining.partition("\n")
        self.current, self.remaining = head, tail if sep else ""
        self.number += 1

    def copy(self) -> GoContext:
        c = object.__new__(GoContext)
        c.current, c.remaining, c.number = self.current, self.remaining, self.number
        return c

    def find(self, exp: re.Pattern[str], key: str | None) -> tuple[GoContext, bool]:
        c = self.copy()
        while c.current or c.remaining:
            m = exp.match(c.current)
            if m is not None and (key is None or m.group(1) == key):
                return c, True
            c.increment()
        return c, False


_LINE = st.sampled_from(["a: 1", "  b: 2", "  - c: 3", "- d", "", "   ", "e:", "#x", "  - a: 9"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_LINE, max_size=12), st.booleans(),
       st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d", "e", None]), st.booleans()),
                max_size=6))  # fmt: skip
def test_same_numbers_as_the_reference(lines: list[str], newline: bool,
                                       steps: list[tuple[str | None, bool]]) -> None:  # fmt: skip
    text = "\n".join(lines) + ("\n" if newline else "")
    go, ours = GoContext(text), Cursor(Lines(text))
    for key, advance in steps:
        if key is None:
            go, ok1 = go.find(_ELEM, None)
            ours, ok2 = ours.find_elem()
        else:
            go, ok1 = go.find(_KEY, key)
            ours, ok2 = ours.find_key(key)
        assert (ok1, go.number) == (ok2, ours.number)
        if advance:
            go.increment()
            ours = ours.next()
            assert go.number == ours.number
