"""Check a parsed JSON tree against a spec's schema file, the way Ignition's decoder does.

The schema files (``schema/ignition/<version>.json``) are compiled once into a small tree of
:class:`Shape` nodes; walking a document is then a few dict lookups per value, which keeps a
10,000-file config well under a second. ``tests/unit/config/test_shape.py`` checks that this
walker and the ``jsonschema`` library agree on every schema file.

What the walk reports, like the reference:
- a value of the wrong JSON type: a Go-worded type error (fatal; semantic checks are skipped);
- a key that is not a field: ``unused key K`` (warning; the value is ignored). Go matches
  object keys to fields case-insensitively, so ``"Path"`` still sets ``path`` (and warns).
The walk returns a *clean* tree: canonical key spellings, unknown keys dropped, later duplicate
keys winning, ready to decode.
"""

from __future__ import annotations

from ignition.config.codec import INT64_MAX, INT64_MIN, taken
from ignition.util.memo import cache
from ignition.util.record import field, record

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import Any

    from ignition.config.report import Path


@record(frozen=False)
class Shape:
    kind: str  # object | array | string | integer | boolean
    go: str
    props: dict[str, Shape] = field(default_factory=dict)
    folded: dict[str, str] = field(default_factory=dict)  # lower-case key -> field name
    items: Shape | None = None
    values: Shape | None = None  # a map (``additionalProperties``): every value has this shape


@record
class TypeError_:
    path: Path  # canonical path of the offending value
    message: str


@record
class UnusedKey:
    path: Path  # canonical path of the containing object + the key as written
    key: str
    fields: tuple[str, ...] = ()  # the object's field names, for a "did you mean" hint

    def hint(self) -> str | None:
        """The field the key most likely meant (a misspelling or a case variant)."""
        folded = {f.lower(): f for f in self.fields}
        if self.key.lower() in folded:
            return folded[self.key.lower()]
        import difflib  # only paid for when a key is unknown

        match = difflib.get_close_matches(self.key, self.fields, n=1, cutoff=0.75)
        return match[0] if match else None


@record(frozen=False)
class ShapeResult:
    tree: Any
    type_errors: list[TypeError_] = field(default_factory=list)
    unused: list[UnusedKey] = field(default_factory=list)
    # canonical path prefix -> path as written, where a key matched only case-insensitively
    aliases: dict[Path, Path] = field(default_factory=dict)
    # null given where an object was expected (decoded as an empty object)
    null_objects: list[Path] = field(default_factory=list)

    def document_path(self, path: Path) -> Path:
        """Translate a canonical path into the spelling used in the document."""
        if not self.aliases:
            return path
        for n in range(len(path), 0, -1):
            written = self.aliases.get(path[:n])
            if written is not None:
                return written + path[n:]
        return path


def _compile(node: dict[str, Any], defs: dict[str, Any], memo: dict[str, Shape]) -> Shape:
    ref = node.get("$ref")
    if ref is not None:
        name = ref.rsplit("/", 1)[-1]
        if name not in memo:
            target = defs[name]
            shape = Shape("object", target.get("x-go-type", name))
            memo[name] = shape
            for key, sub in target.get("properties", {}).items():
                shape.props[key] = _compile(sub, defs, memo)
            shape.folded = {k.lower(): k for k in shape.props}
        return memo[name]
    types = node.get("type", [])
    kinds = [t for t in ([types] if isinstance(types, str) else types) if t != "null"]
    kind = kinds[0] if kinds else "object"
    shape = Shape(kind, node.get("x-go-type", kind))
    if kind == "object":
        for key, sub in node.get("properties", {}).items():
            shape.props[key] = _compile(sub, defs, memo)
        shape.folded = {k.lower(): k for k in shape.props}
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            shape.values = _compile(extra, defs, memo)
    elif kind == "array":
        shape.items = _compile(node.get("items", {}), defs, memo)
    return shape


@cache
def compiled(version: str) -> Shape:
    from ignition.config import schemas

    schema = schemas.load("ignition", version)
    return compile_schema(schema, schema.get("definitions", {}))


def compile_schema(schema: dict[str, Any], definitions: dict[str, Any]) -> Shape:
    """Compile a schema written in the same dialect as the config schemas (``$ref`` into
    ``definitions``, ``x-go-type`` names for messages); used for the engine's state file."""
    return _compile(schema, definitions, {})


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def check_owned(value: Any, version: str) -> ShapeResult:
    """:func:`check` for a caller that hands the tree over: its lists are emptied as they
    are walked, so the clean tree replaces the parsed one instead of doubling it."""
    root = compiled(version)
    walker = _Walker(root.go)
    walker.consume = True
    walker.result.tree = walker.walk(value, root, ())
    return walker.result


class _Walker:
    consume = False  # see check_owned

    def __init__(self, root_go: str) -> None:
        self.result = ShapeResult(None)
        self.root_go = root_go
        # Inside a key matched only by letter case the reference neither reports unused keys
        # nor nulls (its position tree has no node there); we follow it.
        self.folded_depth = 0

    def type_error(self, value: Any, shape: Shape, path: Path, in_list: bool) -> None:
        kind = _json_kind(value)
        if kind == "number" and shape.kind == "integer":
            literal = getattr(value, "literal", None) or str(value)  # jsondoc.FloatLiteral
            kind = f"number {literal}"
        dotted = ".".join([self.root_go, *map(str, path)])
        if not path:
            where = f"Go value of type {self.root_go}"
            message = f"json: cannot unmarshal {kind} into {where}"
        elif in_list:
            message = f"json: cannot unmarshal {kind} into {dotted} of type {shape.go}"
        else:
            message = (
                f"json: cannot unmarshal {kind} into Go struct field {dotted} of type {shape.go}"
            )
        self.result.type_errors.append(TypeError_(path, message))

    def walk(self, value: Any, shape: Shape, path: Path, in_list: bool = False) -> Any:
        if (
            self.consume
            and value.__class__ is dict
            and shape.kind == "object"
            and shape.props.keys() >= value.keys()  # nothing to drop or rename: reuse it
        ):
            return self.walk_in_place(value, shape, path)
        if value is None:
            if shape.kind == "object" and not self.folded_depth and path:
                self.result.null_objects.append(path)
            return None
        kind = shape.kind
        if kind == "object":
            if not isinstance(value, dict):
                self.type_error(value, shape, path, in_list)
                return None
            props = shape.props
            out: dict[str, Any] = {}
            # a jsondoc.DupDict keeps repeated keys (not imported: the engine reads its
            # cache with plain json and should not pay for the positions module)
            pairs = getattr(value, "pairs", None) or value.items()
            if shape.values is not None:  # a map: any key, one value shape
                return {k: self.walk(v, shape.values, (*path, k)) for k, v in pairs}
            for key, sub in pairs:
                if key in props:
                    out[key] = self.walk(sub, props[key], (*path, key))
                    continue
                target = shape.folded.get(key.lower())
                if not self.folded_depth:
                    self.result.unused.append(UnusedKey((*path, key), key, tuple(props)))
                if target is None:
                    continue
                self.result.aliases[(*path, target)] = (*self.result.document_path(path), key)
                self.folded_depth += 1
                out[target] = self.walk(sub, props[target], (*path, target))
                self.folded_depth -= 1
            return out
        if kind == "array":
            if not isinstance(value, list):
                self.type_error(value, shape, path, in_list)
                return None
            items = shape.items
            assert items is not None
            values = taken(value) if self.consume else value
            return [self.walk(v, items, (*path, i), True) for i, v in enumerate(values)]
        if kind == "string":
            if isinstance(value, str):
                return value
        elif kind == "integer":
            if (
                isinstance(value, int)
                and not isinstance(value, bool)
                and INT64_MIN <= value <= INT64_MAX
            ):
                return value
        elif kind == "boolean" and isinstance(value, bool):
            return value
        self.type_error(value, shape, path, in_list)
        return None

    def walk_in_place(self, value: dict[str, Any], shape: Shape, path: Path) -> dict[str, Any]:
        """An object whose keys are all fields, checked into itself (a handed-over tree):
        a large config keeps one set of objects instead of two."""
        props = shape.props
        for key, sub in value.items():
            value[key] = self.walk(sub, props[key], (*path, key))
        return value


def check(value: Any, version: str) -> ShapeResult:
    """Walk ``value`` against the schema of ``version``."""
    return check_shape(value, compiled(version))


def check_shape(value: Any, root: Shape) -> ShapeResult:
    """Walk ``value`` against a compiled shape."""
    walker = _Walker(root.go)
    walker.result.tree = walker.walk(value, root, ())
    return walker.result
