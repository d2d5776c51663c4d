"""``ignition plan``: every action a config would take on this machine, touching nothing.

    ignition plan [-platform=P] [-root=/] [-offline] [-log-to-stdout] [CONFIG|-]

With CONFIG the config is read from that file (``-`` for stdin); without it, it is acquired
the way the fetch stage would (kernel command line, system ``user.ign``, the platform), but
nothing is cached. Base configs are merged as in a real run; referenced configs are fetched
(reading is harmless) unless ``-offline``. Then each stage lists its actions in order;
destructive ones (removing or replacing what exists) are marked ``[DESTRUCTIVE]``.
Log lines go to stderr, the plan to stdout. The flags' meanings and the exit statuses are in
the command table (``ignition/commands/table.py``).
"""

from __future__ import annotations

import sys

from ignition.commands.cliargs import ROOT_REQUIRED, FlagSpec, GoFlags, UsageError, help_or_version
from ignition.config.merge import merge
from ignition.config.model import Config, empty_config
from ignition.config.report import printable
from ignition.engine.acquire import acquire
from ignition.engine.base import load_base
from ignition.engine.cloudconfig import CloudConfigUse
from ignition.engine.engine import stage_function
from ignition.engine.render import render
from ignition.engine.state import State
from ignition.engine.userdata import to_config
from ignition.fetch.fetcher import ResourceFetcher
from ignition.fetch.neednet import network_reason
from ignition.stages import StageContext
from ignition.system import System
from ignition.util import limits
from ignition.util.errors import IgnitionError
from ignition.util.log import Logger, StreamSink

PLANNED_STAGES = ("kargs", "disks", "mount", "files")


def flags() -> GoFlags:
    return GoFlags(
        [
            FlagSpec("platform", default="metal"),
            FlagSpec("root", default="/", required=ROOT_REQUIRED),
            FlagSpec("offline", takes_value=False),
            FlagSpec("log-to-stdout", takes_value=False),
            FlagSpec("version", takes_value=False),
            FlagSpec("help", takes_value=False, aliases=("h",)),
        ]
    )


def main(args: list[str]) -> int:
    try:
        opts, rest = flags().parse(args)
        if len(rest) > 1 and not (opts["help"] or opts["version"]):
            raise UsageError(f"one CONFIG at most, not {len(rest)}: {printable(' '.join(rest))}")
    except UsageError as exc:
        from ignition.commands.helptext import usage_error

        return usage_error("ignition plan", exc)
    if (done := help_or_version(opts, "ignition plan", "Ignition")) is not None:
        return done
    log = Logger(StreamSink(sys.stdout if opts["log-to-stdout"] else sys.stderr), debug=False)
    try:
        lines = make_plan(
            log,
            platform=str(opts["platform"]),
            root=str(opts["root"]),
            config_path=rest[0] if rest else None,
            offline=bool(opts["offline"]),
        )
    except (IgnitionError, OSError, limits.InputTooLarge) as exc:
        log.crit(f"cannot plan: {exc}")
        return 1
    sys.stdout.write("".join(line + "\n" for line in lines))
    return 0


def make_plan(
    log: Logger, *, platform: str, root: str, config_path: str | None, offline: bool
) -> list[str]:
    import providers
    from providers.base import ProviderContext

    system = System.create(root, log)
    fetcher = ResourceFetcher(log, offline=offline)
    state = State()
    provider = providers.get(platform)
    pctx = ProviderContext(fetcher, log, system.paths, "plan")
    base = load_base(system.paths, platform, log)
    lines: list[str] = []
    if config_path is not None:
        user = _read_config(config_path, fetcher, state, log)
        lines.append(f"fetch: config from {config_path}")
    else:
        user = acquire(system, provider, pctx, fetcher, state, 120.0)
        sources = [c.source for c in state.fetched_configs if c.kind == "user"]
        lines.append(f"fetch: config from {', '.join(sources) or 'nowhere (empty config)'}")
    config: Config = merge(empty_config(), merge(base, user))
    reason = network_reason(config)
    lines.append(
        "fetch: the config needs the network" + (f" ({reason})" if reason else ": no")
        if reason
        else "fetch: the config needs no network"
    )
    for stage in PLANNED_STAGES:
        ctx = StageContext(system, config, state, fetcher, platform, dry_run=True)
        with log.prefixed(stage):
            fn = stage_function(stage, config, log)
            if fn is not None:
                fn(ctx)
        lines.extend(ctx.plan)
    return lines


def _read_config(path: str, fetcher: ResourceFetcher, state: State, log: Logger) -> Config:
    raw = limits.read_path(path)
    cfg = to_config(raw, source=path, log=log, cloud_config=CloudConfigUse()) or empty_config()
    fetcher.apply_config(cfg)
    return render(cfg, fetcher, state, log)
