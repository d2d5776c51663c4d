"""The config rules check characters with sets, not compiled regular expressions (a stage that
parses a config must not pay for compiling them: docs/initramfs.md). Each set gives the same
verdicts as the pattern it replaced, for any text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ignition.config.rules import common, storage, units, values
from tests.unit.config.helpers import examples

EDGES = "aZ09_.-$:,/@\\!#%&'*+^`|~ \t\r\n\x00\x01\x1f\x7f\x80é٣"
TEXT = st.one_of(st.text(max_size=16), st.text(alphabet=EDGES, max_size=16))
GUIDISH = st.lists(st.sampled_from(["0", "a", "F", "g", "-", "\n", "٣"]), max_size=40).map("".join)
FUZZ = settings(max_examples=examples(500), deadline=None)

SEARCHES = [
    (values._BREAKS_ENTRY, r"[:,\x00-\x20\x7f]"),
    (values._LINE_BREAK, r"[\r\n\x00]"),
    (values._FIELD_BREAK, r"[:\r\n\x00]"),
    (common._HEADER_VALUE_BREAK, r"[\x00-\x08\x0a-\x1f\x7f]"),
]
MATCHES = [
    (common._TOKEN, r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"),
    (units._UNIT_CHARS, r"[A-Za-z0-9:_.\\@-]*"),
]


@FUZZ
@given(TEXT)
def test_sets_agree_with_the_patterns(text: str) -> None:
    for chars, pattern in SEARCHES:
        assert (not chars.isdisjoint(text)) == bool(re.search(pattern, text)), pattern
    for chars, pattern in MATCHES:
        whole = chars.issuperset(text) and (bool(text) or pattern.endswith("*"))
        assert whole == bool(re.fullmatch(pattern, text)), pattern
    portable = re.fullmatch(r"[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?", text)
    assert values._portable(text) == bool(portable)


@FUZZ
@given(st.one_of(GUIDISH, st.uuids().map(str), st.uuids().map(lambda u: str(u).upper() + "\n")))
def test_guid_check_agrees_with_the_pattern(text: str) -> None:
    assert storage.is_guid(text) == bool(re.match(storage.GUID_PATTERN, text))
