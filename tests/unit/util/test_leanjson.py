"""``ignition.util.leanjson``: the same values, text and errors as ``json``, without importing
it. Example counts scale with ``PYIGNITION_FUZZ_SCALE``."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ignition.util import leanjson
from tests.unit.config.helpers import examples

FUZZ = settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# every code point, lone surrogates included
CHARS = st.characters(exclude_categories=())
TEXT = st.text(CHARS, max_size=12) | st.sampled_from(["", '"', "\\", "\x00", "\x7f", "\u2028"])
FLOATS = st.floats() | st.sampled_from([-0.0, 1e300, -1e-300, 5e-324, float("nan")])
SCALARS = (
    st.none() | st.booleans() | st.integers() | st.integers(-(10**400), 10**400) | FLOATS | TEXT
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=25,
)
# what json.dumps also takes: tuples, keys it converts, values only ``default`` encodes
KEYS = TEXT | st.integers() | FLOATS | st.booleans() | st.none()


class Int(int):
    def __repr__(self) -> str:
        return "not json's"


class Float(float):
    def __repr__(self) -> str:
        return "not json's"


class Str(str):
    pass


ODD = (
    st.binary(max_size=4)
    | st.frozensets(st.integers(0, 9), max_size=3)
    | st.decimals()
    | st.integers().map(Int)
    | FLOATS.map(Float)
    | TEXT.map(Str)
)
# what json encodes without ``default`` (subclasses of its types included)
PLAIN_VALUES = st.recursive(
    SCALARS | st.integers().map(Int) | FLOATS.map(Float) | TEXT.map(Str),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(TEXT | TEXT.map(Str), inner, max_size=4)
    ),
    max_leaves=25,
)
PYTHON_VALUES = st.recursive(
    SCALARS | ODD,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(KEYS, inner, max_size=4)
    ),
    max_leaves=25,
)
# the combinations the engine passes, then any mix of the options
USED_DUMPS: list[dict[str, Any]] = [
    {},
    {"separators": (",", ":"), "ensure_ascii": False},
    {"sort_keys": True, "ensure_ascii": False, "default": str},
    {"ensure_ascii": False},
    {"indent": 2},
]
DUMPS_OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "separators": st.sampled_from([(",", ":"), (", ", ": "), (",", ": "), [";", "="]]),
        "ensure_ascii": st.booleans(),
        "sort_keys": st.booleans(),
        "default": st.sampled_from([None, str, repr]),
        "indent": st.sampled_from([None, 0, 2, -1, "\t", ""]),
    },
)
LOADS_OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "object_pairs_hook": st.sampled_from([None, list, dict]),
        "object_hook": st.sampled_from([None, sorted]),
        "parse_float": st.sampled_from([None, Decimal, str]),
        "parse_int": st.sampled_from([None, str, float]),
        "parse_constant": st.sampled_from([None, str]),
    },
)


def canon(x: Any) -> Any:
    """``x`` compared by type and exact value (-0.0 is not 0.0, NaN is NaN, 1 is not True)."""
    if isinstance(x, dict):
        return ("dict", [(canon(k), canon(v)) for k, v in x.items()])
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [canon(v) for v in x])
    return (type(x).__name__, repr(x))


def outcome(fn: Any, *args: Any, **kw: Any) -> Any:
    """The value (by :func:`canon`), or the exception's type, message and position."""
    try:
        return canon(fn(*args, **kw))
    except Exception as exc:
        return (type(exc), str(exc), getattr(exc, "pos", None), getattr(exc, "lineno", None))


def same_loads(s: Any, **kw: Any) -> None:
    assert outcome(leanjson.loads, s, **kw) == outcome(json.loads, s, **kw)


def same_dumps(obj: Any, **kw: Any) -> None:
    assert outcome(leanjson.dumps, obj, **kw) == outcome(json.dumps, obj, **kw)


@FUZZ
@given(JSON_VALUES)
def test_the_engines_options_give_json_s_text_and_it_reads_back(value: Any) -> None:
    for kw in USED_DUMPS:
        text = json.dumps(value, **kw)
        assert leanjson.dumps(value, **kw) == text
        same_loads(text)
        same_loads(text.encode("utf-8", "surrogatepass"))
        # and without json's help: the fast path takes all of it
        assert leanjson._encode(value, **kw) == text
        raw = text.encode("utf-8", "surrogatepass")
        assert canon(leanjson._decode(raw)) == canon(json.loads(text))


@FUZZ
@given(PYTHON_VALUES, DUMPS_OPTIONS)
def test_dumps_is_json_dumps_for_any_value_and_options(value: Any, kw: dict[str, Any]) -> None:
    same_dumps(value, **kw)


@FUZZ
@given(PLAIN_VALUES, DUMPS_OPTIONS)
def test_dumps_of_plain_values_needs_no_json(value: Any, kw: dict[str, Any]) -> None:
    assert leanjson._encode(value, **kw) == json.dumps(value, **kw)


@FUZZ
@given(JSON_VALUES, LOADS_OPTIONS, st.sampled_from(["", " ", "\t\n\r ", "\x0c", "\xa0", "\ufeff"]))
def test_loads_is_json_loads_with_hooks_and_whitespace(
    value: Any, kw: dict[str, Any], pad: str
) -> None:
    text = json.dumps(value, indent=1 if pad == "\t\n\r " else None)
    same_loads(pad + text + pad, **kw)
    same_loads(text + pad, **kw)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A JSON document with a few characters inserted, replaced or removed."""
    text = json.dumps(draw(JSON_VALUES), ensure_ascii=draw(st.booleans()))
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["insert", "replace", "delete"]))
        c = draw(CHARS | st.sampled_from(list('{}[],:"\\ 0-.eE+tfnNI')))
        if edit == "insert":
            text = text[:i] + c + text[i:]
        elif edit == "replace":
            text = text[:i] + c + text[i + 1 :]
        else:
            text = text[:i] + text[i + 1 :]
    return text


@FUZZ
@given(st.text(CHARS, max_size=40) | mutated())
def test_loads_of_any_text_is_json_s_value_or_json_s_error(text: str) -> None:
    same_loads(text)


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le",
             "utf-32-be"]  # fmt: skip


@FUZZ
@given(mutated(), st.sampled_from(ENCODINGS), st.binary(max_size=3))
def test_loads_of_bytes_detects_the_encoding_as_json_does(
    text: str, encoding: str, junk: bytes
) -> None:
    data = text.encode(encoding, "surrogatepass")
    same_loads(data)
    same_loads(bytearray(data))
    same_loads(junk + data)
    same_loads(data[: len(data) // 2])


@FUZZ
@given(st.binary(max_size=40))
def test_loads_of_any_bytes_is_json_s_value_or_json_s_error(data: bytes) -> None:
    same_loads(data)


@pytest.mark.parametrize(
    "text",
    ["", " ", "\ufeff{}", "[1] [2]", "1 x", "NaN", "-Infinity", "[1,]", '{"a" 1}', '"\x01"',
     '"\\ud800"', "[" * 100_000, "01", "1.", "-", "tru", " \n 7 \n "],
)  # fmt: skip
def test_edge_texts(text: str) -> None:
    same_loads(text)
    same_loads(text.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("value", [None, 3, [], {}, b"x", object(), ["a", {"b": {1, 2}}]])
def test_loads_of_other_types_and_non_serializable_dumps(value: Any) -> None:
    same_loads(value)
    for kw in USED_DUMPS:
        same_dumps(value, **kw)


def test_cycles_and_deep_nesting_fail_as_in_json() -> None:
    loop: list[Any] = [1]
    loop.append(loop)
    cyclic: dict[str, Any] = {}
    cyclic["a"] = [cyclic]
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    for value in (loop, cyclic, deep):
        for kw in USED_DUMPS:
            same_dumps(value, **kw)
    shared = [1]
    same_dumps({"a": shared, "b": shared}, indent=2)  # a value twice is no cycle


def test_options_it_does_not_handle_go_to_json() -> None:
    same_dumps([float("nan")], allow_nan=False)
    same_dumps({(1, 2): 3}, skipkeys=True)
    same_dumps({"a": 1}, cls=json.JSONEncoder, indent=3)
    same_loads('{"a": 1}', cls=json.JSONDecoder)
    same_loads('"\x01"', strict=False)


def test_without_the_c_accelerator_it_is_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(leanjson, "_json", None)
    same_loads('{"a": [1.5, "\\u00e9"]}')
    same_loads("[1,")
    same_dumps({"a": [1, "é"]}, indent=2)


def test_it_imports_neither_json_nor_re_nor_enum() -> None:
    repo = Path(__file__).resolve().parents[3]
    code = (
        f"import sys; sys.path.insert(0, {str(repo)!r})\n"
        "from ignition.util.leanjson import dumps, loads\n"
        'v = loads(b\'{"a": [1, 2.5, null, true, "\\\\u00e9", {}]}\')\n'
        "loads(dumps(v, indent=2) + '\\n')\n"
        "dumps(v, separators=(',', ':'), ensure_ascii=False)\n"
        "dumps(v, sort_keys=True, ensure_ascii=False, default=str)\n"
        "dumps('x', ensure_ascii=False)\n"
        "print(sorted({'json', 're', 'enum'} & set(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out == "[]\n"
