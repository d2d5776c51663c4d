"""Bounds on fetched bodies, each raised by an environment variable (docs/limits.md).

- a body fetched into memory (a config, each merged or replaced config, CA bundles, key files,
  metadata answers, inline file contents once decompressed): ``PYIGNITION_MAX_CONFIG_SIZE``;
- a file body streamed to disk (contents or append), after decompression:
  ``PYIGNITION_MAX_FILE_SIZE``;
- how much gzip may expand a body once it is past ``RATIO_FLOOR``: ``PYIGNITION_MAX_GZIP_RATIO``.

The compressed stream itself is held to the same size bound (an endless run of empty gzip
members grows nothing but the wire). Values are read when a fetch starts, so a test or a
``systemd.setenv=`` kernel argument takes effect without touching code.
"""

from __future__ import annotations

import os

from ignition.errors import FetchError
from ignition.record import record

CONFIG_SIZE_VAR = "PYIGNITION_MAX_CONFIG_SIZE"
FILE_SIZE_VAR = "PYIGNITION_MAX_FILE_SIZE"
GZIP_RATIO_VAR = "PYIGNITION_MAX_GZIP_RATIO"

MiB = 1024 * 1024
DEFAULT_CONFIG_SIZE = 64 * MiB
DEFAULT_FILE_SIZE = 8 * 1024 * MiB
DEFAULT_GZIP_RATIO = 200
RATIO_FLOOR = 16 * MiB  # smaller outputs are never refused for their ratio
DECOMPRESS_STEP = 256 * 1024  # most output one decompress() call may produce
IDLE_TIMEOUT = 60.0  # a connection silent this long mid-body (or mid-headers) is stalled

_UNITS = {"": 1, "k": 1024, "m": MiB, "g": 1024 * MiB, "t": 1024 * 1024 * MiB}


@record
class BodyLimit:
    """What one fetch may produce; ``size_var`` names the knob the error points at."""

    size: int
    size_var: str
    ratio: int

    def capped(self, max_size: int | None) -> BodyLimit:
        """This limit, lowered to a caller's own ``max_size`` (never raised by it)."""
        if max_size is None or max_size >= self.size:
            return self
        return BodyLimit(max_size, self.size_var, self.ratio)


def memory() -> BodyLimit:
    """The bound for a body kept in memory."""
    return BodyLimit(config_size(), CONFIG_SIZE_VAR, gzip_ratio())


def file() -> BodyLimit:
    """The bound for a file body streamed to disk."""
    return BodyLimit(_read(FILE_SIZE_VAR, DEFAULT_FILE_SIZE), FILE_SIZE_VAR, gzip_ratio())


def config_size() -> int:
    return _read(CONFIG_SIZE_VAR, DEFAULT_CONFIG_SIZE)


def gzip_ratio() -> int:
    return _read(GZIP_RATIO_VAR, DEFAULT_GZIP_RATIO, units=False)


def human(size: int) -> str:
    """``67108864`` → ``64 MiB`` (exact multiples only; else bytes)."""
    for suffix, factor in (("TiB", _UNITS["t"]), ("GiB", _UNITS["g"]), ("MiB", MiB)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {suffix}"
    return f"{size} bytes"


def _read(var: str, default: int, *, units: bool = True) -> int:
    text = os.environ.get(var, "").strip()
    if not text:
        return default
    value = parse_size(text) if units else _number(text)
    if value is None or value <= 0:
        shown = text[:32].encode("ascii", "backslashreplace").decode()
        form = "a size in bytes with an optional K, M, G or T suffix" if units else "a number"
        raise FetchError(f"{var} must be {form}, not {shown!r}")
    return value


def parse_size(text: str) -> int | None:
    """``"16G"``, ``"16GiB"``, ``"512m"``, ``"1048576"`` → bytes; None when malformed."""
    low = text.strip().lower().removesuffix("ib").removesuffix("b")
    unit = low[-1:] if low[-1:] in _UNITS else ""
    digits = low[: len(low) - len(unit)]
    number = _number(digits)
    return None if number is None else number * _UNITS[unit]


def _number(text: str) -> int | None:
    if not (text.isascii() and text.isdigit()) or len(text) > 15:
        return None
    return int(text)
