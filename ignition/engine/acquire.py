"""Obtain the user config in a fetch stage (docs/engine.md, "Where the config comes from").

Sources in order, the first that has something wins (errors are fatal, they never fall
through): the kernel command line, a system ``user.ign`` (``/run`` > ``/etc`` > ``/usr/lib``),
then the platform provider. The result is rendered (merge/replace references), its CAs are
fetched once and inlined as ``data:`` URLs (later stages need no network for them), and a
config that changed by rendering is validated again.
"""

from __future__ import annotations

import os

from ignition.config.model import Config, Resource, empty_config
from ignition.config.versions import LATEST
from ignition.engine import cmdline
from ignition.engine.cloudconfig import CloudConfigUse, mode_from_cmdline
from ignition.engine.render import render
from ignition.engine.state import FetchedConfig
from ignition.engine.userdata import to_config
from ignition.util.errors import ConfigError
from ignition.util.log import log_report
from ignition.util.record import replace
from providers.base import ProviderContext

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from ignition.engine.state import State
    from ignition.fetch.fetcher import ResourceFetcher
    from ignition.system import System
    from providers.base import Provider


def system_user_config(system: System) -> tuple[bytes, str] | None:
    from ignition.util import limits

    for d in system.paths.config_dirs:
        path = os.path.join(d, "user.ign")
        try:
            return limits.read_path(path), path
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise ConfigError(f"couldn't read {path}: {exc.strerror}") from None
        except limits.InputTooLarge as exc:
            raise ConfigError(f"{path}: {exc}") from None
    return None


def fetch_user_config(
    system: System,
    provider: Provider,
    pctx: ProviderContext,
    fetcher: ResourceFetcher,
    fetch_timeout: float | None,
) -> tuple[bytes | None, str]:
    """Raw user data and the name of the source it came from (the state's ``source``)."""
    fetcher.total_timeout = fetch_timeout or None  # before a config is known (-fetch-timeout)
    raw = cmdline.fetch_from_cmdline(system, fetcher)
    if raw is not None:
        return raw, "cmdline"
    found = system_user_config(system)
    if found is not None:
        system.log.info(f"using system config {found[1]}")
        return found[0], "system"
    return provider.fetch_config(pctx), provider.name


def acquire(
    system: System,
    provider: Provider,
    pctx: ProviderContext,
    fetcher: ResourceFetcher,
    state: State,
    fetch_timeout: float | None,
) -> Config:
    log = system.log
    raw, source = fetch_user_config(system, provider, pctx, fetcher, fetch_timeout)
    use = cloud_config_use(system, provider, pctx)
    cfg = to_config(raw, source=source, log=log, cloud_config=use) if raw else None
    state.cloud_config_environment = use.environment
    if cfg is None:
        log.info(
            "not a config (empty): provider config was empty, continuing with empty cache config"
        )
        cfg = empty_config()
    else:
        state.fetched_configs.append(FetchedConfig("user", source, False))
        log.structured(
            f'fetched user config from "{source}"',
            {
                "MESSAGE_ID": "57124006b5c94805b77ce473e92a8aeb",
                "IGNITION_CONFIG_TYPE": "user",
                "IGNITION_CONFIG_SRC": source,
                "IGNITION_CONFIG_REFERENCED": "false",
            },
        )
    fetcher.apply_config(cfg)
    rendered = render(cfg, fetcher, state, log)
    if rendered is not cfg:
        fetcher.apply_config(rendered)
        validate_rendered(rendered, log)
    return inline_cas(rendered, fetcher.cas)


def cloud_config_use(system: System, provider: Provider, pctx: ProviderContext) -> CloudConfigUse:
    """Cloud-config user data is applied, with the platform's metadata (unless the kernel
    command line says ``pyignition.cloudconfig=defer``)."""
    args = cmdline.read_args(system.paths.kernel_cmdline)
    return CloudConfigUse(mode_from_cmdline(args), lambda: provider.metadata(pctx))


def validate_rendered(cfg: Config, log: object) -> None:
    from ignition.config import rules
    from ignition.config.report import Report
    from ignition.util.log import Logger

    report = rules.check(cfg, LATEST)
    # the reference re-runs Validate() only: duplicates after merging are allowed (docs/engine.md)
    kept = Report([d for d in report if not d.message.startswith("duplicate")])
    if isinstance(log, Logger):
        log_report(kept, log)
    if kept.is_fatal:
        raise ConfigError("merging configs resulted in an invalid config")


def inline_cas(cfg: Config, cas: tuple[bytes, ...]) -> Config:
    """Rewrite CA sources to data URLs (headers and compression dropped), as the reference
    does, so that the later stages need no network to set up TLS."""
    tls = cfg.ignition.security.tls
    if not tls.certificate_authorities:
        return cfg
    import base64

    new = tuple(
        Resource(
            source="data:;base64," + base64.b64encode(pem).decode(),
            verification=ca.verification,
        )
        for ca, pem in zip(tls.certificate_authorities, cas, strict=True)
    )
    sec = replace(cfg.ignition.security, tls=replace(tls, certificate_authorities=new))
    return replace(cfg, ignition=replace(cfg.ignition, security=sec))


__all__ = ["acquire", "fetch_user_config", "inline_cas", "system_user_config"]
