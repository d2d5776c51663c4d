"""Raw user data → config: the one place that decides what a blob of bytes is.

Ignition JSON (any spec version) is parsed; Butane YAML is transpiled when the transpiler is
installed; ``#cloud-config``, ``#!`` scripts and MIME multipart are *not Ignition configs*:
Flatcar treats them as "no config" so coreos-cloudinit can run them (§1.8.2, §8 #23). Nothing
here logs the data itself, only its digest and the report's findings.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ignition import redact
from ignition.config.detect import DecompressionError, Kind, UserData, detect
from ignition.errors import ConfigError

if TYPE_CHECKING:
    from ignition.config.model import Config
    from ignition.log import Logger
    from ignition.report import Report


def to_config(raw: bytes, *, source: str, log: Logger) -> Config | None:
    """The config in ``raw`` (newest spec), or None when it holds no Ignition config."""
    log.debug(f"parsing config with SHA512: {redact.digest(raw)}")
    try:
        ud = detect(raw)
    except DecompressionError as exc:
        raise ConfigError(f"couldn't parse config from {source}: {exc}") from None
    if ud.kind is Kind.EMPTY:
        return None
    if ud.kind in (Kind.CLOUD_CONFIG, Kind.SCRIPT, Kind.MULTIPART):
        not_ignition(ud, source=source, log=log)
        return None
    data = ud.data
    if ud.kind is Kind.BUTANE:
        data = transpile(data, source=source, log=log)
    return parse_ignition(data, source=source, log=log)


def not_ignition(ud: UserData, *, source: str, log: Logger) -> None:
    """Cloud-config and scripts: the single call site the cloud-config work will extend.

    Flatcar's behaviour: such user data is not an Ignition config, Ignition continues with an
    empty one, and coreos-cloudinit runs it on the booted system.
    """
    log.info(
        f"user data from {source} is {ud.describe()}, not an Ignition config: "
        "continuing without one (coreos-cloudinit handles it after boot)"
    )


def transpile(data: bytes, *, source: str, log: Logger) -> bytes:
    """Butane → Ignition JSON through the transpiler package, when it is installed.

    Contract with ``transpiler/``: a function ``butane_to_ignition(data: bytes) -> bytes`` that
    raises an exception with a located, secret-free message on invalid input."""
    try:
        fn = getattr(importlib.import_module("transpiler"), "butane_to_ignition", None)
    except ImportError:
        fn = None
    if fn is None:
        raise ConfigError(
            f"config from {source} is a Butane (YAML) config, which needs the transpiler; "
            "this installation has none: convert it with `butane` first"
        )
    log.info(f"config from {source} is a Butane config: transpiling it")
    try:
        out = fn(data)
    except Exception as exc:
        raise ConfigError(f"couldn't transpile Butane config from {source}: {exc}") from None
    if not isinstance(out, bytes | str):
        raise ConfigError("the transpiler returned no config")
    return out.encode() if isinstance(out, str) else out


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


def log_report(report: Report, log: Logger) -> None:
    """Each entry at the reference's level (error → CRIT, warning → WARNING, info → INFO).

    Entries name a path, a position and a rule, never a value, so they carry no secrets."""
    for d in report:
        text = d.ignition_text()
        if d.is_error:
            log.crit(text)
        elif d.severity == "warning":
            log.warning(text)
        else:
            log.info(text)
