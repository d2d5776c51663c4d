"""Shared by the engine benchmarks: run stages as separate processes, as the initramfs does,
and report wall time and peak memory (max RSS) of each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

STAGES = ("fetch", "kargs", "disks", "mount", "files", "umount")


def run_child(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, int, float]:
    """Wall seconds, exit code, max RSS (KiB) and CPU seconds of one child process.

    CPU time is printed too: on a shared machine wall time mostly measures the neighbours."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 and proc.stderr is not None:
        sys.stderr.write(proc.stderr.read().decode(errors="replace"))
    if proc.stderr is not None:
        proc.stderr.close()
    return took, proc.returncode, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def precompile() -> None:
    """Bytecode as an initramfs ships it: without it every stage process would compile the
    sources again (and PYTHONDONTWRITEBYTECODE, set in some shells, keeps it that way)."""
    import compileall

    top = Path(__file__).resolve().parent.parent
    for pkg in ("ignition", "providers", "transpiler"):
        if (top / pkg).is_dir():
            compileall.compile_dir(top / pkg, quiet=1)


def run_stages(work: Path, config: dict[str, Any], stages: tuple[str, ...] = STAGES) -> float:
    """Runs and prints every stage; returns the total wall seconds."""
    precompile()
    root = work / "root"
    root.mkdir(exist_ok=True)
    (work / "config.ign").write_text(json.dumps(config))
    env = {k: v for k, v in os.environ.items() if not k.startswith("IGNITION_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["IGNITION_KERNEL_CMDLINE_PATH"] = str(work / "cmdline")
    env["IGNITION_SYSTEM_CONFIG_DIR"] = str(work / "none")
    base = [sys.executable, "-m", "ignition", "-platform", "file", "-log-to-stdout",
            "-config-cache", str(work / "ignition.json"), "-state-file", str(work / "state"),
            "-neednet", str(work / "neednet")]  # fmt: skip
    print(f"{'':<16} {'wall':>8}     {'cpu':>8}     {'max RSS':>9}")
    took, _, rss, cpu = run_child([sys.executable, "-c", "pass"], work, env)
    print(
        f"{'python -c pass':<16} {took * 1000:8.0f} ms  {cpu * 1000:8.0f} ms  {rss / 1024:7.1f} MiB"
    )
    total = total_cpu = 0.0
    peak = 0
    for stage in stages:
        r = str(root) if stage not in ("fetch", "disks") else ""
        took, code, rss, cpu = run_child([*base, "-stage", stage, "-root", r], work, env)
        total += took
        total_cpu += cpu
        peak = max(peak, rss)
        mark = "" if code == 0 else f"  FAILED (exit {code})"
        print(
            f"{'stage ' + stage:<16} {took * 1000:8.0f} ms  {cpu * 1000:8.0f} ms  "
            f"{rss / 1024:7.1f} MiB{mark}"
        )
    print(
        f"{'all stages':<16} {total * 1000:8.0f} ms  {total_cpu * 1000:8.0f} ms  "
        f"{peak / 1024:7.1f} MiB peak"
    )
    return total
