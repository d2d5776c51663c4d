"""The config cache at ``--config-cache`` (``/run/ignition.json``).

Written once by the fetch stage that obtained the config, read by every later stage. Compact
JSON of the newest-spec model (every field present, as the reference writes it), written
atomically (temp file + rename) with mode 0600: it holds everything the config holds
(password hashes, file contents), so unlike the reference's 0640 nobody but root reads it.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any

from ignition.config import codec
from ignition.config.model import LATEST_VERSION, Config
from ignition.errors import ConfigError


def write(path: str, cfg: Config) -> None:
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    data = json.dumps(codec.encode(cfg), separators=(",", ":"), ensure_ascii=False).encode()
    tmp = os.path.join(directory, f".ignition-cache-{os.getpid()}-{os.urandom(4).hex()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
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
    """The cached config; for ``stage`` only the sections that stage reads are decoded."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise ConfigError(f"no cached config at {path}: the fetch stage must run first") from None
    except OSError as exc:
        raise ConfigError(f"couldn't read cached config {path}: {exc.strerror}") from None
    try:
        tree = json.loads(raw)
    except ValueError:
        tree = None
    if isinstance(tree, dict) and (tree.get("ignition") or {}).get("version") == LATEST_VERSION:
        # our own format: decode directly (the full parser costs ~80 ms per stage process)
        try:
            return codec.decode_config(prune(tree, stage))
        except (TypeError, ValueError, AttributeError):
            pass
    from ignition.config.parse import parse

    result = parse(raw)
    if result.config is None:
        raise ConfigError(f"couldn't parse cached config {path}")
    return result.config
