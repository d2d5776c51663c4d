"""Shared fixtures and guards.

Network guard: tests may only talk to loopback (and to addresses inside network namespaces the
tests create themselves); any other connect() fails the test at once.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from typing import Any

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _allowed(address: Any) -> bool:
    if isinstance(address, str | bytes):  # AF_UNIX
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        ip = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return ip.is_loopback


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _allowed(address):
        raise AssertionError(f"test tried to reach a non-loopback address: {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _allowed(address):
        raise AssertionError(f"test tried to reach a non-loopback address: {address!r}")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)


# ----------------------------------------------------------------------------- engine fixtures


class ListSink:
    """Captures log lines (level label + message) for assertions."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, level: Any, message: str, fields: Any = None) -> None:
        from ignition.util.log import LABELS

        self.lines.append(f"{LABELS[level]} {message}")
        if fields:
            self.lines.append("  fields: " + " ".join(f"{k}={v}" for k, v in fields.items()))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def log_sink() -> ListSink:
    return ListSink()


@pytest.fixture
def logger(log_sink: ListSink) -> Any:
    from ignition.util.log import Logger

    return Logger(log_sink)


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The host's proxy variables would send the tests' loopback traffic elsewhere."""
    for name in ("http_proxy", "https_proxy", "no_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


# -- loop devices (root only) ---------------------------------------------------------------------

LOOP_TOOLS = ("losetup", "sgdisk", "partx", "wipefs", "mkfs.ext4")


def loopdev_unavailable() -> str | None:
    """Why loop-device tests cannot run here, or None."""
    import os
    import shutil

    if os.geteuid() != 0:
        return "needs root (losetup, mount)"
    if not os.path.exists("/dev/loop-control"):
        return "no loop device support (/dev/loop-control missing)"
    missing = [t for t in LOOP_TOOLS if shutil.which(t) is None]
    if missing:
        return f"missing disk tools: {', '.join(missing)} (./dev setup installs them)"
    return None


@pytest.fixture
def loopdev(tmp_path: Any) -> Any:
    """``loopdev(size_mib=64, sector_size=512) -> "/dev/loopN"``: a sparse image in tmp_path
    attached with partition scanning. Everything is unmounted and detached afterwards, also
    when the test fails."""
    import re
    import subprocess

    why = loopdev_unavailable()
    if why:
        pytest.skip(why)
    made: list[str] = []

    def make(size_mib: int = 64, sector_size: int = 512) -> str:
        img = tmp_path / f"disk{len(made)}.img"
        with open(img, "wb") as fh:
            fh.truncate(size_mib * 1024 * 1024)
        argv = ["losetup", "--find", "--show", "--partscan", str(img)]
        if sector_size != 512:
            argv[1:1] = ["--sector-size", str(sector_size)]
        dev = subprocess.run(argv, check=True, capture_output=True, text=True).stdout.strip()
        made.append(dev)
        return dev

    yield make
    for dev in reversed(made):
        # unmount whatever a failed test left mounted from this device or its partitions
        with open("/proc/self/mounts") as fh:
            mounted = [
                line.split()[1]
                for line in fh
                if re.fullmatch(
                    re.escape(dev) + r"(p\d+)?", line.split()[0]
                )  # not loop10 for loop1
            ]
        for target in reversed(mounted):
            subprocess.run(["umount", "-l", target], check=False, capture_output=True)
        subprocess.run(["losetup", "--detach", dev], check=False, capture_output=True)


@pytest.fixture(autouse=True, scope="session")
def _no_stale_mapper_node() -> Any:
    """cryptsetup (libdevmapper) creates /dev/mapper/control when it is missing, also on a
    kernel without device-mapper; left behind, it makes other tools on the host believe dm is
    there. Remove it after the session when this session created it on such a kernel."""
    import os

    node = "/dev/mapper/control"
    existed = os.path.exists(node)
    yield
    if existed or not os.path.exists(node):
        return
    try:
        with open("/proc/misc") as fh:
            has_dm = any(line.split()[-1] == "device-mapper" for line in fh if line.split())
    except OSError:
        return
    if not has_dm:
        with contextlib.suppress(OSError):
            os.unlink(node)
