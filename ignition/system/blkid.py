"""Read-only probing of block devices through libblkid, the library the reference links.

Two questions are asked of it, exactly as the reference's ``internal/exec/util/blkid.c`` does:

- what filesystem (or other signature) is on a device: ``TYPE``/``UUID``/``LABEL`` from a *safe*
  probe, which refuses to answer when several signatures are present (ambivalent); the caller
  may then ask again allowing ambiguity (first match, ``blkid_do_probe``);
- what a disk's partition table holds: type GUID, unique GUID, name, number, start and size of
  every entry, plus the logical sector size.

libblkid opens devices read-only (no udev "change" events, no cache flushes) and is loaded with
ctypes on first use, so importing this module costs nothing. Every call is in-process: probing
twenty devices takes milliseconds, where running ``blkid`` twenty times would take far longer.
The library is loaded by its soname (``ctypes.util.find_library`` would run ``ldconfig`` and
import ``subprocess``, ``shutil`` and ``tempfile`` for an answer that is always the same).
"""

from __future__ import annotations

import errno
import os

from ignition.util.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SONAME = "libblkid.so.1"

BLKID_SUBLKS_LABEL = 1 << 1
BLKID_SUBLKS_UUID = 1 << 3
BLKID_SUBLKS_TYPE = 1 << 5
BLKID_SUBLKS_VERSION = 1 << 8
BLKID_PARTS_ENTRY_DETAILS = 1 << 2
AMBIVALENT = -2


class ProbeError(Exception):
    """libblkid could not answer (device missing, unreadable, or ambiguous)."""


class AmbivalentProbe(ProbeError):
    """Several signatures were found and the safe probe refused to pick one."""


@record
class FilesystemInfo:
    type: str = ""  # "" when no signature was found
    uuid: str = ""
    label: str = ""
    version: str = ""  # e.g. "2" for LUKS2


@record
class PartitionEntry:
    number: int
    start: int  # logical sectors
    size: int  # logical sectors
    type_guid: str  # upper case, as the reference compares it
    guid: str  # upper case
    label: str  # GPT partition name ("" when empty)


@record
class PartitionTable:
    sector_size: int  # logical sector size in bytes
    table_type: str  # "gpt"; "" when the disk has no partition table; else e.g. "dos"
    partitions: tuple[PartitionEntry, ...] = ()

    def get(self, number: int) -> PartitionEntry | None:
        for p in self.partitions:
            if p.number == number:
                return p
        return None


_loaded: list[Any] = []


def _lib() -> Any:
    if _loaded:
        return _loaded[0]
    import ctypes

    try:
        lib = ctypes.CDLL(SONAME, use_errno=True)
    except OSError as exc:
        raise ProbeError(f"cannot load libblkid ({SONAME}): {exc}; install util-linux") from None
    vp, cp, i, u, ll = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_int64
    sigs: dict[str, tuple[Any, list[Any]]] = {
        "blkid_new_probe_from_filename": (vp, [cp]),
        "blkid_free_probe": (None, [vp]),
        "blkid_probe_enable_superblocks": (i, [vp, i]),
        "blkid_probe_set_superblocks_flags": (i, [vp, i]),
        "blkid_probe_enable_partitions": (i, [vp, i]),
        "blkid_probe_set_partitions_flags": (i, [vp, i]),
        "blkid_do_safeprobe": (i, [vp]),
        "blkid_do_probe": (i, [vp]),
        "blkid_probe_has_value": (i, [vp, cp]),
        "blkid_probe_lookup_value": (i, [vp, cp, ctypes.POINTER(cp), ctypes.c_void_p]),
        "blkid_probe_get_sectorsize": (u, [vp]),
        "blkid_probe_get_partitions": (vp, [vp]),
        "blkid_partlist_get_table": (vp, [vp]),
        "blkid_parttable_get_type": (cp, [vp]),
        "blkid_partlist_numof_partitions": (i, [vp]),
        "blkid_partlist_get_partition": (vp, [vp, i]),
        "blkid_partition_get_name": (cp, [vp]),
        "blkid_partition_get_uuid": (cp, [vp]),
        "blkid_partition_get_type_string": (cp, [vp]),
        "blkid_partition_get_partno": (i, [vp]),
        "blkid_partition_get_start": (ll, [vp]),
        "blkid_partition_get_size": (ll, [vp]),
    }
    for fn, (res, args) in sigs.items():
        f = getattr(lib, fn)
        f.restype = res
        f.argtypes = args
    _loaded.append(lib)
    return lib


class _Probe:
    def __init__(self, device: str) -> None:
        import ctypes

        self.lib = _lib()
        ctypes.set_errno(0)
        self.pr = self.lib.blkid_new_probe_from_filename(os.fsencode(device))
        if not self.pr:
            err = ctypes.get_errno() or errno.EIO
            raise ProbeError(f"failed to open {device!r}: {os.strerror(err)}")

    def __enter__(self) -> _Probe:
        return self

    def __exit__(self, *exc: object) -> None:
        self.lib.blkid_free_probe(self.pr)

    def value(self, name: str) -> str:
        import ctypes

        key = name.encode()
        if not self.lib.blkid_probe_has_value(self.pr, key):
            return ""
        out = ctypes.c_char_p()
        if self.lib.blkid_probe_lookup_value(self.pr, key, ctypes.byref(out), None) != 0:
            return ""
        return (out.value or b"").decode("utf-8", "replace")


def probe_filesystem(device: str, *, allow_ambivalent: bool = False) -> FilesystemInfo:
    """TYPE/UUID/LABEL of ``device``; raises :class:`AmbivalentProbe` when several signatures
    exist and ``allow_ambivalent`` is false (then the first match is taken, as the reference)."""
    with _Probe(device) as p:
        lib = p.lib
        lib.blkid_probe_enable_superblocks(p.pr, 1)
        lib.blkid_probe_set_superblocks_flags(
            p.pr, BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE | BLKID_SUBLKS_VERSION
        )
        rc = lib.blkid_do_probe(p.pr) if allow_ambivalent else lib.blkid_do_safeprobe(p.pr)
        if rc == AMBIVALENT:
            raise AmbivalentProbe(f"found multiple filesystem types on {device!r}")
        if rc < 0:
            raise ProbeError(f"failed to probe {device!r}")
        if rc == 1:  # nothing found
            return FilesystemInfo()
        return FilesystemInfo(
            p.value("TYPE"), p.value("UUID"), p.value("LABEL"), p.value("VERSION")
        )


def probe_partition_entry(device: str) -> tuple[str, str]:
    """(GPT partition name, partition unique GUID) of a partition device, from its disk's table;
    ("", "") when ``device`` is not a partition. Used to find partitions without udev links."""
    with _Probe(device) as p:
        lib = p.lib
        lib.blkid_probe_enable_superblocks(p.pr, 0)
        lib.blkid_probe_enable_partitions(p.pr, 1)
        lib.blkid_probe_set_partitions_flags(p.pr, BLKID_PARTS_ENTRY_DETAILS)
        if lib.blkid_do_safeprobe(p.pr) < 0:
            return "", ""
        return p.value("PART_ENTRY_NAME"), p.value("PART_ENTRY_UUID")


def read_partition_table(device: str) -> PartitionTable:
    """The partition table of a disk as the reference reads it (``DumpDisk``): no table → zero
    partitions; another kind of table (``dos``, ...) → its name and no entries."""
    with _Probe(device) as p:
        lib = p.lib
        sector_size = int(lib.blkid_probe_get_sectorsize(p.pr))
        if sector_size == 0 or sector_size % 512:
            raise ProbeError(f"logical sector size of {device!r} is not a multiple of 512")
        # libblkid reports partition geometry in 512-byte units whatever the sector size
        divisor = sector_size // 512
        plist = lib.blkid_probe_get_partitions(p.pr)
        if not plist:
            return PartitionTable(sector_size, "")
        table = lib.blkid_partlist_get_table(plist)
        if not table:
            return PartitionTable(sector_size, "")
        kind = (lib.blkid_parttable_get_type(table) or b"").decode() or "unknown"
        if kind != "gpt":  # only GPT entries are read; the caller decides what to do
            return PartitionTable(sector_size, kind)
        entries = []
        for idx in range(lib.blkid_partlist_numof_partitions(plist)):
            part = lib.blkid_partlist_get_partition(plist, idx)
            if not part:
                raise ProbeError(f"bad partition index {idx} on {device!r}")

            def s(v: bytes | None) -> str:
                return (v or b"").decode("utf-8", "replace")

            entries.append(
                PartitionEntry(
                    number=int(lib.blkid_partition_get_partno(part)),
                    start=int(lib.blkid_partition_get_start(part)) // divisor,
                    size=int(lib.blkid_partition_get_size(part)) // divisor,
                    type_guid=s(lib.blkid_partition_get_type_string(part)).upper(),
                    guid=s(lib.blkid_partition_get_uuid(part)).upper(),
                    label=s(lib.blkid_partition_get_name(part)),
                )
            )
        return PartitionTable(sector_size, kind, tuple(sorted(entries, key=lambda e: e.number)))
