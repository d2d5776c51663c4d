"""go-yaml v1 semantics: scalar resolution, composition, errors, Go formatting."""

from __future__ import annotations

import math

import pytest

from cloudinit.goyaml import (
    GoKind,
    ResolveError,
    YamlError,
    compose,
    go_base64,
    parse_go_float,
    resolve,
)
from ignition.config.yamldoc import ScalarNode


def _value(text: str) -> tuple[GoKind, object]:
    doc = compose(f"k: {text}\n".encode())
    assert doc.root is not None
    value = doc.root.value[0][1]
    assert isinstance(value, ScalarNode)
    return resolve(value)


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("0644", GoKind.INT, 420),  # YAML 1.1 octal for an untyped value
        ("0999", GoKind.FLOAT, 999.0),  # not octal: Go's ParseFloat takes it
        ("644", GoKind.INT, 644),
        ("1_000", GoKind.INT, 1000),
        ("0x1F", GoKind.INT, 31),
        ("0o17", GoKind.INT, 15),
        ("0b101", GoKind.INT, 5),
        ("1.5", GoKind.FLOAT, 1.5),
        ("1e3", GoKind.FLOAT, 1000.0),
        ("1e400", GoKind.STRING, "1e400"),  # out of range: Go refuses, so it is text
        ("99999999999999999999", GoKind.FLOAT, 1e20),
        ("yes", GoKind.BOOL, True),
        ("Off", GoKind.BOOL, False),
        ("y", GoKind.BOOL, True),
        ("oN", GoKind.STRING, "oN"),
        ("~", GoKind.INVALID, None),
        ("null", GoKind.INVALID, None),
        ("'yes'", GoKind.STRING, "yes"),
        ('"0644"', GoKind.STRING, "0644"),
        ("!!str 12", GoKind.STRING, "12"),
        ("!!binary aGk=", GoKind.STRING, "hi"),
        ("2001-12-14", GoKind.STRING, "2001-12-14"),  # go-yaml v1 has no timestamps
        ("12:30", GoKind.STRING, "12:30"),
        ("+.inf", GoKind.FLOAT, math.inf),
        ("-inf", GoKind.FLOAT, -math.inf),
        ("1١", GoKind.STRING, "1١"),  # Python's float() would take Arabic digits; Go does not
    ],
)
def test_resolution_is_go_yaml_v1s(text: str, kind: GoKind, value: object) -> None:
    assert _value(text) == (kind, value)


def test_nan_resolves_to_float() -> None:
    kind, value = _value(".nan")
    assert kind is GoKind.FLOAT
    assert isinstance(value, float)
    assert math.isnan(value)


def test_go_parse_float_refuses_what_go_refuses() -> None:
    assert parse_go_float("0x1p-2") == 0.25
    assert parse_go_float("+nan") is None
    assert parse_go_float(" 1") is None
    assert parse_go_float("1_0") is None


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("aGk=", True),
        ("YR==", True),
        ("", True),
        ("aGk", False),
        ("aGk=aGk=", False),
        ("a===", False),
        ("aG\nk=", True),
        ("not base64!!", False),
    ],
)
def test_go_base64(text: str, ok: bool) -> None:
    if ok:
        go_base64(text)
    else:
        with pytest.raises(ValueError, match="illegal"):
            go_base64(text)


def test_yaml_errors_carry_go_yamls_zero_based_line_and_the_true_position() -> None:
    with pytest.raises(YamlError) as exc:
        compose(b"#cloud-config\nusers:\n\t- name: a\n")
    assert exc.value.message == "found character that cannot start any token"
    assert exc.value.go_line == 2
    assert (exc.value.line, exc.value.column) == (3, 1)


def test_reader_errors_have_no_go_line() -> None:
    with pytest.raises(YamlError) as exc:
        compose(b"#cloud-config\nhostname: a\x00b\n")
    assert exc.value.message == "control characters are not allowed"
    assert exc.value.go_line == 1
    assert exc.value.line == 2


def test_only_the_first_document_counts_and_later_errors_are_moot() -> None:
    doc = compose(b"a: 1\n---\nb: [\n")
    assert doc.more_documents
    assert doc.root is not None
    assert [k.value for k, _ in doc.root.value] == ["a"]


def test_a_redefined_anchor_replaces_the_earlier_one() -> None:
    doc = compose(b"a: &x 1\nb: &x 2\nc: *x\n")
    assert doc.anchors["x"].value == "2"


def test_an_anchor_redefined_inside_its_own_node_wins() -> None:
    # go-yaml registers a collection's anchor when the collection starts.
    doc = compose(b"a: &x {b: &x 1}\n")
    assert doc.anchors["x"].value == "1"


def test_deep_nesting_is_a_located_error() -> None:
    with pytest.raises(YamlError, match="nested deeper"):
        compose(b"a: " + b"[" * 500 + b"]" * 500 + b"\n")


def test_a_tag_that_does_not_fit_is_refused_without_quoting_the_value() -> None:
    with pytest.raises(ResolveError) as exc:
        _value("!!int hunter2")
    assert "hunter2" not in str(exc.value)
    assert str(exc.value) == "cannot decode a !!str value as a !!int"
