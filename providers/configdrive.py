"""Config drives found by file-system label.

The reference polls ``/dev/disk/by-label/<label>`` once a second, mounts the device read-only,
reads one file and unmounts. We read ISO 9660, FAT and UDF in user space
(:mod:`providers.media`), and mount read-only only a file system none of those readers knows
(OpenStack, Proxmox VE or KubeVirt drives are often ext4): :mod:`ignition.system.mounts`. A
missing file is "no config"; how long to wait for the drive is the platform's choice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from ignition.system import hostroot
from providers import media
from providers.base import ProviderContext, ProviderError
from providers.media.volume import MAX_FILE, MediaError, UnknownFileSystem

POLL = 1.0
# the reference's labels plus the upper-case spelling FAT tools often write (an extra name
# only: by-label lookups are exact, so no other drive can match by accident)
CONFIG_2 = ("config-2", "CONFIG-2")
CIDATA = ("cidata", "CIDATA")


def by_label(label: str) -> str:
    return f"/dev/disk/by-label/{label}"


def find(labels: Sequence[str]) -> str | None:
    """The first label among ``labels`` whose device exists now."""
    for label in labels:
        if hostroot.exists(by_label(label)):
            return label
    return None


def wait(
    ctx: ProviderContext,
    labels: Sequence[str],
    timeout: float | None,
    cancel: threading.Event | None = None,
) -> str | None:
    """Poll for any of ``labels`` every second; None after ``timeout`` (None: forever) or
    when ``cancel`` is set."""
    deadline = None if timeout is None else time.monotonic() + timeout
    start = time.monotonic()
    next_note = 0.0
    while True:
        found = find(labels)
        if found is not None:
            return found
        now = time.monotonic()
        if deadline is not None and now >= deadline:
            return None
        if now - start >= next_note:
            ctx.log.info(f"waiting for a config drive labelled {' or '.join(labels)}")
            next_note += 30.0
        if cancel is not None:
            if cancel.wait(POLL):
                return None
        else:
            time.sleep(POLL)


def read(ctx: ProviderContext, label: str, path: str) -> bytes | None:
    """``path`` on the drive labelled ``label``; None when the file does not exist."""
    device = hostroot.path(by_label(label))
    ctx.log.info(f'reading "{path}" from config drive "{label}"')
    try:
        _, data = media.read_file(device, path)
    except UnknownFileSystem:
        data = _read_mounted(ctx, label, device, path)
    except MediaError as exc:
        raise ProviderError(f'config drive "{label}": {exc}') from None
    except OSError as exc:
        raise ProviderError(f'config drive "{label}": {exc.strerror or exc}') from None
    if data is None:
        ctx.log.info(f'config drive "{label}" has no "{path}": no config')
    return data


def _read_mounted(ctx: ProviderContext, label: str, device: str, path: str) -> bytes | None:
    """A file system the user-space readers do not know (ext4, xfs, btrfs...): mounted
    read-only, as the reference does for every drive."""
    from ignition.system import mounts
    from ignition.system.runner import Runner

    try:
        fstype, data = mounts.read_file(Runner(ctx.log), device, path, max_size=MAX_FILE)
    except mounts.MountError as exc:
        raise ProviderError(f'config drive "{label}": {exc}') from None
    ctx.log.info(f'config drive "{label}" ({fstype}) was read through a read-only mount')
    return data


def fetch(
    ctx: ProviderContext,
    sources: Sequence[tuple[Sequence[str], str]],
    timeout: float | None,
) -> bytes | None:
    """Wait for the first drive of ``sources`` ((labels, file) pairs) to appear and read its
    file; None ("no config") if none appears within ``timeout`` or the file is missing."""
    all_labels = [label for labels, _ in sources for label in labels]
    found = wait(ctx, all_labels, timeout)
    if found is None:
        ctx.log.info("no config drive appeared in time: no config")
        return None
    file = next(f for labels, f in sources if found in labels)
    return read(ctx, found, file)
