"""The VMware backdoor routine runs for real here: its register marshalling (with the port
instruction replaced by a NOP) and the knock, which outside VMware must say "no" without
taking the process down."""

from __future__ import annotations

import platform

import pytest

from providers import _vmbackdoor

pytestmark = pytest.mark.skipif(platform.machine() != "x86_64", reason="x86-64 backdoor")


def test_registers_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _vmbackdoor.CODE.count(b"\xed") == 1  # exactly one `in eax, dx`
    monkeypatch.setattr(_vmbackdoor, "CODE", _vmbackdoor.CODE.replace(b"\xed", b"\x90"))
    monkeypatch.setattr(_vmbackdoor, "_call", None)
    regs = _vmbackdoor._bdoor(0x12345678, 30, 4, 0x2A, 0xAABBCCDD, 0x11223344)
    assert regs == [
        _vmbackdoor.MAGIC,
        0x12345678,
        (4 << 16) | 30,
        (0x2A << 16) | _vmbackdoor.PORT,
        0xAABBCCDD,
        0x11223344,
    ]
    monkeypatch.setattr(_vmbackdoor, "_call", None)


def test_knock_outside_vmware_is_a_clean_no() -> None:
    assert _vmbackdoor.is_virtual_world() is False
