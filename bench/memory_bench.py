#!/usr/bin/env python3
"""Peak memory and time of ``ignition-validate`` and ``butane`` on large, dense configs.

The inputs are the worst case for memory per byte: directories of one short path each
(``{"path":"/d/123456"}``, about 22 bytes), the shape of the 32 MB, 1.45-million-directory
config of issue 13. Each run prints the input size, wall and CPU seconds, peak RSS (GNU time)
and RSS divided by the input size. YAML limits are raised for the run (the default
``PYIGNITION_MAX_YAML_SIZE`` refuses the larger Butane inputs on purpose). The ``dataurl``
case is one file whose contents are a ``data:`` URL of percent escapes only.

    .venv/bin/python bench/memory_bench.py [--sizes 1,8,32] [--tools validate,butane,dataurl]

``--tools cloudconfig`` runs ``coreos-cloudinit -validate`` on user data of that shape (a
``write_files`` list of one short path each).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MiB = 1024 * 1024
BIN = Path(sys.executable).parent


def ignition_dirs(size: int) -> bytes:
    head, tail = b'{"ignition":{"version":"3.4.0"},"storage":{"directories":[', b"]}}"
    items: list[bytes] = []
    total, i = len(head) + len(tail), 0
    while total < size:
        item = b'{"path":"/d/%d"}' % i
        items.append(item)
        total += len(item) + 1
        i += 1
    return head + b",".join(items) + tail


def ignition_data_url(size: int) -> bytes:
    """One file whose contents are a ``data:`` URL of nothing but percent escapes."""
    head = b'{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"/a","contents":'
    head += b'{"source":"data:,'
    tail = b'"}}]}}'
    return head + b"%41" * max(0, (size - len(head) - len(tail)) // 3) + tail


def butane_dirs(size: int) -> bytes:
    lines = [b"variant: fcos", b"version: 1.5.0", b"storage:", b"  directories:"]
    total, i = sum(len(x) + 1 for x in lines), 0
    while total < size:
        line = b"    - path: /d/%d" % i
        lines.append(line)
        total += len(line) + 1
        i += 1
    return b"\n".join(lines) + b"\n"


def cloud_config_files(size: int) -> bytes:
    """coreos-cloudinit user data: a list of files of one short path each."""
    lines = [b"#cloud-config", b"write_files:"]
    total, i = sum(len(x) + 1 for x in lines), 0
    while total < size:
        line = b"  - path: /d/%d" % i
        lines.append(line)
        total += len(line) + 1
        i += 1
    return b"\n".join(lines) + b"\n"


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float, int, int]:
    """(wall s, CPU s, peak RSS KiB, exit status) of one run."""
    with tempfile.NamedTemporaryFile("r") as out:
        start = time.perf_counter()
        proc = subprocess.run(
            ["/usr/bin/time", "-q", "-f", "%U %S %M", "-o", out.name, *argv],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            check=False,
        )
        wall = time.perf_counter() - start
        user, system, rss = out.read().split()[-3:]
    return wall, float(user) + float(system), int(rss), proc.returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1,8,32", help="input sizes in MiB")
    ap.add_argument("--tools", default="validate,butane,dataurl")
    args = ap.parse_args()
    env = {
        **os.environ,
        "PYIGNITION_MAX_YAML_SIZE": "1G",
        "PYIGNITION_MAX_CONFIG_SIZE": "1G",
    }
    tools = {
        "validate": ("ignition-validate", ignition_dirs, ".ign"),
        "dataurl": ("ignition-validate", ignition_data_url, ".ign"),
        "butane": ("butane", butane_dirs, ".bu"),
        "cloudconfig": ("coreos-cloudinit -validate -from-file", cloud_config_files, ".yml"),
    }
    wall, cpu, base, _ = measure([sys.executable, "-c", "pass"], env)
    print(f"python -c pass: peak RSS {base / 1024:.1f} MiB")
    print(f"{'case':34} {'input':>9} {'wall':>8} {'cpu':>8} {'peak RSS':>10} {'RSS/input':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.tools.split(","):
            command, make, suffix = tools[name]
            for mib in (float(s) for s in args.sizes.split(",")):
                data = make(int(mib * MiB))
                path = Path(tmp) / f"input{suffix}"
                path.write_bytes(data)
                program, *options = command.split()
                wall, cpu, rss, code = measure([str(BIN / program), *options, str(path)], env)
                if code != 0:
                    print(f"{command}: exit {code} on the {mib:g} MiB input", file=sys.stderr)
                ratio = rss * 1024 / len(data)
                print(
                    f"{program + f' {mib:g} MiB {name}':34} {len(data) / MiB:7.1f}Mi "
                    f"{wall:7.1f}s {cpu:7.1f}s {rss / 1024:8.1f}Mi {ratio:8.1f}x"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
