"""ISO 9660 (ECMA-119) with Rock Ridge (SUSP ``NM``/``CE``) and Joliet (UCS-2) names.

Name resolution prefers Rock Ridge (exact POSIX names), then Joliet, then the plain ISO names
compared without case and without the ``;1`` version suffix.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from ignition.util.record import record
from providers.media.volume import MAX_FILE, MediaError, parts, read_at

SECTOR = 2048
FIRST_VD = 16
MAX_VDS = 64
MAX_DIR = 16 * 1024 * 1024
JOLIET_ESCAPES = (b"%/@", b"%/C", b"%/E")


@record(frozen=False)
class Record:
    name: str
    extent: int
    size: int
    is_dir: bool


class IsoVolume:
    kind = "iso9660"

    def __init__(self, fh: BinaryIO, label: str, root: bytes, joliet_root: bytes | None) -> None:
        self.fh = fh
        self.label = label
        root_rec = _record(root, 0)
        assert root_rec is not None
        self.rr_skip = _rock_ridge_skip(fh, root_rec)
        if self.rr_skip is None and joliet_root is not None:
            self.joliet = True
            jr = _record(joliet_root, 0)
            assert jr is not None
            self.root = jr
        else:
            self.joliet = False
            self.root = root_rec

    def read(self, path: str) -> bytes | None:
        rec = self.root
        for name in parts(path):
            if not rec.is_dir:
                return None
            found = next((r for r in self._list(rec) if self._match(r.name, name)), None)
            if found is None:
                return None
            rec = found
        if rec.is_dir:
            return None
        if rec.size > MAX_FILE:
            raise MediaError("file too large for a config")
        return read_at(self.fh, rec.extent * SECTOR, rec.size) if rec.size else b""

    def _match(self, have: str, want: str) -> bool:
        if self.rr_skip is not None or self.joliet:
            return have == want
        return have.upper() == want.upper()

    def _list(self, d: Record) -> list[Record]:
        if d.size > MAX_DIR:
            raise MediaError("directory too large")
        data = read_at(self.fh, d.extent * SECTOR, d.size)
        out: list[Record] = []
        pos = 0
        while pos < len(data):
            length = data[pos]
            if length == 0:  # records never cross a sector: skip to the next one
                pos = (pos // SECTOR + 1) * SECTOR
                continue
            raw = data[pos : pos + length]
            pos += length
            rec = _record(raw, 0)
            if rec is None or rec.name in ("\x00", "\x01"):
                continue
            if self.rr_skip is not None:
                rr = _rr_name(self.fh, raw, self.rr_skip)
                rec.name = rr if rr is not None else _iso_name(rec.name)
            elif self.joliet:
                rec.name = raw[33 : 33 + raw[32]].decode("utf-16-be", "replace").split(";")[0]
            else:
                rec.name = _iso_name(rec.name)
            out.append(rec)
        return out


def _record(raw: bytes, pos: int) -> Record | None:
    if len(raw) - pos < 34:
        return None
    extent = struct.unpack_from("<I", raw, pos + 2)[0]
    size = struct.unpack_from("<I", raw, pos + 10)[0]
    flags = raw[pos + 25]
    nlen = raw[pos + 32]
    name = raw[pos + 33 : pos + 33 + nlen].decode("latin-1")
    return Record(name, extent, size, bool(flags & 2))


def _iso_name(name: str) -> str:
    base = name.split(";")[0]
    return base[:-1] if base.endswith(".") else base


def _system_use(raw: bytes, skip: int) -> bytes:
    nlen = raw[32]
    start = 33 + nlen + (1 if nlen % 2 == 0 else 0) + skip
    return raw[start:]


def _susp_entries(fh: BinaryIO, area: bytes) -> list[tuple[bytes, bytes]]:
    """(signature, entry) pairs, following ``CE`` continuation areas (bounded)."""
    out: list[tuple[bytes, bytes]] = []
    hops = 0
    while True:
        pos, cont = 0, None
        while pos + 4 <= len(area):
            sig, length = area[pos : pos + 2], area[pos + 2]
            if length < 4:
                break
            entry = area[pos : pos + length]
            if sig == b"CE" and length >= 28:
                block, off, size = (
                    struct.unpack_from("<I", entry, 4)[0],
                    struct.unpack_from("<I", entry, 12)[0],
                    struct.unpack_from("<I", entry, 20)[0],
                )
                cont = (block, off, size)
            elif sig == b"ST":
                break
            out.append((sig, entry))
            pos += length
        if cont is None or hops >= 8 or cont[2] > SECTOR * 4:
            return out
        hops += 1
        area = read_at(fh, cont[0] * SECTOR + cont[1], cont[2])


def _rock_ridge_skip(fh: BinaryIO, root: Record) -> int | None:
    """Rock Ridge is announced by an ``SP`` entry in the root's "." record."""
    first = read_at(fh, root.extent * SECTOR, min(root.size, SECTOR))
    if not first or first[0] < 34:
        return None
    dot = first[: first[0]]
    area = _system_use(dot, 0)
    if area[:2] == b"SP" and len(area) >= 7 and area[4:6] == b"\xbe\xef":
        return area[6]
    return None


def _rr_name(fh: BinaryIO, raw: bytes, skip: int) -> str | None:
    name = b""
    found = False
    for sig, entry in _susp_entries(fh, _system_use(raw, skip)):
        if sig == b"NM" and len(entry) >= 5:
            flags = entry[4]
            if flags & 0x06:  # "." / ".." markers
                continue
            name += entry[5:]
            found = True
    return name.decode("utf-8", "replace") if found else None


def open_volume(fh: BinaryIO) -> IsoVolume | None:
    pvd: bytes | None = None
    joliet: bytes | None = None
    for i in range(FIRST_VD, FIRST_VD + MAX_VDS):
        try:
            vd = read_at(fh, i * SECTOR, SECTOR)
        except MediaError:
            return None
        if vd[1:6] != b"CD001":
            return None
        if vd[0] == 1 and pvd is None:
            pvd = vd
        elif vd[0] == 2 and vd[88:91] in JOLIET_ESCAPES:
            joliet = vd
        elif vd[0] == 255:
            break
    if pvd is None:
        return None
    if struct.unpack_from("<H", pvd, 128)[0] != SECTOR:
        raise MediaError("unsupported ISO 9660 logical block size")
    label = pvd[40:72].decode("latin-1").rstrip(" \x00")
    if joliet is not None:
        jl = joliet[40:72].decode("utf-16-be", "replace").rstrip(" \x00")
        label = label or jl
    return IsoVolume(fh, label, pvd[156:190], joliet[156:190] if joliet is not None else None)
