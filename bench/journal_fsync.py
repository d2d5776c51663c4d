"""What syncing the files stage's undo journal costs: the stage run as in the initramfs (a
separate process) on a root on the machine's disk, for the small and the 1,000-file configs
of ``engine_stages.py``, with each journal record synced (``fdatasync``, as shipped) and with
the syncs made no-ops; also the bare cost of one record's sync here.

    python bench/journal_fsync.py [--runs N]

Prints per config: journal records, median stage wall time with and without the syncs, and
the difference per record. The journal is synced so that a power cut cannot keep a change
whose undo record it lost; the files themselves are not synced (as upstream).
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from engine_common import minimal_root, stage_env
from engine_stages import large_config, small_config

CHILD = """
import os, sys
from ignition.stages.files import journal
count = [0, 0]
record = journal.Journal.record
def counted(self, *fields):
    count[0] += 1
    count[1] += fields[0] != "temp"
    record(self, *fields)
journal.Journal.record = counted
if os.environ.get("BENCH_NO_SYNC"):
    os.fdatasync = lambda fd: None
    os.fsync = lambda fd: None
from ignition.commands.cli import main
code = main(sys.argv[1:])  # not main(): it would end the process before the line below
sys.stderr.write(f"records={count[0]} synced={count[1]}\\n")
sys.exit(code)
"""


def etc_config() -> dict[str, Any]:
    """Every file a change inside a directory that existed: two records each."""
    files = [{"path": f"/etc/bench-{i}.conf", "contents": {"source": f"data:,{i}"}}
             for i in range(1000)]  # fmt: skip
    return {"ignition": {"version": "3.4.0"}, "storage": {"files": files}}


def sync_cost(where: str, n: int = 200) -> float:
    fd, path = tempfile.mkstemp(dir=where)
    try:
        start = time.perf_counter()
        for i in range(n):
            os.write(fd, b'["new", "/etc/x%d"]\n' % i)
            os.fdatasync(fd)
        return (time.perf_counter() - start) / n
    finally:
        os.close(fd)
        os.unlink(path)


def files_stage(work: Path, n: int, sync: bool) -> tuple[float, int, int]:
    root, state = work / f"root{n}{sync}", work / f"state{n}{sync}"
    minimal_root(root)
    state.mkdir()
    env = {**stage_env(work), **({} if sync else {"BENCH_NO_SYNC": "1"})}
    common = ["-platform", "file", "-log-to-stdout", "-config-cache", str(state / "c.json"),
              "-state-file", str(state / "state"), "-neednet", str(state / "neednet")]  # fmt: skip
    fetch = [sys.executable, "-m", "ignition", *common, "-stage", "fetch", "-root", ""]
    subprocess.run(fetch, cwd=work, env=env, check=True, capture_output=True)
    argv = [sys.executable, "-c", CHILD, *common, "-stage", "files", "-root", str(root)]
    start = time.perf_counter()
    p = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if p.returncode != 0:
        raise SystemExit(f"files stage failed:\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
    tail = p.stderr.rsplit("records=", 1)[1].split()
    return took, int(tail[0]), int(tail[1].removeprefix("synced="))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    where = "/var/tmp" if os.path.isdir("/var/tmp") else tempfile.gettempdir()
    print(f"one record's fdatasync on {where}: {sync_cost(where) * 1e6:.0f} us")
    for name, make in (
        ("small", small_config),
        ("1,000 files + 100 units", large_config),
        ("worst case, 1,000 files in the existing /etc", etc_config),
    ):
        with tempfile.TemporaryDirectory(prefix="bench-journal-", dir=where) as tmp:
            work = Path(tmp)
            (work / "config.ign").write_text(json.dumps(make()))
            times: dict[bool, list[float]] = {True: [], False: []}
            records = synced = 0
            for n in range(args.runs):
                for sync in (False, True):
                    took, records, synced = files_stage(work, n, sync)
                    times[sync].append(took)
            with_sync = statistics.median(times[True])
            without = statistics.median(times[False])
            per = (with_sync - without) / synced * 1e6 if synced else 0.0
            print(f"{name}: {records} records, {synced} synced; files stage "
                  f"{with_sync * 1000:.0f} ms synced, {without * 1000:.0f} ms not "
                  f"({per:.0f} us per sync)")  # fmt: skip


if __name__ == "__main__":
    main()
