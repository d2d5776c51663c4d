"""Peak memory of the validators on large, dense inputs stays within a bound proportional to
the input (the figures themselves: bench/memory_bench.py)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

BIN = Path(sys.executable).parent
MiB = 1024 * 1024


def _peak_rss(argv: list[str]) -> int:
    """Peak RSS in bytes of one run (GNU time), the run's own exit status checked."""
    with tempfile.NamedTemporaryFile("r") as out:
        proc = subprocess.run(
            ["/usr/bin/time", "-q", "-f", "%M", "-o", out.name, *argv],
            capture_output=True,
            timeout=600,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        return int(out.read().split()[-1]) * 1024


def test_ignition_validate_peak_memory_is_a_small_multiple_of_the_input(tmp_path: Path) -> None:
    items = b",".join(b'{"path":"/d/%d"}' % i for i in range(180_000))
    raw = b'{"ignition":{"version":"3.4.0"},"storage":{"directories":[' + items + b"]}}"
    src = tmp_path / "dirs.ign"
    src.write_bytes(raw)
    # the densest config there is (22 bytes per directory); it took 55 times its size
    assert _peak_rss([str(BIN / "ignition-validate"), str(src)]) < 30 * len(raw) + 20 * MiB


def test_butane_peak_memory_is_bounded(tmp_path: Path) -> None:
    lines = ["variant: fcos", "version: 1.5.0", "storage:", "  directories:"]
    lines += [f"    - path: /d/{i}" for i in range(45_000)]
    raw = ("\n".join(lines) + "\n").encode()
    src = tmp_path / "dirs.bu"
    src.write_bytes(raw)
    # it took 170 times its size
    assert _peak_rss([str(BIN / "butane"), "-c", str(src)]) < 110 * len(raw) + 20 * MiB


def test_a_percent_encoded_data_url_is_decoded_in_bounded_memory(tmp_path: Path) -> None:
    # 2 million escapes: the library's unquoting made an object per escape (80 times the input)
    # escaped backslash and percent sign, then a literal backslash and "x"
    body = b"%41" * 2_000_000 + b"%5C%25\\\\x"
    raw = b'{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"/a","contents":'
    raw += b'{"source":"data:,' + body + b'"}}]}}'
    src = tmp_path / "pct.ign"
    src.write_bytes(raw)
    root = tmp_path / "root"
    root.mkdir()
    for argv in ([str(BIN / "ignition-validate"), str(src)],
                 [str(BIN / "ignition-apply"), "-root", str(root), str(src)]):  # fmt: skip
        assert _peak_rss(argv) < 8 * len(raw) + 60 * MiB, argv[0]
    assert (root / "a").read_bytes() == b"A" * 2_000_000 + b"\\%\\x"
