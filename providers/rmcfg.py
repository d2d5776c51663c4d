"""``ignition-rmcfg --platform ID``: delete the config from the platform after the first boot
(``ignition-delete-config.service``, §5.5); VirtualBox and VMware support it, every other
platform answers "cannot delete config on this platform" (exit 1)."""

from __future__ import annotations

import sys

from ignition.cliargs import FlagSpec, GoFlags, UsageError
from ignition.crash import entry_point


@entry_point("ignition-rmcfg")
def main(argv: list[str] | None = None) -> int:
    import providers
    from ignition.errors import IgnitionError
    from ignition.fetch.fetcher import ResourceFetcher
    from ignition.log import Logger, default_sink
    from ignition.system.paths import Paths
    from providers.base import ProviderContext

    args = sys.argv[1:] if argv is None else argv
    flags = GoFlags([FlagSpec("platform"), FlagSpec("log-to-stdout", takes_value=False)])
    try:
        opts, rest = flags.parse(args)
    except UsageError as exc:
        sys.stderr.write(f"{exc}\nusage: ignition-rmcfg --platform=NAME\n")
        return 2
    if not opts["platform"] or rest:
        sys.stderr.write("usage: ignition-rmcfg --platform=NAME\n")
        return 2
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
