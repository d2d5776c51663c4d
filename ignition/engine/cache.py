"""The config cache at ``--config-cache`` (``/run/ignition.json``).

Written once by the fetch stage that obtained the config, read by every later stage. Compact
JSON of the newest-spec model (every field present, as the reference writes it), written
atomically (temp file + rename) with mode 0600: it holds everything the config holds
(password hashes, file contents), so unlike the reference's 0640 nobody but root reads it.
"""

from __future__ import annotations

import os

from ignition.config import codec
from ignition.config.model import LATEST_VERSION, Config
from ignition.util import leanjson
from ignition.util.errors import ConfigError

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import Any


def write(path: str, cfg: Config) -> None:
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    data = leanjson.dumps(codec.encode(cfg), separators=(",", ":"), ensure_ascii=False).encode()
    tmp = os.path.join(directory, f".ignition-cache-{os.getpid()}-{os.urandom(4).hex()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:  # noqa: SIM105 (contextlib costs a stage process ~1 ms: docs/initramfs.md)
            os.unlink(tmp)
        except OSError:
            pass  # the error being raised is the one to report
        raise


# What each later stage reads from the config: decoding only that keeps a stage process that
# has nothing to do with 1,000 files from paying for them (every stage is its own process).
STAGE_SECTIONS: dict[str, dict[str, tuple[str, ...] | None]] = {
    "kargs": {"ignition": None, "kernelArguments": None},
    "disks": {"ignition": None, "storage": ("disks", "raid", "luks", "filesystems")},
    "mount": {"ignition": None, "storage": ("filesystems",)},
    "umount": {"ignition": None, "storage": ("filesystems",)},
}


def prune(tree: dict[str, Any], stage: str | None) -> dict[str, Any]:
    keep = STAGE_SECTIONS.get(stage or "")
    if keep is None:
        return tree
    out: dict[str, Any] = {}
    for key, subkeys in keep.items():
        value = tree.get(key)
        if value is None:
            continue
        if subkeys is not None and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k in subkeys}
        out[key] = value
    return out


def read(path: str, stage: str | None = None) -> Config:
    """The cached config; for ``stage`` only the sections that stage reads are decoded.

    The file is input like any other (a disk error or a hand edit can break it): it is
    type-checked with the config schema's own walker, and anything wrong is one
    :class:`ConfigError` naming the file and the JSON path, never a half-decoded model."""
    from ignition.util.limits import config_size, read_file

    limit = config_size()
    try:
        raw = read_file(path, limit)
    except FileNotFoundError:
        raise ConfigError(f"no cached config at {path}: the fetch stage must run first") from None
    except OSError as exc:
        raise ConfigError(f"couldn't read cached config {path}: {exc.strerror}") from None
    if raw is None:
        raise ConfigError(f"cached config {path} is larger than {limit} bytes")
    return loads(raw, path, stage)


def loads(raw: bytes, path: str, stage: str | None = None) -> Config:
    """:func:`read` for bytes already read from ``path``."""
    try:
        tree = leanjson.loads(raw)
    except (ValueError, RecursionError):
        tree = None
    if isinstance(tree, dict):
        ign = tree.get("ignition")
        if isinstance(ign, dict) and ign.get("version") == LATEST_VERSION:
            # our own format: type-check and decode directly (the full parser, with
            # positions and semantic rules, costs ~80 ms per stage process)
            return _decode(path, prune(tree, stage))
    return _parse(path, raw)


def _decode(path: str, tree: dict[str, Any]) -> Config:
    try:  # one pass that checks and decodes: the cache as a fetch stage wrote it
        return codec.decode_checked(Config, tree)
    except codec.Mismatch:
        pass  # not as written: the schema's walker says what is wrong, or accepts it
    from ignition.config import shape
    from ignition.config.report import dotted

    checked = shape.check(tree, LATEST_VERSION)
    if checked.type_errors:
        first = checked.type_errors[0]
        raise ConfigError(
            f"cached config {path} is corrupt at {dotted(first.path)}: {first.message}"
        )
    return codec.decode_config(checked.tree or {})


def _parse(path: str, raw: bytes) -> Config:
    """Not our format (an older spec, or broken): the full parser says what is wrong."""
    from ignition.config.parse import parse
    from ignition.config.report import dotted

    result = parse(raw)
    if result.config is not None:
        return result.config
    why = result.failure
    errors = result.report.errors
    if why is None and errors:
        d = errors[0]
        where = [dotted(d.path)] if d.path is not None else []
        if d.line is not None:
            where.append(f"line {d.line} col {d.column}")
        why = f"{', '.join(where)}: {d.message}" if where else d.message
    raise ConfigError(f"couldn't parse cached config {path}: {why or 'not a config'}")
