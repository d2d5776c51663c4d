"""Read files from config drives and provisioning media in user space.

One small interface: a block device or image file in, file bytes out. ISO 9660 (with Rock
Ridge and Joliet names), FAT12/16/32 (with long names) and UDF are parsed here instead of
mounted: the initramfs kernel may lack the drivers (this project's CI machines have none of
the three), and parsing untrusted media in a memory-safe language with bounded reads is a
smaller risk than handing them to a kernel filesystem driver.

    vol = open_volume("/dev/sr0")     # None when the medium holds none of the three
    vol.kind, vol.label
    vol.read("openstack/latest/user_data")   # bytes, or None when the file does not exist
"""

from __future__ import annotations

from providers.media.volume import MediaError, UnknownFileSystem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

    from providers.media.volume import Volume


def probe(fh: BinaryIO) -> Volume | None:
    """The volume on ``fh``: UDF first (Azure's media are UDF, possibly with an ISO 9660
    bridge), then ISO 9660, then FAT."""
    from providers.media import fat, iso9660, udf

    for mod in (udf, iso9660, fat):
        vol: Volume | None = mod.open_volume(fh)
        if vol is not None:
            return vol
    return None


def read_file(device: str, path: str) -> tuple[Volume, bytes | None]:
    """Open ``device`` (block device or image), return its volume and the file's bytes."""
    with open(device, "rb") as fh:
        vol = probe(fh)
        if vol is None:
            raise UnknownFileSystem(f"{device}: no ISO 9660, UDF or FAT file system")
        return vol, vol.read(path)


def volume_info(device: str) -> Volume | None:
    try:
        with open(device, "rb") as fh:
            return probe(fh)
    except (OSError, MediaError):
        return None
