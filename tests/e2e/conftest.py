"""The QEMU suite's shared state: one kernel and one initramfs per session, and the figures
(build times, image sizes, per-boot times, per-stage guest times) printed at the end of the run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e import vm

REPORT: list[str] = []


@dataclass(frozen=True)
class Env:
    kernel: vm.Kernel
    image: vm.Image
    work: Path


@pytest.fixture(scope="session")
def e2e(tmp_path_factory: pytest.TempPathFactory) -> Env:
    why = vm.missing_prerequisites()
    if why:
        pytest.skip("QEMU e2e suite cannot run here: " + "; ".join(why))
    k = vm.kernel()
    how = "cached" if k.cached else "downloaded and unpacked (not installed)"
    REPORT.append(f"kernel {k.version}: {how}, {k.seconds:.1f} s")
    work = tmp_path_factory.mktemp("e2e-build")
    reuse = os.environ.get("PYIGNITION_E2E_IMAGE")  # developers: skip the build, boot this image
    if reuse:
        path = Path(reuse)
        REPORT.append(f"reusing {path} ({path.stat().st_size / 1e6:.2f} MB): not built")
        return Env(k, vm.Image(path, path.stat().st_size, 0.0, ""), work)
    image = vm.build_initramfs(k, work / "initramfs.img", work)
    REPORT.append(
        f"initramfs with the ignition module: {image.size / 1e6:.2f} MB, "
        f"{vm.image_file_count(image.path)} files, built in {image.seconds:.1f} s"
    )
    base = vm.build_initramfs(k, work / "baseline.img", work, with_ignition=False)
    REPORT.append(
        f"same module set without it: {base.size / 1e6:.2f} MB, built in {base.seconds:.1f} s "
        f"(ignition adds {(image.size - base.size) / 1e6:.2f} MB)"
    )
    return Env(k, image, work)


def record_boot(name: str, boot: vm.Boot) -> None:
    guest = boot.guest_seconds()
    line = f"boot {name}: power-off after {boot.wall:.1f} s wall, {boot.cpu:.1f} s QEMU CPU" + (
        f", guest clock {guest:.1f} s at the end of the initramfs" if guest else ""
    )
    REPORT.append(line)
    for unit, (start, end) in sorted(boot.unit_times.items(), key=lambda kv: kv[1][0]):
        REPORT.append(f"    {unit:34} {start:7.2f} -> {end:7.2f}  ({end - start:5.2f} s)")
    stages = boot.stage_times()
    if stages:
        REPORT.extend(stage_table(stages))


def stage_table(stages: list[vm.StageTime]) -> list[str]:
    """Per stage, guest seconds: the unit (systemd's Starting -> Finished), the process
    (ExecMainStart -> ExecMainExit) and the part before the engine's first log line; a stage
    whose unit a condition skipped is ``skipped``."""

    def s(v: float | None) -> str:
        return f"{v:7.2f}" if v is not None else f"{'-':>7}"

    lines = [f"    {'stage':14} {'unit':>7} {'process':>7} {'1st log':>7}   (guest s)"]
    for t in stages:
        if t.skipped:  # by its unit's condition: no process (0 s in the sum)
            lines.append(f"    {t.stage:14} {'skipped':>7}")
            continue
        lines.append(f"    {t.stage:14} {s(t.unit)} {s(t.process)} {s(t.first_log)}")
    lines.append(f"    {'sum':14} {s(sum(t.unit for t in stages))}")
    return lines


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if REPORT:
        terminalreporter.section("QEMU e2e figures")
        for line in REPORT:
            terminalreporter.write_line(line)
