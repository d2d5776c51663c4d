"""``ignition-rmcfg --platform ID``: delete the config from the platform after the first boot
(``ignition-delete-config.service``); VirtualBox and VMware support it, every other
platform answers "cannot delete config on this platform" (exit 1)."""

from __future__ import annotations

import sys

from ignition.commands.cliargs import FlagSpec, GoFlags, UsageError, help_or_version
from ignition.commands.crash import entry_point

PROG = "ignition-rmcfg"


def flags() -> GoFlags:
    return GoFlags(
        [
            FlagSpec("platform"),
            FlagSpec("log-to-stdout", takes_value=False),
            FlagSpec("version", takes_value=False),
            FlagSpec("help", takes_value=False, aliases=("h",)),
        ]
    )


@entry_point(PROG)
def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        opts, rest = flags().parse(args)
        if rest and not (opts["help"] or opts["version"]):
            raise UsageError(f"{PROG} takes no arguments")
        if not (opts["platform"] or opts["help"] or opts["version"]):
            raise UsageError("'--platform' must be provided")
    except UsageError as exc:
        from ignition.commands.helptext import usage_error

        return usage_error(PROG, exc)
    if (done := help_or_version(opts, PROG, PROG)) is not None:
        return done
    import providers
    from ignition.fetch.fetcher import ResourceFetcher
    from ignition.system.paths import Paths
    from ignition.util.errors import IgnitionError
    from ignition.util.log import Logger, default_sink
    from providers.base import ProviderContext

    log = Logger(default_sink(to_stdout=bool(opts["log-to-stdout"])))
    try:
        provider = providers.get(str(opts["platform"]))
        ctx = ProviderContext(ResourceFetcher(log), log, Paths.from_env(), "rmcfg")
        provider.delete_config(ctx)
    except IgnitionError as exc:
        log.crit(f"couldn't delete config: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
