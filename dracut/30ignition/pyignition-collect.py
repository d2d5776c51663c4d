"""Build-time helper of the dracut module: the Python files the initramfs needs, as bytecode.

Run by ``module-setup.sh`` with the interpreter that will run in the initramfs
(``python3.X -I -S pyignition-collect.py ...``), so every path and every ``.pyc`` it writes
belongs to that interpreter. It

1. follows every ``import`` statement (also the lazy ones inside functions,
   ``importlib.import_module("literal")`` and ``__import__("literal")``) from the entry points:
   the CLI, the engine, every stage and every platform of the registries; through the
   project's packages and the third-party packages they use;
2. imports all of those modules in a fresh ``python -I -S`` (plus the codecs and modules the
   standard library loads by name, ``LAZY_STDLIB``) and takes ``sys.modules``: that is the
   module set. A module of the engine that cannot be imported is an error; nothing else is
   guessed or listed by hand;
3. compiles each module of the set to a *sourceless* ``.pyc`` next to where its ``.py`` would
   be (``json/decoder.pyc``), with unchecked-hash invalidation (no timestamp: reproducible, and
   nothing to check on a tree that never changes) and without column tables
   (``-X no_debug_ranges``: tracebacks keep file, line and function, lose the ``^^^`` marks),
   into ``--dest`` laid out as the image root: ``usr/lib/pyignition/`` (engine and third-party
   packages, plus ``schema/``) and the interpreter's standard-library directory. The ``.py``
   files are not shipped. Modules the interpreter has frozen (``os``, ``stat``, ``codecs``,
   ...) are skipped, except ``os.pyc``: it is the landmark by which the interpreter finds its
   standard library;
4. writes the extension modules (``.so``) as ``source<TAB>destination`` lines to
   ``--elf-list`` (dracut copies them with their libraries), and the module set, one
   ``name<TAB>kind<TAB>path in the image`` line each, to ``--module-list``.

Third-party packages named with ``--exclude`` are left out (boto3/botocore: only ``s3://``
needs them, and they are larger than everything else together); the engine reports a clear
error if such a URL is used.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

ENGINE_PACKAGES = ("ignition", "providers")
PROJECT_PACKAGES = ("ignition", "providers", "cloudinit", "transpiler")
IMAGE_LIB = "/usr/lib/pyignition"
# loaded by name by the standard library itself (codecs, the json speedups), on paths the
# engine takes at run time: no import statement names them
LAZY_STDLIB = (
    "encodings.idna",  # http.client / urllib3: host names
    "encodings.ascii",
    "encodings.latin_1",
    "encodings.utf_8",
    "encodings.utf_16",
    "encodings.utf_32",
    "encodings.punycode",
    "encodings.aliases",
    "concurrent.futures.thread",
    "json.decoder",
    "json.encoder",
    "ssl",
)


def module_file(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def top(name: str) -> str:
    return name.partition(".")[0]


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` except the bodies of ``if TYPE_CHECKING:`` (never run)."""
    out: list[ast.AST] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        out.append(node)
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))
    return out


def imports_of(path: Path, name: str) -> set[str]:
    """Absolute names of every module an ``import`` statement in ``path`` may load."""
    tree = ast.parse(path.read_bytes(), str(path))
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    out: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                if node.level > 1:
                    base_parts = base_parts[: -(node.level - 1)]
                base = ".".join(base_parts)
                mod = f"{base}.{node.module}" if node.module else base
            else:
                mod = node.module or ""
            if mod == "__future__" or not mod:
                continue
            out.add(mod)
            out.update(f"{mod}.{alias.name}" for alias in node.names if alias.name != "*")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            out.add(node.args[0].value)  # import_module("literal"), __import__("literal")
    return out


def registry_roots() -> set[str]:
    """The entry points: the CLI, the engine, and what the registries load by name."""
    import providers
    from ignition import stages

    targets = [*stages.STAGES.values(), *providers.PROVIDERS.values()]
    return {
        "ignition.commands.cli",
        "ignition.engine.engine",
        *(t.partition(":")[0] for t in targets),
    }


def reachable(roots: set[str], exclude: set[str]) -> set[str]:
    """Every module name an import statement reachable from ``roots`` names (standard-library
    modules are not followed: their own imports show up when they are imported)."""
    names: set[str] = set()
    todo = sorted(roots)
    while todo:
        name = todo.pop()
        if name in names or top(name) in exclude:
            continue
        names.add(name)
        parts = name.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))  # parent packages
        if top(name) in sys.stdlib_module_names:
            continue
        path = module_file(name)
        if path is not None:
            todo.extend(imports_of(path, name))
    return {n for n in names if n.rpartition(".")[2] != "__main__"}


# Runs in a fresh ``python -I -S``: imports the names, reports what got loaded (JSON on stdout).
CHILD = r"""
import importlib, importlib.util, json, os, sys

req = json.load(sys.stdin)
sys.path[:0] = req["site"]
own, project, exclude = set(req["own"]), set(req["project"]), set(req["exclude"])
errors, warnings, skipped = [], [], set()


def top(n):
    return n.partition(".")[0]


def attempt(name, lazy=False):
    t = top(name)
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:
        missing = exc.name or name
        parent = name.rpartition(".")[0]
        if missing == name and parent and parent in sys.modules:
            return  # "from X import Y" with Y not a module
        if top(missing) in exclude:
            skipped.add(top(missing))
        elif top(missing) in project:
            warnings.append(f"{name}: {missing} is not in this build")
        elif t in own or lazy:
            errors.append(f"{name}: {exc}")
        else:
            warnings.append(f"{name}: {exc}")
    except Exception as exc:
        (errors if t in own else warnings).append(f"{name}: {type(exc).__name__}: {exc}")


for n in sorted(req["names"], key=lambda n: (top(n) not in own, n)):
    attempt(n)
for n in req["lazy"]:
    attempt(n, lazy=True)

modules = []
for name, mod in sorted(sys.modules.items()):
    spec = getattr(mod, "__spec__", None)
    f = getattr(mod, "__file__", None)
    if spec is None or not isinstance(f, str) or not os.path.isabs(f):
        continue  # built in, or a namespace package
    frozen = spec.origin == "frozen"
    modules.append([name, f, spec.submodule_search_locations is not None, frozen])
print(json.dumps({"errors": errors, "warnings": warnings, "skipped": sorted(skipped),
                  "modules": modules}))
"""

# Runs in ``python -I -S -X no_debug_ranges``: [source, .pyc, name in tracebacks] per line.
COMPILE = r"""
import json, py_compile, sys

for src, cfile, dfile in json.load(sys.stdin):
    py_compile.compile(src, cfile=cfile, dfile=dfile, doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
"""


def child(code: str, request: object, *flags: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-I", "-S", *flags, "-c", code],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip() or f"exit {proc.returncode}")
    return proc.stdout


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--site", default="", help="':'-separated directories holding the engine")
    ap.add_argument("--dest", required=True, type=Path, help="staging root of the image")
    ap.add_argument("--elf-list", required=True, type=Path)
    ap.add_argument("--module-list", type=Path)
    ap.add_argument("--exclude", default="boto3,botocore,s3transfer,jmespath")
    args = ap.parse_args(argv)

    site = [os.path.realpath(d) for d in args.site.split(":") if d]
    sys.path[:0] = site
    exclude = {e for e in args.exclude.split(",") if e}
    for pkg in ENGINE_PACKAGES:
        if importlib.util.find_spec(pkg) is None:
            print(f"pyignition-collect: package {pkg!r} not found on {site}", file=sys.stderr)
            return 1

    # 1 + 2: the import statements reachable from the entry points, imported for real
    names = reachable(registry_roots(), exclude)
    request = {
        "site": site,
        "names": sorted(names),
        "own": list(ENGINE_PACKAGES),
        "project": list(PROJECT_PACKAGES),
        "exclude": sorted(exclude),
        "lazy": list(LAZY_STDLIB),
    }
    try:
        result = json.loads(child(CHILD, request))
    except (RuntimeError, ValueError) as exc:
        print(f"pyignition-collect: import run failed:\n{exc}", file=sys.stderr)
        return 1
    errors: list[str] = result["errors"]

    # 3: where each module goes in the image
    stdlib = os.path.realpath(sysconfig.get_paths()["stdlib"])
    # the deepest directory wins: a checkout may hold its virtual environment
    roots = sorted([(stdlib, stdlib)] + [(d, IMAGE_LIB) for d in site], key=lambda r: -len(r[0]))
    dest: Path = args.dest
    jobs: list[list[str]] = []
    elf: list[str] = []
    listing: list[str] = []
    for name, file, _is_pkg, frozen in result["modules"]:
        real = os.path.realpath(file)
        where = next(((d, img) for d, img in roots if real.startswith(d + "/")), None)
        if where is None:
            errors.append(f"{name}: {real} is neither in the standard library nor on --site")
            continue
        d, img = where
        if img == stdlib and "-packages/" in real:
            continue  # a distribution package on the interpreter's own path: not ours
        rel = os.path.relpath(real, d)
        kind = "stdlib" if img == stdlib else "engine" if top(name) in PROJECT_PACKAGES else "dep"
        if real.endswith(".py"):
            if frozen and name != "os":
                listing.append(f"{name}\t{kind} (frozen)\t-\n")
                continue
            target = f"{img}/{rel}c"
            jobs.append([real, str(dest) + target, f"{img}/{rel}"])
        else:
            target = f"{img}/{rel}"
            elf.append(f"{real}\t{target}\n")
        listing.append(f"{name}\t{kind}\t{target}\n")
    for _, cfile, _ in jobs:
        Path(cfile).parent.mkdir(parents=True, exist_ok=True)
    try:
        child(COMPILE, jobs, "-X", "no_debug_ranges")
    except RuntimeError as exc:
        errors.append(f"compiling failed: {exc}")
    from ignition.config import schemas

    # only the schemas the engine loads: schema/editor/ is for editors (1.2 MB)
    schema = schemas.schema_dir()
    for src in sorted((schema / "ignition").rglob("*")):
        if src.is_file():
            out = dest / IMAGE_LIB.lstrip("/") / "schema" / src.relative_to(schema)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(src.read_bytes())

    # 4: the lists
    args.elf_list.write_text("".join(sorted(elf)))
    if args.module_list:
        args.module_list.write_text("".join(sorted(listing)))
    kinds = [line.split("\t")[1] for line in listing]
    print(
        f"pyignition-collect: {len(listing)} modules: {kinds.count('engine')} of the engine, "
        f"{kinds.count('dep')} third-party, {kinds.count('stdlib')} standard library "
        f"(+{sum(k.endswith('(frozen)') for k in kinds)} frozen); {len(jobs)} .pyc, "
        f"{len(elf)} extension modules; left out {', '.join(result['skipped']) or 'nothing'}",
        file=sys.stderr,
    )
    # a third-party package's optional helpers (brotli, h2, ...): its feature is off, as on
    # any system without them
    optional = sorted({w.rpartition("No module named ")[2].strip("'") for w in result["warnings"]})
    if optional:
        left = ", ".join(optional)
        print(f"pyignition-collect: not installed, left out: {left}", file=sys.stderr)
    for e in errors:
        print(f"pyignition-collect: error: {e}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
