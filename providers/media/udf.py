"""UDF (ECMA-167 / OSTA UDF 1.02–2.01), enough to read a file by path: the Azure provisioning
medium is UDF (docs/providers.md). Type-1 partition maps; short, long and embedded allocation
descriptors; File Entries and Extended File Entries."""

from __future__ import annotations

import struct
from typing import BinaryIO

from providers.media.volume import MAX_FILE, MediaError, parts, read_at

VRS_START = 32768
SECTOR_SIZES = (2048, 512, 4096)
TAG_PD, TAG_LVD, TAG_TERM, TAG_PVD, TAG_FSD, TAG_FID, TAG_FE, TAG_EFE = (
    5,
    6,
    8,
    1,
    256,
    257,
    261,
    266,
)
MAX_ADS = 4096
MAX_DIR = 16 * 1024 * 1024


def _tag(block: bytes) -> int:
    return int(struct.unpack_from("<H", block, 0)[0])


def _dstring(raw: bytes) -> str:
    """OSTA compressed unicode with the length in the last byte."""
    if not raw:
        return ""
    length = raw[-1]
    return _cs0(raw[:length]) if length else ""


def _cs0(raw: bytes) -> str:
    if not raw:
        return ""
    if raw[0] == 8:
        return raw[1:].decode("latin-1")
    if raw[0] == 16:
        return raw[1:].decode("utf-16-be", "replace")
    raise MediaError("bad UDF string encoding")


class UdfVolume:
    kind = "udf"

    def __init__(self, fh: BinaryIO, bsize: int, label: str, partitions: dict[int, int],
                 root: tuple[int, int]) -> None:  # fmt: skip
        self.fh = fh
        self.bsize = bsize
        self.label = label
        self.partitions = partitions  # partition reference -> first sector
        self.root = root  # (partition reference, logical block)

    def _block(self, ref: int, lbn: int) -> bytes:
        if ref not in self.partitions:
            raise MediaError("UDF reference to an unknown partition")
        return read_at(self.fh, (self.partitions[ref] + lbn) * self.bsize, self.bsize)

    def _entry(self, icb: tuple[int, int]) -> tuple[bool, bytes]:
        """(is directory, contents) of the File Entry at ``icb``."""
        ref, lbn = icb
        fe = self._block(ref, lbn)
        tag = _tag(fe)
        if tag == TAG_FE:
            l_ea, l_ad, ad_start = *struct.unpack_from("<II", fe, 168), 176
        elif tag == TAG_EFE:
            l_ea, l_ad, ad_start = *struct.unpack_from("<II", fe, 208), 216
        else:
            raise MediaError("UDF: no file entry where one was expected")
        file_type = fe[16 + 11]
        size = struct.unpack_from("<Q", fe, 56)[0]
        if size > MAX_FILE:
            raise MediaError("file too large for a config")
        ad_type = struct.unpack_from("<H", fe, 16 + 18)[0] & 7
        ads = fe[ad_start + l_ea : ad_start + l_ea + l_ad]
        if ad_type == 3:  # data embedded in the entry
            return file_type == 4, ads[:size]
        out = bytearray()
        step = 8 if ad_type == 0 else 16
        for i in range(0, min(len(ads), MAX_ADS * step) - step + 1, step):
            length, pos = struct.unpack_from("<II", ads, i)
            kind, length = length >> 30, length & 0x3FFFFFFF
            if length == 0:
                break
            part = ref if ad_type == 0 else struct.unpack_from("<H", ads, i + 8)[0]
            if kind == 3:
                raise MediaError("UDF allocation extension descriptors are not supported")
            nblocks = (length + self.bsize - 1) // self.bsize
            if kind == 0:
                for b in range(nblocks):
                    out += self._block(part, pos + b)
            else:  # allocated but not recorded: zeros
                out += bytes(nblocks * self.bsize)
            if len(out) >= size:
                break
        if len(out) < size:
            raise MediaError("UDF extents shorter than the file")
        return file_type == 4, bytes(out[:size])

    def _list(self, data: bytes) -> list[tuple[str, bool, tuple[int, int]]]:
        out = []
        pos = 0
        while pos + 38 <= len(data):
            if _tag(data[pos:]) != TAG_FID:
                break
            chars, l_fi = data[pos + 18], data[pos + 19]
            lbn, ref = struct.unpack_from("<IH", data, pos + 24)
            l_iu = struct.unpack_from("<H", data, pos + 36)[0]
            name_at = pos + 38 + l_iu
            if not chars & 0x0C:  # neither deleted nor the parent entry
                name = _cs0(data[name_at : name_at + l_fi])
                out.append((name, bool(chars & 2), (ref, lbn)))
            pos += (38 + l_iu + l_fi + 3) & ~3
        return out

    def read(self, path: str) -> bytes | None:
        is_dir, data = self._entry(self.root)
        for want in parts(path):
            if not is_dir:
                return None
            if len(data) > MAX_DIR:
                raise MediaError("directory too large")
            hit = next((icb for name, _, icb in self._list(data) if name == want), None)
            if hit is None:
                return None
            is_dir, data = self._entry(hit)
        return None if is_dir else data


def _has_nsr(fh: BinaryIO) -> bool:
    for i in range(64):
        try:
            d = read_at(fh, VRS_START + i * 2048, 7)
        except MediaError:
            return False
        ident = d[1:6]
        if ident in (b"NSR02", b"NSR03"):
            return True
        if ident not in (b"BEA01", b"CD001", b"CDW02", b"BOOT2", b"TEA01"):
            return False
    return False


def open_volume(fh: BinaryIO) -> UdfVolume | None:
    if not _has_nsr(fh):
        return None
    for bsize in SECTOR_SIZES:
        try:
            avdp = read_at(fh, 256 * bsize, bsize)
        except MediaError:
            continue
        if _tag(avdp) == 2:
            break
    else:
        return None
    vds_len, vds_loc = struct.unpack_from("<II", avdp, 16)
    part_start: dict[int, int] = {}
    lvd: bytes | None = None
    label = ""
    for i in range(min(vds_len // bsize, 256)):
        d = read_at(fh, (vds_loc + i) * bsize, bsize)
        tag = _tag(d)
        if tag == TAG_PD:
            part_start[struct.unpack_from("<H", d, 22)[0]] = struct.unpack_from("<I", d, 188)[0]
        elif tag == TAG_LVD and lvd is None:
            lvd = d
        elif tag == TAG_PVD and not label:
            label = _dstring(d[24:56])
        elif tag == TAG_TERM:
            break
    if lvd is None:
        raise MediaError("UDF without a logical volume descriptor")
    if struct.unpack_from("<I", lvd, 212)[0] != bsize:
        raise MediaError("UDF logical block size differs from the sector size")
    label = _dstring(lvd[84:212]) or label
    n_maps = struct.unpack_from("<I", lvd, 268)[0]
    refs: dict[int, int] = {}
    pos = 440
    for ref in range(min(n_maps, 8)):
        mtype, mlen = lvd[pos], lvd[pos + 1]
        if mtype == 1:
            number = struct.unpack_from("<H", lvd, pos + 4)[0]
            if number in part_start:
                refs[ref] = part_start[number]
        pos += max(mlen, 6)
    fsd_lbn, fsd_ref = struct.unpack_from("<IH", lvd, 248 + 4)
    if fsd_ref not in refs:
        raise MediaError("UDF partition map not supported (metadata partition?)")
    fsd = read_at(fh, (refs[fsd_ref] + fsd_lbn) * bsize, bsize)
    if _tag(fsd) != TAG_FSD:
        raise MediaError("UDF file set descriptor not found")
    root_lbn, root_ref = struct.unpack_from("<IH", fsd, 400 + 4)
    return UdfVolume(fh, bsize, label, refs, (root_ref, root_lbn))
