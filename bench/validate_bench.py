#!/usr/bin/env python3
"""Wall time and peak memory of ``ignition-validate`` on a small and a 10,000-file config.

Prints each figure next to the interpreter's bare start-up (``python -c pass``) on the same
machine. Targets (issue 2): 10,000 files in at most 1.3 s; a small config within 3x the bare
start-up. Usage: ``bench/validate_bench.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "example.ign"


def big_config(n: int) -> bytes:
    files = [
        {
            "path": f"/srv/data/{i // 100}/file-{i}.txt",
            "mode": 0o644,
            "user": {"name": "core"},
            "contents": {"source": f"data:,content%20of%20file%20{i}"},
        }
        for i in range(n)
    ]
    cfg = {"ignition": {"version": "3.4.0"}, "storage": {"files": files}}
    return json.dumps(cfg, indent=2).encode()


def run_once(argv: list[str]) -> tuple[float, int, int]:
    """(wall seconds, peak RSS KiB, exit status) of one run of ``argv``.

    Peak memory comes from GNU time: a forked child's own accounting would include the memory
    of this (larger) benchmark process before the exec.
    """
    with tempfile.NamedTemporaryFile("r") as rss_file:
        start = time.perf_counter()
        proc = subprocess.run(
            ["/usr/bin/time", "-q", "-f", "%M", "-o", rss_file.name, *argv],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        elapsed = time.perf_counter() - start
        rss = int(rss_file.read().strip().splitlines()[-1] or 0)
    return elapsed, rss, proc.returncode


def measure(argv: list[str], runs: int) -> tuple[float, float, int]:
    """(median s, min s, peak RSS KiB) over ``runs`` runs."""
    times = []
    peak = 0
    for _ in range(runs):
        elapsed, rss, code = run_once(argv)
        if code not in (0, 1):
            sys.exit(f"bench: {argv} exited {code}")
        times.append(elapsed)
        peak = max(peak, rss)
    return statistics.median(times), min(times), peak


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    python = sys.executable
    validate = str(Path(python).parent / "ignition-validate")
    if not os.path.exists(validate):
        sys.exit("bench: ignition-validate not found next to the interpreter (run ./dev setup)")
    # deployed installs carry byte-compiled modules; make sure ours are compiled too
    subprocess.run([python, "-m", "compileall", "-q", str(HERE.parent / "ignition")], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.ign"
        big.write_bytes(big_config(10_000))
        rows = [
            ("python -c pass", [python, "-c", "pass"]),
            ("ignition-validate small (examples/example.ign)", [validate, str(EXAMPLE)]),
            (
                f"ignition-validate 10,000 files ({big.stat().st_size // 1024} KiB)",
                [validate, str(big)],
            ),
        ]
        results = [(label, *measure([str(a) for a in argv], args.runs)) for label, argv in rows]
    floor = results[0][2]  # compare minimums: least disturbed by other load on the machine
    print(f"{'case':52} {'median':>8} {'min':>8} {'peak RSS':>10} {'min/floor':>9}")
    for label, med, best, rss in results:
        ms_med, ms_min, mib = med * 1000, best * 1000, rss / 1024
        print(f"{label:52} {ms_med:6.0f}ms {ms_min:6.0f}ms {mib:7.1f}MiB {best / floor:8.1f}x")
    small, big_t = results[1][2], results[2][2]
    verdict_small = "met" if small <= 3 * floor else "MISSED"
    verdict_big = "met" if big_t <= 1.3 else "MISSED"
    print()
    print(f"target: small config within 3x bare start-up: {verdict_small}")
    print(f"target: 10,000 files in <= 1.3 s: {verdict_big}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
