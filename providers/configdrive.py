"""Config drives found by file-system label (providers.md §2.4, §4.4, §4.11).

The reference polls ``/dev/disk/by-label/<label>`` once a second, mounts the device read-only,
reads one file and unmounts. We read the file in user space (:mod:`providers.media`: ISO 9660,
FAT, UDF) and mount only a file system that none of those readers knows, outside test host
roots. A missing file is "no config"; how long to wait for the drive is the platform's choice.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence

from providers import hostroot, media
from providers.base import ProviderContext, ProviderError

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
    except media.MediaError as exc:
        if hostroot.root():
            raise ProviderError(f'config drive "{label}": {exc}') from None
        data = _read_mounted(device, path)
    except OSError as exc:
        raise ProviderError(f'config drive "{label}": {exc.strerror or exc}') from None
    if data is None:
        ctx.log.info(f'config drive "{label}" has no "{path}": no config')
    return data


def _read_mounted(device: str, path: str) -> bytes | None:
    """Last resort for a file system the user-space readers do not know (ext4, say)."""
    mnt = tempfile.mkdtemp(prefix="ignition-configdrive-")
    try:
        try:
            subprocess.run(
                ["mount", "-o", "ro", "-t", "auto", device, mnt],
                check=True,
                capture_output=True,
                timeout=60,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise ProviderError(f"couldn't mount config drive {device}: {exc}") from None
        try:
            full = os.path.join(mnt, path.lstrip("/"))
            try:
                with open(full, "rb") as fh:
                    return fh.read()
            except FileNotFoundError:
                return None
        finally:
            subprocess.run(["umount", mnt], check=False, capture_output=True, timeout=60)
    finally:
        with contextlib.suppress(OSError):
            os.rmdir(mnt)


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
