"""Shared fixtures and guards.

Network guard: tests may only talk to loopback (and to addresses inside network namespaces the
tests create themselves); any other connect() fails the test at once.
"""

from __future__ import annotations

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
        from ignition.log import LABELS

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
    from ignition.log import Logger

    return Logger(log_sink)


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The host's proxy variables would send the tests' loopback traffic elsewhere."""
    for name in ("http_proxy", "https_proxy", "no_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
