"""Typed decoding of a YAML node tree, the way Go's YAML libraries fill a struct.

A :class:`Shape` describes what a field holds. :func:`decode` walks the composed node tree
against a shape and returns plain Python values (dicts with only the keys given, lists,
str/int/bool) plus everything the frontends report: positions of every value and key, Go-style
unmarshal errors, duplicate and unknown keys, null sections and aliased mappings.
Scalars are resolved by destination type, as Go does: ``0644`` is 420 for an int field and the
text "0644" for a string field; ``yes`` is true for a bool field.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, overload

from ignition.config.report import Path
from ignition.config.yamldoc import (
    AliasMapping,
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    resolve_bool,
    resolve_float,
    resolve_int,
    resolve_null,
)
from ignition.util.record import field, record

Pos = tuple[int, int]
INT64 = 2**63


class Kind(StrEnum):
    OBJECT = "object"
    ARRAY = "array"
    STRING = "string"
    INT = "int"
    UINT = "uint"
    BOOL = "bool"
    STRMAP = "strmap"  # map[string]string


@record(frozen=False)
class Shape:
    kind: Kind
    go: str
    fields: dict[str, Shape] = field(default_factory=dict)
    items: Shape | None = None
    # yaml key -> output key for fields copied generically; a field missing here is sugar
    out: dict[str, str] = field(default_factory=dict)
    role: str = ""  # what the translator must do with it ("resource", ...)


@record
class DecodeError:
    line: int
    column: int
    text: str  # Go's wording, without the "line N: " prefix
    path: Path


class PosTable:
    """Path → (line, column), each packed into one int: a large document has a position for
    every value and key, and a tuple of two ints costs four times as much."""

    __slots__ = ("_packed",)

    def __init__(self) -> None:
        self._packed: dict[Path, int] = {}

    def put(self, path: Path, node: Node) -> None:
        self._packed[path] = ((node.line + 1) << 32) | (node.column + 1)

    def put_new(self, path: Path, node: Node) -> None:
        self._packed.setdefault(path, ((node.line + 1) << 32) | (node.column + 1))

    @overload
    def get(self, path: Path) -> Pos | None: ...
    @overload
    def get(self, path: Path, default: Pos) -> Pos: ...
    def get(self, path: Path, default: Pos | None = None) -> Pos | None:
        v = self._packed.get(path)
        return default if v is None else (v >> 32, v & 0xFFFFFFFF)

    def __getitem__(self, path: Path) -> Pos:
        v = self._packed[path]
        return v >> 32, v & 0xFFFFFFFF

    def __contains__(self, path: object) -> bool:
        return path in self._packed

    def __len__(self) -> int:
        return len(self._packed)


@record(frozen=False)
class Decoded:
    value: Any = None
    pos: PosTable = field(default_factory=PosTable)
    key_pos: PosTable = field(default_factory=PosTable)
    errors: list[DecodeError] = field(default_factory=list)
    duplicates: list[DecodeError] = field(default_factory=list)
    unused: list[Path] = field(default_factory=list)  # path of the unknown key itself
    nulls: list[Path] = field(default_factory=list)  # an object given as null
    aliased: list[Path] = field(default_factory=list)  # an object given as an alias
    merges: list[Path] = field(default_factory=list)  # '<<' keys

    def locate(self, path: Path) -> Pos | None:
        """Position of the value at ``path``, else of its deepest ancestor that exists."""
        for n in range(len(path), -1, -1):
            p = self.pos.get(path[:n])
            if p is not None:
                return p
        return None


def short_tag(node: Node, *, yaml11: bool) -> str:
    """The tag yaml.v2/v3 name in unmarshal errors (``!!str``, ``!!int``, ...)."""
    if isinstance(node, MappingNode):
        return "!!map"
    if isinstance(node, SequenceNode):
        return "!!seq"
    assert isinstance(node, ScalarNode)
    tag = node.tag or ""
    core = tag.startswith("tag:yaml.org,2002:")
    if core and not tag.endswith(("int", "bool", "float", "null")) and node.style not in (None, ""):
        return "!!" + tag.rsplit(":", 1)[1]
    if tag and not tag.startswith("tag:yaml.org,2002:"):
        return tag
    if node.style not in (None, ""):
        return "!!str"
    if resolve_null(node):
        return "!!null"
    if resolve_bool(node, yaml11=yaml11) is not None:
        return "!!bool"
    if resolve_int(node, legacy_octal=True) is not None:
        return "!!int"
    if resolve_float(node) is not None:
        return "!!float"
    return "!!str"


def _shown(node: Node, *, yaml11: bool) -> str:
    tag = short_tag(node, yaml11=yaml11)
    if isinstance(node, ScalarNode):
        v = node.value
        if len(v) > 10:
            v = v[:7] + "..."
        return f"{tag} `{v}`"
    return tag


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and resolve_null(node)


class _Decoder:
    def __init__(self, *, yaml11: bool) -> None:
        self.yaml11 = yaml11
        self.d = Decoded()

    def error(self, node: Node, path: Path, into: str) -> None:
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        text = f"cannot unmarshal {_shown(node, yaml11=self.yaml11)} into {into}"
        self.d.errors.append(DecodeError(line, col, text, path))

    def value(self, node: Node, shape: Shape, path: Path) -> Any:
        self.d.pos.put(path, node)
        kind = shape.kind
        if kind is Kind.OBJECT:
            return self.obj(node, shape, path)
        if kind is Kind.ARRAY:
            return self.array(node, shape, path)
        if kind is Kind.STRMAP:
            return self.strmap(node, shape, path)
        if not isinstance(node, ScalarNode):
            self.error(node, path, shape.go)
            return None
        if resolve_null(node):
            return None
        if kind is Kind.STRING:
            return node.value
        if kind is Kind.BOOL:
            b = resolve_bool(node, yaml11=True)
            if b is None:
                self.error(node, path, shape.go)
            return b
        i = resolve_int(node, legacy_octal=True)
        if i is None:
            f = resolve_float(node)
            if f is not None and f == f and abs(f) != float("inf") and f == int(f):
                i = int(f)
        if i is None or not -INT64 <= i < INT64 or (kind is Kind.UINT and i < 0):
            self.error(node, path, shape.go)
            return None
        return i

    def pairs(self, node: MappingNode, path: Path) -> list[tuple[Node, Node]]:
        """Key/value pairs with ``<<`` merges applied (explicit keys win); duplicates of
        explicit keys are recorded."""
        explicit: list[tuple[Node, Node]] = []
        merged: list[tuple[Node, Node]] = []
        seen: dict[str, int] = {}
        for k, v in node.value:
            if isinstance(k, ScalarNode) and k.tag == "tag:yaml.org,2002:merge":
                self.d.merges.append((*path, "<<"))
                self.d.key_pos.put((*path, "<<"), k)
                sources = v.value if isinstance(v, SequenceNode) else [v]
                for src in sources:
                    if isinstance(src, MappingNode):
                        merged.extend(self.pairs(src, path))
                continue
            name = k.value if isinstance(k, ScalarNode) else ""
            line = k.start_mark.line + 1
            if isinstance(k, ScalarNode) and name in seen:
                self.d.duplicates.append(
                    DecodeError(
                        line,
                        k.start_mark.column + 1,
                        f'mapping key "{name}" already defined at line {seen[name]}',
                        (*path, name),
                    )
                )
            seen.setdefault(name, line)
            explicit.append((k, v))
        if not merged:
            return explicit
        names = {k.value for k, _ in explicit if isinstance(k, ScalarNode)}
        return [(k, v) for k, v in merged if k.value not in names] + explicit

    def obj(self, node: Node, shape: Shape, path: Path) -> dict[str, Any] | None:
        if not isinstance(node, MappingNode):
            if _is_null(node):
                self.d.nulls.append(path)
                return None
            self.error(node, path, shape.go)
            return None
        if isinstance(node, AliasMapping):
            self.d.aliased.append(path)
        out: dict[str, Any] = {}
        fields = shape.fields
        for k, v in self.pairs(node, path):
            name = k.value if isinstance(k, ScalarNode) else ""
            sub = (*path, name)
            self.d.key_pos.put(sub, k)
            fshape = fields.get(name)
            if fshape is None:
                self.d.unused.append(sub)
                self.d.pos.put_new(sub, v)
                continue
            val = self.value(v, fshape, sub)
            if val is not None:
                out[name] = val
            else:
                out.pop(name, None)
        return out

    def array(self, node: Node, shape: Shape, path: Path) -> list[Any] | None:
        if not isinstance(node, SequenceNode):
            if not _is_null(node):
                self.error(node, path, shape.go)
            return None
        item = shape.items
        assert item is not None
        out: list[Any] = []
        for i, v in enumerate(node.value):
            val = self.value(v, item, (*path, i))
            if val is None:
                val = _zero(item)
            out.append(val)
        return out

    def strmap(self, node: Node, shape: Shape, path: Path) -> dict[str, str] | None:
        if not isinstance(node, MappingNode):
            if not _is_null(node):
                self.error(node, path, shape.go)
            return None
        out: dict[str, str] = {}
        for k, v in self.pairs(node, path):
            name = k.value if isinstance(k, ScalarNode) else ""
            sub = (*path, name)
            self.d.key_pos.put(sub, k)
            self.d.pos.put(sub, v)
            if not isinstance(v, ScalarNode):
                self.error(v, sub, "string")
            elif not resolve_null(v):
                out[name] = v.value
            else:
                out[name] = ""
        return out


def _zero(shape: Shape) -> Any:
    return {
        Kind.OBJECT: {},
        Kind.ARRAY: [],
        Kind.STRMAP: {},
        Kind.STRING: "",
        Kind.INT: 0,
        Kind.UINT: 0,
        Kind.BOOL: False,
    }[shape.kind]


def decode(node: Node | None, shape: Shape, *, yaml11: bool = True) -> Decoded:
    dec = _Decoder(yaml11=yaml11)
    if node is None:
        dec.d.value = {}
        return dec.d
    val = dec.value(node, shape, ())
    dec.d.value = val if val is not None else {}
    dec.d.errors.sort(key=lambda e: (e.line, e.column))
    return dec.d


def fields_at(shape: Shape, path: Path) -> dict[str, Shape]:
    """The fields of the object at ``path`` (list indices step into items)."""
    s: Shape | None = shape
    for p in path:
        if s is None:
            return {}
        s = s.items if isinstance(p, int) else s.fields.get(p)
    return s.fields if s is not None else {}


def close_key(shape: Shape, path: Path) -> str | None:
    """A known key spelled like the unknown key at ``path`` (for a "did you mean" hint)."""
    import difflib

    known = list(fields_at(shape, path[:-1]))
    key = str(path[-1])
    folded = [k for k in known if k.lower() == key.lower()]
    snake = "".join("_" + c.lower() if c.isupper() else c for c in key).lstrip("_")
    if snake in known:
        return snake
    if folded:
        return folded[0]
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
    return close[0] if close else None
