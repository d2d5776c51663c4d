"""The body pipeline every scheme feeds: decompress → hash → write, restartable on retry.

The reference streams ``decompress → hash → write`` into a temp file and renames it only after
the hash matched (``internal/resource/url.go``, ``util.PerformFetch``). A retry after a broken
body starts over: the sink truncates what it wrote and resets the hasher and decompressor, so a
truncated or mismatched body never survives.
"""

from __future__ import annotations

import hashlib
import zlib
from typing import BinaryIO

from ignition.errors import FetchError
from ignition.fetch import HashMismatch

HASH_FUNCS = {"sha512": hashlib.sha512, "sha256": hashlib.sha256}


class InvalidCompression(FetchError):
    pass


def parse_hash(spec: str | None) -> tuple[str, str] | None:
    """``"sha512-ABC.."`` → ``("sha512", "abc..")``; hex compared case-insensitively (§8 #3)."""
    if not spec:
        return None
    func, sep, hexsum = spec.partition("-")
    if not sep or func not in HASH_FUNCS:
        raise FetchError(f"unrecognized hash function in {func!r}")
    return func, hexsum.lower()


def check_compression(compression: str | None) -> bool:
    if compression in (None, ""):
        return False
    if compression == "gzip":
        return True
    raise InvalidCompression("invalid compression method")


class Sink:
    """Receives raw body chunks; call :meth:`finish` once the body is complete."""

    def __init__(
        self,
        out: BinaryIO,
        *,
        compression: str | None = None,
        hash_spec: str | None = None,
        max_size: int | None = None,
    ) -> None:
        self.out = out
        self.gzip = check_compression(compression)
        self.expected = parse_hash(hash_spec)
        self.max_size = max_size
        self._start = out.tell()
        self.reset()

    def reset(self) -> None:
        """Forget everything written so far (a retry starts the body again)."""
        self.out.seek(self._start)
        self.out.truncate()
        self.size = 0
        self.raw_size = 0
        self._dec = zlib.decompressobj(16 + zlib.MAX_WBITS) if self.gzip else None
        func = self.expected[0] if self.expected else "sha512"
        self._hash = HASH_FUNCS[func]()

    def write(self, chunk: bytes) -> None:
        self.raw_size += len(chunk)
        if self._dec is None:
            self._emit(chunk)
            return
        while chunk:
            try:
                self._emit(self._dec.decompress(chunk))
            except zlib.error as exc:
                raise FetchError(f"gzip: invalid data: {exc}") from None
            chunk = self._dec.unused_data
            if chunk:  # concatenated gzip members, as Go's gzip reader accepts
                self._dec = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def _emit(self, data: bytes) -> None:
        if not data:
            return
        self.size += len(data)
        if self.max_size is not None and self.size > self.max_size:
            raise FetchError(f"resource is larger than {self.max_size} bytes")
        self._hash.update(data)
        self.out.write(data)

    def finish(self) -> str:
        """Flush, verify, return the hex digest (sha512 unless the config named sha256)."""
        if self._dec is not None:
            tail = self._dec.flush()
            if not self._dec.eof:
                raise FetchError("gzip: unexpected EOF (truncated compressed data)")
            self._emit(tail)
        digest = self._hash.hexdigest()
        if self.expected is not None and digest != self.expected[1]:
            raise HashMismatch(
                f"hash verification failed (calculated {digest} but expected {self.expected[1]})"
            )
        self.out.flush()
        return digest
