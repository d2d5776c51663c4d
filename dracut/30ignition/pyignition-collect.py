"""Build-time helper of the dracut module: which Python files the initramfs needs.

Run by ``module-setup.sh`` with the interpreter that will run in the initramfs
(``python3.X -I -S pyignition-collect.py ...``), so every path and every ``.pyc`` it reports
belongs to that interpreter. It

* finds the engine's packages (``ignition``, ``providers`` and the project packages they import)
  on ``--site``, reads every import statement in them (also the lazy ones inside functions) and
  imports those modules, then every module of the packages themselves;
* copies the engine's packages and the third-party packages they import (whole, without tests or
  metadata) plus the ``schema/`` data into ``--dest`` (which becomes ``/usr/lib/pyignition``) and
  compiles them to unchecked-hash ``.pyc`` (an initramfs never changes, so no stat per import);
* writes the standard-library files that ended up in ``sys.modules`` (with their cached
  ``.pyc``) to ``--stdlib-list``, and the ELF extensions of the copied packages as
  ``source<TAB>destination`` lines to ``--elf-list`` (dracut resolves their libraries).

Third-party packages named with ``--exclude`` are left out (boto3/botocore: only ``s3://`` needs
them, and they are larger than everything else together); the engine reports a clear error if
such a URL is used. A module that cannot be imported is reported, never silently dropped.
"""

from __future__ import annotations

import argparse
import ast
import compileall
import importlib.util
import json
import os
import py_compile
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

ENGINE_PACKAGES = ("ignition", "providers")
PROJECT_PACKAGES = ("ignition", "providers", "cloudinit", "transpiler")
# imported lazily by the standard library itself, on paths the engine takes at run time
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
SKIP_DIRS = {"__pycache__", "tests", "test", "testing"}


def stdlib_dirs() -> list[str]:
    paths = sysconfig.get_paths()
    dirs = {os.path.realpath(paths["stdlib"]), os.path.realpath(paths["platstdlib"])}
    return sorted(dirs)


def python_files(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield Path(dirpath) / name


def module_name(pkg_root: Path, path: Path) -> str:
    rel = path.relative_to(pkg_root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, name: str) -> set[str]:
    """Absolute names of every module an ``import`` statement in ``path`` may load."""
    tree = ast.parse(path.read_bytes(), str(path))
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
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
            == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            out.add(node.args[0].value)  # importlib.import_module("literal")
    return out


def registry_roots() -> set[str]:
    """Modules the engine loads by name from its registries (stages, platforms)."""
    import providers
    from ignition import stages

    targets = [*stages.STAGES.values(), *providers.PROVIDERS.values()]
    return {"ignition.cli", "ignition.engine.engine", *(t.partition(":")[0] for t in targets)}


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


def is_stdlib(name: str) -> bool:
    return top(name) in sys.stdlib_module_names


def copy_tree(src: Path, dest: Path) -> None:
    if src.is_file():
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)
        return
    shutil.copytree(
        src,
        dest,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "tests", "test", "*.pyi"),
        dirs_exist_ok=True,
    )


# Runs in a fresh ``python -I -S``: imports the names, reports what got loaded (JSON on stdout).
CHILD = r"""
import importlib, json, os, sys

req = json.load(sys.stdin)
sys.path[:0] = req["site"]
own, project, exclude = set(req["own"]), set(req["project"]), set(req["exclude"])
errors, warnings, skipped = [], [], set()


def top(n):
    return n.partition(".")[0]


def attempt(name, lazy=False):
    t = top(name)
    if t in exclude:
        skipped.add(t)
        return
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:
        missing = exc.name or name
        if missing == name and "." in name and top(name) not in project:
            return  # "from X import Y" with Y not a module
        if top(missing) in exclude:
            skipped.add(top(missing))
        elif missing == name and "." in name and importlib.util.find_spec(name.rpartition(".")[0]):
            return  # "from X import Y" with Y not a module
        elif top(missing) in project:
            warnings.append(f"{name}: {missing} is not in this build")
        elif t in own or lazy:
            errors.append(f"{name}: {exc}")
        else:
            warnings.append(f"{name}: {exc}")
    except Exception as exc:
        (errors if t in own else warnings).append(f"{name}: {type(exc).__name__}: {exc}")


import importlib.util

for n in sorted(req["names"], key=lambda n: (top(n) not in own, n)):
    attempt(n)
for n in req["lazy"]:
    attempt(n, lazy=True)

roots = tuple(d.rstrip("/") + "/" for d in req["stdlib"])
files, third = set(), {}
for name, mod in list(sys.modules.items()):
    f = getattr(mod, "__file__", None)
    if not isinstance(f, str) or not os.path.isabs(f):
        continue
    real = os.path.realpath(f)
    if real.startswith(roots) and "-packages/" not in real:
        files.add(f)
        if f.endswith(".py"):
            cached = importlib.util.cache_from_source(f)
            if os.path.exists(cached):
                files.add(cached)
    elif "." not in name and name not in project:
        spec = mod.__spec__
        locs = list(spec.submodule_search_locations or []) if spec else []
        third[name] = locs[0] if locs else f
json.dump(
    {
        "errors": errors,
        "warnings": warnings,
        "skipped": sorted(skipped),
        "third_party": third,
        "stdlib_files": sorted(files),
    },
    sys.stdout,
)
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--site", default="", help="':'-separated directories holding the engine")
    ap.add_argument("--dest", required=True, type=Path)
    ap.add_argument("--stdlib-list", required=True, type=Path)
    ap.add_argument("--elf-list", required=True, type=Path)
    ap.add_argument("--exclude", default="boto3,botocore,s3transfer,jmespath")
    args = ap.parse_args(argv)

    site = [d for d in args.site.split(":") if d]
    sys.path[:0] = site
    exclude = {e for e in args.exclude.split(",") if e}

    # 1. the engine's packages and, following every import statement from the entry points
    #    (the CLI and the stage and platform registries), the modules the engine can reach
    pkg_roots: dict[str, Path] = {}
    for pkg in ENGINE_PACKAGES:
        spec = importlib.util.find_spec(pkg)
        if spec is None or not spec.submodule_search_locations:
            print(f"pyignition-collect: package {pkg!r} not found on {site}", file=sys.stderr)
            return 1
    names: set[str] = set()
    seen: set[str] = set()
    todo = sorted(registry_roots())
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        names.add(name)
        parts = name.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))  # parent packages
        t = top(name)
        if t not in PROJECT_PACKAGES:
            continue
        path = module_file(name)
        if path is None:
            continue  # "from X import function", or a project package not installed
        if t not in pkg_roots:
            root = path.parent
            while root.name != t:
                root = root.parent
            pkg_roots[t] = root
        todo.extend(imports_of(path, name))

    # 2. import all of it in a fresh interpreter (this script's own imports would count too)
    request = {
        "site": site,
        "names": sorted(n for n in names if n.rpartition(".")[2] != "__main__"),
        "own": sorted(pkg_roots),
        "project": list(PROJECT_PACKAGES),
        "exclude": sorted(exclude),
        "lazy": list(LAZY_STDLIB),
        "stdlib": stdlib_dirs(),
    }
    child = subprocess.run(
        [sys.executable, "-I", "-S", "-c", CHILD],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        print(f"pyignition-collect: import run failed:\n{child.stderr}", file=sys.stderr)
        return 1
    result = json.loads(child.stdout)
    errors: list[str] = result["errors"]
    warnings: list[str] = result["warnings"]
    skipped: list[str] = result["skipped"]
    third_party: dict[str, str] = result["third_party"]

    # 3. copy the engine, its third-party packages and the schema data; compile
    dest: Path = args.dest
    dest.mkdir(parents=True, exist_ok=True)
    for pkg, root in sorted(pkg_roots.items()):
        copy_tree(root, dest / pkg)
    for origin in sorted(third_party.values()):
        copy_tree(Path(origin), dest / Path(origin).name)
    from ignition import schemas

    copy_tree(schemas.schema_dir(), dest / "schema")
    compiled = compileall.compile_dir(
        str(dest),
        quiet=2,
        ddir="/usr/lib/pyignition",
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    if not compiled:
        errors.append("compileall reported errors")

    # 4. the lists for dracut
    args.stdlib_list.write_text("".join(f"{f}\n" for f in result["stdlib_files"]))
    elf = sorted(p for p in dest.rglob("*.so*") if p.is_file())
    lines = (f"{p}\t/usr/lib/pyignition/{p.relative_to(dest)}\n" for p in elf)
    args.elf_list.write_text("".join(lines))

    print(
        f"pyignition-collect: engine packages {', '.join(sorted(pkg_roots))}; "
        f"third-party {', '.join(sorted(third_party)) or 'none'}; "
        f"left out {', '.join(skipped) or 'nothing'}; "
        f"{len(result['stdlib_files'])} standard-library files",
        file=sys.stderr,
    )
    for w in warnings:
        print(f"pyignition-collect: warning: optional module not available: {w}", file=sys.stderr)
    for e in errors:
        print(f"pyignition-collect: error: {e}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
