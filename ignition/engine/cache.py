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
import tempfile

from ignition.config import codec
from ignition.config.model import LATEST_VERSION, Config
from ignition.errors import ConfigError


def write(path: str, cfg: Config) -> None:
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    data = json.dumps(codec.encode(cfg), separators=(",", ":"), ensure_ascii=False).encode()
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".ignition-cache-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read(path: str) -> Config:
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
            return codec.decode_config(tree)
        except (TypeError, ValueError, AttributeError):
            pass
    from ignition.config.parse import parse

    result = parse(raw)
    if result.config is None:
        raise ConfigError(f"couldn't parse cached config {path}")
    return result.config
