"""``/etc/crypttab`` entries and LUKS key files, written by the files stage (docs/disks.md).

Per volume, in config order: the volume's LUKS UUID (read from its header through libblkid,
like ``cryptsetup luksUUID``), a line
``<name> UUID=<uuid> <keyfile> luks[,_netdev],x-initrd.attach`` appended to the crypttab
(0600; existing content kept, a line already there not added again), and — for volumes
unlocked by a key rather than by clevis — the key from the state written to
``/etc/luks/<name>`` (0600, in a 0700 directory). Afterwards the keys are erased from the
state, so they leave the initramfs only inside the target root. Everything is written
through the files stage's journal: a later failure in the stage undoes it.
"""

from __future__ import annotations

from ignition.config.urls import URLError, decode_data_url
from ignition.system import blkid, devices
from ignition.util.errors import StageError

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from ignition.config.model import Luks
    from ignition.stages import StageContext
    from ignition.stages.files.fsops import RootFS

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


def with_entries(old: bytes, entries: list[str]) -> bytes:
    """``old`` crypttab text with the lines of ``entries`` it lacks appended: a rerun after a
    failure or a kill adds no second copy of a line."""
    present = set(old.decode("utf-8", "surrogateescape").splitlines())
    missing = "".join(e for e in entries if e.rstrip("\n") not in present)
    if not missing:
        return old
    if old and not old.endswith(b"\n"):
        old += b"\n"
    return old + missing.encode()


def write_crypttab(ctx: StageContext, fs: RootFS | None = None) -> None:
    """Key files and crypttab lines, through the files stage's ``fs`` (confined to the root
    and journaled: a failure later in the stage undoes them)."""
    volumes = [v for v in ctx.config.storage.luks if v.device]
    if not volumes:
        return
    from ignition.stages.files.fsops import RootFS

    own = fs is None
    rfs = RootFS(ctx.system.root) if fs is None else fs
    try:
        _write_all(ctx, rfs, volumes)
    finally:
        if own:
            rfs.close()


def _write_all(ctx: StageContext, fs: RootFS, volumes: list[Luks]) -> None:
    from ignition.stages.files.fsops import read_small

    log = ctx.system.log
    with log.prefixed("createCrypttabEntries"):
        entries = [crypttab_line(v, volume_uuid(v.device or "")) for v in volumes]
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
            with fs.at(KEY_DIR) as at:
                if at.lstat() is None:
                    fs.mkdir(at, 0o700)
            with log.op(f'writing file "{KEY_DIR}/{v.name}"'), fs.at(f"{KEY_DIR}/{v.name}") as at:
                fs.write_atomic(at, key, mode=0o600, uid=0, gid=0)
        if ctx.dry_run:
            ctx.plan.append(f"append {len(volumes)} entries to {CRYPTTAB}")
            return
        with log.op(f'writing file "{CRYPTTAB}"'), fs.at(CRYPTTAB) as at:
            st = at.lstat()
            old = b"" if st is None else read_small(at)
            new = with_entries(old, entries)
            if new != old or st is None:
                fs.write_atomic(at, new, mode=0o600, uid=0, gid=0)
        ctx.state.luks_persist_key_files.clear()
