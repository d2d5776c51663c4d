"""yamldoc's go-yaml v1 mode: the same node tree, composed as coreos-cloudinit's library reads
YAML (tags as written, aliases left for the decoder, anchors redefinable anywhere)."""

from __future__ import annotations

import pytest

from ignition.config.yamldoc import (
    MAX_DEPTH,
    AliasCycleError,
    AliasRef,
    MappingNode,
    ScalarNode,
    SequenceNode,
    YamlSyntaxError,
    compose_first,
    compose_go_v1,
    position,
)
from ignition.util import limits


def _pairs(data: bytes) -> dict[str, object]:
    doc = compose_go_v1(data)
    assert isinstance(doc.root, MappingNode)
    return {k.value: v for k, v in doc.root.value}


def test_an_alias_is_a_reference_to_the_last_definition_even_a_later_one() -> None:
    doc = compose_go_v1(b"a: *x\nb: &x 1\nc: &x [2]\n")
    assert isinstance(doc.root, MappingNode)
    ref = doc.root.value[0][1]
    assert isinstance(ref, AliasRef)
    assert (ref.value, position(ref)) == ("x", (1, 4))
    assert isinstance(doc.anchors["x"], SequenceNode)


def test_an_unknown_anchor_is_left_for_the_decoder() -> None:
    assert isinstance(_pairs(b"a: *nowhere\n")["a"], AliasRef)


def test_tags_are_kept_as_written_where_the_default_mode_resolves_them() -> None:
    data = b"a: 1\nb: !!int 2\nc: !x 3\nd: '4'\n"
    go = _pairs(data)
    assert [(n.tag, n.style) for n in go.values()] == [  # type: ignore[attr-defined]
        ("", ""),
        ("!!int", ""),
        ("!x", ""),
        ("", "'"),
    ]
    default = compose_first(data.decode())
    assert isinstance(default, MappingNode)
    assert default.value[0][1].tag == "tag:yaml.org,2002:int"


def test_more_documents_are_noted_and_their_errors_ignored() -> None:
    assert compose_go_v1(b"a: 1\n---\nb: [\n").more_documents
    assert not compose_go_v1(b"a: 1\n").more_documents
    assert compose_go_v1(b"").root is None


def test_a_cycle_is_refused_at_the_alias_inside_its_anchor() -> None:
    with pytest.raises(AliasCycleError, match="anchor 'a' value contains itself") as info:
        compose_go_v1(b"x: 1\nb: *a\nc: &a [1, *a]\n")
    assert (info.value.line, info.value.column) == (3, 11)


def test_expansion_is_bounded_at_the_alias_that_crosses_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(limits.ALIAS_NODES_VAR, "100")
    row = b"a: &a [" + b", ".join([b"1"] * 9) + b"]\nb: &b [" + b", ".join([b"*a"] * 9) + b"]\n"
    compose_go_v1(row)  # 81 nodes expanded: within the bound
    with pytest.raises(YamlSyntaxError, match="excessive aliasing") as info:
        compose_go_v1(row + b"c: [*b]\n")
    assert (info.value.line, info.value.column) == (3, 5)


def test_nesting_is_bounded_with_go_yaml_v1s_words() -> None:
    with pytest.raises(YamlSyntaxError, match=f": nested deeper than {MAX_DEPTH} levels$"):
        compose_go_v1(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))
    deep = b"a: &a " + b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"\nb: [[*a]]\n"
    with pytest.raises(YamlSyntaxError, match=r"\(aliases expanded\)$"):
        compose_go_v1(deep)


def test_scalars_are_the_default_modes_scalar_nodes() -> None:
    value = _pairs(b"k: v\n")["k"]
    assert type(value) is ScalarNode
