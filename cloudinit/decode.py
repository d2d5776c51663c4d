"""The two decodes coreos-cloudinit performs, and the tree its validator checks.

*Weak*: the document into untyped Go values (``map[interface{}]interface{}``), scalars resolved
by go-yaml (``0644`` → 420, ``yes`` → true), key names as written. Each value becomes a
:class:`WNode` with the reference's scanned line number, our true position and its path (keys
normalised ``-`` → ``_``, list indices as in the document).

*Strong*: the document into the typed structs (:mod:`cloudinit.schema`), with go-yaml v1's
rules: string fields keep the scalar's text (``0644`` stays "0644", ``off`` stays "off"),
bool fields take only YAML booleans, int fields truncate floats, values of the wrong type are
silently dropped (list items that cannot be decoded vanish and later items move up), a null
resets a field. The result is a tree of :class:`SVal`.

:func:`coerce` merges them as the validator does: a weak leaf takes the strong value when the
two kinds are compatible. The validator's rules run on that tree; the converter reads the
strong values.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from cloudinit import gofmt
from cloudinit.goyaml import GoKind, NodeKind, ResolveError, YDoc, YNode, is_merge_key, resolve
from cloudinit.refline import Cursor, Lines
from cloudinit.schema import Field, FieldType, field_map
from ignition.record import field, record, replace
from ignition.report import Path

Pos = tuple[int, int]
MAX_EXPANSION = 200_000  # nodes visited through aliases: refuses "billion laughs" documents


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
class _Walk:
    """Shared state of one decode: alias resolution and its limits, findings for notes."""

    doc: YDoc
    visited: int = 0
    active: set[str] = field(default_factory=set)
    duplicates: list[Duplicate] = field(default_factory=list)

    def deref(self, node: YNode) -> Iterator[YNode]:
        """Yield the node an alias stands for (once), guarding against cycles and bombs."""
        self.visited += 1
        if self.visited > MAX_EXPANSION:
            raise DecodeError("document too large after expanding aliases", node.pos)
        if node.kind is not NodeKind.ALIAS:
            yield node
            return
        target = self.doc.anchors.get(node.value)
        if target is None:
            raise DecodeError(f"unknown anchor '{node.value}' referenced", node.pos)
        if node.value in self.active:
            raise DecodeError(f"anchor '{node.value}' value contains itself", node.pos)
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
    key_node: YNode
    value: YNode


def _key_identity(kind: GoKind, value: object) -> object:
    if kind is GoKind.FLOAT and isinstance(value, float) and math.isnan(value):
        return object()  # NaN never equals itself: every NaN key is a new map entry in Go
    return (kind, value)


def _map_entries(w: _Walk, node: YNode, path: Path) -> list[_Entry]:
    """A mapping's entries as a Go map holds them: merges applied, the last duplicate wins."""
    out: dict[object, _Entry] = {}
    first_pos: dict[object, Pos] = {}
    _fill_map(w, node, path, out, first_pos)
    return list(out.values())


def _fill_map(
    w: _Walk, node: YNode, path: Path, out: dict[object, _Entry], first_pos: dict[object, Pos]
) -> None:
    for k, v in node.pairs:
        if is_merge_key(k):
            for src in _merge_sources(w, v):
                _fill_map(w, src, path, out, first_pos)
            continue
        key_node = next(w.deref(k))
        if key_node.kind is not NodeKind.SCALAR:
            raise DecodeError("invalid map key: a mapping or list cannot be a key", k.pos)
        try:
            kind, value = resolve(key_node)
        except ResolveError as exc:
            raise DecodeError(str(exc), k.pos) from None
        ident = _key_identity(kind, value)
        if ident in first_pos:
            w.duplicates.append(
                Duplicate((*path, _path_key(key_node, value)), k.pos, first_pos[ident])
            )
        else:
            first_pos[ident] = k.pos
        out.pop(ident, None)
        out[ident] = _Entry(value, k, v)


def _merge_sources(w: _Walk, v: YNode) -> list[YNode]:
    msg = "map merge requires map or sequence of maps as the value"
    target = next(w.deref(v))
    if target.kind is NodeKind.MAPPING:
        return [target]
    if target.kind is NodeKind.SEQUENCE:
        out = []
        for item in reversed(target.items):  # earlier maps take precedence: applied last
            m = next(w.deref(item))
            if m.kind is not NodeKind.MAPPING:
                raise DecodeError(msg, item.pos)
            out.append(m)
        return out
    raise DecodeError(msg, v.pos)


def _path_key(key_node: YNode, value: object) -> str:
    return normalize(value) if isinstance(value, str) else key_node.value


def weak_tree(doc: YDoc, text: str) -> tuple[WNode, list[Duplicate]]:
    """The validator's node tree (before coercion). Raises :class:`DecodeError`."""
    w = _Walk(doc)
    cursor = Cursor(Lines.of(text))
    root = doc.root
    if root is None:
        return WNode("", GoKind.MAP, None, (), 0, (), (1, 1), (1, 1)), w.duplicates
    top = next(w.deref(root))
    if top.kind is not NodeKind.MAPPING:
        # go-yaml cannot put a list or a scalar into the map: it leaves it empty, silently.
        return WNode("", GoKind.MAP, None, (), 0, (), top.pos, top.pos), w.duplicates
    node = _weak(w, root, "", cursor, (), 0, root.pos)
    return node, w.duplicates


def _weak(
    w: _Walk, node: YNode, raw_name: str, cursor: Cursor, path: Path, ref_line: int, key_pos: Pos
) -> WNode:
    for n in w.deref(node):
        name = normalize(raw_name)
        if n.kind is NodeKind.SCALAR:
            try:
                kind, value = resolve(n)
            except ResolveError as exc:
                raise DecodeError(str(exc), n.pos) from None
            return WNode(name, kind, value, (), ref_line, path, n.pos, key_pos)
        kids: list[WNode] = []
        if n.kind is NodeKind.MAPPING:
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
                        e.key_node.pos,
                    )
                )
            return WNode(name, GoKind.MAP, None, tuple(kids), ref_line, path, n.pos, key_pos)
        c = cursor
        for i, item in enumerate(n.items):
            c, ok = c.find_elem()
            kids.append(
                _weak(w, item, f"{raw_name}[{i}]", c, (*path, i), c.number if ok else 0, item.pos)
            )
            c = c.next()
        return WNode(name, GoKind.SLICE, None, tuple(kids), ref_line, path, n.pos, key_pos)
    raise AssertionError("unreachable")  # pragma: no cover


# ---------------------------------------------------------------------------------- strong


@record
class SVal:
    """A typed value: a scalar, a list (``items``) or a struct (``fields``, every field)."""

    kind: GoKind
    value: object = None
    items: tuple[SVal, ...] = ()
    fields: dict[str, SVal] = field(default_factory=dict)
    struct: str = ""
    path: Path | None = None  # the YAML path that set it; None for a zero value

    def get(self, key: str) -> SVal:
        return self.fields[key]

    @property
    def is_leaf(self) -> bool:
        return self.kind is not GoKind.STRUCT and not self.items


_SCALAR_KIND = {
    FieldType.STRING: GoKind.STRING,
    FieldType.BOOL: GoKind.BOOL,
    FieldType.INT: GoKind.INT,
    FieldType.FLOAT: GoKind.FLOAT,
}
_ZERO: dict[GoKind, object] = {
    GoKind.STRING: "",
    GoKind.BOOL: False,
    GoKind.INT: 0,
    GoKind.FLOAT: 0.0,
}


def zero(f: Field) -> SVal:
    if f.type in _SCALAR_KIND:
        kind = _SCALAR_KIND[f.type]
        return SVal(kind, _ZERO[kind])
    if f.type is FieldType.STRUCT:
        return zero_struct(f.struct)
    return SVal(GoKind.SLICE)


def zero_struct(struct: str) -> SVal:
    return SVal(
        GoKind.STRUCT, fields={f.key: zero(f) for f in field_map(struct).values()}, struct=struct
    )


def strong_tree(doc: YDoc) -> SVal:
    """The typed ``CloudConfig`` go-yaml v1 decodes (keys normalised ``-`` → ``_``)."""
    w = _Walk(doc)
    top = zero_struct("CloudConfig")
    if doc.root is None:
        return top
    return _into_struct(w, doc.root, "CloudConfig", top, ())


def _null(n: YNode) -> bool:
    if n.kind is not NodeKind.SCALAR:
        return False
    try:
        return resolve(n)[0] is GoKind.INVALID
    except ResolveError:
        return False


def _into(w: _Walk, node: YNode, f: Field, cur: SVal, path: Path) -> SVal:
    """Decode ``node`` into a field whose current value is ``cur`` (go-yaml writes in place:
    a duplicate key or a merge updates the same value)."""
    for n in w.deref(node):
        if _null(n):
            return replace(zero(f), path=path)
        t = f.type
        if t in _SCALAR_KIND:
            got = _scalar(n, t)
            return cur if got is None else SVal(_SCALAR_KIND[t], got, path=path)
        if t is FieldType.STRUCT:
            return _into_struct(w, n, f.struct, cur, path) if n.kind is NodeKind.MAPPING else cur
        if n.kind is not NodeKind.SEQUENCE:
            return cur
        items = list(cur.items)
        for i, item in enumerate(n.items):
            got_item = _item(w, item, f, (*path, i))
            if got_item is not None:
                items.append(got_item)
        return SVal(GoKind.SLICE, items=tuple(items), path=path)
    raise AssertionError("unreachable")  # pragma: no cover


def _item(w: _Walk, node: YNode, f: Field, path: Path) -> SVal | None:
    """A list item, or None when go-yaml cannot decode it (the item is dropped)."""
    for n in w.deref(node):
        if f.type is FieldType.STRING_LIST:
            if _null(n):
                return SVal(GoKind.STRING, "", path=path)
            got = _scalar(n, FieldType.STRING)
            return None if got is None else SVal(GoKind.STRING, got, path=path)
        if _null(n):
            return replace(zero_struct(f.struct), path=path)
        if n.kind is not NodeKind.MAPPING:
            return None
        return _into_struct(w, n, f.struct, zero_struct(f.struct), path)
    raise AssertionError("unreachable")  # pragma: no cover


def _into_struct(w: _Walk, node: YNode, struct: str, cur: SVal, path: Path) -> SVal:
    fields = dict(cur.fields)
    known = field_map(struct)
    _struct_pairs(w, node, known, fields, path)
    return SVal(GoKind.STRUCT, fields=fields, struct=struct, path=path)


def _struct_pairs(
    w: _Walk, node: YNode, known: dict[str, Field], fields: dict[str, SVal], path: Path
) -> None:
    for n in w.deref(node):
        if n.kind is not NodeKind.MAPPING:
            return
        for k, v in n.pairs:
            if is_merge_key(k):
                for src in _merge_sources(w, v):
                    _struct_pairs(w, src, known, fields, path)
                continue
            kn = next(w.deref(k))
            if kn.kind is not NodeKind.SCALAR:
                continue
            name = "" if _null(kn) else _scalar(kn, FieldType.STRING)
            if not isinstance(name, str):
                continue
            f = known.get(normalize(name))
            if f is not None:
                fields[f.key] = _into(w, v, f, fields[f.key], (*path, f.key))


def _scalar(n: YNode, t: FieldType) -> object | None:
    """A non-null scalar decoded into a field of type ``t``; None if go-yaml refuses it."""
    if n.kind is not NodeKind.SCALAR:
        return None
    try:
        kind, value = resolve(n)
    except ResolveError:
        return None
    if t is FieldType.STRING:
        # go-yaml v1 sets a string field to the scalar's text, whatever it resolves to;
        # only !!binary is decoded.
        return value if n.tag == "!!binary" or n.quoted else n.value
    if t is FieldType.BOOL:
        return value if kind is GoKind.BOOL else None
    if t is FieldType.FLOAT:
        if kind is GoKind.INT:
            assert isinstance(value, int)
            return float(value)
        return value if kind is GoKind.FLOAT else None
    if kind is GoKind.INT:
        return value
    if kind is GoKind.FLOAT:
        assert isinstance(value, float)
        if math.isnan(value) or value >= 2.0**63 - 1:
            return None
        if value < -(2.0**63):
            return -(2**63)
        return int(value)  # Go's int64(f) truncates toward zero
    return None


# ---------------------------------------------------------------------------------- coerce


def coerce(wn: WNode, s: SVal | None, s_name: str = "") -> WNode:
    """The validator's merge: a weak leaf takes the strong value when the kinds fit."""
    kind, value = wn.kind, wn.value
    if (
        wn.is_leaf
        and s is not None
        and s.is_leaf
        and wn.kind is not GoKind.INVALID
        and compatible(wn.kind, s.kind)
    ):
        kind, value = s.kind, s.value
    kids = tuple(coerce(c, _s_child(s, s_name, c.name), c.name) for c in wn.children)
    return replace(wn, kind=kind, value=value, children=kids)


def _s_child(s: SVal | None, s_name: str, name: str) -> SVal | None:
    if s is None:
        return None
    if s.kind is GoKind.STRUCT:
        return s.fields.get(name)
    if s.kind is GoKind.SLICE:
        for i, item in enumerate(s.items):
            if f"{s_name}[{i}]" == name:
                return item
    return None


def compatible(n: GoKind, g: GoKind) -> bool:
    """Can a YAML value of kind ``n`` go into a field of kind ``g`` (reference's isCompatible)."""
    if g is GoKind.STRING:
        return n in (GoKind.STRING, GoKind.INT, GoKind.FLOAT, GoKind.BOOL)
    if g is GoKind.STRUCT:
        return n in (GoKind.STRUCT, GoKind.MAP)
    if g is GoKind.FLOAT:
        return n in (GoKind.FLOAT, GoKind.INT)
    return n is g
