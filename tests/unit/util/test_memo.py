"""memo.cache remembers a result per tuple of positional arguments, like functools.cache."""

from __future__ import annotations

import pytest

from ignition.util.memo import cache


def test_one_call_per_arguments() -> None:
    calls: list[tuple[str, int]] = []

    @cache
    def f(a: str, b: int = 0) -> str:
        """Doc."""
        calls.append((a, b))
        return a * b

    assert f("x", 2) == "xx"
    assert f("x", 2) == "xx"
    assert f("y") == ""
    assert f("x", b=3) == "xxx"  # keyword arguments: called, not cached
    assert f("x", b=3) == "xxx"
    assert calls == [("x", 2), ("y", 0), ("x", 3), ("x", 3)]
    assert (f.__name__, f.__doc__) == ("f", "Doc.")


def test_an_exception_is_not_remembered() -> None:
    tries: list[int] = []

    @cache
    def g() -> int:
        tries.append(1)
        if len(tries) == 1:
            raise ValueError("first")
        return 7

    with pytest.raises(ValueError, match="first"):
        g()
    assert g() == 7
    assert g() == 7
    assert len(tries) == 2
