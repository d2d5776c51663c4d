"""The *strong* decode: the document into coreos-cloudinit's typed structs.

go-yaml v1's rules: string fields keep the scalar's text (``0644`` stays "0644", ``off`` stays
"off"), bool fields take only YAML booleans, int fields truncate floats, values of the wrong
type are silently dropped (list items that cannot be decoded vanish and later items move up),
a null resets a field. The result is a tree of :class:`SVal`.

:func:`coerce` merges the weak tree with it as the validator does: a weak leaf takes the
strong value when the two kinds are compatible. The validator's rules run on that tree; the
converter reads the strong values.
"""

from __future__ import annotations

import math

from cloudinit.decode import Walk, WNode, merge_sources, normalize
from cloudinit.goyaml import GoKind, ResolveError, is_merge_key, quoted, resolve
from cloudinit.schema import Field, FieldType, field_map
from ignition.config.report import Path
from ignition.config.yamldoc import GoDocument, MappingNode, Node, ScalarNode, SequenceNode
from ignition.util.record import field, record, replace


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


def strong_tree(doc: GoDocument) -> SVal:
    """The typed ``CloudConfig`` go-yaml v1 decodes (keys normalised ``-`` → ``_``)."""
    w = Walk(doc)
    top = zero_struct("CloudConfig")
    if doc.root is None:
        return top
    return _into_struct(w, doc.root, "CloudConfig", top, ())


def _null(n: Node) -> bool:
    if not isinstance(n, ScalarNode):
        return False
    try:
        return resolve(n)[0] is GoKind.INVALID
    except ResolveError:
        return False


def _into(w: Walk, node: Node, f: Field, cur: SVal, path: Path) -> SVal:
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
            return _into_struct(w, n, f.struct, cur, path) if isinstance(n, MappingNode) else cur
        if not isinstance(n, SequenceNode):
            return cur
        items = list(cur.items)
        for i, item in enumerate(n.value):
            got_item = _item(w, item, f, (*path, i))
            if got_item is not None:
                items.append(got_item)
        return SVal(GoKind.SLICE, items=tuple(items), path=path)
    raise AssertionError("unreachable")  # pragma: no cover


def _item(w: Walk, node: Node, f: Field, path: Path) -> SVal | None:
    """A list item, or None when go-yaml cannot decode it (the item is dropped)."""
    for n in w.deref(node):
        if f.type is FieldType.STRING_LIST:
            if _null(n):
                return SVal(GoKind.STRING, "", path=path)
            got = _scalar(n, FieldType.STRING)
            return None if got is None else SVal(GoKind.STRING, got, path=path)
        if _null(n):
            return replace(zero_struct(f.struct), path=path)
        if not isinstance(n, MappingNode):
            return None
        return _into_struct(w, n, f.struct, zero_struct(f.struct), path)
    raise AssertionError("unreachable")  # pragma: no cover


def _into_struct(w: Walk, node: Node, struct: str, cur: SVal, path: Path) -> SVal:
    fields = dict(cur.fields)
    known = field_map(struct)
    _struct_pairs(w, node, known, fields, path)
    return SVal(GoKind.STRUCT, fields=fields, struct=struct, path=path)


def _struct_pairs(
    w: Walk, node: Node, known: dict[str, Field], fields: dict[str, SVal], path: Path
) -> None:
    for n in w.deref(node):
        if not isinstance(n, MappingNode):
            return
        for k, v in n.value:
            if is_merge_key(k):
                for src in merge_sources(w, v):
                    _struct_pairs(w, src, known, fields, path)
                continue
            kn = next(w.deref(k))
            if not isinstance(kn, ScalarNode):
                continue
            name = "" if _null(kn) else _scalar(kn, FieldType.STRING)
            if not isinstance(name, str):
                continue
            f = known.get(normalize(name))
            if f is not None:
                fields[f.key] = _into(w, v, f, fields[f.key], (*path, f.key))


def _scalar(n: Node, t: FieldType) -> object | None:
    """A non-null scalar decoded into a field of type ``t``; None if go-yaml refuses it."""
    if not isinstance(n, ScalarNode):
        return None
    try:
        kind, value = resolve(n)
    except ResolveError:
        return None
    if t is FieldType.STRING:
        # go-yaml v1 sets a string field to the scalar's text, whatever it resolves to;
        # only !!binary is decoded.
        return value if n.tag == "!!binary" or quoted(n) else n.value
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
    prefix = s_name + "["
    if s.kind is GoKind.SLICE and name.startswith(prefix) and name.endswith("]"):
        index = name[len(prefix) : -1]
        if index.isdigit() and int(index) < len(s.items):
            return s.items[int(index)]
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
