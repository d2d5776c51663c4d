"""What a value type costs: ``@record`` (ignition/util/record.py) against ``@dataclass``.

    python bench/value_types.py [--runs N] [--classes N] [--instances N]

Each kind runs in a fresh ``python -I -S -B`` (as a stage process in the initramfs), which
prints, for one kind:

* import: the time to import the decorator's module and the modules it brings, ``typing``
  being imported already (every stage process imports it);
* class: the time to build one class of six fields (three with defaults, one a
  ``default_factory``), from source as a class statement would be, averaged over N classes;
* instance: the time to create one instance (keyword arguments, the defaults left out) and the
  memory one holds (``tracemalloc``, averaged over N live instances), then again once each has
  been compared with ``==`` (a record's ``__eq__`` reads ``__dict__``, which makes CPython
  build the instance's dict);
* eq+hash: one ``==`` between equal instances and one ``hash`` (plain dataclass: ``==`` only).

Then it prints whether each stage process already imports ``dataclasses`` (if it does, the
module's import cost is paid anyway and only the per-class cost counts). Medians of N runs.
"""

from __future__ import annotations

import argparse
import json
import py_compile
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KINDS = {
    "record": ("from ignition.util.record import field, record", "@record"),
    "dataclass(frozen, slots)": (
        "from dataclasses import dataclass, field",
        "@dataclass(frozen=True, slots=True)",
    ),
    "dataclass(frozen)": ("from dataclasses import dataclass, field", "@dataclass(frozen=True)"),
    "dataclass": ("from dataclasses import dataclass, field", "@dataclass"),
}
STAGES = {
    "fetch": "ignition.stages.fetch",
    "disks": "ignition.stages.disks",
    "files": "ignition.stages.files",
    "validate": "ignition.commands.validate",
    "butane": "ignition.commands.butane",
}

# runs in the child: argv = import line, decorator, classes, instances
CHILD = """
import json, sys, time, tracemalloc
sys.path.insert(0, sys.argv.pop(1))
imp, deco, n_classes, n_inst = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
import typing  # every stage process has it already
before = set(sys.modules)
t = time.perf_counter()
exec(imp)
t_import = time.perf_counter() - t
brought = len(set(sys.modules) - before)
body = (
    "{deco}\\nclass C{i}:\\n    name: str\\n    size: int\\n    path: tuple[str, ...]\\n"
    "    mode: int | None = None\\n    label: str = ''\\n"
    "    tags: tuple[str, ...] = field(default_factory=tuple)\\n"
)
src = "".join(body.format(deco=deco, i=i) for i in range(n_classes))
code = compile(src, "<classes>", "exec")
env = {}
exec(imp, env)
t = time.perf_counter()
exec(code, env)
t_class = (time.perf_counter() - t) / n_classes
C = env["C0"]
t = time.perf_counter()
for i in range(n_inst):
    C(name="x", size=i, path=("a", "b"))
t_inst = (time.perf_counter() - t) / n_inst
tracemalloc.start()
live = [C(name="x", size=i, path=("a", "b"), mode=420) for i in range(n_inst)]
size = tracemalloc.get_traced_memory()[0] / n_inst
a, b = live[0], C(name="x", size=0, path=("a", "b"), mode=420)
for x in live:
    x == b
size_eq = tracemalloc.get_traced_memory()[0] / n_inst
tracemalloc.stop()
ops = 0
t = time.perf_counter()
for _ in range(n_inst):
    ops += (a == b) + (hash(a) == hash(b)) if C.__hash__ else (a == b)
t_eq = (time.perf_counter() - t) / n_inst
print(json.dumps({{"import_ms": t_import * 1e3, "modules": brought, "class_us": t_class * 1e6,
    "instance_us": t_inst * 1e6, "bytes": size, "bytes_eq": size_eq, "eq_hash_us": t_eq * 1e6}}))
"""

STAGE_CHILD = """
import sys, importlib
sys.path.insert(0, sys.argv.pop(1))
importlib.import_module("ignition.commands.cli") if sys.argv[1].startswith("ignition.") else None
importlib.import_module(sys.argv[1])
print(int("dataclasses" in sys.modules), int("inspect" in sys.modules))
"""


def child(code: str, *args: str) -> str:
    argv = [sys.executable, "-I", "-S", "-B", "-c", code, str(REPO), *args]
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


def measure(kind: str, runs: int, classes: int, instances: int) -> dict[str, float]:
    imp, deco = KINDS[kind]
    code = CHILD.replace("{{", "{").replace("}}", "}")
    rows = []
    for _ in range(runs):
        out = child(code, imp, deco, str(classes), str(instances))
        rows.append(json.loads(out))
    return {key: statistics.median(r[key] for r in rows) for key in rows[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--classes", type=int, default=40)
    parser.add_argument("--instances", type=int, default=50_000)
    args = parser.parse_args()
    # bytecode on both sides, as the stdlib has it
    for name in ("__init__.py", "util/__init__.py", "util/record.py"):
        py_compile.compile(str(REPO / "ignition" / name), doraise=True)
    print(f"{'kind':<26}{'import ms':>10}{'modules':>8}{'class us':>10}"
          f"{'inst us':>9}{'bytes':>7}{'after ==':>9}{'eq+hash us':>11}")  # fmt: skip
    for kind in KINDS:
        m = measure(kind, args.runs, args.classes, args.instances)
        print(f"{kind:<26}{m['import_ms']:>10.2f}{m['modules']:>8.0f}{m['class_us']:>10.1f}"
              f"{m['instance_us']:>9.2f}{m['bytes']:>7.0f}{m['bytes_eq']:>9.0f}"
              f"{m['eq_hash_us']:>11.2f}")  # fmt: skip
    print("\nstage process imports dataclasses / inspect already:")
    for stage, module in STAGES.items():
        has_dc, has_inspect = child(STAGE_CHILD, module).split()
        print(f"  {stage:<10} dataclasses={'yes' if has_dc == '1' else 'no':<4}"
              f"inspect={'yes' if has_inspect == '1' else 'no'}")  # fmt: skip


if __name__ == "__main__":
    main()
