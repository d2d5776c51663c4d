"""The Azure provisioning medium: a CD-ROM holding ``ovf-env.xml`` and ``CustomData.bin``
(docs/providers.md). The reference lists block devices by file-system type, checks the drive
status ioctl, mounts, requires ``ovf-env.xml`` and reads ``CustomData.bin``; we probe the
candidates in user space (:mod:`providers.media`) and loop every second until one shows up."""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import time
from collections.abc import Collection

from ignition.system import hostroot
from providers import media
from providers.base import ProviderContext
from providers.media.volume import MediaError

CDROM_DRIVE_STATUS, CDS_DISC_OK = 0x5326, 4
POLL = 1.0


def candidates() -> list[str]:
    """Host paths of every block device that could be the medium (deduplicated)."""
    names = [f"/dev/{n}" for n in hostroot.listdir("/sys/class/block")]
    names += [f"/dev/{n}" for n in hostroot.listdir("/dev") if n.startswith(("sr", "cdrom"))]
    names += [f"/dev/disk/by-label/{n}" for n in hostroot.listdir("/dev/disk/by-label")]
    seen: set[str] = set()
    out = []
    for n in names:
        real = os.path.realpath(hostroot.path(n))
        if real not in seen and os.path.exists(real):
            seen.add(real)
            out.append(real)
    return out


def _disc_ok(device: str) -> bool:
    """A real CD-ROM drive must report a disc; image files (test host roots) always do."""
    try:
        st = os.stat(device)
    except OSError:
        return False
    if not stat.S_ISBLK(st.st_mode):
        return stat.S_ISREG(st.st_mode)
    try:
        fd = os.open(device, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        return fcntl.ioctl(fd, CDROM_DRIVE_STATUS, 0) == CDS_DISC_OK
    except OSError:
        return True  # not a CD-ROM driver (a disk): readable as it is
    finally:
        os.close(fd)


def find_custom_data(kinds: Collection[str]) -> tuple[str, bytes | None] | None:
    """(device, CustomData.bin or None) of the first medium with ``ovf-env.xml``."""
    return _find(kinds, "CustomData.bin")


def _find(kinds: Collection[str], name: str) -> tuple[str, bytes | None] | None:
    """(device, the file ``name`` or None) of the first medium with ``ovf-env.xml``."""
    for device in candidates():
        if not _disc_ok(device):
            continue
        with contextlib.suppress(OSError, MediaError), open(device, "rb") as fh:
            vol = media.probe(fh)
            ovf = vol.read("ovf-env.xml") if vol is not None and vol.kind in kinds else None
            if vol is None or ovf is None:
                continue
            return device, ovf if name == "ovf-env.xml" else vol.read(name)
    return None


def ovf_hostname(kinds: Collection[str]) -> str:
    """The ``HostName`` of the medium's ``ovf-env.xml`` (looked for once, no waiting: the
    medium has been there since the fetch stage), "" when there is none. The document also
    holds the admin password and custom data: nothing of it is logged."""
    from providers._ovfenv import hostname_of

    found = _find(kinds, "ovf-env.xml")
    return hostname_of(found[1] or b"") if found is not None else ""


def wait_custom_data(ctx: ProviderContext, kinds: Collection[str]) -> bytes | None:
    """Loop until the medium shows up (forever, as the reference does); its custom data."""
    start = time.monotonic()
    next_note = 0.0
    while True:
        found = find_custom_data(kinds)
        if found is not None:
            device, data = found
            if data is None:
                ctx.log.info(f"provisioning medium {device} has no CustomData.bin: no config")
            else:
                ctx.log.info(f"read custom data from the provisioning medium {device}")
            return data or None
        if time.monotonic() - start >= next_note:
            ctx.log.info("waiting for the provisioning medium (ovf-env.xml) to appear")
            next_note += 30.0
        time.sleep(POLL)
