"""YAML documents as position-carrying node trees, for the YAML frontends (Butane, ct,
ignition-validate given Butane, the engine's user data).

The Go YAML libraries those tools use decode a scalar according to the *destination* field's
type (``0644`` is 420 for an int field and the text "0644" for a string field), so this module
does not resolve scalars into Python values: it composes a node tree from libyaml's events
(scalars keep their text, tag and quoting style; every node has a start position) and offers
helpers to interpret a scalar as a given type under YAML 1.1 or YAML 1.2 rules. Duplicate keys
are kept, in order, for the frontend to judge. Only the first document of a stream is read, as
the reference tools do.

Hostile input stays bounded: an alias is a copy of its anchored node positioned at the alias
(an ``Alias*`` node sharing the anchored node's children), and the nodes those copies stand for
are counted while composing, so a "billion laughs" document is refused at the alias that
crosses ``PYIGNITION_MAX_YAML_ALIAS_NODES`` before anything walks it; nesting (aliases
included) is bounded by :data:`MAX_DEPTH`, so no later walk can recurse without end.

:func:`compose_go_v1` composes the same tree the way go-yaml v1 (coreos-cloudinit) reads it:
tags are kept as written, anchors may be redefined anywhere (the last definition wins, forward
references included), so an alias stays an :class:`AliasRef` for the decoder to resolve; the
whole tree is measured after composing, with the same alias bound and depth limit.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from ignition.util import limits
from ignition.util.record import record

__all__ = [
    "MAX_DEPTH",
    "AliasCycleError",
    "AliasMapping",
    "AliasRef",
    "AliasScalar",
    "AliasSequence",
    "GoDocument",
    "MappingNode",
    "Node",
    "ScalarNode",
    "SequenceNode",
    "YamlSyntaxError",
    "compose_first",
    "compose_first_located",
    "compose_go_v1",
    "position",
    "resolve_bool",
    "resolve_float",
    "resolve_int",
    "resolve_null",
    "scalar_weight",
]

MAX_DEPTH = 200  # nesting, aliases expanded; configs nest about ten levels

try:  # libyaml: several times faster on large documents
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


@record
class YamlSyntaxError(Exception):
    message: str
    line: int  # 1-based
    column: int  # 1-based, characters

    def __str__(self) -> str:
        return f"line {self.line} col {self.column}: {self.message}"


class AliasCycleError(YamlSyntaxError):
    """An alias inside the node its anchor names: expanding it would never end."""

    __slots__ = ()


class Node:
    """A composed node. ``line``/``column`` are 0-based, as PyYAML's marks (and
    ``start_mark`` is the node itself, so code written against PyYAML nodes keeps working);
    a mapping's ``value`` is its (key, value) pairs, a sequence's its items."""

    __slots__ = ("column", "line", "style", "tag", "value")

    def __init__(self, tag: str, value: Any, line: int, column: int, style: str | None = None):
        self.tag = tag
        self.value = value
        self.line = line
        self.column = column
        self.style = style

    @property
    def start_mark(self) -> Node:
        return self


class ScalarNode(Node):
    __slots__ = ()
    value: str


class SequenceNode(Node):
    __slots__ = ()
    value: list[Node]


class MappingNode(Node):
    __slots__ = ()
    value: list[tuple[Node, Node]]


class AliasScalar(ScalarNode):
    """An alias (``*name``) to a scalar: the anchored node's content at the alias's position."""

    __slots__ = ()


class AliasSequence(SequenceNode):
    """An alias to a sequence, positioned where the alias is written."""

    __slots__ = ()


class AliasMapping(MappingNode):
    """An alias to a mapping, positioned where the alias is written."""

    __slots__ = ()


class AliasRef(Node):
    """go-yaml v1 only: an alias (``*name``) left for the decoder; ``value`` is the name."""

    __slots__ = ()
    value: str


class GoDocument:
    """The first document as go-yaml v1 composes it."""

    __slots__ = ("anchors", "more_documents", "root")

    def __init__(self, root: Node | None, anchors: dict[str, Node], more: bool) -> None:
        self.root = root
        self.anchors = anchors  # name -> its last definition in the document
        self.more_documents = more  # the stream has documents after the first (ignored)


def compose_first(text: str) -> Node | None:
    """The node tree of the first document (None for an empty stream); raises
    :class:`YamlSyntaxError` for a document libyaml refuses or that exceeds a bound."""
    size = len(text) if len(text) * 4 <= limits.yaml_size() else len(text.encode())
    too_large = limits.yaml_too_large(size)
    if too_large is not None:
        raise YamlSyntaxError(too_large, 1, 1)
    loader = _Loader(text)
    try:
        return _Composer(loader, limits.alias_nodes()).first_document()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = exc.problem or exc.context or "invalid YAML"
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise YamlSyntaxError(msg, line, col) from None
    except yaml.reader.ReaderError as exc:
        # libyaml reports a forbidden character by its offset in the UTF-8 encoding
        line, col = _byte_offset_position(text, exc.position)
        raise YamlSyntaxError(str(exc.reason), line, col) from None
    except yaml.YAMLError as exc:  # pragma: no cover - libyaml raises the two above
        raise YamlSyntaxError(str(exc), 1, 1) from None
    finally:
        loader.dispose()


compose_first_located = compose_first  # the name the frontends use: aliases keep their place


def compose_go_v1(data: bytes) -> GoDocument:
    """The first document of ``data`` composed as go-yaml v1 does (see the module's text).
    Raises :class:`YamlSyntaxError` (:class:`AliasCycleError` for a cycle) for a bound this
    module sets, and lets libyaml's :class:`yaml.YAMLError` through for the caller to word."""
    too_large = limits.yaml_too_large(len(data))
    if too_large is not None:
        raise YamlSyntaxError(too_large, 1, 1)
    loader = _Loader(data)
    try:
        composer = _GoV1Composer(loader, limits.alias_nodes())
        root = composer.first_document()
        more = root is not None and _more_documents(loader)
    finally:
        loader.dispose()
    anchors = {name: entry[0] for name, entry in composer.anchors.items() if type(entry) is tuple}
    if root is not None and anchors:
        composer.check_expansion(root, anchors)
    return GoDocument(root, anchors, more)


def _more_documents(loader: Any) -> bool:
    """Whether a document follows the first; go-yaml never reads it, so its errors are moot."""
    try:
        return bool(loader.check_event(yaml.DocumentStartEvent))
    except yaml.YAMLError:
        return False


def _byte_offset_position(text: str, offset: int) -> tuple[int, int]:
    head = text.encode("utf-8", "surrogatepass")[: max(0, offset)].decode("utf-8", "replace")
    last = head.rfind("\n")
    return head.count("\n") + 1, len(head) - last


def position(node: Node) -> tuple[int, int]:
    """1-based (line, column) where a node starts."""
    return node.line + 1, node.column + 1


def scalar_weight(text: str) -> int:
    """How many nodes a scalar counts as in the alias bound: one per started 256 characters,
    so that copies of one long value cannot amplify either."""
    return 1 + (len(text) >> 8)


_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_STR = "tag:yaml.org,2002:str"


class _Open:
    """A collection being composed: its node, expanded size and depth so far."""

    __slots__ = ("anchor", "depth", "items", "node", "size")

    def __init__(self, node: Node, anchor: str | None) -> None:
        self.node = node
        self.anchor = anchor
        self.items: list[Node] = []
        self.size = 1  # nodes this collection stands for, aliases expanded (see scalar_weight)
        self.depth = 1  # levels of nesting below and including it, aliases expanded


class _Composer:
    """Nodes from libyaml's events, iteratively (no recursion on deep input). Anchors follow
    yaml.v3: a redefined anchor replaces the earlier one for the aliases after it."""

    go_v1 = False
    too_deep = "document nested deeper than {} levels"

    def __init__(self, loader: Any, alias_limit: int) -> None:
        self.loader = loader
        self.alias_limit = alias_limit
        self.built = 0  # nodes stood for by aliases so far
        # anchor -> (node, size, depth) once complete; the _Open entry while being composed
        self.anchors: dict[str, tuple[Node, int, int] | _Open] = {}

    def first_document(self) -> Node | None:
        get = self.loader.get_event
        get()  # StreamStart
        if self.loader.check_event(yaml.StreamEndEvent):
            return None
        get()  # DocumentStart
        root = self.node()
        get()  # DocumentEnd: errors up to the end of the first document count
        return root

    def node(self) -> Node:
        get = self.loader.get_event
        resolve = self.loader.resolve
        stack: list[_Open] = []
        while True:
            ev = get()
            cls = ev.__class__
            if cls is yaml.ScalarEvent:
                mark = ev.start_mark
                tag = ev.tag
                if self.go_v1:
                    tag = _short_tag(tag)
                elif tag is None or tag == "!":
                    tag = resolve(yaml.ScalarNode, ev.value, ev.implicit)
                done: Node = ScalarNode(tag, ev.value, mark.line, mark.column, ev.style)
                size, depth = scalar_weight(ev.value), 0
                if ev.anchor is not None:
                    self.anchors[ev.anchor] = (done, size, 0)
            elif cls is yaml.AliasEvent:
                done, size, depth = self.alias(ev, len(stack))
            elif cls is yaml.SequenceStartEvent or cls is yaml.MappingStartEvent:
                stack.append(self.open(ev, cls is yaml.SequenceStartEvent, len(stack)))
                continue
            else:  # SequenceEndEvent, MappingEndEvent
                top = stack.pop()
                done, size, depth = self.close(top)
            if not stack:
                return done
            parent = stack[-1]
            parent.items.append(done)
            parent.size += size
            if depth + 1 > parent.depth:
                parent.depth = depth + 1

    def open(self, ev: Any, is_seq: bool, depth: int) -> _Open:
        mark = ev.start_mark
        if depth >= MAX_DEPTH:
            raise YamlSyntaxError(self.too_deep.format(MAX_DEPTH), mark.line + 1, mark.column + 1)
        tag = ev.tag
        if self.go_v1:
            tag = _short_tag(tag)
        elif tag is None or tag == "!":
            tag = _SEQ if is_seq else _MAP
        node = (SequenceNode if is_seq else MappingNode)(tag, None, mark.line, mark.column)
        entry = _Open(node, ev.anchor)
        if ev.anchor is not None:
            self.anchors[ev.anchor] = entry  # an alias to it from inside is a cycle
        return entry

    def close(self, top: _Open) -> tuple[Node, int, int]:
        node = top.node
        items = top.items
        if isinstance(node, MappingNode):
            node.value = list(zip(items[::2], items[1::2], strict=False))
        else:
            node.value = items
        if top.anchor is not None and self.anchors.get(top.anchor) is top:
            self.anchors[top.anchor] = (node, top.size, top.depth)
        return node, top.size, top.depth

    def alias(self, ev: Any, depth: int) -> tuple[Node, int, int]:
        mark = ev.start_mark
        line, col = mark.line + 1, mark.column + 1
        found = self.anchors.get(ev.anchor)
        if found is None:
            raise YamlSyntaxError(f"unknown anchor '{ev.anchor}' referenced", line, col)
        if isinstance(found, _Open):
            raise AliasCycleError(f"anchor '{ev.anchor}' value contains itself", line, col)
        target, size, below = found
        self.count_expansion(size, depth + below, line, col)
        kind = (
            AliasScalar
            if isinstance(target, ScalarNode)
            else AliasSequence
            if isinstance(target, SequenceNode)
            else AliasMapping
        )
        return kind(target.tag, target.value, mark.line, mark.column, target.style), size, below

    def count_expansion(self, size: int, depth: int, line: int, col: int) -> None:
        """Count an alias standing for ``size`` nodes, reaching ``depth`` levels expanded."""
        self.built += size
        if self.built > self.alias_limit:
            raise YamlSyntaxError(
                f"document contains excessive aliasing: aliases stand for more than "
                f"{self.alias_limit} nodes (set {limits.ALIAS_NODES_VAR} to raise the limit)",
                line,
                col,
            )
        if depth > MAX_DEPTH:
            msg = self.too_deep.format(MAX_DEPTH) + " (aliases expanded)"
            raise YamlSyntaxError(msg, line, col)


def _short_tag(tag: str | None) -> str:
    """A tag as go-yaml v1 writes it: ``!!str`` for the core schema, "" when none was given."""
    if not tag:
        return ""
    if tag.startswith("tag:yaml.org,2002:"):
        return "!!" + tag[len("tag:yaml.org,2002:") :]
    return tag


class _GoV1Composer(_Composer):
    """go-yaml v1: tags as written; an alias is an :class:`AliasRef`, resolved by the decoder
    to its anchor's last definition, so the expansion is measured on the finished tree."""

    go_v1 = True
    too_deep = "nested deeper than {} levels"

    def alias(self, ev: Any, depth: int) -> tuple[Node, int, int]:
        mark = ev.start_mark
        return AliasRef("", ev.anchor or "", mark.line, mark.column), 1, 0

    def check_expansion(self, root: Node, anchors: dict[str, Node]) -> None:
        """Refuse, at the alias that crosses it, a tree whose aliases stand for more nodes
        than the bound or nest deeper than :data:`MAX_DEPTH` (decoders walk every copy)."""
        memo, cycles = _measure(anchors)
        if cycles:
            c = cycles[0]
            line, col = position(c)
            raise AliasCycleError(f"anchor '{c.value}' value contains itself", line, col)
        stack = [(root, 0)]
        while stack:
            n, depth = stack.pop()
            if type(n) is AliasRef:
                t = anchors.get(n.value)
                size, below = memo.get(id(t), (1, 0)) if t is not None else (1, 0)
                self.count_expansion(size, depth + below, *position(n))
                continue
            stack.extend((c, depth + 1) for c in reversed(_kids(n)))


def _kids(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return node.value
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _measure(anchors: dict[str, Node]) -> tuple[dict[int, tuple[int, int]], list[Node]]:
    """(nodes, depth) each anchored node stands for once its aliases are expanded, keyed by
    ``id``, and the aliases found inside what they stand for (go-yaml v1 resolves an alias
    to the anchor's last definition, forward references included, so this runs last)."""
    memo: dict[int, tuple[int, int]] = {}
    on_path: set[int] = set()
    cycles: list[Node] = []

    def target(n: Node) -> Node | None:
        return anchors.get(n.value) if type(n) is AliasRef else n

    for start in anchors.values():
        stack = [(start, False)]
        while stack:
            n, leaving = stack.pop()
            if leaving:
                on_path.discard(id(n))
                size = scalar_weight(n.value) if isinstance(n, ScalarNode) else 1
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
        if len(body.lstrip("0")) > 20:  # beyond any int field (and int()'s digit limit)
            return sign * 2**70
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
