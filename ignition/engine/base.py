"""Base configs shipped by the distribution (docs/engine.md): ``base.d`` and
``base.platform.d/<id>``.

For each of the two subdirectories the file names of the three system config dirs are united
(``/run/ignition`` > ``/etc/ignition`` > ``/usr/lib/ignition`` for a name present in several),
and the fragments are merged in sorted name order, later ones as children. An error in
``base.d`` is fatal; an error in ``base.platform.d/<id>`` only makes that directory ignored,
with an INFO line (the reference's asymmetry, kept: distro packaging relies on it). Base
configs are re-read in every stage; they never enter the cache.
"""

from __future__ import annotations

import os

from ignition.util.errors import ConfigError

TYPE_CHECKING = False  # not typing's: a stage with nothing to do lists the fragments too
if TYPE_CHECKING:
    from ignition.config.model import Config
    from ignition.system.paths import Paths
    from ignition.util.log import Logger


def fragments(paths: Paths, subdir: str) -> list[str]:
    """Host paths of the fragments of ``subdir``, in merge order."""
    chosen: dict[str, str] = {}
    for d in paths.config_dirs:  # highest priority first
        full = os.path.join(d, subdir)
        try:
            names = os.listdir(full)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise ConfigError(f"couldn't read {full}: {exc.strerror}") from None
        for name in names:
            chosen.setdefault(name, os.path.join(full, name))
    return [chosen[n] for n in sorted(chosen)]


def _load(paths: Paths, subdir: str, log: Logger) -> Config | None:
    result: Config | None = None
    found = fragments(paths, subdir)
    if not found:
        return None
    from ignition.config.merge import merge
    from ignition.engine.userdata import to_config
    from ignition.util import limits

    for path in found:
        try:
            raw = limits.read_path(path)
        except OSError as exc:
            raise ConfigError(f"couldn't read base config {path}: {exc.strerror}") from None
        except limits.InputTooLarge as exc:
            raise ConfigError(f"base config {path}: {exc}") from None
        cfg = to_config(raw, source=path, log=log)
        if cfg is None:
            raise ConfigError(f"base config {path}: not a config (empty)")
        result = cfg if result is None else merge(result, cfg)
    return result


def load_base(paths: Paths, platform: str, log: Logger) -> Config:
    """The merged base config (an empty one when no fragment exists)."""
    from ignition.config.merge import merge
    from ignition.config.model import empty_config

    base = _load(paths, "base.d", log) or empty_config()
    try:
        plat = _load(paths, os.path.join("base.platform.d", platform), log)
    except ConfigError as exc:
        log.info(f'no config at "base.platform.d/{platform}": {exc}')
        plat = None
    return base if plat is None else merge(base, plat)
