"""Hypothesis strategies shared by the shape and fuzz tests."""

from __future__ import annotations

from functools import cache
from typing import Any

from hypothesis import strategies as st

from ignition.config import schemas, versions

ALL = ("1", *versions.SPEC2, *versions.SPEC3)
INT64 = 2**63

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=4),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner, max_size=2)
    ),
    max_leaves=4,
)
integers = st.one_of(
    st.integers(min_value=-1000, max_value=1000),
    st.integers(),
    st.sampled_from([INT64 - 1, INT64, -INT64, -INT64 - 1, 2**64, -(2**100)]),
)
# a key no field spells, in any letter case
unknown_keys = st.text(min_size=0, max_size=4).map(lambda s: "x-" + s)


def _kind(node: dict[str, Any]) -> str:
    types = node.get("type", "object")
    kinds = [t for t in ([types] if isinstance(types, str) else types) if t != "null"]
    return kinds[0]


@cache
def documents(version: str) -> st.SearchStrategy[dict[str, Any]]:
    """Config-shaped documents of ``version``, mostly well-typed, sometimes not."""
    schema = schemas.load("ignition", version)
    defs = schema["definitions"]
    memo: dict[str, st.SearchStrategy[Any]] = {}

    def objects(node: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        props = {k: value(v) for k, v in node.get("properties", {}).items()}
        known = st.fixed_dictionaries({}, optional=props)
        extra = st.dictionaries(unknown_keys, json_values, max_size=1)
        return st.builds(lambda a, b: {**b, **a}, known, extra)

    def well_typed(node: dict[str, Any]) -> st.SearchStrategy[Any]:
        ref = node.get("$ref")
        if ref is not None:
            name = ref.rsplit("/", 1)[-1]
            if name not in memo:
                memo[name] = st.deferred(lambda: objects(defs[name]))
            return memo[name]
        kind = _kind(node)
        if kind == "object":
            return objects(node)
        if kind == "array":
            return st.lists(value(node["items"]), max_size=2)
        if kind == "integer":
            return integers
        if kind == "boolean":
            return st.booleans()
        return st.text(max_size=4)

    def value(node: dict[str, Any]) -> st.SearchStrategy[Any]:
        good = well_typed(node)
        # mostly the right type, so that documents reach deep into the schema
        return st.one_of(good, good, good, good, st.none(), json_values)

    return objects(schema)
