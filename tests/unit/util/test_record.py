"""``ignition.util.record``: fast immutable records used instead of dataclasses."""

from __future__ import annotations

import pytest

from ignition.util.record import (
    FrozenRecordError,
    as_tuple,
    field,
    fields,
    is_record,
    record,
    replace,
)


@record
class Point:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)


@record
class Other:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)


@record(frozen=False)
class Mutable:
    items: list[int] = field(default_factory=list)
    name: str = ""


@record
class Pair:
    a: int
    b: tuple[str, ...] = ()


@record
class Empty:
    pass


def test_construction_and_defaults() -> None:
    p = Point(1)
    assert (p.x, p.y, p.tags, p.notes) == (1, 0, (), [])
    assert Point(1, 2, ("a",), ["n"]) == Point(x=1, y=2, tags=("a",), notes=["n"])
    assert Empty() == Empty()
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, z=3)  # type: ignore[call-arg]


def test_factory_defaults_are_not_shared() -> None:
    a, b = Point(1), Point(1)
    a.notes.append("only a")
    assert b.notes == []
    assert a.notes is not b.notes
    m1, m2 = Mutable(), Mutable()
    m1.items.append(1)
    assert m2.items == []


def test_none_selects_the_default_factory() -> None:
    assert Point(1, notes=None).notes == []  # type: ignore[arg-type]


def test_required_field_after_a_default_is_refused() -> None:
    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):

        @record
        class Bad:
            a: int = 0
            b: int  # type: ignore[misc]


def test_mutable_plain_default_is_refused() -> None:
    with pytest.raises(ValueError, match="mutable default list for field 'xs'"):

        @record
        class Bad:
            xs: list[int] = []  # noqa: RUF012


def test_immutability() -> None:
    p = Point(1)
    with pytest.raises(FrozenRecordError, match="cannot assign to field 'x'"):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(FrozenRecordError, match="cannot delete field 'y'"):
        del p.y
    with pytest.raises(FrozenRecordError):
        p.z = 1  # type: ignore[attr-defined]
    assert p == Point(1)


def test_mutable_records() -> None:
    m = Mutable()
    m.name = "x"
    assert m == Mutable(name="x")
    with pytest.raises(TypeError):
        hash(m)


def test_equality() -> None:
    assert Point(1, 2) == Point(1, 2)
    assert Point(1, 2) != Point(2, 1)
    other: object = Other(1)
    assert Point(1) != other  # same fields, another class
    as_tuple_value: object = (1, 0, (), [])
    assert Point(1) != as_tuple_value
    assert Point(1).__eq__(object()) is NotImplemented


def test_comparing_hashing_and_printing_leave_the_compact_storage_alone() -> None:
    """Records keep their fields in the instance's inline storage; reading ``__dict__`` would
    build a dict that then stays with every record compared (a large config, twice its size)."""
    import tracemalloc

    pairs = [(Pair(i, ("a",)), Pair(i, ("a",))) for i in range(200)]
    assert pairs[0][0] == pairs[0][1]  # warm up: what a first call caches is not the test
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for a, b in pairs[1:]:
            assert a == b
            assert a != Pair(-1)
            hash(a)
            repr(b)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 2_000  # a dict per record would be 199 * 2 * ~100 bytes


def test_hashing() -> None:
    assert hash(Pair(1, ("a",))) == hash(Pair(1, ("a",)))
    assert len({Pair(1, ("a",)), Pair(1, ("a",)), Pair(2, ("a",))}) == 2
    assert Pair(1, ("a",)) in {Pair(1, ("a",))}
    with pytest.raises(TypeError):
        hash(Point(1))  # a list field


def test_replace() -> None:
    p = Point(1, 2, ("a",))
    q = replace(p, y=5)
    assert q == Point(1, 5, ("a",))
    assert p == Point(1, 2, ("a",))
    assert q is not p
    assert type(q) is Point
    with pytest.raises(FrozenRecordError):
        q.y = 6  # type: ignore[misc]
    with pytest.raises(TypeError, match="Point has no field"):
        replace(p, z=1)
    assert replace(Mutable(name="a"), name="b") == Mutable(name="b")


def test_introspection() -> None:
    p = Point(1, 2)
    assert fields(p) == fields(Point) == ("x", "y", "tags", "notes")
    assert is_record(p)
    assert is_record(Point)
    assert not is_record(object())
    assert as_tuple(p) == (1, 2, (), [])
    assert repr(p) == "Point(x=1, y=2, tags=(), notes=[])"


def test_pattern_matching() -> None:
    match Point(3, 4):
        case Point(x, y):
            assert (x, y) == (3, 4)
        case _:
            pytest.fail("no match")
