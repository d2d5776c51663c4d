"""Fuzzing ``parse()``: random JSON, random bytes, config-shaped documents and mutations of
valid configs, with and without ``legacy``. Whatever the input:

- no exception escapes;
- a refused input has one of the three reference reasons, or a report with an error;
- an accepted input has no error, and its model round-trips through the codec;
- every diagnostic is located inside the document (line and byte column);
- the report is in document order and prints as UTF-8 in both formats;
- the same input gives the same result.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ignition.config import codec, versions
from ignition.config.parse import parse
from ignition.config.result import BAD_VERSION, EMPTY, UNSUPPORTED, ParseResult
from tests.unit.config.fullconfigs import full_v1, full_v2, full_v3
from tests.unit.config.helpers import examples
from tests.unit.config.strategies import ALL, documents, json_values

REASONS = {EMPTY, BAD_VERSION, UNSUPPORTED}
FUZZ = settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def check_invariants(raw: bytes, legacy: bool) -> ParseResult:
    result = parse(raw, legacy=legacy)
    report = result.report
    if result.config is None:
        if result.failure is not None:
            assert result.failure in REASONS
            assert len(report) == 0
        else:
            assert report.is_fatal
    else:
        assert result.failure is None
        assert not report.is_fatal
        assert codec.decode_config(codec.encode(result.config)) == result.config
        assert result.config.ignition.version == versions.LATEST
    order = [(d.line or 0, d.column or 0) for d in report]
    assert order == sorted(order)  # document order (V3)
    lines = raw.split(b"\n")
    for d in report:
        assert d.line is not None, d
        assert d.column is not None, d
        assert 1 <= d.line <= len(lines), d
        assert 1 <= d.column <= len(lines[d.line - 1]) + 1, d
    report.ignition_text().encode("utf-8")
    report.json_text().encode("utf-8")
    again = parse(raw, legacy=legacy)
    assert again.report.entries == report.entries
    assert again.config == result.config
    assert again.failure == result.failure
    return result


def both(raw: bytes) -> None:
    check_invariants(raw, legacy=False)
    check_invariants(raw, legacy=True)


# --------------------------------------------------------------------------- random inputs


@FUZZ
@given(value=json_values, indent=st.sampled_from([None, 1, "\t"]))
def test_random_json(value: Any, indent: int | str | None) -> None:
    both(json.dumps(value, indent=indent).encode())


@FUZZ
@given(raw=st.binary(max_size=64))
def test_random_bytes(raw: bytes) -> None:
    both(raw)


@FUZZ
@given(raw=st.binary(max_size=48), at=st.integers(min_value=0, max_value=40))
def test_random_bytes_inside_a_config(raw: bytes, at: int) -> None:
    text = b'{"ignition": {"version": "3.3.0"}, "storage": {"files": [{"path": "/a"}]}}'
    at = min(at, len(text))
    both(text[:at] + raw + text[at:])


@FUZZ
@given(data=st.data(), version=st.sampled_from(ALL))
def test_config_shaped_documents(data: st.DataObject, version: str) -> None:
    doc = data.draw(documents(version))
    if version == "1":
        doc["ignitionVersion"] = 1
    else:
        ign = doc.get("ignition")
        doc["ignition"] = {**(ign if isinstance(ign, dict) else {}), "version": version}
    both(json.dumps(doc).encode())


# --------------------------------------------------------------------------- mutations

VALID = [json.dumps(full_v3(v)) for v in versions.SPEC3[::3]]
VALID += [json.dumps(full_v2("2.2.0"), indent=1), json.dumps(full_v1())]


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += paths(v, (*prefix, i))
    return out


def get(value: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        value = value[p]
    return value


class Pairs(list[tuple[str, Any]]):
    """An object written with repeated keys."""


def dumps(value: Any) -> str:
    if isinstance(value, Pairs):
        return "{" + ",".join(f"{json.dumps(k)}:{dumps(v)}" for k, v in value) + "}"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    return json.dumps(value)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    doc = json.loads(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        targets = paths(doc)
        path = draw(st.sampled_from(targets))
        node = get(doc, path)
        op = draw(st.sampled_from(["delete", "retype", "null", "dup", "swap", "case", "unknown"]))
        if not path:
            continue
        parent = get(doc, path[:-1])
        key = path[-1]
        if op == "delete":
            del parent[key]
        elif op == "retype":
            parent[key] = draw(json_values)
        elif op == "null":
            parent[key] = None
        elif isinstance(parent, dict) and op == "dup":
            items = list(parent.items())
            i = list(parent).index(key)
            items.insert(i + draw(st.integers(0, 1)), (key, draw(json_values)))
            parent.clear()
            holder = get(doc, path[:-2]) if len(path) > 1 else None
            if holder is not None:
                holder[path[-2]] = Pairs(items)
            else:
                doc = Pairs(items)
            break  # the tree now holds a Pairs object: stop walking it
        elif isinstance(parent, dict) and op == "swap" and len(parent) > 1:
            other = draw(st.sampled_from([k for k in parent if k != key]))
            parent[key], parent[other] = parent[other], node
        elif isinstance(parent, dict) and op == "case":
            parent[key.upper() if key != key.upper() else key.lower()] = parent.pop(key)
        elif isinstance(parent, dict) and op == "unknown":
            parent[draw(st.text(max_size=5))] = draw(json_values)
        elif isinstance(parent, list):
            parent.insert(key, draw(json_values))
    raw = dumps(doc).encode()
    byte_op = draw(st.sampled_from(["none", "none", "truncate", "insert", "flip", "cut"]))
    if byte_op == "none" or not raw:
        return raw
    at = draw(st.integers(min_value=0, max_value=len(raw) - 1))
    if byte_op == "truncate":
        return raw[:at]
    if byte_op == "insert":
        return raw[:at] + draw(st.binary(min_size=1, max_size=4)) + raw[at:]
    if byte_op == "flip":
        return raw[:at] + bytes([raw[at] ^ draw(st.integers(1, 255))]) + raw[at + 1 :]
    end = draw(st.integers(min_value=at, max_value=min(len(raw), at + 20)))
    return raw[:at] + raw[end:]


@FUZZ
@given(raw=mutated())
def test_mutated_valid_configs(raw: bytes) -> None:
    both(raw)


def test_valid_seeds_are_valid() -> None:
    for text in VALID:
        result = check_invariants(text.encode(), legacy=True)
        assert result.config is not None
        assert not [d for d in result.report if d.is_error]
