from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ignition.util.utf8 import to_bytes


def test_plain_text_and_escaped_bytes_round_trip() -> None:
    assert to_bytes("é") == "é".encode()
    raw = b"a\xff\xfeb"
    assert to_bytes(raw.decode("utf-8", "surrogateescape")) == raw


def test_a_lone_surrogate_reads_back_as_replacement() -> None:
    assert to_bytes("\ud800").decode("utf-8", "replace") == "\ufffd" * 3


@given(st.text(st.characters(exclude_categories=())))
def test_never_raises(text: str) -> None:
    assert isinstance(to_bytes(text), bytes)
