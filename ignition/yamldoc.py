"""YAML documents as position-carrying node trees, for the YAML frontends (Butane, ct,
cloud-config).

The Go YAML libraries those tools use decode a scalar according to the *destination* field's
type (``0644`` is 420 for an int field and the text "0644" for a string field), so this module
does not resolve scalars into Python values: it returns PyYAML's composed node tree (scalars
keep their text, tag and quoting style; every node has a start mark) and helpers to interpret a
scalar as a given type under YAML 1.1 or YAML 1.2 rules. Duplicate keys are kept, in order, for
the frontend to judge. Only the first document of a stream is read, as the reference tools do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = [
    "AliasMapping",
    "AliasScalar",
    "AliasSequence",
    "MappingNode",
    "Node",
    "ScalarNode",
    "SequenceNode",
    "YamlSyntaxError",
    "compose_first",
    "compose_first_located",
    "position",
    "resolve_bool",
    "resolve_float",
    "resolve_int",
    "resolve_null",
]

try:  # libyaml: several times faster on large documents
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


@dataclass(frozen=True, slots=True)
class YamlSyntaxError(Exception):
    message: str
    line: int  # 1-based
    column: int  # 1-based, characters

    def __str__(self) -> str:
        return f"line {self.line} col {self.column}: {self.message}"


def compose_first(text: str) -> Node | None:
    """The node tree of the first document (None for an empty stream)."""
    return _first_node(_Loader(text))


def _first_node(loader: Any) -> Node | None:
    """The loader's first document node; YAML errors become located :class:`YamlSyntaxError`."""
    try:
        node: Node | None = loader.get_node() if loader.check_node() else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = exc.problem or exc.context or "invalid YAML"
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise YamlSyntaxError(msg, line, col) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc), 1, 1) from None
    finally:
        loader.dispose()
    return node


def position(node: Node) -> tuple[int, int]:
    """1-based (line, column) where a node starts."""
    mark = node.start_mark
    return mark.line + 1, mark.column + 1


# ----------------------------------------------------------------------- scalar resolution

_NULL = {"", "~", "null", "Null", "NULL"}
_BOOL12 = {"true": True, "True": True, "TRUE": True, "false": False, "False": False,
           "FALSE": False}  # fmt: skip
_BOOL11 = {
    **_BOOL12,
    **{w: True for w in ("y", "Y", "yes", "Yes", "YES", "on", "On", "ON")},
    **{w: False for w in ("n", "N", "no", "No", "NO", "off", "Off", "OFF")},
}
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)")
_OCT11 = re.compile(r"[-+]?0[0-7_]+")
_OCT12 = re.compile(r"[-+]?0o[0-7]+")
_HEX = re.compile(r"[-+]?0x[0-9a-fA-F_]+")
_BIN = re.compile(r"[-+]?0b[01_]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?")


def _plain(node: ScalarNode) -> bool:
    return node.style in (None, "")


def resolve_null(node: ScalarNode) -> bool:
    return _plain(node) and node.value in _NULL and node.tag != "tag:yaml.org,2002:str"


def resolve_bool(node: ScalarNode, *, yaml11: bool) -> bool | None:
    if not _plain(node):
        return None
    return (_BOOL11 if yaml11 else _BOOL12).get(node.value)


def resolve_int(node: ScalarNode, *, legacy_octal: bool = True) -> int | None:
    """An integer scalar: decimal, ``0o17``, ``0x1f``, ``0b101`` and, with ``legacy_octal``
    (YAML 1.1, and Go's yaml.v3 for int fields), ``0644``."""
    if not _plain(node):
        return None
    text = node.value
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-").replace("_", "")
    if _HEX.fullmatch(text):
        return sign * int(body[2:], 16)
    if _OCT12.fullmatch(text):
        return sign * int(body[2:], 8)
    if _BIN.fullmatch(text):
        return sign * int(body[2:], 2)
    if legacy_octal and _OCT11.fullmatch(text):
        return sign * int(body, 8)
    if _INT.fullmatch(text) or re.fullmatch(r"[-+]?0[0-9]+", text):
        return sign * int(body, 10)
    return None


def resolve_float(node: ScalarNode) -> float | None:
    if not _plain(node):
        return None
    text = node.value
    low = text.lower()
    if low in (".inf", "+.inf"):
        return float("inf")
    if low == "-.inf":
        return float("-inf")
    if low == ".nan":
        return float("nan")
    if _FLOAT.fullmatch(text):
        return float(text.replace("_", ""))
    return None


# ----------------------------------------------------------------------- aliases with positions


class AliasScalar(ScalarNode):
    """An alias (``*name``) to a scalar: the anchored node's content at the alias's position."""


class AliasSequence(SequenceNode):
    """An alias to a sequence, positioned where the alias is written."""


class AliasMapping(MappingNode):
    """An alias to a mapping, positioned where the alias is written."""


class _AliasComposer(yaml.composer.Composer):
    """PyYAML's composer returns the anchored node itself for an alias, so every diagnostic
    about an aliased value would point at the anchor; this one keeps the alias's own marks."""

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        parser: Any = self  # the Parser half of the loader this class is mixed into
        if parser.check_event(yaml.AliasEvent):
            event = parser.peek_event()
            target = self.anchors.get(event.anchor)
            if target is not None:
                parser.get_event()
                if isinstance(target, ScalarNode):
                    return AliasScalar(
                        target.tag, target.value, event.start_mark, event.end_mark, target.style
                    )
                if isinstance(target, SequenceNode):
                    return AliasSequence(target.tag, target.value, event.start_mark, event.end_mark)
                return AliasMapping(target.tag, target.value, event.start_mark, event.end_mark)
        node: Node | None = super().compose_node(parent, index)
        return node


class _AliasLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    _AliasComposer,
    yaml.constructor.SafeConstructor,
    yaml.resolver.Resolver,
):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        _AliasComposer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)


def compose_first_located(text: str) -> Node | None:
    """Like :func:`compose_first`, but an alias is a copy of its anchored node positioned at
    the alias (an ``Alias*`` node). Uses the pure-Python parser only when the text may hold
    an alias, so large alias-free documents keep libyaml's speed."""
    if "*" not in text:
        return compose_first(text)
    try:
        loader = _AliasLoader(text)
    except yaml.reader.ReaderError as exc:  # checked while the loader reads its first chunk
        before = text[: exc.position]
        line, col = before.count("\n") + 1, exc.position - before.rfind("\n")
        raise YamlSyntaxError(str(exc.reason), line, col) from None
    return _first_node(loader)
