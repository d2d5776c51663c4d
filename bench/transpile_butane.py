"""Wall time and peak memory of ``butane`` on generated configs (1,000 and 10,000 files, plus
1,000 units), next to ``python -c pass``. Prints figures; asserts nothing.

    .venv/bin/python bench/transpile_butane.py
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time


def config(files: int, units: int) -> str:
    lines = ["variant: fcos", "version: 1.5.0", "storage:", "  files:"]
    for i in range(files):
        lines += [
            f"    - path: /etc/bench/file-{i}.conf",
            "      mode: 0644",
            "      contents:",
            f"        inline: 'setting_{i} = value {i}\\n'",
        ]
    lines += ["systemd:", "  units:"]
    for i in range(units):
        lines += [
            f"    - name: bench-{i}.service",
            "      enabled: true",
            "      contents: |",
            "        [Service]",
            f"        ExecStart=/usr/bin/echo {i}",
            "        [Install]",
            "        WantedBy=multi-user.target",
        ]
    return "\n".join(lines) + "\n"


def run(argv: list[str], stdin: str | None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    with tempfile.TemporaryFile() as fh:
        if stdin is not None:
            fh.write(stdin.encode())
            fh.seek(0)
        subprocess.run(argv, stdin=fh, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024


def main() -> None:
    butane = os.path.join(os.path.dirname(sys.executable), "butane")
    wall, rss = run([sys.executable, "-c", "pass"], None)
    print(f"python -c pass: {wall:.3f} s, peak {rss:.0f} MiB")
    for files, units in ((1000, 1000), (10000, 1000)):
        text = config(files, units)
        wall, rss = run([butane, "--pretty"], text)
        size = len(text) / 1024
        print(
            f"butane {files} files + {units} units ({size:.0f} KiB): "
            f"{wall:.3f} s, peak {rss:.0f} MiB"
        )


if __name__ == "__main__":
    main()
