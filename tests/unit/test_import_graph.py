"""tools/importgraph.py on small packages written for each test: what it counts as an edge,
what it reports as a cycle, and its exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

TOOL = Path(__file__).resolve().parents[2] / "tools" / "importgraph.py"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def run(root: Path, *packages: str) -> tuple[int, dict[str, Any]]:
    argv = [sys.executable, str(TOOL), "--json", "--root", str(root), "--packages", *packages]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert done.stderr == ""
    return done.returncode, json.loads(done.stdout)


def pairs(cycle: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(e["src"], e["dst"], e["where"]) for e in cycle["edges"]}


def test_a_clean_package_passes(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg import low\n",
            "pkg/low.py": "import json\n",
            "pkg/high.py": "from . import low\nfrom .low import json\n",
        },
    )
    code, result = run(tmp_path, "pkg")
    assert code == 0
    assert result["module_cycles"] == []
    assert result["package_cycles"] == []
    assert result["edge_count"] == 3  # high -> low twice (two lines), __init__ -> low


def test_a_top_level_cycle_is_found_with_its_lines(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "import pkg.b\n",
            "pkg/b.py": "\n\nfrom pkg.c import thing\n",
            "pkg/c.py": "from .a import x\nthing = 1\n",
        },
    )
    code, result = run(tmp_path, "pkg")
    assert code == 1
    [cycle] = result["module_cycles"]
    assert cycle["members"] == ["pkg.a", "pkg.b", "pkg.c"]
    assert pairs(cycle) == {
        ("pkg.a", "pkg.b", "pkg/a.py:1"),
        ("pkg.b", "pkg.c", "pkg/b.py:3"),
        ("pkg.c", "pkg.a", "pkg/c.py:1"),
    }


def test_a_lazy_import_closes_a_cycle(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\n",
            "pkg/b.py": "def late():\n    from pkg import a\n    return a\n",
        },
    )
    code, result = run(tmp_path, "pkg")
    assert code == 1
    [cycle] = result["module_cycles"]
    kinds = {(e["src"], e["kind"]) for e in cycle["edges"]}
    assert kinds == {("pkg.a", "top"), ("pkg.b", "lazy")}


def test_type_checking_imports_are_apart_and_close_no_cycle(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\n",
            "pkg/b.py": (
                "import typing\nfrom typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from pkg import a\n"
                "if typing.TYPE_CHECKING:\n    import pkg.a\nelse:\n    import json\n"
            ),
        },
    )
    code, result = run(tmp_path, "pkg")
    assert code == 0
    assert result["module_cycles"] == []
    wheres = [(e["src"], e["dst"], e["where"]) for e in result["type_only_imports"]]
    assert wheres == [("pkg.b", "pkg.a", "pkg/b.py:4"), ("pkg.b", "pkg.a", "pkg/b.py:6")]


def test_the_else_of_type_checking_runs(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\n",
            "pkg/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    pass\n"
            "else:\n    from pkg import a\n",
        },
    )
    code, result = run(tmp_path, "pkg")
    assert code == 1
    [cycle] = result["module_cycles"]
    assert ("pkg.b", "pkg.a", "pkg/b.py:5") in pairs(cycle)


def test_importlib_literal_is_an_edge_and_computed_is_reported(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\n",
            "pkg/b.py": (
                "import importlib\n"
                "def load(name):\n"
                "    importlib.import_module('pkg.a')\n"
                "    return importlib.import_module(f'pkg.{name}')\n"
                "mod = __import__(str(1))\n"
            ),
        },
    )
    code, result = run(tmp_path, "pkg")
    assert code == 1
    [cycle] = result["module_cycles"]
    assert {e["kind"] for e in cycle["edges"]} == {"top", "importlib"}
    computed = [(c["where"], c["call"]) for c in result["computed_imports"]]
    assert computed == [
        ("pkg/b.py:4", "importlib.import_module(f'pkg.{name}')"),
        ("pkg/b.py:5", "__import__(str(1))"),
    ]


def test_cycles_between_packages_and_parts_of_ignition(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "ignition/__init__.py": "",
            "ignition/engine/__init__.py": "",
            "ignition/engine/run.py": "def go():\n    import other.conv\n",
            "ignition/engine/state.py": "",
            "ignition/stages/__init__.py": "from ignition.engine import state\n",
            "ignition/stages/files.py": "",
            "ignition/report.py": "",
            "ignition/engine/main.py": "from ignition.stages import files\n",
            "other/__init__.py": "",
            "other/conv.py": "from ignition import report\n",
            "other/apply.py": "from ignition.engine import run\n",
        },
    )
    code, result = run(tmp_path, "ignition", "other")
    assert code == 0  # no cycle between modules
    [packages] = result["package_cycles"]
    assert packages["members"] == ["ignition", "other"]
    [parts] = result["ignition_cycles"]
    assert parts["members"] == ["ignition.engine", "ignition.stages"]
    [split] = result["split_cycles"]
    assert split["members"] == ["ignition.engine", "ignition.stages", "other"]


def test_text_report_names_the_cycle(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"pkg/__init__.py": "", "pkg/a.py": "import pkg.b\n", "pkg/b.py": "import pkg.a\n"},
    )
    argv = [sys.executable, str(TOOL), "--root", str(tmp_path), "--packages", "pkg"]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "== module cycles: 1\n  pkg.a <-> pkg.b\n" in done.stdout
    assert "pkg.a -> pkg.b: pkg/a.py:1 (top)" in done.stdout


# The registries keyed by a name from the config or the command line: the only places that
# import a computed module name, each from one table (docs/architecture.md).
REGISTRIES = {
    "ignition.commands.helptext": "the commands' flag parsers (ignition/commands/table.py)",
    "ignition.stages": "STAGES: stage name -> module",
    "providers": "PROVIDERS: platform id -> module",
    "cloudinit.netconf": "FORMATS: network config format -> module",
}


def test_the_real_tree_has_no_module_cycle_and_imports_computed_names_only_in_registries() -> None:
    argv = [sys.executable, str(TOOL), "--json"]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    result = json.loads(done.stdout)
    assert [c["members"] for c in result["module_cycles"]] == []
    assert done.returncode == 0
    computed = {c["module"]: c["call"] for c in result["computed_imports"]}
    assert set(computed) <= set(REGISTRIES), computed


def test_every_module_sits_in_a_layer_of_the_contracts() -> None:
    """A new module or package outside every layer would escape ``lint-imports``: each module
    of the four packages must fall under one entry of the ``layers`` contract."""
    import tomllib

    sys.path.insert(0, str(TOOL.parent))
    try:
        from importgraph import PACKAGES, ROOT, discover
    finally:
        sys.path.pop(0)
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    [layers] = [c["layers"] for c in config["contracts"] if c["id"] == "layers"]
    entries = {e.strip() for layer in layers for e in layer.replace("|", ":").split(":")}
    packages_only = {*PACKAGES, "ignition.util"}  # package roots: a version string, a docstring
    outside = [
        m
        for m in discover(ROOT, PACKAGES)
        if m not in packages_only and not any(m == e or m.startswith(e + ".") for e in entries)
    ]
    assert outside == []
