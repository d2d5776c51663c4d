"""``/etc/crypttab`` entries and LUKS key files, written by the files stage (§3.6 step 5, §4.4).

Per volume, in config order: the volume's LUKS UUID (read from its header through libblkid,
like ``cryptsetup luksUUID``), a line
``<name> UUID=<uuid> <keyfile> luks[,_netdev],x-initrd.attach`` appended to the crypttab
(created 0600; existing content kept), and — for volumes unlocked by a key rather than by
clevis — the key from the state written to ``/etc/luks/<name>`` (0600, in a
0700 directory). Afterwards the keys are erased from the state, so they leave the initramfs
only inside the target root.
"""

from __future__ import annotations

import contextlib
import os

from ignition.errors import StageError
from ignition.system import blkid, devices
from ignition.urls import URLError, decode_data_url

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from ignition.config.model import Luks
    from ignition.stages import StageContext

CRYPTTAB = "/etc/crypttab"
KEY_DIR = "/etc/luks"


def needs_network(v: Luks) -> bool:
    c = v.clevis
    return bool(c.tang) or bool(c.custom_is_present() and c.custom and c.custom.needs_network)


def crypttab_line(v: Luks, uuid: str) -> str:
    keyfile = "none" if v.clevis.is_present() else f"{KEY_DIR}/{v.name}"
    opts = "luks,_netdev" if needs_network(v) else "luks"
    return f"{v.name} UUID={uuid} {keyfile} {opts},x-initrd.attach\n"


def volume_uuid(device: str) -> str:
    lookup = devices.Lookup(udev=devices.udev_running())
    node = lookup.find(device)
    if node is None:
        raise StageError(f"luks device {device!r} not found")
    try:
        info = blkid.probe_filesystem(node, allow_ambivalent=True)
    except blkid.ProbeError as exc:
        raise StageError(str(exc)) from None
    if info.type != "crypto_LUKS" or not info.uuid:
        raise StageError(f"{device!r} is not a LUKS volume (found {info.type or 'nothing'})")
    return info.uuid


def _write(path: str, data: bytes, mode: int, *, append: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    flags |= os.O_APPEND if append else os.O_TRUNC
    fd = os.open(path, flags, mode)
    try:
        os.fchmod(fd, mode)
        os.fchown(fd, 0, 0)
        if append and os.fstat(fd).st_size:
            with open(path, "rb") as fh:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    data = b"\n" + data
        os.write(fd, data)
    finally:
        os.close(fd)


def write_crypttab(ctx: StageContext) -> None:
    volumes = [v for v in ctx.config.storage.luks if v.device]
    if not volumes:
        return
    system = ctx.system
    log = system.log
    with log.prefixed("createCrypttabEntries"):
        entries = "".join(crypttab_line(v, volume_uuid(v.device or "")) for v in volumes)
        for v in volumes:
            if v.clevis.is_present():
                continue
            url = ctx.state.luks_persist_key_files.get(v.name)
            if url is None:
                raise StageError(f"missing persisted keyfile for luks volume {v.name!r}")
            try:
                key = decode_data_url(url).data
            except URLError as exc:
                raise StageError(f"persisted keyfile of {v.name!r} is corrupt: {exc}") from None
            if ctx.dry_run:
                ctx.plan.append(f"write key file {KEY_DIR}/{v.name}")
                continue
            keydir = system.root.join(KEY_DIR)
            with contextlib.suppress(FileExistsError):
                os.mkdir(keydir, 0o700)
            with log.op(f'writing file "{KEY_DIR}/{v.name}"'):
                _write(str(system.root.join(f"{KEY_DIR}/{v.name}")), key, 0o600, append=False)
        if ctx.dry_run:
            ctx.plan.append(f"append {len(volumes)} entries to {CRYPTTAB}")
            return
        target = system.root.join(CRYPTTAB)
        os.makedirs(target.parent, mode=0o755, exist_ok=True)
        with log.op(f'writing file "{CRYPTTAB}"'):
            _write(str(target), entries.encode(), 0o600, append=True)
        ctx.state.luks_persist_key_files.clear()
