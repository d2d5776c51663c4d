#!/usr/bin/env python3
"""The module import graph of our packages, read from the source with ``ast``; reports cycles.

Counted as runtime edges: top-level imports, imports inside functions (lazy: they run on the
path that calls them) and ``importlib.import_module``/``__import__`` on a string literal.
``from pkg import x`` is an edge to ``pkg.x`` when that is a module, else to ``pkg``;
``import a.b.c`` is an edge to ``a.b.c`` only (the parents are already initialising when a
module imports its sibling, so parent edges would report every re-exporting ``__init__``).
Imports under ``if TYPE_CHECKING:`` never run: reported apart, never part of a cycle.

Reports (a) module cycles (strongly connected components, with the file:line of each edge),
(b) cycles between top-level packages and between the parts of ``ignition`` (each subpackage,
each loose module), (c) ``importlib``/``__import__`` calls on a computed name.
Exit 1 if there is any module cycle.  Usage: ``python tools/importgraph.py [--json]``.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ignition", "cloudinit", "providers", "transpiler")


@dataclass(frozen=True, slots=True)
class Edge:
    src: str
    dst: str
    where: str  # file:line
    kind: str  # "top", "lazy", "importlib" or "type"


@dataclass(frozen=True, slots=True)
class Computed:
    module: str
    where: str
    call: str


def discover(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Module name -> file, for every .py file of the packages under root."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


class _Imports(ast.NodeVisitor):
    """Collects the edges and computed imports of one module."""

    def __init__(self, module: str, is_package: bool, known: set[str], where: str) -> None:
        self.module, self.known, self.where = module, known, where
        self.package = module if is_package else module.rpartition(".")[0]
        self.edges: list[Edge] = []
        self.computed: list[Computed] = []
        self._functions = 0
        self._type_only = 0

    def _kind(self) -> str:
        return "type" if self._type_only else "lazy" if self._functions else "top"

    def _add(self, target: str, line: int, kind: str | None = None) -> None:
        edge = Edge(self.module, target, f"{self.where}:{line}", kind or self._kind())
        if target in self.known and target != self.module and edge not in self.edges:
            self.edges.append(edge)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        self._functions += 1
        self.generic_visit(node)
        self._functions -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", None)
        if name != "TYPE_CHECKING":
            self.generic_visit(node)
            return
        self._type_only += 1
        for child in node.body:
            self.visit(child)
        self._type_only -= 1
        for child in node.orelse:
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = self._absolute(node.module or "", node.level)
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            self._add(sub if sub in self.known else base, node.lineno)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in ("import_module", "__import__") and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                level = len(arg.value) - len(arg.value.lstrip("."))
                self._add(self._absolute(arg.value.lstrip("."), level), node.lineno, "importlib")
            else:
                where = f"{self.where}:{node.lineno}"
                self.computed.append(Computed(self.module, where, ast.unparse(node)))
        self.generic_visit(node)

    def _absolute(self, name: str, level: int) -> str:
        if not level:
            return name
        base = self.package.split(".")
        base = base[: len(base) - (level - 1)]
        return ".".join([*base, name] if name else base)


def scan(root: Path, packages: Iterable[str]) -> tuple[list[Edge], list[Computed]]:
    modules = discover(root, packages)
    known = set(modules)
    edges: list[Edge] = []
    computed: list[Computed] = []
    for module, path in modules.items():
        where = str(path.relative_to(root))
        visitor = _Imports(module, path.name == "__init__.py", known, where)
        visitor.visit(ast.parse(path.read_bytes(), filename=where))
        edges += visitor.edges
        computed += visitor.computed
    return edges, computed


def components(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one node, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.append(member)
                if member == node:
                    break
            if len(members) > 1:
                found.append(sorted(members))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * len(graph) + 100))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def package_of(module: str) -> str:
    return module.partition(".")[0]


def part_of(module: str) -> str:
    """The part of ignition a module belongs to: a subpackage (ignition.config, ...) or itself
    when it is a loose module (ignition.__main__)."""
    return ".".join(module.split(".")[:2])


def part_or_package(module: str) -> str:
    return part_of(module) if module.startswith("ignition.") else package_of(module)


@dataclass(frozen=True, slots=True)
class Cycle:
    members: list[str]
    edges: list[Edge]  # the edges between members that form the cycle


def cycles(edges: list[Edge], name: Callable[[str], str] = str) -> list[Cycle]:
    """Cycles of the graph of edges, between the groups that name gives to modules."""
    graph: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        if name(edge.src) != name(edge.dst):
            graph[name(edge.src)].add(name(edge.dst))
    out = []
    for members in components(graph):
        inside = set(members)
        among = [e for e in edges if name(e.src) in inside and name(e.dst) in inside]
        out.append(Cycle(members, [e for e in among if name(e.src) != name(e.dst)]))
    return out


@dataclass(frozen=True, slots=True)
class Report:
    module_cycles: list[Cycle]
    package_cycles: list[Cycle]  # between the top-level packages
    ignition_cycles: list[Cycle]  # between the subpackages and loose modules of ignition
    split_cycles: list[Cycle]  # between the top-level packages, ignition split into its parts
    computed_imports: list[Computed]
    type_only_imports: list[Edge]
    edge_count: int


def report(root: Path, packages: Iterable[str]) -> Report:
    edges, computed = scan(root, packages)
    runtime = [e for e in edges if e.kind != "type"]
    inner = [e for e in runtime if e.src.startswith("ignition.") and e.dst.startswith("ignition.")]
    return Report(
        module_cycles=cycles(runtime),
        package_cycles=cycles(runtime, package_of),
        ignition_cycles=cycles(inner, part_of),
        split_cycles=cycles(runtime, part_or_package),
        computed_imports=computed,
        type_only_imports=[e for e in edges if e.kind == "type"],
        edge_count=len(runtime),
    )


def _lines(result: Report) -> Iterator[str]:
    for title, found, name in (
        ("module cycles", result.module_cycles, str),
        ("cycles between top-level packages", result.package_cycles, package_of),
        ("cycles between the parts of ignition", result.ignition_cycles, part_of),
        ("the same, with the other packages", result.split_cycles, part_or_package),
    ):
        yield f"== {title}: {len(found)}"
        for cycle in found:
            yield "  " + " <-> ".join(cycle.members)
            links: dict[tuple[str, str], list[Edge]] = defaultdict(list)
            for e in cycle.edges:
                links[name(e.src), name(e.dst)].append(e)
            for (src, dst), among in sorted(links.items()):
                first = among[0]
                more = f" and {len(among) - 1} more" if len(among) > 1 else ""
                detail = "" if name is str else f" {first.src} -> {first.dst}"
                yield f"    {src} -> {dst}:{detail} {first.where} ({first.kind}){more}"
    yield f"== importlib on a computed name: {len(result.computed_imports)}"
    yield from (f"  {c.where}  {c.call}" for c in result.computed_imports)
    yield f"== TYPE_CHECKING imports (never run, not in the graph): {len(result.type_only_imports)}"
    yield from (f"  {e.where}  {e.src} -> {e.dst}" for e in result.type_only_imports)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Import cycles of our packages (see the source).")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--root", type=Path, default=ROOT, help="directory holding the packages")
    parser.add_argument("--packages", nargs="+", default=list(PACKAGES), metavar="PKG")
    args = parser.parse_args(argv)
    result = report(args.root, args.packages)
    print(json.dumps(asdict(result), indent=1) if args.json else "\n".join(_lines(result)))
    return 1 if result.module_cycles else 0


if __name__ == "__main__":
    sys.exit(main())
