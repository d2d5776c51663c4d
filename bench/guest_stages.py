"""Each stage's time in the guest: the QEMU suite's fw_cfg scenario (a), booted N times.

    python bench/guest_stages.py [--boots 3] [--icount shift=3,sleep=off] [--profile]
                                 [--image IMG] [--keep DIR] [--no-disks]

Needs what the QEMU suite needs (root, QEMU, dracut, the cached kernel: ``tests/e2e/vm.py``).
Builds the initramfs as the suite does (or boots ``--image``), boots scenario (a) ``--boots``
times on fresh disks, and prints per stage the medians of, in guest seconds:

* unit: systemd's "Starting" to "Finished" of the stage's unit (what the boot waits for; the
  umount stage is ignition-mount.service's stop), and their sum;
* process: systemd's ExecMainStartTimestamp to ExecMainExitTimestamp of the stage process;
* 1st log: "Starting" to the engine's first log line (interpreter start-up + imports before
  the stage logs anything).

A stage whose unit systemd skipped by a condition (fetch when fetch-offline got the config;
kargs, disks, mount and umount when the fetch stage found them idle: docs/initramfs.md) is
printed as ``skipped`` and counts 0 s in the sum.

Under TCG the guest's clock follows the host's, so a busy host stretches every figure (the
load is printed). ``--icount shift=3,sleep=off`` (QEMU's ``-icount``) makes the guest clock
count instructions instead (8 ns each): start-up and other CPU-bound figures (1st log,
fetch-offline, kargs, umount) then no longer depend on the host's load and compare between
two images booted the same way, though not with plain TCG seconds (about 1.6 times them here),
and they leave out TCG's translation of code run for the first time. Stages that wait for
devices (disks, mount, files) are meaningless that way: each time the guest idles, its clock
jumps to the next timer.

``--profile`` builds a second image (test module ``pyignition-profile``) in which every stage
runs under ``python -X importtime``, boots it too, and prints each stage's import time and
most expensive imports (cumulative, as ``-X importtime`` measures them: inflated by its own
bookkeeping), and the probe's figures once the stages are done: ``python -I -S -c pass``,
``ignition -version`` and importing every stage's modules (warm).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.e2e import vm  # noqa: E402
from tests.e2e.test_boot import fw_cfg_config  # noqa: E402

_IMPORT = re.compile(r"^\[\s*(\d+\.\d+)\] \S+ [^:]+: import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)")
_PROBE = re.compile(r"^E2E-PROBE (.+)\t(\d+\.\d+)\r?$", re.M)


def no_disks_config(nonce: str) -> dict[str, Any]:
    """Scenario (a) without its storage devices: files, a directory, a link, a user with a key,
    a group and units (the first boot the Go engine was timed on; disks and mount idle)."""
    config = fw_cfg_config(nonce)
    storage = config["storage"]
    for section in ("disks", "raid", "luks", "filesystems"):
        storage.pop(section)
    storage["files"] = [f for f in storage["files"] if not f["path"].startswith("/var/data/")]
    storage["directories"] = [{"path": "/var/lib/e2e", "mode": 0o750}]
    config["passwd"]["groups"] = [{"name": "e2e"}]
    return config


def boot_a(
    k: vm.Kernel, image: Path, work: Path, icount: str | None, disks: bool = True
) -> vm.Boot:
    work.mkdir(parents=True)
    root = vm.root_disk(work / "root.img", vm.minimal_root(work / "rootdir"))
    disk = vm.sparse_disk(work / "disk.img", 700)
    fw_cfg = work / "config.ign"
    make = fw_cfg_config if disks else no_disks_config
    fw_cfg.write_text(json.dumps(make(secrets.token_hex(8))))
    boot = vm.boot(
        k,
        image,
        [root, disk],
        "root=/dev/vda ignition.firstboot ignition.platform.id=qemu",
        work / "console.log",
        fw_cfg=fw_cfg,
        icount=icount,
    )
    if not boot.finished:
        tail = vm.plain(boot.console)[-3000:]
        raise SystemExit(f"the boot did not finish (console in {work}):\n{tail}")
    return boot


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def print_stages(boots: list[vm.Boot]) -> None:
    by_stage: dict[str, list[vm.StageTime]] = defaultdict(list)
    for b in boots:
        for t in b.stage_times():
            by_stage[t.stage].append(t)

    def col(values: list[float | None]) -> str:
        vs = [v for v in values if v is not None]
        return f"{med(vs):7.2f}" if vs else f"{'-':>7}"

    print(f"{'stage':14} {'unit':>7} {'process':>7} {'1st log':>7}   (guest s, medians)")
    for stage, ts in by_stage.items():
        if all(t.skipped for t in ts):  # by its unit's condition in every boot: no process
            print(f"{stage:14} {'skipped':>7}")
            continue
        unit = col([t.unit for t in ts])
        print(f"{stage:14} {unit} {col([t.process for t in ts])} {col([t.first_log for t in ts])}")
    sums = [sum(t.unit for t in b.stage_times()) for b in boots]
    each = ", ".join(f"{s:.2f}" for s in sums)
    print(f"{'sum':14} {med(sums):7.2f}   (each boot: {each})")
    walls = ", ".join(f"{b.wall:.0f}" for b in boots)
    cpus = ", ".join(f"{b.cpu:.0f}" for b in boots)
    print(f"boot to power-off: {walls} s wall; QEMU CPU {cpus} s")


def print_profile(boots: list[vm.Boot]) -> None:
    windows = {}
    for b in boots[:1]:
        for stage, unit in vm.STAGE_UNITS:
            if unit in b.unit_times:
                windows[stage] = b.unit_times[unit]
    per_stage: dict[str, list[tuple[float, str, bool]]] = defaultdict(list)
    for line in boots[0].journal.splitlines():
        m = _IMPORT.match(line)
        if m is None:
            continue
        t = float(m.group(1))
        where = next((s for s, (a, z) in windows.items() if a <= t <= z), None)
        if where is not None:
            cumulative, indent = int(m.group(3)) / 1e6, m.group(4)
            per_stage[where].append((cumulative, indent + m.group(5), not indent))
    print("\nimports per stage under -X importtime (first profiled boot, guest s):")
    for stage, rows in per_stage.items():
        total = sum(c for c, _, outer in rows if outer)
        print(f"  {stage}: {len(rows)} modules, {total:.2f} s; largest (cumulative):")
        for c, name, _ in sorted(rows, reverse=True)[:8]:
            print(f"      {c:6.3f}  {name}")
    probes: dict[str, list[float]] = defaultdict(list)
    for b in boots:
        for name, sec in _PROBE.findall(b.console):
            probes[name].append(float(sec))
    if probes:
        print("\nprobe after the stages (guest s, medians):")
        for name, values in probes.items():
            print(f"  {name:28} {med(values):6.3f}  ({len(values)} runs)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--boots", type=int, default=3)
    ap.add_argument("--icount", help="QEMU -icount option, e.g. shift=3,sleep=off")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--profile-only", action="store_true", help="skip the plain boots")
    ap.add_argument("--image", type=Path, help="boot this image instead of building one")
    ap.add_argument("--keep", type=Path, help="work here, and keep it")
    ap.add_argument(
        "--no-disks", action="store_true", help="scenario (a) without its disks, RAID and LUKS"
    )
    args = ap.parse_args()
    why = vm.missing_prerequisites()
    if why:
        print("cannot run here: " + "; ".join(why), file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="guest-stages-", dir="/var/tmp") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        k = vm.kernel()
        image = args.image or (
            work / "initramfs.img"
            if args.profile_only
            else vm.build_initramfs(k, work / "initramfs.img", work).path
        )
        one, five, _ = os.getloadavg()
        if image.exists():
            size, files = image.stat().st_size, vm.image_file_count(image)
            print(f"image {image}: {size / 1e6:.2f} MB, {files} files")
        print(
            f"scenario (a), {args.boots} boots, icount {args.icount or 'off'}; load average "
            f"{one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"
        )
        if not args.profile_only:
            boots = [
                boot_a(k, image, work / f"boot{i}", args.icount, not args.no_disks)
                for i in range(args.boots)
            ]
            print_stages(boots)
        if args.profile or args.profile_only:
            prof = vm.build_initramfs(
                k, work / "profile.img", work, extra_modules=["pyignition-profile"]
            ).path
            pboots = [
                boot_a(k, prof, work / f"prof{i}", args.icount, not args.no_disks)
                for i in range(args.boots)
            ]
            print("\nthe same under -X importtime (profile image):")
            print_stages(pboots)
            print_profile(pboots)
        one, five, _ = os.getloadavg()
        print(f"load average at the end {one:.1f} (1 min), {five:.1f} (5 min)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
