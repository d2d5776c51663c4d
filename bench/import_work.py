"""What each stage's imports cost and what work runs at import time, natively.

    python bench/import_work.py [--stage STAGE ...] [--runs N] [--top N]

For each stage, in a fresh ``python -I -S -B`` (as in the initramfs), imports what the stage
process imports before its work: ``ignition.commands.cli``, ``ignition.engine.engine``, the stage's
module and the ``qemu`` platform (the QEMU suite's fw_cfg scenario), and prints

* the import time (median of N runs) and the number of modules, split into the engine's,
  third-party and standard-library modules;
* the work done while importing, from ``cProfile`` over the same imports: record classes
  built (``ignition.util.record._build``), regular expressions compiled (``re.compile``), enum
  classes created, dataclasses processed, ``typing`` machinery, each with calls and time;
* the modules with the largest self time (``-X importtime``), and the standard-library
  modules the stage imports, so that needless ones stand out.

Figures are of this machine; the guest under TCG is 10-30 times slower and pays extra for code
it runs for the first time (``bench/guest_stages.py --profile`` measures there).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STAGES = ("fetch-offline", "kargs", "disks", "mount", "files", "umount")
MODULE = {
    "fetch-offline": "ignition.stages.fetch",
    "fetch": "ignition.stages.fetch",
    "kargs": "ignition.stages.kargs",
    "disks": "ignition.stages.disks",
    "mount": "ignition.stages.mount",
    "files": "ignition.stages.files",
    "umount": "ignition.stages.umount",
}
_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)", re.M)

# cProfile entries (file suffix, function) -> what they stand for
WORK = {
    "record classes": [("ignition/util/record.py", "_build")],
    "regex compiles": [("re/__init__.py", "_compile")],
    "enum classes": [("enum.py", "__new__")],
    "dataclasses": [("dataclasses.py", "_process_class")],
    "namedtuples": [("collections/__init__.py", "namedtuple")],
    "typing generics": [("typing.py", "inner")],
}

PROFILE = r"""
import cProfile, pstats, sys
sys.path[:0] = {path!r}
prof = cProfile.Profile()
prof.enable()
for m in {modules!r}:
    __import__(m)
prof.disable()
st = pstats.Stats(prof)
for (file, line, func), (cc, nc, tt, ct, callers) in st.stats.items():
    print(f"P\t{{file}}\t{{func}}\t{{nc}}\t{{tt:.6f}}\t{{ct:.6f}}")
"""


def path() -> list[str]:
    p = sysconfig.get_paths()
    return list(dict.fromkeys([str(REPO), p["purelib"], p["platlib"]]))


def modules_for(stage: str) -> list[str]:
    return ["ignition.commands.cli", "ignition.engine.engine", MODULE[stage], "providers.qemu"]


def importtime(stage: str) -> tuple[float, float, list[tuple[int, int, str]]]:
    """Import seconds (wall, from ``-X importtime``), CPU seconds of the same imports, and
    (self µs, cumulative µs, name) per module."""
    code = (
        f"import sys, time; sys.path[:0] = {path()!r}; t = time.process_time()\n"
        + "".join(f"import {m}\n" for m in modules_for(stage))
        + "print(time.process_time() - t)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    found = _LINE.findall(proc.stderr)
    rows = [(int(s), int(c), n) for s, c, _, n in found]
    outer = sum(int(c) for _, c, ind, _ in found if not ind)
    return outer / 1e6, float(proc.stdout), rows


def profile(stage: str) -> dict[str, tuple[int, float]]:
    code = PROFILE.format(path=path(), modules=modules_for(stage))
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", code], capture_output=True, text=True, check=True
    )
    out: dict[str, tuple[int, float]] = {}
    for line in proc.stdout.splitlines():
        _, file, func, nc, _tt, ct = line.split("\t")
        for what, keys in WORK.items():
            if any(file.endswith(f) and func == fn for f, fn in keys):
                calls, secs = out.get(what, (0, 0.0))
                out[what] = (calls + int(nc.split("/")[0]), secs + float(ct))
    return out


def kind(name: str) -> str:
    top = name.partition(".")[0]
    if top in ("ignition", "providers", "cloudinit", "transpiler"):
        return "engine"
    return "stdlib" if top in sys.stdlib_module_names else "third-party"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--stage", action="append", choices=sorted(MODULE))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--top", type=int, default=8)
    args = ap.parse_args()
    one, five, _ = os.getloadavg()
    print(f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs; "
          f"medians of {args.runs} runs; cProfile times include its own overhead")  # fmt: skip
    for stage in args.stage or STAGES:
        runs = [importtime(stage) for _ in range(args.runs)]
        total = statistics.median(t for t, _, _ in runs)
        cpu = statistics.median(c for _, c, _ in runs)
        rows = runs[0][2]
        kinds = ("engine", "third-party", "stdlib")
        counts = ", ".join(f"{sum(1 for _, _, n in rows if kind(n) == k)} {k}" for k in kinds)
        print(f"\n{stage}: imports {total * 1000:.0f} ms ({cpu * 1000:.0f} ms CPU), "
              f"{len(rows)} modules ({counts})")  # fmt: skip
        work = profile(stage)
        if work:
            done = [f"{what} {n}x {secs * 1000:.1f} ms" for what, (n, secs) in work.items()]
            print("  import-time work: " + "; ".join(done))
        self_times: dict[str, list[int]] = {}
        for _, _, r in runs:
            for s, _, n in r:
                self_times.setdefault(n, []).append(s)
        top = sorted(((statistics.median(v), n) for n, v in self_times.items()), reverse=True)
        print("  largest self times: " + ", ".join(
            f"{n} {us / 1000:.1f}" for us, n in top[: args.top]) + " (ms)")  # fmt: skip
        std = sorted({n.partition(".")[0] for _, _, n in rows if kind(n) == "stdlib"})
        print(f"  standard library: {' '.join(std)}")


if __name__ == "__main__":
    main()
