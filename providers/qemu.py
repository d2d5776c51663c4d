"""``qemu``: fw_cfg on x86/arm64, a virtio block device on s390x/ppc64le (docs/providers.md).

fw_cfg: ``/sys/firmware/qemu_fw_cfg/by_name/opt/com.coreos/config/{size,raw}`` (after
``modprobe qemu_fw_cfg`` when the directory is missing); Flatcar's name
``opt/org.flatcar-linux/config`` is read too (com.coreos first: Flatcar's choice between the
two is random). No ``size`` is "no config". The raw file is read in one go: the sysfs read
costs O(offset) per call, so small reads would be quadratic. A read that does not match the
announced size is an error, as in the reference ("missing EOF").

Block device: ``/dev/disk/by-id/virtio-ignition`` polled every 5 s for 5 minutes, trailing
NULs trimmed.
"""

from __future__ import annotations

import os
import time

from ignition.system import hostroot
from ignition.util import limits
from providers.base import Provider, ProviderContext, ProviderError

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar

FW_CFG = "/sys/firmware/qemu_fw_cfg"
NAMES = ("opt/com.coreos/config", "opt/org.flatcar-linux/config")
BLOCK_DEVICE = "/dev/disk/by-id/virtio-ignition"
BLOCK_POLL, BLOCK_WAIT = 5.0, 300.0
SLOW_READ = 10.0


def read_fw_cfg(ctx: ProviderContext) -> bytes | None:
    if not hostroot.exists(FW_CFG):
        hostroot.modprobe("qemu_fw_cfg")
    for name in NAMES:
        size_text = hostroot.read_text(f"{FW_CFG}/by_name/{name}/size")
        if size_text is None:
            continue
        try:
            size = int(size_text)
        except ValueError:
            raise ProviderError(f"fw_cfg {name}: invalid size") from None
        limit = limits.config_size()
        if size > limit:
            raise ProviderError(
                f"fw_cfg {name}: the config is larger than {limit} bytes "
                f"(set {limits.CONFIG_SIZE_VAR} to raise the limit)"
            )
        ctx.log.info(f"reading {size} bytes of config from QEMU fw_cfg {name}")
        start = time.monotonic()
        with open(hostroot.path(f"{FW_CFG}/by_name/{name}/raw"), "rb", buffering=0) as fh:
            data = fh.read(size + 1)  # one read; the guard byte catches a wrong size
        took = time.monotonic() - start
        if took > SLOW_READ:
            ctx.log.warning(
                "Reading QEMU fw_cfg takes quadratic time. Consider moving large files or "
                "config fragments to a remote URL."
            )
        if len(data) != size:
            raise ProviderError(f"fw_cfg {name}: read {len(data)} bytes, expected {size}")
        return data or None
    ctx.log.info("no config in QEMU fw_cfg: no config")
    return None


def read_block_device(ctx: ProviderContext, wait: float = BLOCK_WAIT) -> bytes | None:
    hostroot.modprobe("virtio_blk")
    deadline = time.monotonic() + wait
    ctx.log.info(f"reading config from {BLOCK_DEVICE} (experimental)")
    while not hostroot.exists(BLOCK_DEVICE):
        if time.monotonic() >= deadline:
            raise ProviderError(f"{BLOCK_DEVICE} did not appear in time")
        time.sleep(BLOCK_POLL)
    limit = limits.config_size()
    with open(hostroot.path(BLOCK_DEVICE), "rb") as fh:
        data = fh.read(limit + 1)
    # the device is the config padded with NULs to the device's size: only what is not
    # padding counts (a config cannot hold a NUL, so none can follow the padding either)
    if len(data) > limit and data[limit:] != b"\x00":
        raise ProviderError(
            f"{BLOCK_DEVICE}: the config is larger than {limit} bytes "
            f"(set {limits.CONFIG_SIZE_VAR} to raise the limit)"
        )
    return data.rstrip(b"\x00") or None


class QemuProvider(Provider):
    name: ClassVar[str] = "qemu"

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        if os.uname().machine in ("s390x", "ppc64le"):  # platform.machine(), without its import
            return read_block_device(ctx)
        return read_fw_cfg(ctx)
