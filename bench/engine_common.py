"""Shared by the engine benchmarks: run stages as separate processes, as the initramfs does,
and report wall time, CPU time and import time of each. (No peak memory: a child's max RSS
as ``wait4`` reports it includes the parent's, from before ``exec``.)

Each stage runs the way the initramfs starts it: ``python -I -S -B`` and a small runner
script that puts the engine on ``sys.path`` (as ``/usr/bin/ignition`` does there), with the
engine's bytecode compiled beforehand."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import sysconfig
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
STAGES = ("fetch-offline", "fetch", "kargs", "disks", "mount", "files", "umount")
RUNNER = """import sys

sys.path[:0] = {path!r}
from ignition.commands.cli import main

raise SystemExit(main())
"""
FLOOR = "python -I -S -c pass"


@dataclass
class Sample:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    imports: list[float] = field(default_factory=list)  # seconds, from -X importtime
    failed: int = 0


def run_child(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, float, str]:
    """Wall seconds, exit code, CPU seconds and stderr of one child process.

    CPU time is printed too: on a shared machine wall time mostly measures the neighbours."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)  # fmt: skip
    assert proc.stderr is not None
    err = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - start
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    return took, code, usage.ru_utime + usage.ru_stime, err


_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)")


def import_seconds(stderr: str) -> float:
    """Total import time of a ``-X importtime`` run: the cumulative times of the outermost
    imports (whenever they happen: the stages import lazily)."""
    total = 0
    for line in stderr.splitlines():
        m = _IMPORT_LINE.match(line)
        if m and not m.group(3):
            total += int(m.group(2))
    return total / 1e6


def top_imports(stderr: str, n: int = 10) -> list[tuple[float, str]]:
    """The ``n`` imports with the largest cumulative time (seconds, name)."""
    rows = []
    for line in stderr.splitlines():
        m = _IMPORT_LINE.match(line)
        if m:
            rows.append((int(m.group(2)) / 1e6, m.group(3) + m.group(4)))
    return sorted(rows, reverse=True)[:n]


def precompile() -> None:
    """Bytecode as an initramfs ships it: without it every stage process would compile the
    sources again (``-B`` keeps it that way)."""
    import compileall

    for pkg in ("ignition", "providers", "cloudinit", "transpiler"):
        if (REPO / pkg).is_dir():
            compileall.compile_dir(REPO / pkg, quiet=1)


def runner(work: Path) -> Path:
    paths = sysconfig.get_paths()
    path = list(dict.fromkeys([str(REPO), paths["purelib"], paths["platlib"]]))
    script = work / "ignition"
    script.write_text(RUNNER.format(path=path))
    return script


def stage_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IGNITION_", "PYTHON"))}
    env["IGNITION_KERNEL_CMDLINE_PATH"] = str(work / "cmdline")
    env["IGNITION_SYSTEM_CONFIG_DIR"] = str(work / "none")
    env["IGNITION_CONFIG_FILE"] = str(work / "config.ign")
    return env


def minimal_root(root: Path) -> None:
    """What the files stage needs of a root for accounts (not an OS)."""
    (root / "etc").mkdir(parents=True, exist_ok=True)
    (root / "home").mkdir(exist_ok=True)
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (root / "etc" / "group").write_text("root:x:0:\nwheel:x:10:\n")
    for name, line in (("shadow", "root:*:19000:0:99999:7:::\n"), ("gshadow", "root:*::\n")):
        (root / "etc" / name).write_text(line)
        (root / "etc" / name).chmod(0o600)


def run_stages(
    work: Path,
    config: dict[str, Any],
    stages: Sequence[str] = STAGES,
    *,
    runs: int = 3,
    importtime: bool = True,
) -> dict[str, Sample]:
    """Runs every stage ``runs`` times on a fresh root (plus once more under ``-X importtime``
    per run) and returns the samples by stage, with the floor under ``FLOOR``."""
    precompile()
    script = runner(work)
    env = stage_env(work)
    (work / "config.ign").write_text(json.dumps(config))
    py = [sys.executable, "-I", "-S", "-B"]
    samples: dict[str, Sample] = {FLOOR: Sample()}
    for n in range(runs):
        took, _, cpu, _ = run_child([sys.executable, "-I", "-S", "-c", "pass"], work, env)
        floor = samples[FLOOR]
        floor.wall.append(took)
        floor.cpu.append(cpu)
        for timed in (False, True) if importtime else (False,):
            root = work / f"root{n}{'i' if timed else ''}"
            minimal_root(root)
            state = work / f"state{n}{'i' if timed else ''}"
            state.mkdir()
            base = [*py, *(["-X", "importtime"] if timed else []), str(script),
                    "-platform", "file", "-log-to-stdout",
                    "-config-cache", str(state / "ignition.json"),
                    "-state-file", str(state / "state"),
                    "-neednet", str(state / "neednet")]  # fmt: skip
            for stage in stages:
                r = str(root) if stage not in ("fetch-offline", "fetch", "disks") else ""
                took, code, cpu, err = run_child([*base, "-stage", stage, "-root", r],
                                                      work, env)  # fmt: skip
                s = samples.setdefault(stage, Sample())
                if code != 0:
                    s.failed += 1
                    sys.stderr.write(f"stage {stage} exited {code}:\n{err[-2000:]}\n")
                if timed:
                    s.imports.append(import_seconds(err))
                else:
                    s.wall.append(took)
                    s.cpu.append(cpu)
    return samples


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def print_table(samples: dict[str, Sample]) -> float:
    """Medians per stage; returns the sum of the stages' median wall times."""
    print(f"{'':20} {'wall':>8}    {'cpu':>8}    {'imports':>8}")
    total = total_cpu = total_imp = 0.0
    for name, s in samples.items():
        label = name if name == FLOOR else f"stage {name}"
        wall, cpu, imp = med(s.wall), med(s.cpu), med(s.imports)
        if name != FLOOR:
            total, total_cpu, total_imp = total + wall, total_cpu + cpu, total_imp + imp
        mark = f"  FAILED {s.failed}x" if s.failed else ""
        imps = f"{imp * 1000:8.0f} ms" if s.imports else f"{'-':>8}   "
        print(f"{label:20} {wall * 1000:8.0f} ms {cpu * 1000:8.0f} ms {imps}{mark}")
    imps = f"{total_imp * 1000:8.0f} ms" if total_imp == total_imp else ""
    print(f"{'all stages':20} {total * 1000:8.0f} ms {total_cpu * 1000:8.0f} ms {imps}")
    return total


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"
