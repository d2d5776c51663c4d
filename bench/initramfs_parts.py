"""What each part of the initramfs costs: bytes, files, and zstd -3 bytes, against the same
dracut module set without the ``ignition`` module.

    python bench/initramfs_parts.py [--image IMG --baseline IMG] [--keep DIR]

Without ``--image`` it builds both images the way the QEMU suite does (needs root, dracut and
the suite's cached kernel; see ``tests/e2e/vm.py``). Each image is unpacked; the files only the
ignition image holds are grouped (interpreter, standard library by kind, extension modules and
the libraries they bring, the engine's ``.py`` and ``.pyc``, third-party packages, kernel
modules, tools, ...), and every group is packed alone with ``zstd -3`` (as the image is): that
is roughly what the group adds to the image. The sum of the groups is close to, not exactly,
the difference of the two images (one archive compresses across files).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PYLIB = "usr/lib/pyignition/"
PROJECT = ("ignition", "providers", "cloudinit", "transpiler")


def unpack(image: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    data = subprocess.run(["zstd", "-dc", str(image)], capture_output=True, check=True).stdout
    subprocess.run(
        ["cpio", "-idm", "--quiet", "--no-absolute-filenames"], input=data, cwd=dest, check=True
    )


def files_of(root: Path) -> dict[str, int]:
    """Relative path -> size of every regular file and symlink (0 for links)."""
    out: dict[str, int] = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            out[rel] = 0 if p.is_symlink() else p.stat().st_size
    return out


def group_of(rel: str) -> str:
    name = os.path.basename(rel)
    if rel.startswith(PYLIB):
        inner = rel[len(PYLIB) :]
        top = inner.split("/", 1)[0]
        kind = ".pyc" if name.endswith(".pyc") else ".py" if name.endswith(".py") else "other"
        if top in PROJECT:
            return f"engine {top} {kind}"
        if top == "schema":
            return "engine schema/"
        return f"third-party {top}"
    if "/python3." in rel and "/lib/" in rel:
        if "/lib-dynload/" in rel:
            return "stdlib lib-dynload .so"
        if name.endswith(".pyc"):
            return "stdlib .pyc"
        if name.endswith(".py"):
            return "stdlib .py"
        return "stdlib other"
    if rel.startswith(("usr/bin/python3", "usr/bin/python")):
        return "interpreter"
    if "/modules/" in rel and (".ko" in name):
        return "kernel modules"
    if "/lib" in rel and ".so" in name:
        return "shared libraries"
    if "/bin/" in rel or "/sbin/" in rel:
        return "executables"
    return "other"


def zstd_size(root: Path, rels: Iterable[str]) -> int:
    listing = "".join(f"{r}\n" for r in sorted(rels)).encode()
    tar = subprocess.run(
        ["tar", "-C", str(root), "--no-recursion", "-cf", "-", "-T", "-"],
        input=listing,
        capture_output=True,
        check=True,
    ).stdout
    return len(subprocess.run(["zstd", "-3", "-c"], input=tar, capture_output=True).stdout)


def report(image: Path, baseline: Path, work: Path) -> None:
    img_dir, base_dir = work / "image", work / "baseline"
    unpack(image, img_dir)
    unpack(baseline, base_dir)
    files, base = files_of(img_dir), files_of(base_dir)
    added = {r: s for r, s in files.items() if r not in base}
    groups: dict[str, list[str]] = defaultdict(list)
    for rel in added:
        groups[group_of(rel)].append(rel)
    isize, bsize = image.stat().st_size, baseline.stat().st_size
    print(f"image    {isize / 1e6:6.2f} MB  {len(files):5} files  ({image})")
    print(f"baseline {bsize / 1e6:6.2f} MB  {len(base):5} files  (same modules, no ignition)")
    print(f"added    {(isize - bsize) / 1e6:6.2f} MB  {len(added):5} files\n")
    print(f"{'part':34} {'files':>6} {'bytes':>10} {'zstd -3':>10}")
    total = 0
    for name, rels in sorted(groups.items(), key=lambda kv: -sum(added[r] for r in kv[1])):
        z = zstd_size(img_dir, rels)
        total += z
        raw = sum(added[r] for r in rels)
        print(f"{name:34} {len(rels):6} {raw / 1e6:8.2f} MB {z / 1e6:8.2f} MB")
    raw = sum(added.values())
    print(f"{'sum of the parts':34} {'':6} {raw / 1e6:8.2f} MB {total / 1e6:8.2f} MB")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--image", type=Path)
    ap.add_argument("--baseline", type=Path)
    ap.add_argument("--keep", type=Path, help="build and unpack here, and keep it")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="initramfs-parts-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        image, baseline = args.image, args.baseline
        if image is None or baseline is None:
            from tests.e2e import vm

            why = vm.missing_prerequisites()
            if why:
                print("cannot build here: " + "; ".join(why), file=sys.stderr)
                return 1
            k = vm.kernel()
            built = vm.build_initramfs(k, work / "initramfs.img", work)
            print(f"built the ignition image in {built.seconds:.0f} s")
            image = built.path
            baseline = vm.build_initramfs(k, work / "baseline.img", work, with_ignition=False).path
        report(image, baseline, work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
