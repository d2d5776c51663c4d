"""What the three readers share: the volume interface, errors, bounded reads, path parts."""

from __future__ import annotations

from typing import BinaryIO, Protocol

MAX_FILE = 64 * 1024 * 1024  # a config drive file larger than this is not a config


class MediaError(Exception):
    """The medium is damaged or not what its headers say (message names no data)."""


class UnknownFileSystem(MediaError):
    """The medium holds none of the three (it may hold another file system: ext4, xfs...)."""


class Volume(Protocol):
    kind: str
    label: str

    def read(self, path: str) -> bytes | None: ...


def read_at(fh: BinaryIO, offset: int, size: int) -> bytes:
    fh.seek(offset)
    data = fh.read(size)
    if len(data) != size:
        raise MediaError(f"short read at offset {offset}")
    return data


def parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p and p != "."]
