"""Real config-drive images built with Debian's tools (genisoimage, xorriso, mkfs.fat,
mtools), no mounting: the same media a cloud attaches."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def _need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (installed by ./dev setup)")


def _tree(tmp: Path, files: dict[str, bytes]) -> Path:
    src = tmp / f"tree-{len(list(tmp.glob('tree-*')))}"
    src.mkdir()
    for name, data in files.items():
        p = src / name.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return src


def iso(tmp: Path, label: str, files: dict[str, bytes], *, style: str = "rockridge") -> Path:
    """ISO 9660 with Rock Ridge + Joliet (genisoimage -R -J), Joliet only, UDF bridge
    (genisoimage -udf), or Rock Ridge by xorriso."""
    src = _tree(tmp, files)
    out = tmp / f"{src.name}.iso"
    if style == "xorriso":
        _need("xorriso")
        argv = ["xorriso", "-as", "mkisofs", "-quiet", "-R", "-V", label, "-o", str(out), str(src)]
    else:
        _need("genisoimage")
        flags = {"rockridge": ["-R", "-J"], "joliet": ["-J"], "udf": ["-udf", "-R"]}[style]
        argv = ["genisoimage", "-quiet", *flags, "-V", label, "-o", str(out), str(src)]
    subprocess.run(argv, check=True, capture_output=True)
    return out


def fat(tmp: Path, label: str, files: dict[str, bytes], *, bits: int = 12) -> Path:
    _need("mkfs.fat", "mcopy")
    src = _tree(tmp, files)
    out = tmp / f"{src.name}.img"
    size_kib = {12: 1440, 16: 20000, 32: 70000}[bits]
    subprocess.run(
        ["mkfs.fat", "-F", str(bits), "-C", "-n", label, str(out), str(size_kib)],
        check=True,
        capture_output=True,
    )
    entries = [str(p) for p in sorted(src.iterdir())]
    subprocess.run(
        ["mcopy", "-s", "-i", str(out), *entries, "::/"], check=True, capture_output=True
    )
    return out
