"""``hyperv``: pool 0 key ``ignition.config``, or ``ignition.config.0``, ``.1``, ...
concatenated (docs/providers.md). No key is "no config".

The data comes from the kernel KVP device when it exists (``modprobe hv_utils`` first, as
the reference does); the host sends it only once per boot, so the pools are handed to the
files stage as ``/var/lib/hyperv/.kvp_pool_<N>`` (mode 0600: the daemon's 0644 would leak the
config) through the state's provider output files. Without the device (``hv_kvp_daemon``
already ran, or a test host root) the pool files are read instead.
"""

from __future__ import annotations

import base64

from ignition.system import hostroot
from providers import _kvp
from providers.base import Provider, ProviderContext, ProviderError

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar

POOL = 0
POOLS = range(5)


class HypervProvider(Provider):
    name: ClassVar[str] = "hyperv"

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        if not hostroot.exists("/sys/bus/vmbus/drivers/hv_utils"):
            hostroot.modprobe("hv_utils")
        if hostroot.is_char_device(_kvp.DEVICE):
            ctx.log.info(f"reading KVP pools from {_kvp.DEVICE}")
            try:
                pools = _kvp.read_device(hostroot.path(_kvp.DEVICE))
            except OSError as exc:
                raise ProviderError(f"reading {_kvp.DEVICE}: {exc.strerror or exc}") from None
            self._hand_over(ctx, pools)
            records = pools.get(POOL, [])
        else:
            path = _kvp.POOL_FILE.format(POOL)
            ctx.log.info(f"no KVP device: reading {path}")
            records = _kvp.parse_pool(hostroot.read_bytes(path) or b"")
        config = _kvp.config_from(records)
        if config is None:
            ctx.log.info("no ignition.config key in KVP pool 0: no config")
            return None
        return config.encode()

    @staticmethod
    def _hand_over(ctx: ProviderContext, pools: _kvp.Pools) -> None:
        for n in POOLS:
            if n not in pools:
                continue
            data = base64.b64encode(_kvp.pool_file(pools[n])).decode()
            ctx.output_files.append(
                {
                    "path": _kvp.POOL_FILE.format(n),
                    "mode": 0o600,
                    "overwrite": True,
                    "contents": {"source": f"data:;base64,{data}"},
                }
            )
