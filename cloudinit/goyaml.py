"""YAML as coreos-cloudinit's Go library (go-yaml v1) reads it.

Composition uses libyaml's events (through PyYAML's C parser: the same scanner and parser
that go-yaml ported, so syntax errors carry the same problem texts and marks), but anchors and
aliases follow go-yaml: an anchor may be redefined (the last definition wins) and aliases are
resolved when values are decoded. Scalars keep their text; :func:`resolve` interprets a plain
scalar the way go-yaml v1 does for an untyped destination (``yes`` → bool, ``0644`` → 420,
``0999`` → 999.0, ``1_000`` → 1000), which is what the reference validator's "weak" decode
sees. Typed decoding of string fields keeps the scalar's text instead (see ``decode.py``).
"""

from __future__ import annotations

import binascii
import itertools
import math
import re
from collections.abc import Iterator, Mapping
from enum import StrEnum

import yaml

from ignition import limits
from ignition.record import field, record
from ignition.yamldoc import scalar_weight

MAX_DEPTH = 200  # deeper nesting is refused (no recursion errors on hostile input)

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


class NodeKind(StrEnum):
    SCALAR = "scalar"
    MAPPING = "mapping"
    SEQUENCE = "sequence"
    ALIAS = "alias"


@record
class YNode:
    kind: NodeKind
    line: int  # 1-based
    column: int  # 1-based, in characters
    tag: str = ""  # short form: "!!str", "!foo"; "" when none was written
    value: str = ""  # scalar text, or the anchor name of an alias
    quoted: bool = False  # quoted or block scalar without tag: always a string in go-yaml
    items: tuple[YNode, ...] = ()  # sequence items
    pairs: tuple[tuple[YNode, YNode], ...] = ()  # mapping entries in document order

    @property
    def pos(self) -> tuple[int, int]:
        return self.line, self.column


@record
class YDoc:
    root: YNode | None
    anchors: Mapping[str, YNode] = field(default_factory=dict)
    more_documents: bool = False  # the stream has documents after the first (ignored)


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


def _short_tag(tag: str | None) -> str:
    if not tag:
        return ""
    if tag.startswith("tag:yaml.org,2002:"):
        return "!!" + tag[len("tag:yaml.org,2002:") :]
    return tag


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


def _pos(mark: object) -> tuple[int, int]:
    line, column = getattr(mark, "line", 0), getattr(mark, "column", 0)
    return (line + 1, column + 1) if mark is not None else (1, 1)


class _Open:
    """A collection being composed (events arrive top-down; nodes are built bottom-up)."""

    __slots__ = ("anchor", "children", "event", "pos", "seq")

    def __init__(self, event: yaml.Event, seq: int) -> None:
        self.event = event
        self.pos = _pos(event.start_mark)
        self.anchor: str | None = getattr(event, "anchor", None)
        self.seq = seq  # when its anchor was defined (go-yaml registers it at the start)
        self.children: list[YNode] = []

    def close(self) -> YNode:
        tag = _short_tag(getattr(self.event, "tag", None))
        line, col = self.pos
        if isinstance(self.event, yaml.SequenceStartEvent):
            return YNode(NodeKind.SEQUENCE, line, col, tag=tag, items=tuple(self.children))
        kids = self.children
        pairs = tuple((kids[i], kids[i + 1]) for i in range(0, len(kids) - 1, 2))
        return YNode(NodeKind.MAPPING, line, col, tag=tag, pairs=pairs)


def compose(data: bytes) -> YDoc:
    """The first document of ``data`` as a node tree; raises :class:`YamlError`."""
    too_large = limits.yaml_too_large(len(data))
    if too_large is not None:
        raise YamlError(too_large, 1, 1, 1)
    anchors: dict[str, YNode] = {}
    defined: dict[str, int] = {}  # anchor → number of its latest definition
    ticks = itertools.count(1)
    stack: list[_Open] = []
    root: YNode | None = None
    events = yaml.parse(data, Loader=_Loader)
    try:
        for ev in events:
            if isinstance(ev, yaml.DocumentEndEvent):
                break
            if isinstance(ev, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                if len(stack) >= MAX_DEPTH:
                    line, col = _pos(ev.start_mark)
                    raise YamlError(f"nested deeper than {MAX_DEPTH} levels", line, line, col)
                if ev.anchor is not None:
                    defined[ev.anchor] = next(ticks)
                stack.append(_Open(ev, defined.get(ev.anchor or "", 0)))
                continue
            anchor: str | None = None
            if isinstance(ev, yaml.ScalarEvent):
                tag = _short_tag(ev.tag)
                line, col = _pos(ev.start_mark)
                quoted = not tag and not ev.implicit[0]
                node = YNode(NodeKind.SCALAR, line, col, tag=tag, value=ev.value, quoted=quoted)
                if ev.anchor is not None:
                    defined[ev.anchor] = next(ticks)
                    anchor = ev.anchor
            elif isinstance(ev, yaml.AliasEvent):
                line, col = _pos(ev.start_mark)
                node = YNode(NodeKind.ALIAS, line, col, value=ev.anchor or "")
            elif isinstance(ev, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                done = stack.pop()
                node = done.close()
                if done.anchor is not None and defined.get(done.anchor) == done.seq:
                    anchor = done.anchor  # not redefined inside: still the latest definition
            else:
                continue
            if anchor is not None:
                anchors[anchor] = node  # go-yaml: a redefined anchor replaces the earlier one
            if stack:
                stack[-1].children.append(node)
            else:
                root = node
        more = any(isinstance(ev, yaml.DocumentStartEvent) for ev in _quietly(events))
    except yaml.YAMLError as exc:
        raise _error(exc, data) from None
    doc = YDoc(root, anchors, more)
    _check_expansion(doc, limits.alias_nodes())
    return doc


def _kids(node: YNode) -> Iterator[YNode]:
    yield from node.items
    for k, v in node.pairs:
        yield k
        yield v


def _measure(doc: YDoc) -> tuple[dict[int, tuple[int, int]], list[YNode]]:
    """(nodes, depth) each anchored node stands for once its aliases are expanded, keyed by
    ``id``, and the aliases found inside what they stand for. go-yaml v1 resolves an alias
    when decoding, to the anchor's last definition (forward references included), so this
    runs on the whole tree."""
    anchors = doc.anchors
    memo: dict[int, tuple[int, int]] = {}
    on_path: set[int] = set()
    cycles: list[YNode] = []

    def target(n: YNode) -> YNode | None:
        return anchors.get(n.value) if n.kind is NodeKind.ALIAS else n

    for start in anchors.values():
        stack = [(start, False)]
        while stack:
            n, leaving = stack.pop()
            if leaving:
                on_path.discard(id(n))
                size = scalar_weight(n.value) if n.kind is NodeKind.SCALAR else 1
                depth = 0
                for c in _kids(n):
                    t = target(c)
                    s, d = memo.get(id(t), (1, 0)) if t is not None else (1, 0)
                    size += s
                    depth = max(depth, d + 1)
                memo[id(n)] = (size, depth)
                continue
            if id(n) in memo or id(n) in on_path:
                continue
            on_path.add(id(n))
            stack.append((n, True))
            for c in _kids(n):
                t = target(c)
                if t is not None and id(t) in on_path:
                    cycles.append(c)
                elif t is not None and id(t) not in memo:
                    stack.append((t, False))
    return memo, cycles


def _check_expansion(doc: YDoc, limit: int) -> None:
    """Refuse, at the alias that crosses it, a document whose aliases stand for more than
    ``limit`` nodes or nest deeper than :data:`MAX_DEPTH` (the decoders walk every copy)."""
    if doc.root is None or not doc.anchors:
        return
    memo, cycles = _measure(doc)
    if cycles:  # the decoders would recurse without end; go-yaml's words, on line 1
        c = cycles[0]
        raise YamlError(f"anchor '{c.value}' value contains itself", 1, c.line, c.column)
    built = 0
    stack = [(doc.root, 0)]
    while stack:
        n, depth = stack.pop()
        if n.kind is NodeKind.ALIAS:
            t = doc.anchors.get(n.value)
            size, below = memo.get(id(t), (1, 0)) if t is not None else (1, 0)
            built += size
            if built > limit:
                raise YamlError(
                    "document contains excessive aliasing: aliases stand for more than "
                    f"{limit} nodes (set {limits.ALIAS_NODES_VAR} to raise the limit)",
                    n.line,
                    n.line,
                    n.column,
                )
            if depth + below > MAX_DEPTH:
                msg = f"nested deeper than {MAX_DEPTH} levels (aliases expanded)"
                raise YamlError(msg, n.line, n.line, n.column)
            continue
        stack.extend((c, depth + 1) for c in reversed(list(_kids(n))))


def _quietly(events: Iterator[yaml.Event]) -> Iterator[yaml.Event]:
    """Events after the first document; go-yaml never reads them, so errors there are moot."""
    try:
        yield from events
    except yaml.YAMLError:
        return


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


def resolve(node: YNode) -> tuple[GoKind, object]:
    """The value go-yaml v1 gives a scalar decoded into ``interface{}``."""
    if node.quoted:
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


def is_null(node: YNode) -> bool:
    return (
        node.kind is NodeKind.SCALAR
        and not node.quoted
        and node.tag in ("", "!!null")
        and (node.value in _NULLS)
    )


def is_merge_key(node: YNode) -> bool:
    return (
        node.kind is NodeKind.SCALAR
        and node.value == "<<"
        and not node.quoted
        and (node.tag in ("", "!!merge"))
    )


__all__ = [
    "GoKind",
    "NodeKind",
    "ResolveError",
    "YDoc",
    "YNode",
    "YamlError",
    "compose",
    "decode_binary",
    "go_base64",
    "is_merge_key",
    "is_null",
    "parse_go_float",
    "parse_go_int",
    "resolve",
]
