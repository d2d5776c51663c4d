"""Raw user data → config: the one place that decides what a blob of bytes is.

Ignition JSON (any spec version) is parsed; Butane YAML is transpiled when the transpiler is
installed; ``#cloud-config``, ``#!`` scripts and MIME multipart are converted to an Ignition
config when the caller says how (:mod:`ignition.engine.cloudconfig`: the user config of the
fetch stages, ``ignition-apply``, ``coreos-cloudinit``), else they are *not Ignition configs*
(Flatcar's "no config": base and referenced configs; docs/engine.md). Nothing here logs the
data itself, only its digest and the report's findings.
"""

from __future__ import annotations

from ignition.config.detect import DecompressionError, Kind, UserData, detect
from ignition.util import redact
from ignition.util.errors import ConfigError
from ignition.util.log import log_report

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from ignition.config.model import Config
    from ignition.engine.cloudconfig import CloudConfigUse
    from ignition.util.log import Logger


def to_config(
    raw: bytes, *, source: str, log: Logger, cloud_config: CloudConfigUse | None = None
) -> Config | None:
    """The config in ``raw`` (newest spec), or None when it holds no config to apply."""
    log.debug(f"parsing config with SHA512: {redact.digest(raw)}")
    try:
        ud = detect(raw)
    except DecompressionError as exc:
        raise ConfigError(f"couldn't parse config from {source}: {exc}") from None
    if ud.kind is Kind.EMPTY:
        return None
    if ud.kind in (Kind.CLOUD_CONFIG, Kind.SCRIPT, Kind.MULTIPART):
        return not_ignition(ud, source=source, log=log, use=cloud_config)
    data = ud.data
    if ud.kind is Kind.BUTANE:
        data = transpile(data, source=source, log=log)
    return parse_ignition(data, source=source, log=log)


def not_ignition(
    ud: UserData, *, source: str, log: Logger, use: CloudConfigUse | None
) -> Config | None:
    """Cloud-config, scripts and multipart: converted and applied when ``use`` says so.

    Otherwise Flatcar's behaviour: such user data is not an Ignition config, Ignition
    continues with an empty one, and coreos-cloudinit runs it on the booted system.
    """
    if use is None:
        log.info(f"config from {source} is {ud.describe()}, not an Ignition config")
        return None
    if not use.applies():
        from ignition.engine.cloudconfig import KARG

        log.info(
            f"user data from {source} is {ud.describe()}, not an Ignition config: "
            f"continuing without one ({KARG}=defer: coreos-cloudinit handles it after boot)"
        )
        return None
    from ignition.engine import cloudconfig

    return cloudconfig.to_config(ud, source=source, log=log, use=use)


def transpile(data: bytes, *, source: str, log: Logger) -> bytes:
    """Butane → Ignition JSON through ``transpiler.butane.translate`` when it is installed
    (no ``--files-dir``: local file references are errors, as for ``butane`` without one)."""
    try:
        from transpiler.butane.translate import translate
    except (ImportError, AttributeError):
        raise ConfigError(
            f"config from {source} is a Butane (YAML) config, which needs the transpiler; "
            "this installation has none: convert it with `butane` first"
        ) from None
    log.info(f"config from {source} is a Butane config: transpiling it")
    result = translate(data, raw_output=True)
    for d in result.report:
        text = d.ignition_text()
        if d.is_error:
            log.crit(f"Butane: {text}")
        else:
            log.warning(f"Butane: {text}")
    if result.failure is not None or result.output is None:
        reason = result.failure.reason if result.failure is not None else "errors above"
        from ignition.config.report import printable  # the reason may quote a value: one safe line

        raise ConfigError(f"couldn't transpile Butane config from {source}: {printable(reason)}")
    out: bytes = result.output
    return out


def parse_ignition(data: bytes, *, source: str, log: Logger) -> Config:
    from ignition.config.parse import parse

    try:
        result = parse(data, legacy=True)
    except NotImplementedError:
        raise ConfigError(
            f"config from {source} uses spec 1/2.x, which this build cannot translate yet"
        ) from None
    log_report(result.report, log)
    if result.config is None:
        if result.failure is not None:
            raise ConfigError(f"couldn't parse config from {source}: {result.failure}")
        raise ConfigError(f"config from {source} is not valid (errors above)")
    return result.config
