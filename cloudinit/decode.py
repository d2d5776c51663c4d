"""The validator's *weak* decode: the document as untyped Go values.

coreos-cloudinit decodes a document twice: into ``map[interface{}]interface{}`` (scalars
resolved by go-yaml: ``0644`` → 420, ``yes`` → true; key names as written) and into its typed
structs (:mod:`cloudinit.typed`). Each weak value becomes a :class:`WNode` with the
reference's scanned line number, our true position and its path (keys normalised ``-`` → ``_``,
list indices as in the document). Alias resolution and its limits are shared by both decodes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from cloudinit.goyaml import GoKind, ResolveError, is_merge_key, resolve
from cloudinit.refline import Cursor, Lines
from ignition.config import gofmt
from ignition.config.report import Path
from ignition.config.yamldoc import (
    AliasRef,
    GoDocument,
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    position,
)
from ignition.util.record import field, record

Pos = tuple[int, int]
MAX_KEY_TEXT = 1000  # characters of a mapping or list key printed in the "invalid map key" error


class DecodeError(Exception):
    """go-yaml gives up on the document (reported by the reference on line 1)."""

    def __init__(self, message: str, pos: Pos) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


@record
class WNode:
    name: str  # the reference's node name: the key as written, "-" → "_"; "parent[i]" for items
    kind: GoKind
    value: object  # scalar value (str, int, float, bool) or None
    children: tuple[WNode, ...]
    ref_line: int  # what the reference prints (0: its scan found nothing)
    path: Path
    pos: Pos  # where the value starts
    key_pos: Pos  # where its key (or list item) starts; the value's position for the root

    def child(self, name: str) -> WNode | None:
        for c in self.children:
            if c.name == name:
                return c
        return None

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def go_string(self) -> str:
        """``reflect.Value.String()``: the text of a string, ``<T Value>`` for other kinds."""
        if self.kind is GoKind.STRING:
            assert isinstance(self.value, str)
            return self.value
        return _GO_TYPE_VALUE[self.kind]


_GO_TYPE_VALUE = {
    GoKind.INVALID: "<invalid Value>",
    GoKind.INT: "<int Value>",
    GoKind.FLOAT: "<float64 Value>",
    GoKind.BOOL: "<bool Value>",
    GoKind.MAP: "<map[interface {}]interface {} Value>",
    GoKind.SLICE: "<[]interface {} Value>",
    GoKind.STRUCT: "<struct Value>",
}


@record
class Duplicate:
    path: Path
    pos: Pos  # the later key (whose value is used)
    first: Pos


@record(frozen=False)
class Walk:
    """Shared state of one decode: alias resolution and its limits, findings for notes."""

    doc: GoDocument
    active: set[str] = field(default_factory=set)
    duplicates: list[Duplicate] = field(default_factory=list)

    def deref(self, node: Node) -> Iterator[Node]:
        """Yield the node an alias stands for (once), guarding against cycles (the expansion
        itself was bounded when the document was composed)."""
        if not isinstance(node, AliasRef):
            yield node
            return
        target = self.doc.anchors.get(node.value)
        if target is None:
            raise DecodeError(f"unknown anchor '{node.value}' referenced", position(node))
        if node.value in self.active:
            raise DecodeError(f"anchor '{node.value}' value contains itself", position(node))
        self.active.add(node.value)
        try:
            yield from self.deref(target)
        finally:
            self.active.discard(node.value)


def normalize(name: str) -> str:
    return name.replace("-", "_")


# ------------------------------------------------------------------------------------ weak


@record
class _Entry:
    key: object
    key_node: Node
    value: Node


def _key_identity(kind: GoKind, value: object) -> object:
    if kind is GoKind.FLOAT and isinstance(value, float) and math.isnan(value):
        return object()  # NaN never equals itself: every NaN key is a new map entry in Go
    return (kind, value)


def _map_entries(w: Walk, node: Node, path: Path) -> list[_Entry]:
    """A mapping's entries as a Go map holds them: merges applied, the last duplicate wins."""
    out: dict[object, _Entry] = {}
    first_pos: dict[object, Pos] = {}
    _fill_map(w, node, path, out, first_pos)
    return list(out.values())


def _fill_map(
    w: Walk, node: Node, path: Path, out: dict[object, _Entry], first_pos: dict[object, Pos]
) -> None:
    for k, v in node.value:
        if is_merge_key(k):
            for src in merge_sources(w, v):
                _fill_map(w, src, path, out, first_pos)
            continue
        key_node = next(w.deref(k))
        if not isinstance(key_node, ScalarNode):
            raise first_bad_key(w.doc)
        try:
            kind, value = resolve(key_node)
        except ResolveError as exc:
            raise DecodeError(str(exc), position(k)) from None
        ident = _key_identity(kind, value)
        if ident in first_pos:
            w.duplicates.append(
                Duplicate((*path, _path_key(key_node, value)), position(k), first_pos[ident])
            )
        else:
            first_pos[ident] = position(k)
        out.pop(ident, None)
        out[ident] = _Entry(value, k, v)


def first_bad_key(doc: GoDocument) -> DecodeError:
    """go-yaml's error for the first mapping or list used as a mapping key, in its decode
    order (each key, then its value, depth first), printed with Go's ``%v``."""
    found = _find_bad_key(Walk(doc), doc.root)
    assert found is not None  # only called once such a key was seen
    return found


def _find_bad_key(w: Walk, node: Node | None) -> DecodeError | None:
    for n in w.deref(node) if node is not None else ():
        if isinstance(n, SequenceNode):
            return next(filter(None, (_find_bad_key(w, item) for item in n.value)), None)
        for k, v in n.value if isinstance(n, MappingNode) else ():
            if is_merge_key(k):
                found = next(filter(None, (_find_bad_key(w, m) for m in merge_sources(w, v))), None)
            else:
                key = next(w.deref(k))
                if not isinstance(key, ScalarNode):  # a bad key inside this one comes first
                    found = _find_bad_key(w, key)
                    text = "" if found else gofmt.format_v(_go_value(w, key), MAX_KEY_TEXT)
                    return found or DecodeError(f"invalid map key: {text}", position(k))
                found = _find_bad_key(w, v)
            if found is not None:
                return found
    return None


def _go_value(w: Walk, node: Node) -> object:
    """The untyped Go value of ``node``: scalars resolved, maps as ``gofmt.GoMap``."""
    n = next(w.deref(node))
    if isinstance(n, ScalarNode):
        try:
            return resolve(n)[1]
        except ResolveError as exc:
            raise DecodeError(str(exc), position(n)) from None
    if isinstance(n, SequenceNode):
        return [_go_value(w, item) for item in n.value]
    return gofmt.GoMap([(e.key, _go_value(w, e.value)) for e in _map_entries(w, n, ())])


def merge_sources(w: Walk, v: Node) -> list[Node]:
    msg = "map merge requires map or sequence of maps as the value"
    target = next(w.deref(v))
    if isinstance(target, MappingNode):
        return [target]
    if isinstance(target, SequenceNode):
        out: list[Node] = []
        for item in reversed(target.value):  # earlier maps take precedence: applied last
            m = next(w.deref(item))
            if not isinstance(m, MappingNode):
                raise DecodeError(msg, position(item))
            out.append(m)
        return out
    raise DecodeError(msg, position(v))


def _path_key(key_node: Node, value: object) -> str:
    return normalize(value) if isinstance(value, str) else key_node.value


def weak_tree(doc: GoDocument, text: str) -> tuple[WNode, list[Duplicate]]:
    """The validator's node tree (before coercion). Raises :class:`DecodeError`."""
    w = Walk(doc)
    cursor = Cursor(Lines(text))
    root = doc.root
    if root is None:
        return WNode("", GoKind.MAP, None, (), 0, (), (1, 1), (1, 1)), w.duplicates
    top = next(w.deref(root))
    if not isinstance(top, MappingNode):
        # go-yaml cannot put a list or a scalar into the map: it leaves it empty, silently.
        return WNode("", GoKind.MAP, None, (), 0, (), position(top), position(top)), w.duplicates
    node = _weak(w, root, "", cursor, (), 0, position(root))
    return node, w.duplicates


def _weak(
    w: Walk, node: Node, raw_name: str, cursor: Cursor, path: Path, ref_line: int, key_pos: Pos
) -> WNode:
    for n in w.deref(node):
        name = normalize(raw_name)
        if isinstance(n, ScalarNode):
            try:
                kind, value = resolve(n)
            except ResolveError as exc:
                raise DecodeError(str(exc), position(n)) from None
            return WNode(name, kind, value, (), ref_line, path, position(n), key_pos)
        kids: list[WNode] = []
        if isinstance(n, MappingNode):
            for e in _map_entries(w, n, path):
                cname = gofmt.sprint_s(e.key)
                found_at, ok = cursor.find_key(cname)
                kids.append(
                    _weak(
                        w,
                        e.value,
                        cname,
                        found_at,
                        (*path, _path_key(e.key_node, e.key)),
                        found_at.number if ok else 0,
                        position(e.key_node),
                    )
                )
            return WNode(name, GoKind.MAP, None, tuple(kids), ref_line, path, position(n), key_pos)
        c = cursor
        for i, item in enumerate(n.value):
            c, ok = c.find_elem()
            kids.append(
                _weak(
                    w,
                    item,
                    f"{raw_name}[{i}]",
                    c,
                    (*path, i),
                    c.number if ok else 0,
                    position(item),
                )
            )
            c = c.next()
        return WNode(name, GoKind.SLICE, None, tuple(kids), ref_line, path, position(n), key_pos)
    raise AssertionError("unreachable")  # pragma: no cover
