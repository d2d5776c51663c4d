"""The user-space readers against real images from genisoimage, xorriso, mkfs.fat + mtools."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from providers import media
from providers.media.volume import MediaError, Volume
from tests.integration.providers import images

BIG = bytes(range(256)) * 40  # 10 KiB: several FAT clusters, several ISO/UDF blocks
FILES = {
    "openstack/latest/user_data": b'{"ignition":{"version":"3.4.0"}}',
    "openstack/content/0000": BIG,
    "Mixed Case Long Name.json": b"long",
    "user-data": b"#cloud-config\n",
    "empty": b"",
}


def _check(vol: Volume) -> None:
    for name, data in FILES.items():
        assert vol.read(name) == data, name
        assert vol.read("/" + name) == data, name
    assert vol.read("openstack/latest/missing") is None
    assert vol.read("nope/user_data") is None
    assert vol.read("openstack/latest") is None  # a directory is not a file
    assert vol.read("user-data/x") is None  # a file is not a directory


@pytest.mark.parametrize("style", ["rockridge", "joliet", "udf", "xorriso"])
def test_iso(style: str, tmp_path: Path) -> None:
    image = images.iso(tmp_path, "config-2", FILES, style=style)
    with open(image, "rb") as fh:
        vol = media.probe(fh)
        assert vol is not None
        assert vol.kind == ("udf" if style == "udf" else "iso9660")
        assert vol.label == "config-2"
        _check(vol)


@pytest.mark.parametrize("bits", [12, 16, 32])
def test_fat(bits: int, tmp_path: Path) -> None:
    image = images.fat(tmp_path, "CIDATA", FILES, bits=bits)
    with open(image, "rb") as fh:
        vol = media.probe(fh)
        assert vol is not None
        assert vol.kind == "vfat"
        assert vol.label == "CIDATA"
        _check(vol)
        assert vol.read("mixed case long name.JSON") == b"long"  # FAT ignores case


def test_read_file_and_volume_info(tmp_path: Path) -> None:
    image = images.fat(tmp_path, "cidata", {"user-data": b"x"})
    _vol, data = media.read_file(str(image), "user-data")
    assert data == b"x"
    info = media.volume_info(str(image))
    assert info is not None
    assert info.label == "cidata"


def test_not_a_file_system(tmp_path: Path) -> None:
    junk = tmp_path / "junk"
    junk.write_bytes(b"\x00" * 100_000)
    assert media.volume_info(str(junk)) is None
    with pytest.raises(MediaError):
        media.read_file(str(junk), "user-data")
    assert media.probe(io.BytesIO(b"")) is None


def test_truncated_image_is_an_error_not_a_crash(tmp_path: Path) -> None:
    image = images.iso(tmp_path, "config-2", {"openstack/content/0000": BIG})
    data = image.read_bytes()
    cut = tmp_path / "cut.iso"
    cut.write_bytes(data[: data.index(BIG[:512]) + 1000])  # ends inside the file
    with open(cut, "rb") as fh:
        vol = media.probe(fh)
        assert vol is not None
        with pytest.raises(MediaError):
            vol.read("openstack/content/0000")


def test_fat_cluster_loop_is_detected(tmp_path: Path) -> None:
    from providers.media.fat import FatVolume

    image = images.fat(tmp_path, "cidata", {"big": BIG})
    raw = bytearray(image.read_bytes())
    vol = FatVolume(io.BytesIO(bytes(raw)), bytes(raw[:512]))
    (cluster,) = [c for name, _, c, _ in vol._entries(vol._root()) if name == "big"]
    off = vol.fat_offset + cluster + cluster // 2  # FAT12: the entry points at itself
    v = int.from_bytes(raw[off : off + 2], "little")
    v = (v & 0x000F) | (cluster << 4) if cluster & 1 else (v & 0xF000) | cluster
    raw[off : off + 2] = v.to_bytes(2, "little")
    with pytest.raises(MediaError):
        media.probe(io.BytesIO(bytes(raw))).read("big")  # type: ignore[union-attr]
