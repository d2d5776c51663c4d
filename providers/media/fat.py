"""FAT12/16/32 with VFAT long names (what ``mkfs.fat`` and cloud tooling write for
``config-2``/``cidata`` drives). Names are matched without case, as FAT does."""

from __future__ import annotations

import struct
from typing import BinaryIO

from providers.media.volume import MAX_FILE, MediaError, parts, read_at

MAX_CLUSTERS_WALKED = 1 << 20
ATTR_LFN, ATTR_DIR, ATTR_LABEL = 0x0F, 0x10, 0x08


class FatVolume:
    kind = "vfat"

    def __init__(self, fh: BinaryIO, bs: bytes) -> None:
        self.fh = fh
        self.bps = struct.unpack_from("<H", bs, 11)[0]
        self.spc = bs[13]
        reserved = struct.unpack_from("<H", bs, 14)[0]
        nfats = bs[16]
        root_entries = struct.unpack_from("<H", bs, 17)[0]
        total = struct.unpack_from("<H", bs, 19)[0] or struct.unpack_from("<I", bs, 32)[0]
        fatsz = struct.unpack_from("<H", bs, 22)[0] or struct.unpack_from("<I", bs, 36)[0]
        root_sectors = (root_entries * 32 + self.bps - 1) // self.bps
        self.fat_offset = reserved * self.bps
        self.root_offset = (reserved + nfats * fatsz) * self.bps
        self.root_size = root_entries * 32
        self.data_offset = self.root_offset + root_sectors * self.bps
        clusters = (total - reserved - nfats * fatsz - root_sectors) // max(self.spc, 1)
        self.bits = 12 if clusters < 4085 else 16 if clusters < 65525 else 32
        self.root_cluster = struct.unpack_from("<I", bs, 44)[0] if self.bits == 32 else 0
        self.cluster_size = self.bps * self.spc
        sig_at, label_at = (66, 71) if self.bits == 32 else (38, 43)
        label = bs[label_at : label_at + 11] if bs[sig_at] == 0x29 else b""
        for name, attr, _, _ in self._entries(self._root()):
            if attr & ATTR_LABEL and not attr & ATTR_DIR:
                label = name.encode("latin-1")
                break
        text = label.decode("latin-1").rstrip(" \x00")
        self.label = "" if text == "NO NAME" else text

    def read(self, path: str) -> bytes | None:
        data = self._root()
        names = parts(path)
        for i, want in enumerate(names):
            hit = next(
                (e for e in self._entries(data) if e[0].lower() == want.lower() and not e[1] & 8),
                None,
            )
            if hit is None:
                return None
            _, attr, cluster, size = hit
            last = i == len(names) - 1
            if attr & ATTR_DIR:
                if last:
                    return None
                data = self._chain(cluster, None)
            elif not last:
                return None
            else:
                if size > MAX_FILE:
                    raise MediaError("file too large for a config")
                return self._chain(cluster, size) if size else b""
        return None

    def _root(self) -> bytes:
        if self.bits == 32:
            return self._chain(self.root_cluster, None)
        return read_at(self.fh, self.root_offset, self.root_size)

    def _next(self, cluster: int) -> int:
        if self.bits == 12:
            off = cluster + cluster // 2
            v = struct.unpack("<H", read_at(self.fh, self.fat_offset + off, 2))[0]
            return int((v >> 4) if cluster & 1 else (v & 0xFFF))
        if self.bits == 16:
            return int(struct.unpack("<H", read_at(self.fh, self.fat_offset + cluster * 2, 2))[0])
        raw = read_at(self.fh, self.fat_offset + cluster * 4, 4)
        return int(struct.unpack("<I", raw)[0]) & 0x0FFFFFFF

    def _chain(self, cluster: int, size: int | None) -> bytes:
        end = {12: 0xFF8, 16: 0xFFF8, 32: 0x0FFFFFF8}[self.bits]
        out = bytearray()
        seen: set[int] = set()
        while 2 <= cluster < end and (size is None or len(out) < size):
            if cluster in seen or len(seen) > MAX_CLUSTERS_WALKED or len(out) > MAX_FILE:
                raise MediaError("FAT cluster chain loops or is too long")
            seen.add(cluster)
            offset = self.data_offset + (cluster - 2) * self.cluster_size
            out += read_at(self.fh, offset, self.cluster_size)
            cluster = self._next(cluster)
        if size is not None:
            if len(out) < size:
                raise MediaError("FAT cluster chain shorter than the file")
            return bytes(out[:size])
        return bytes(out)

    @staticmethod
    def _entries(data: bytes) -> list[tuple[str, int, int, int]]:
        """(name, attributes, first cluster, size); long names joined, "." and ".." skipped."""
        out: list[tuple[str, int, int, int]] = []
        lfn: list[str] = []
        for pos in range(0, len(data) - 31, 32):
            e = data[pos : pos + 32]
            if e[0] == 0:
                break
            if e[0] == 0xE5:
                lfn = []
                continue
            attr = e[11]
            if attr == ATTR_LFN:
                chunk = (e[1:11] + e[14:26] + e[28:32]).decode("utf-16-le", "replace")
                if e[0] & 0x40:
                    lfn = []
                lfn.insert(0, chunk.split("\x00")[0])
                continue
            base = e[0:8].decode("latin-1").rstrip()
            ext = e[8:11].decode("latin-1").rstrip()
            if e[0] == 0x05:
                base = "\xe5" + base[1:]
            if e[12] & 0x08:
                base = base.lower()
            if e[12] & 0x10:
                ext = ext.lower()
            if attr & ATTR_LABEL:
                name = (e[0:11]).decode("latin-1")
            else:
                name = "".join(lfn) if lfn else (f"{base}.{ext}" if ext else base)
            lfn = []
            if name in (".", ".."):
                continue
            cluster = (struct.unpack_from("<H", e, 20)[0] << 16) | struct.unpack_from("<H", e, 26)[
                0
            ]
            out.append((name, attr, cluster, struct.unpack_from("<I", e, 28)[0]))
        return out


def open_volume(fh: BinaryIO) -> FatVolume | None:
    try:
        bs = read_at(fh, 0, 512)
    except MediaError:
        return None
    if bs[510:512] != b"\x55\xaa" or bs[0] not in (0xEB, 0xE9):
        return None
    bps = struct.unpack_from("<H", bs, 11)[0]
    if bps not in (512, 1024, 2048, 4096) or bs[13] == 0 or bs[16] == 0:
        return None
    if struct.unpack_from("<H", bs, 14)[0] == 0:
        return None
    return FatVolume(fh, bs)
