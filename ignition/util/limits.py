"""Bounds on what the offline tools read and print, each raised by an environment variable.

One mechanism for every command (``butane``, ``ct``, ``ignition-validate``,
``coreos-cloudinit``, ``ignition-convert`` and the engine, which reads user data the same
way): docs/limits.md lists each bound, its default and why. Values are read when needed, so
nothing happens at import time and a test can set them per call.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import BinaryIO

MiB = 1024 * 1024

CONFIG_SIZE_VAR = "PYIGNITION_MAX_CONFIG_SIZE"
FILE_SIZE_VAR = "PYIGNITION_MAX_FILE_SIZE"
GZIP_RATIO_VAR = "PYIGNITION_MAX_GZIP_RATIO"
YAML_SIZE_VAR = "PYIGNITION_MAX_YAML_SIZE"
ALIAS_NODES_VAR = "PYIGNITION_MAX_YAML_ALIAS_NODES"
ERRORS_VAR = "PYIGNITION_MAX_ERRORS"
SNIPPET_WIDTH_VAR = "PYIGNITION_SNIPPET_WIDTH"

DEFAULT_CONFIG_SIZE = 64 * MiB  # the same bound as a fetched config
DEFAULT_FILE_SIZE = 8 * 1024 * MiB  # a file body streamed to disk
DEFAULT_GZIP_RATIO = 200
# A YAML document costs about a hundred times its size in memory while it is read and
# checked (a node, a position and a path per value): 4 MiB is far beyond any real Butane,
# ct or cloud-config file and keeps a run within about a gigabyte.
DEFAULT_YAML_SIZE = 4 * MiB
# yaml.v3 (Butane's reader) gives up at about 400,000 decodes driven by aliases: the same
# order here means nothing the reference reads is refused.
DEFAULT_ALIAS_NODES = 400_000
DEFAULT_ERRORS = 100
DEFAULT_SNIPPET_WIDTH = 160

_UNITS = {"": 1, "k": 1024, "m": MiB, "g": 1024 * MiB, "t": 1024 * 1024 * MiB}


class LimitSettingError(ValueError):
    """An environment variable that should raise a limit does not hold a number."""


def config_size() -> int:
    return _read(CONFIG_SIZE_VAR, DEFAULT_CONFIG_SIZE, units=True)


def file_size() -> int:
    return _read(FILE_SIZE_VAR, DEFAULT_FILE_SIZE, units=True)


def gzip_ratio() -> int:
    return _read(GZIP_RATIO_VAR, DEFAULT_GZIP_RATIO)


def yaml_size() -> int:
    return _read(YAML_SIZE_VAR, DEFAULT_YAML_SIZE, units=True)


def yaml_too_large(size: int) -> str | None:
    """The message for a YAML document of ``size`` bytes over :func:`yaml_size`."""
    limit = yaml_size()
    if size <= limit:
        return None
    return (
        f"the YAML document is larger than {limit} bytes (set {YAML_SIZE_VAR} to raise the limit)"
    )


def alias_nodes() -> int:
    return _read(ALIAS_NODES_VAR, DEFAULT_ALIAS_NODES)


def max_errors() -> int:
    return _read(ERRORS_VAR, DEFAULT_ERRORS)


def snippet_width() -> int:
    return max(_read(SNIPPET_WIDTH_VAR, DEFAULT_SNIPPET_WIDTH), 20)


def check_all() -> None:
    """Read every variable once: the commands call this first, so a malformed value is a
    usage error before any work (raises :class:`LimitSettingError`)."""
    config_size()
    file_size()
    gzip_ratio()
    yaml_size()
    alias_nodes()
    max_errors()
    snippet_width()


def _read(var: str, default: int, *, units: bool = False) -> int:
    text = os.environ.get(var, "").strip()
    if not text:
        return default
    value = parse_size(text) if units else _number(text)
    if value is None or value <= 0:
        shown = text[:32].encode("ascii", "backslashreplace").decode()
        form = "a size in bytes with an optional K, M, G or T suffix" if units else "a number"
        raise LimitSettingError(f"{var} must be {form} above 0, not {shown!r}")
    return value


def parse_size(text: str) -> int | None:
    """``"16G"``, ``"16GiB"``, ``"512m"``, ``"1048576"`` → bytes; None when malformed."""
    low = text.strip().lower().removesuffix("ib").removesuffix("b")
    unit = low[-1:] if low[-1:] in _UNITS else ""
    number = _number(low[: len(low) - len(unit)])
    return None if number is None else number * _UNITS[unit]


def _number(text: str) -> int | None:
    text = text.replace("_", "")
    if not (text.isascii() and text.isdigit()) or len(text) > 15:
        return None
    return int(text)


class InputTooLarge(ValueError):
    """An input over :func:`config_size`; the message names the variable that raises it."""


def human(size: int) -> str:
    """``67108864`` → ``64 MiB`` (exact multiples only; else bytes)."""
    for suffix, factor in (("TiB", _UNITS["t"]), ("GiB", _UNITS["g"]), ("MiB", MiB)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {suffix}"
    return f"{size} bytes"


def read_capped(stream: BinaryIO, limit: int) -> bytes | None:
    """At most ``limit`` bytes of ``stream`` in one read, or None when it holds more (one
    byte past the limit is read to tell, so a huge file or an endless pipe is never read
    whole); each caller raises its own error."""
    data = stream.read(limit + 1)
    return None if len(data) > limit else bytes(data)


def read_file(path: str, limit: int) -> bytes | None:
    """:func:`read_capped` of the file ``path`` (a device too). A FIFO or a socket is refused
    with an :class:`OSError` instead of being waited on: opening a FIFO blocks until a writer
    comes, and reading it until the writer writes."""
    import stat

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            raise OSError(0, "a FIFO or socket, not a file", path)
        os.set_blocking(fd, True)
        fh = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with fh:
        return read_capped(fh, limit)


def read_input(stream: BinaryIO) -> bytes:
    """All of ``stream``, or :class:`InputTooLarge` as soon as it passes the limit."""
    limit = config_size()
    data = read_capped(stream, limit)
    if data is None:
        raise InputTooLarge(
            f"the config is larger than {limit} bytes (set {CONFIG_SIZE_VAR} to raise the limit)"
        )
    return data


def read_path(path: str) -> bytes:
    """The bytes of the file ``path`` (``-``: standard input), bounded like :func:`read_input`."""
    return read_named(None if path == "-" else path)


def read_named(path: str | None) -> bytes:
    """The bytes of the file ``path`` (None: standard input), bounded like :func:`read_input`."""
    if path is None:
        import sys

        return read_input(sys.stdin.buffer)
    with open(path, "rb") as fh:
        return read_input(fh)
