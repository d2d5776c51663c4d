"""``nvidiabluefield``: the boot FIFO ``/sys/bus/platform/devices/MLNXBF04:00/bootfifo``
(after ``modprobe mlxbf_bootctl``). The config arrives padded with NUL bytes at both ends;
the reference trims both sides, and so do we. The FIFO is read with a bound: a config larger
than :data:`MAX_CONFIG` is refused, never held in memory whole. The reference returns an empty
config object when the FIFO is empty or missing; we return "no config", which leads to the
same run."""

from __future__ import annotations

from ignition.system import hostroot
from providers.base import Provider, ProviderContext, ProviderError

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar

BOOTFIFO = "/sys/bus/platform/devices/MLNXBF04:00/bootfifo"
MAX_CONFIG = 64 * 1024 * 1024  # the config-drive bound: a FIFO holding more is not a config


class NvidiabluefieldProvider(Provider):
    name: ClassVar[str] = "nvidiabluefield"

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        if not hostroot.exists(BOOTFIFO):
            hostroot.modprobe("mlxbf_bootctl")
        try:
            data = hostroot.read_bytes(BOOTFIFO, limit=MAX_CONFIG)
        except hostroot.TooLarge:
            raise ProviderError(f"{BOOTFIFO} holds more than {MAX_CONFIG} bytes") from None
        except OSError as exc:
            raise ProviderError(f"{BOOTFIFO}: {exc.strerror or exc}") from None
        if data is None:
            ctx.log.info(f"{BOOTFIFO} does not exist: no config")
            return None
        return data.strip(b"\x00") or None
