"""A YAML document as canonical cloud-init reads it (PyYAML, YAML 1.1), every value located.

cloud-init loads user data with PyYAML's safe loader, so scalars resolve by YAML 1.1 rules
(``yes`` is true, ``0644`` is 420) and ``!!binary`` is bytes. The tree is built from the
project's composed node tree (:mod:`ignition.config.yamldoc`), recording the line and column
of every value and key. Work is bounded: nesting depth, and the number of nodes visited
(aliases are expanded, so a small hostile document could otherwise stand for billions of
nodes).
"""

from __future__ import annotations

import yaml

from ignition.config.report import Path
from ignition.config.yamldoc import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    YamlSyntaxError,
    compose_first_located,
    position,
)
from ignition.util.record import field, record

MAX_NODES = 100_000
MAX_DEPTH = 50
_MERGE = "tag:yaml.org,2002:merge"
_KEEP_TEXT = ("tag:yaml.org,2002:timestamp",)  # cloud-init would get a date object; keep text

Pos = tuple[int, int]


class LoadError(Exception):
    def __init__(self, message: str, pos: Pos = (1, 1)) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


@record
class Loaded:
    value: object
    positions: dict[Path, Pos] = field(default_factory=dict)  # where each value starts
    keys: dict[Path, Pos] = field(default_factory=dict)  # where each mapping key starts
    duplicates: list[Path] = field(default_factory=list)  # keys given twice (the last wins)


def load(text: str) -> Loaded:
    """The first document's value; raises :class:`LoadError` (located) on bad YAML."""
    try:
        node = compose_first_located(text)
    except YamlSyntaxError as exc:
        raise LoadError(f"YAML: {exc.message}", (exc.line, exc.column)) from None
    out = Loaded(None)
    if node is None:
        return out
    walker = _Walker(out)
    return Loaded(walker.value(node, (), 0), out.positions, out.keys, out.duplicates)


class _Walker:
    def __init__(self, out: Loaded) -> None:
        self.out = out
        self.count = 0
        self.constructor = yaml.constructor.SafeConstructor()

    def value(self, node: Node, path: Path, depth: int) -> object:
        self.count += 1
        if self.count > MAX_NODES:
            raise LoadError(
                f"the document expands to more than {MAX_NODES} YAML nodes", position(node)
            )
        if depth > MAX_DEPTH:
            raise LoadError(f"the document nests deeper than {MAX_DEPTH} levels", position(node))
        self.out.positions.setdefault(path, position(node))
        if isinstance(node, MappingNode):
            return self.mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            return [self.value(n, (*path, i), depth + 1) for i, n in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self.scalar(node)

    def scalar(self, node: ScalarNode) -> object:
        if node.tag in _KEEP_TEXT:
            return node.value
        try:
            # PyYAML's constructor resolves the YAML 1.1 value; it wants its own node type
            plain = yaml.nodes.ScalarNode(node.tag, node.value, style=node.style)
            return self.constructor.construct_object(plain, deep=True)
        except (yaml.YAMLError, ValueError, TypeError) as exc:
            msg = f"YAML: cannot read this {node.tag} value ({exc})"
            raise LoadError(msg, position(node)) from None

    def mapping(self, node: MappingNode, path: Path, depth: int) -> dict[str, object]:
        result: dict[str, object] = {}
        merged: list[MappingNode] = []
        for k, v in node.value:
            if k.tag == _MERGE:
                merged += [v] if isinstance(v, MappingNode) else list(getattr(v, "value", []))
                continue
            if not isinstance(k, ScalarNode):
                raise LoadError("a mapping key must be a scalar", position(k))
            key = str(self.scalar(k))
            sub = (*path, key)
            if key in result:
                self.out.duplicates.append(sub)
                self.out.positions.pop(sub, None)
            self.out.keys[sub] = position(k)
            result[key] = self.value(v, sub, depth + 1)
        for m in merged:
            if not isinstance(m, MappingNode):
                raise LoadError("a merge key (<<) needs a mapping", position(m))
            for key, value in self.mapping(m, path, depth + 1).items():
                result.setdefault(key, value)
        return result
