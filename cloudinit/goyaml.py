"""YAML as coreos-cloudinit's Go library (go-yaml v1) reads it.

The node tree is :mod:`ignition.config.yamldoc`'s, composed in its go-yaml v1 mode from libyaml's
events (PyYAML's C parser: the same scanner and parser that go-yaml ported, so syntax errors
carry the same problem texts and marks, worded here as go-yaml words them): an anchor may be
redefined (the last definition wins) and aliases are resolved when values are decoded. Scalars
keep their text and tag as written; :func:`resolve` interprets a plain
scalar the way go-yaml v1 does for an untyped destination (``yes`` → bool, ``0644`` → 420,
``0999`` → 999.0, ``1_000`` → 1000), which is what the reference validator's "weak" decode
sees. Typed decoding of string fields keeps the scalar's text instead (see ``decode.py``).
"""

from __future__ import annotations

import binascii
import math
import re
from enum import StrEnum

import yaml

from ignition.config.yamldoc import (
    MAX_DEPTH,
    AliasCycleError,
    GoDocument,
    Node,
    ScalarNode,
    YamlSyntaxError,
    compose_go_v1,
)
from ignition.util.record import record


@record
class YamlError(Exception):
    """A document go-yaml refuses. ``go_line`` is the line the reference prints: go-yaml
    reports the 0-based line of the problem (or of its context), and coreos-cloudinit uses
    line 1 when there is none. ``line``/``column`` are the true 1-based position."""

    message: str
    go_line: int
    line: int
    column: int

    def __str__(self) -> str:
        return f"line {self.line} col {self.column}: {self.message}"


def compose(data: bytes) -> GoDocument:
    """The first document of ``data`` as go-yaml v1 composes it; raises :class:`YamlError`."""
    try:
        return compose_go_v1(data)
    except AliasCycleError as exc:  # go-yaml finds it when decoding: no line of its own
        raise YamlError(exc.message, 1, exc.line, exc.column) from None
    except YamlSyntaxError as exc:  # our bounds: printed on the line where they are crossed
        raise YamlError(exc.message, exc.line, exc.line, exc.column) from None
    except yaml.YAMLError as exc:
        raise _error(exc, data) from None


def _offset_position(data: bytes, offset: int) -> tuple[int, int]:
    head = data[: max(0, offset)]
    line = head.count(b"\n") + 1
    last = head.rfind(b"\n")
    col = len(head[last + 1 :].decode("utf-8", "replace")) + 1
    return line, col


def _error(exc: yaml.YAMLError, data: bytes) -> YamlError:
    if isinstance(exc, yaml.MarkedYAMLError):
        pm, cm = exc.problem_mark, exc.context_mark
        msg = exc.problem or "Unknown problem parsing YAML content"
        go_line = (pm.line if pm is not None else 0) or (cm.line if cm is not None else 0) or 1
        mark = pm or cm
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        return YamlError(msg, go_line, line, col)
    if isinstance(exc, yaml.reader.ReaderError):
        line, col = _offset_position(data, exc.position)
        return YamlError(str(exc.reason), 1, line, col)
    return YamlError(str(exc), 1, 1, 1)  # pragma: no cover - libyaml raises the two above


def quoted(node: ScalarNode) -> bool:
    """A quoted or block scalar without a tag: always a string in go-yaml."""
    return not node.tag and node.style not in (None, "")


# ------------------------------------------------------------------ go-yaml v1 scalar resolution


class GoKind(StrEnum):
    """reflect.Kind of a decoded value, as the reference validator compares them."""

    INVALID = "invalid"  # YAML null
    STRING = "string"
    INT = "int"
    FLOAT = "float64"
    BOOL = "bool"
    MAP = "map"
    SLICE = "slice"
    STRUCT = "struct"


_BOOLS = {
    **{w: True for w in ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON")},
    **{
        w: False
        for w in ("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF")
    },
}
_NULLS = {"", "~", "null", "Null", "NULL"}
_SPECIAL_FLOATS = {
    **{w: math.nan for w in (".nan", ".NaN", ".NAN")},
    **{w: math.inf for w in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")},
    **{w: -math.inf for w in ("-.inf", "-.Inf", "-.INF")},
}
_HINT_MAP = set("yYnNtTfFoO~")
_GO_INT = re.compile(
    r"[+-]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)"
)  # strconv.ParseInt(s, 0, 64) syntax (underscores were removed before)
_GO_FLOAT = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    r"|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+"
    r"|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)"
    r"|[nN][aA][nN]"
)


class ResolveError(ValueError):
    """go-yaml refuses a scalar (bad ``!!binary``, an explicit tag that does not fit)."""


def parse_go_int(text: str) -> int | None:
    """``strconv.ParseInt(text, 0, 64)``; None when Go returns an error."""
    if not _GO_INT.fullmatch(text):
        return None
    neg = text.startswith("-")
    body = text.lstrip("+-")
    low = body.lower()
    if low.startswith("0x"):
        v = int(body[2:], 16)
    elif low.startswith("0o"):
        v = int(body[2:], 8)
    elif low.startswith("0b"):
        v = int(body[2:], 2)
    elif len(body) > 1 and body.startswith("0"):
        v = int(body, 8)
    elif len(body) > 20:
        return None  # out of range (and past int()'s digit limit)
    else:
        v = int(body)
    v = -v if neg else v
    if not -(2**63) <= v < 2**63:
        return None
    return v


def parse_go_float(text: str) -> float | None:
    """``strconv.ParseFloat(text, 64)``; None when Go returns an error (also out of range)."""
    if not _GO_FLOAT.fullmatch(text):
        return None
    low = text.lower().lstrip("+-")
    if low in ("inf", "infinity"):
        return -math.inf if text.startswith("-") else math.inf
    if low == "nan":
        return math.nan
    try:
        v = float.fromhex(text) if "0x" in text.lower() else float(text)
    except (ValueError, OverflowError):
        return None
    if math.isinf(v):
        return None  # Go: value out of range
    return v


def decode_binary(text: str) -> str:
    """``!!binary``: Go's base64.StdEncoding (newlines ignored); bytes kept as surrogates."""
    try:
        raw = go_base64(text)
    except ValueError:
        raise ResolveError("!!binary value contains invalid base64 data") from None
    return raw.decode("utf-8", "surrogateescape")


def go_base64(text: str) -> bytes:
    """Go's ``base64.StdEncoding.DecodeString``: strict padding, ``\\r``/``\\n`` skipped,
    trailing bits not checked. Raises ValueError."""
    s = text.replace("\r", "").replace("\n", "")
    body = s.rstrip("=")
    if len(s) % 4 or len(s) - len(body) > 2 or not _B64_BODY.fullmatch(body):
        raise ValueError("illegal base64 data")
    try:
        return binascii.a2b_base64(s.encode("ascii"), strict_mode=True)
    except binascii.Error:
        raise ValueError("illegal base64 data") from None


_B64_BODY = re.compile(r"[A-Za-z0-9+/]*")


def resolve(node: ScalarNode) -> tuple[GoKind, object]:
    """The value go-yaml v1 gives a scalar decoded into ``interface{}``."""
    if quoted(node):
        return GoKind.STRING, node.value
    tag = node.tag
    if tag == "!!binary":
        return GoKind.STRING, decode_binary(node.value)
    if tag not in ("", "!!str", "!!bool", "!!int", "!!float", "!!null"):
        return GoKind.STRING, node.value  # go-yaml does not resolve other tags
    if tag == "!!str":
        return GoKind.STRING, node.value
    kind, value = _resolve_plain(node.value)
    if tag and tag != "!!null" and _TAG_KIND[tag] is not kind:
        if tag == "!!float" and kind is GoKind.INT:
            return GoKind.FLOAT, float(value)  # type: ignore[arg-type]
        want = "!!null" if kind is GoKind.INVALID else _KIND_TAG[kind]
        # go-yaml quotes the value here; it may be a secret (a password), so it is left out.
        raise ResolveError(f"cannot decode a {want} value as a {tag}")
    if tag == "!!null" and kind is not GoKind.INVALID:
        raise ResolveError(f"cannot decode a {_KIND_TAG[kind]} value as a !!null")
    return kind, value


_TAG_KIND = {"!!bool": GoKind.BOOL, "!!int": GoKind.INT, "!!float": GoKind.FLOAT}
_KIND_TAG = {
    GoKind.BOOL: "!!bool",
    GoKind.INT: "!!int",
    GoKind.FLOAT: "!!float",
    GoKind.STRING: "!!str",
}


def _resolve_plain(text: str) -> tuple[GoKind, object]:
    if text in _NULLS:
        return GoKind.INVALID, None
    first = text[0]
    if first in _HINT_MAP or first in "+-.0123456789":
        if text in _BOOLS:
            return GoKind.BOOL, _BOOLS[text]
        if text in _SPECIAL_FLOATS:
            return GoKind.FLOAT, _SPECIAL_FLOATS[text]
    if first == ".":
        f = parse_go_float(text)
        if f is not None:
            return GoKind.FLOAT, f
    elif first in "+-0123456789":
        plain = text.replace("_", "")
        i = parse_go_int(plain)
        if i is not None:
            return GoKind.INT, i
        f = parse_go_float(plain)
        if f is not None:
            return GoKind.FLOAT, f
    return GoKind.STRING, text


def is_merge_key(node: Node) -> bool:
    return (
        type(node) is ScalarNode
        and node.value == "<<"
        and not quoted(node)
        and (node.tag in ("", "!!merge"))
    )


__all__ = [
    "MAX_DEPTH",
    "GoKind",
    "ResolveError",
    "YamlError",
    "compose",
    "decode_binary",
    "go_base64",
    "is_merge_key",
    "parse_go_float",
    "parse_go_int",
    "quoted",
    "resolve",
]
