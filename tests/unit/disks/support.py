"""Helpers shared by the disks tests: building a stage context from a config text (with the
real fetcher: ``data:`` URLs need no network), a log that keeps its lines, and reading tables
back independently."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ignition.config.parse import parse
from ignition.engine.state import State
from ignition.fetch.fetcher import ResourceFetcher
from ignition.stages import StageContext
from ignition.system import System
from ignition.util import record
from ignition.util.log import Level, Logger


class ListSink:
    def __init__(self) -> None:
        self.lines: list[tuple[Level, str]] = []

    def write(self, level: Level, message: str, fields: Mapping[str, str] | None = None) -> None:
        self.lines.append((level, message))

    def text(self) -> str:
        return "\n".join(m for _, m in self.lines)


def config_text(storage: dict[str, Any], version: str = "3.4.0") -> bytes:
    return json.dumps({"ignition": {"version": version}, "storage": storage}).encode()


def make_context(
    tmp_path: Path,
    storage: dict[str, Any],
    *,
    version: str = "3.4.0",
    dry_run: bool = False,
    fetcher: ResourceFetcher | None = None,
) -> tuple[StageContext, ListSink]:
    result = parse(config_text(storage, version))
    assert result.config is not None, result.report
    sink = ListSink()
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    system = System.scratch(root, Logger(sink))
    system.paths = record.replace(system.paths, dev_aliases=str(tmp_path / "dev_aliases"))
    if fetcher is None:
        fetcher = ResourceFetcher(system.log)
        fetcher.apply_config(result.config)
    ctx = StageContext(system, result.config, State(), fetcher, "file", dry_run=dry_run)
    return ctx, sink


def sgdisk(*args: str) -> str:
    return subprocess.run(["sgdisk", *args], check=True, capture_output=True, text=True).stdout


def partition(dev: str, *specs: str) -> None:
    """Make an input layout with sgdisk directly and tell the kernel (as the harness does)."""
    sgdisk(*specs, dev)
    if dev.startswith("/dev/"):
        subprocess.run(
            ["partx", "--update", "--nr", "1:128", dev], check=False, capture_output=True
        )


def parted_table(image: str | os.PathLike[str]) -> dict[int, tuple[int, int, str]]:
    """number → (start, length, name) read by libparted from the *image file*: an independent
    reader to check what sgdisk wrote (on a file, libparted's cache flushing touches nothing)."""
    import parted

    device = parted.getDevice(str(image))
    disk = parted.newDisk(device)
    return {p.number: (p.geometry.start, p.geometry.length, p.name) for p in disk.partitions}


def blkid_value(dev: str, key: str) -> str:
    done = subprocess.run(
        ["blkid", "-p", "-o", "value", "-s", key, dev], capture_output=True, text=True, check=False
    )
    return done.stdout.strip()
