"""Loop-device tests of the disks stage: markers, and helpers to run the stage."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ignition.stages import StageContext
from ignition.stages.disks import run_with
from ignition.stages.disks.context import DisksRun
from tests.unit.disks.support import ListSink, make_context


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "integration/disks" in str(item.fspath):
            item.add_marker(pytest.mark.root)
            item.add_marker(pytest.mark.loopdev)


class Stage:
    """Runs the disks stage against a config, keeping what it logged and ran."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.ctx: StageContext | None = None
        self.sink = ListSink()
        self.result: DisksRun | None = None

    def __call__(
        self,
        storage: dict[str, Any],
        *,
        version: str = "3.4.0",
        dry_run: bool = False,
        timeout: float = 2.0,
    ) -> DisksRun:
        self.ctx, self.sink = make_context(self.tmp_path, storage, version=version, dry_run=dry_run)
        self.result = run_with(self.ctx, timeout=timeout)
        return self.result

    @property
    def calls(self) -> list[tuple[str, ...]]:
        assert self.ctx is not None
        return self.ctx.system.runner.calls

    def ran(self, tool: str) -> list[tuple[str, ...]]:
        return [c for c in self.calls if c[0] == tool]

    def writes(self) -> list[tuple[str, ...]]:
        """sgdisk calls that write (not --pretend)."""
        return [c for c in self.ran("sgdisk") if "--pretend" not in c]


@pytest.fixture
def stage(tmp_path: Path) -> Stage:
    return Stage(tmp_path)


def backing_file(dev: str) -> str:
    with open(f"/sys/block/{os.path.basename(dev)}/loop/backing_file") as fh:
        return fh.read().strip()


@pytest.fixture
def mounted(tmp_path: Path) -> Any:
    """``mounted(dev) -> path``: mount a device for the test; unmounted afterwards."""
    targets: list[str] = []

    def mount(dev: str, fstype: str = "ext4") -> str:
        target = tmp_path / f"mnt{len(targets)}"
        target.mkdir()
        subprocess.run(["mount", "-t", fstype, dev, str(target)], check=True, capture_output=True)
        targets.append(str(target))
        return str(target)

    yield mount
    for t in reversed(targets):
        subprocess.run(["umount", t], check=False, capture_output=True)


Mount = Callable[..., str]
Loop = Callable[..., str]
