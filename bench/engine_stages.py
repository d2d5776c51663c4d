"""All seven stages, each a separate process as in the initramfs, for a small config and for
a config with 1,000 files and 100 units, on a scratch root.

    python bench/engine_stages.py [--runs N] [--disk] [--only small|large]

Prints, per stage, the medians of N runs (default 3) of wall time, CPU time, import time
(a second run of the stage under ``-X importtime``: the outermost imports' cumulative time)
next to ``python -I -S -c pass`` (the floor: an interpreter that imports
nothing), and the machine's load (on a shared machine wall time mostly measures the
neighbours; CPU time less so).

* small: a file, a link, a user with an SSH key, one enabled unit (a first boot's typical
  config). Target: all seven stages within twice the reference's time.
* 1,000 files + 100 units (data: URLs). Target: under 0.7 s for all stages on the project
  machine (the reference needs about 2 s).

The root is on tmpfs (/dev/shm: the engine's own cost); ``--disk`` adds a run with the root on
the machine's disk (adds this VM's file-creation cost, 0.1-0.5 ms per file).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from engine_common import load, print_table, run_stages

SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2eTestKeyForPyignitionBenchOnlyNotARealKey0 bench"


def small_config() -> dict[str, Any]:
    return {
        "ignition": {"version": "3.4.0"},
        "storage": {
            "files": [
                {"path": "/etc/motd", "mode": 0o644, "contents": {"source": "data:,hello%0A"}}
            ],
            "links": [{"path": "/etc/motd.link", "target": "/etc/motd"}],
        },
        "passwd": {"users": [{"name": "core", "sshAuthorizedKeys": [SSH_KEY]}]},
        "systemd": {
            "units": [
                {
                    "name": "hello.service",
                    "enabled": True,
                    "contents": "[Service]\nExecStart=/bin/true\n[Install]\n"
                    "WantedBy=multi-user.target\n",
                }
            ]
        },
    }


def large_config() -> dict[str, Any]:
    files = [
        {
            "path": f"/opt/bench/d{i % 50}/file{i}.conf",
            "mode": 0o644,
            "contents": {"source": f"data:,setting%3D{i}%0A"},
        }
        for i in range(1000)
    ]
    units = [
        {
            "name": f"bench{i}.service",
            "enabled": i % 2 == 0,
            "contents": f"[Unit]\nDescription=bench {i}\n[Service]\nExecStart=/bin/true\n",
            "dropins": [{"name": "10-env.conf", "contents": "[Service]\nEnvironment=A=1\n"}],
        }
        for i in range(100)
    ]
    return {"ignition": {"version": "3.4.0"}, "storage": {"files": files},
            "systemd": {"units": units}}  # fmt: skip


CONFIGS = {
    "small": ("a file, a link, a user with a key, one enabled unit", small_config),
    "large": ("1,000 files + 100 units (data: URLs)", large_config),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--disk", action="store_true", help="also with the root on the disk")
    ap.add_argument("--only", choices=sorted(CONFIGS))
    args = ap.parse_args()
    places = [("tmpfs", "/dev/shm")] if os.path.isdir("/dev/shm") else []
    if args.disk or not places:
        places.append(("disk", tempfile.gettempdir()))
    for key, (what, make) in CONFIGS.items():
        if args.only and key != args.only:
            continue
        for name, where in places:
            with tempfile.TemporaryDirectory(prefix="bench-engine-", dir=where) as tmp:
                print(f"\n{what}; root on {name} ({where}); medians of {args.runs} runs; "
                      f"{load()}")  # fmt: skip
                print_table(run_stages(Path(tmp), make(), runs=args.runs))


if __name__ == "__main__":
    main()
