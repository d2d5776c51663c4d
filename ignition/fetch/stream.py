"""The body pipeline every scheme feeds: decompress → hash → write, restartable on retry.

The reference streams ``decompress → hash → write`` into a temp file and renames it only after
the hash matched (``internal/resource/url.go``, ``util.PerformFetch``). A retry after a broken
body starts over: the sink truncates what it wrote and resets the hasher and decompressor, so a
truncated or mismatched body never survives.
"""

from __future__ import annotations

import zlib

from ignition.fetch import Cancelled, HashMismatch, TooLarge, WriteFailed
from ignition.fetch.limits import DECOMPRESS_STEP, GZIP_RATIO_VAR, RATIO_FLOOR, BodyLimit, human
from ignition.util.errors import FetchError

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    import threading
    from typing import BinaryIO

HASH_FUNCS = ("sha512", "sha256")  # hashlib (with OpenSSL) imported only to verify one


class InvalidCompression(FetchError):
    pass


def parse_hash(spec: str | None) -> tuple[str, str] | None:
    """``"sha512-ABC.."`` → ``("sha512", "abc..")``; hex compared case-insensitively (E8)."""
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
    """Receives raw body chunks; call :meth:`finish` once the body is complete.

    Bounded: the raw stream and the decompressed output each stop at ``limit.size``, gzip
    output past :data:`~ignition.fetch.limits.RATIO_FLOOR` stops at ``limit.ratio`` times the
    input, and one call never decompresses more than ``DECOMPRESS_STEP`` at a time. A write
    error on ``out`` (disk full, file too large) is :class:`WriteFailed`, never retried."""

    def __init__(
        self,
        out: BinaryIO,
        *,
        limit: BodyLimit,
        compression: str | None = None,
        hash_spec: str | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        self.out = out
        self.limit = limit
        self.cancel = cancel  # set when another fetch of the batch failed: stop mid-body
        self.gzip = check_compression(compression)
        self.expected = parse_hash(hash_spec)
        self._start = out.tell()
        self.reset()

    def reset(self) -> None:
        """Forget everything written so far (a retry starts the body again)."""
        try:
            self.out.seek(self._start)
            self.out.truncate()
        except OSError as exc:
            raise WriteFailed(f"cannot write the body: {exc.strerror or exc}") from None
        self.size = 0
        self.raw_size = 0
        self._dec = zlib.decompressobj(16 + zlib.MAX_WBITS) if self.gzip else None
        self._hash = None
        if self.expected is not None:  # nothing to verify: no hash (nor hashlib with OpenSSL)
            import hashlib

            self._hash = hashlib.new(self.expected[0])

    def expect(self, length: int) -> None:
        """The body declares ``length`` bytes: refuse it now if that is over the limit."""
        if length > self.limit.size:
            raise self._too_large()

    def write(self, chunk: bytes) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("cancelled")
        self.raw_size += len(chunk)
        if self.raw_size > self.limit.size:
            raise self._too_large()
        if self._dec is None:
            self._emit(chunk)
            return
        data = chunk
        while True:
            try:
                out = self._dec.decompress(data, DECOMPRESS_STEP)
            except zlib.error as exc:
                raise FetchError(f"gzip: invalid data: {exc}") from None
            self._emit(out)
            if self._dec.eof:
                data = self._dec.unused_data  # concatenated members, as Go's gzip reader reads
                if not data:
                    return
                self._dec = zlib.decompressobj(16 + zlib.MAX_WBITS)
            elif self._dec.unconsumed_tail or len(out) == DECOMPRESS_STEP:
                data = self._dec.unconsumed_tail  # more output is waiting: take it in steps
            else:
                return

    def _emit(self, data: bytes) -> None:
        if not data:
            return
        self.size += len(data)
        if self.size > self.limit.size:
            raise self._too_large()
        if self.size > RATIO_FLOOR and self.size > self.limit.ratio * self.raw_size:
            raise TooLarge(
                f"gzip data expands more than {self.limit.ratio} times "
                f"(raise the limit with {GZIP_RATIO_VAR})"
            )
        if self._hash is not None:
            self._hash.update(data)
        try:
            self.out.write(data)
        except OSError as exc:
            raise WriteFailed(f"cannot write the body: {exc.strerror or exc}") from None

    def _too_large(self) -> TooLarge:
        hint = f" (raise the limit with {self.limit.size_var})" if self.limit.size_var else ""
        return TooLarge(f"body is larger than {human(self.limit.size)}{hint}")

    def finish(self) -> str:
        """Flush, verify, return the hex digest of the hash the config named ("" for none)."""
        if self._dec is not None:
            self.write(b"")  # what a full last step left behind
            if not self._dec.eof:
                raise FetchError("gzip: unexpected EOF (truncated compressed data)")
        digest = "" if self._hash is None else self._hash.hexdigest()
        if self.expected is not None and digest != self.expected[1]:
            raise HashMismatch(
                f"hash verification failed (calculated {digest} but expected {self.expected[1]})"
            )
        try:
            self.out.flush()
        except OSError as exc:
            raise WriteFailed(f"cannot write the body: {exc.strerror or exc}") from None
        return digest
