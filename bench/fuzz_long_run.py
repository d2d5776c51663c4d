#!/usr/bin/env python3
"""A long run of every property test (``tests/unit/*/test_fuzz*.py``): inputs tried and wall
time per target, and the total.

Each file runs in its own pytest process with ``PYIGNITION_FUZZ_SCALE`` set per file (the
tests multiply their default example counts by it; tests with fixed counts ignore it), and
Hypothesis' statistics give the number of passing inputs per test. A failure stops nothing:
it is reported with the rest, and the exit status is 1.

Usage: ``bench/fuzz_long_run.py [--scale N] [--scale-for GLOB=N ...] [FILE ...]``, e.g.
``bench/fuzz_long_run.py --scale 500 --scale-for 'tests/unit/cli/*=100'``.
"""

from __future__ import annotations

import argparse
import fnmatch
import glob
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST = re.compile(r"^(tests/\S+::\S+):$")
PASSING = re.compile(r"^\s+- (\d+) passing, (\d+) failing")
PHASE = re.compile(r"^\s+- during (\w+) phase \(([\d.]+) seconds\)")


def run_file(path: str, scale: int) -> tuple[int, dict[str, tuple[int, int, float]]]:
    env = dict(os.environ, PYIGNITION_FUZZ_SCALE=str(scale))
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", path,
           "--hypothesis-show-statistics"]  # fmt: skip
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    stats: dict[str, tuple[int, int, float]] = {}
    current, seconds = None, 0.0
    for line in p.stdout.splitlines():
        if m := TEST.match(line):
            current, seconds = m.group(1), 0.0
        elif (m := PHASE.match(line)) and current:
            seconds = float(m.group(2))
        elif (m := PASSING.match(line)) and current:
            ok, bad, secs = stats.get(current, (0, 0, 0.0))
            stats[current] = (ok + int(m.group(1)), bad + int(m.group(2)), secs + seconds)
    if p.returncode != 0:
        tail = "\n".join(p.stdout.splitlines()[-30:])
        print(f"FAILED {path} (exit {p.returncode}):\n{tail}", flush=True)
    return p.returncode, stats


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--scale-for", action="append", default=[], metavar="GLOB=N")
    a = ap.parse_args()
    files = a.files or sorted(glob.glob("tests/unit/*/test_fuzz*.py", root_dir=ROOT))
    overrides = [(g, int(n)) for g, _, n in (s.partition("=") for s in a.scale_for)]
    total_inputs, total_secs, status = 0, 0.0, 0
    print(f"{'target':<86} {'inputs':>9} {'seconds':>8}")
    for path in files:
        scale = next((n for g, n in overrides if fnmatch.fnmatch(path, g)), a.scale)
        started = time.monotonic()
        code, stats = run_file(path, scale)
        status |= code != 0
        for test, (ok, bad, secs) in stats.items():
            flag = f"  {bad} FAILING" if bad else ""
            print(f"{test:<86} {ok:>9} {secs:>8.1f}{flag}", flush=True)
            total_inputs += ok
        wall = time.monotonic() - started
        total_secs += wall
        print(
            f"{'  ' + path + f' (scale {scale}, wall time)':<86} {'':>9} {wall:>8.1f}", flush=True
        )
    print(f"{'total':<86} {total_inputs:>9} {total_secs:>8.1f}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
