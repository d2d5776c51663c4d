"""``nvidiabluefield``: the boot FIFO ``/sys/bus/platform/devices/MLNXBF04:00/bootfifo``
(after ``modprobe mlxbf_bootctl``), trailing NULs trimmed (providers.md §1a, §4.11). The
reference returns an empty config object when it is empty or missing; we return "no config",
which leads to the same run."""

from __future__ import annotations

from typing import ClassVar

from providers import hostroot
from providers.base import Provider, ProviderContext

BOOTFIFO = "/sys/bus/platform/devices/MLNXBF04:00/bootfifo"


class NvidiabluefieldProvider(Provider):
    name: ClassVar[str] = "nvidiabluefield"

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        if not hostroot.exists(BOOTFIFO):
            hostroot.modprobe("mlxbf_bootctl")
        data = hostroot.read_bytes(BOOTFIFO)
        if data is None:
            ctx.log.info(f"{BOOTFIFO} does not exist: no config")
            return None
        return data.rstrip(b"\x00") or None
