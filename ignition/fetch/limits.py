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

from ignition.util import limits as _settings
from ignition.util.errors import FetchError
from ignition.util.limits import CONFIG_SIZE_VAR, FILE_SIZE_VAR, GZIP_RATIO_VAR, MiB, human
from ignition.util.record import record

__all__ = ["CONFIG_SIZE_VAR", "FILE_SIZE_VAR", "GZIP_RATIO_VAR", "BodyLimit", "human"]

RATIO_FLOOR = 16 * MiB  # smaller outputs are never refused for their ratio
DECOMPRESS_STEP = 256 * 1024  # most output one decompress() call may produce
IDLE_TIMEOUT = 60.0  # a connection silent this long mid-body (or mid-headers) is stalled


@record
class BodyLimit:
    """What one fetch may produce; ``size_var`` names the knob the error points at."""

    size: int
    size_var: str
    ratio: int

    def capped(self, max_size: int | None) -> BodyLimit:
        """This limit, lowered to a caller's own ``max_size`` (never raised by it); a fixed cap
        has no variable to point at."""
        if max_size is None or max_size >= self.size:
            return self
        return BodyLimit(max_size, "", self.ratio)


def memory() -> BodyLimit:
    """The bound for a body kept in memory."""
    return BodyLimit(config_size(), CONFIG_SIZE_VAR, gzip_ratio())


def file() -> BodyLimit:
    """The bound for a file body streamed to disk."""
    try:
        size = _settings.file_size()
    except _settings.LimitSettingError as exc:
        raise FetchError(str(exc)) from None
    return BodyLimit(size, FILE_SIZE_VAR, gzip_ratio())


def config_size() -> int:
    try:
        return _settings.config_size()
    except _settings.LimitSettingError as exc:
        raise FetchError(str(exc)) from None


def gzip_ratio() -> int:
    try:
        return _settings.gzip_ratio()
    except _settings.LimitSettingError as exc:
        raise FetchError(str(exc)) from None
