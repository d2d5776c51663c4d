"""Follow ``ignition.config.replace`` and ``ignition.config.merge`` (docs/engine.md, "References").

replace: the referenced config (rendered itself) takes the place of this one entirely.
merge: each referenced config, rendered depth-first, is merged onto the result in order; the
fetcher takes the timeouts/CAs/proxy of ``merge(result, child)`` before rendering the child,
so a child's CAs serve its own children. Unlike the reference (deviation E9) a reference chain
that leads back to a URL already being rendered is an error, and so is a chain deeper than
``MAX_DEPTH``.
"""

from __future__ import annotations

from ignition.config.merge import merge
from ignition.engine.state import FetchedConfig
from ignition.engine.userdata import to_config
from ignition.util import redact
from ignition.util.errors import ConfigError, FetchError

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from ignition.config.model import Config, Resource
    from ignition.engine.state import State
    from ignition.fetch.fetcher import ResourceFetcher
    from ignition.util.log import Logger

MAX_DEPTH = 10


def render(
    cfg: Config,
    fetcher: ResourceFetcher,
    state: State,
    log: Logger,
    chain: tuple[str, ...] = (),
) -> Config:
    ref = cfg.ignition.config
    if ref.replace.source:
        new = fetch_referenced(ref.replace, fetcher, state, log, chain)
        fetcher.apply_config(new)
        return render(new, fetcher, state, log, (*chain, ref.replace.source))
    result = cfg
    for child_ref in ref.merge:
        new = fetch_referenced(child_ref, fetcher, state, log, chain)
        fetcher.apply_config(merge(result, new))
        new = render(new, fetcher, state, log, (*chain, child_ref.source or ""))
        result = merge(result, new)
    return result


def fetch_referenced(
    res: Resource, fetcher: ResourceFetcher, state: State, log: Logger, chain: tuple[str, ...]
) -> Config:
    source = res.source or ""
    shown = redact.url(source)
    if source in chain:
        raise ConfigError(f"config reference cycle: {shown} is already being rendered")
    if len(chain) >= MAX_DEPTH:
        raise ConfigError(f"config references nested deeper than {MAX_DEPTH} levels at {shown}")
    try:
        raw = fetcher.fetch(res, what="config")
    except FetchError as exc:
        raise type(exc)(f"unable to fetch config {shown}: {exc}") from None
    is_data = source[:5].lower() == "data:"
    where = "from data url" if is_data else f"at {shown}"
    log.debug(f"fetched referenced config {where} with SHA512: {redact.digest(raw)}")
    cfg = to_config(raw, source="data url" if is_data else shown, log=log)
    if cfg is None:
        raise ConfigError(f"referenced config {shown} is empty (not a config)")
    # the reference records only the URL path (deviation E4); we keep the redacted URL
    entry = FetchedConfig(kind="user", source=shown, referenced=True)
    state.fetched_configs.append(entry)
    log.structured(
        f'fetched referenced user config from "{shown}"',
        {
            "MESSAGE_ID": "57124006b5c94805b77ce473e92a8aeb",
            "IGNITION_CONFIG_TYPE": "user",
            "IGNITION_CONFIG_SRC": shown,
            "IGNITION_CONFIG_REFERENCED": "true",
        },
    )
    return cfg
