"""Run one stage: the reference's ``internal/main.go`` + ``exec/engine.go`` (docs/engine.md).

Per invocation: base configs → (fetch stages) user config from its sources, rendered and
cached / (other stages) the cache → ``merge(base, user)`` → the stage. fetch-offline turns
"needs the network" into the neednet flag file and success. The state file is saved only after
a successful stage. On failure the stage's error is logged (never the config: the reference
dumps the whole merged config, secrets included: deviation E1 in docs/deviations.md).

Exit codes: 0 success, 1 stage failure, 2 usage, 3 fetcher/state could not be set up.
"""

from __future__ import annotations

import os
import sys

from ignition.config.merge import merge
from ignition.config.model import Config, empty_config
from ignition.engine import cache, idle
from ignition.engine.base import load_base
from ignition.engine.state import FetchedConfig, State, StateError
from ignition.fetch import NeedsNetwork
from ignition.fetch.fetcher import ResourceFetcher
from ignition.stages import ORDER, StageContext, load
from ignition.system import System
from ignition.util import redact
from ignition.util.errors import IgnitionError, StageError, UsageError
from ignition.util.log import Logger
from ignition.util.record import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ignition.stages import StageFn
    from ignition.system.paths import Paths

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_SETUP = 0, 1, 2, 3


@record
class RunOptions:
    platform: str
    stage: str
    root: str = "/"
    config_cache: str = "/run/ignition.json"
    state_file: str = "/run/ignition/state"
    neednet: str = "/run/ignition/neednet"
    fetch_timeout: float | None = 120.0
    dry_run: bool = False
    plan_out: list[str] = field(default_factory=list)


def run_stage(opts: RunOptions, log: Logger, paths: Paths | None = None) -> int:
    idle.banner(log, opts.stage)
    if opts.stage not in ORDER:
        log.crit(f"invalid stage {opts.stage!r}: known stages are {', '.join(ORDER)}")
        return EXIT_USAGE
    import providers

    try:
        provider = providers.get(opts.platform)
    except UsageError as exc:
        log.crit(str(exc))
        return EXIT_USAGE
    system = System.create(opts.root or "/", log, paths)
    try:
        fetcher = ResourceFetcher(log, offline=opts.stage == "fetch-offline")
    except Exception as exc:
        log.crit(f"failed to create fetcher: {exc}")
        return EXIT_SETUP
    try:
        state = State.load(opts.state_file)
    except StateError as exc:
        log.crit(f"reading state: {exc}")
        return EXIT_SETUP
    from providers.base import ProviderContext

    pctx = ProviderContext(fetcher, log, system.paths, opts.stage, opts.fetch_timeout)
    error: BaseException | None = None
    engine = Engine(opts, system, provider, pctx, fetcher, state)
    try:
        engine.run()
        if pctx.output_files:  # provider hook: files for the files stage (Hyper-V KVP)
            state.provider_output_files = list(pctx.output_files)
    except NeedsNetwork as exc:
        if opts.stage != "fetch-offline":
            error = exc
        else:
            log.info(f"{exc}: signalling that networking is needed")
            if not opts.dry_run:
                write_flag(opts.neednet)
    except (IgnitionError, OSError) as exc:
        error = exc
    except Exception:
        # a bug: the platform still hears that the stage failed (Azure's NotReady), with
        # nothing of the exception, before the crash handler reports it
        bug = StageError(f"internal error in the {opts.stage} stage (a bug in pyignition)")
        _report_status(provider, pctx, opts.stage, bug, log)
        raise
    _report_status(provider, pctx, opts.stage, error, log)
    if error is not None:
        log.crit(f"Ignition failed: {error}")
        return EXIT_FAILED
    if not opts.dry_run:
        try:
            state.save(opts.state_file)
            note_work(opts, engine.summary, log)
        except OSError as exc:
            log.crit(f"Ignition failed: writing state: {exc}")
            return EXIT_FAILED
    log.info(idle.FINISHED)
    return EXIT_OK


def note_work(opts: RunOptions, summary: idle.Summary | None, log: Logger) -> None:
    """The work summary for the stages after this one (:mod:`ignition.engine.idle`)."""
    if summary is not None:
        summary.write(opts.config_cache, opts.state_file)
        log.info(idle.idle_line(summary.idle))
    elif opts.stage in idle.FETCH_STAGES:
        idle.remove(opts.state_file)  # no cache written: whatever summary is there is stale
    else:
        idle.refresh(opts.config_cache, opts.state_file)


def _report_status(
    provider: object, pctx: object, stage: str, error: BaseException | None, log: Logger
) -> None:
    from providers.base import Provider, ProviderContext

    assert isinstance(provider, Provider)
    assert isinstance(pctx, ProviderContext)
    try:
        provider.status(pctx, stage, error)
    except Exception as exc:
        log.err(f"POST Status error: {redact.exception(exc)}")


def write_flag(path: str) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "a"):
        pass


class Engine:
    def __init__(
        self,
        opts: RunOptions,
        system: System,
        provider: object,
        pctx: object,
        fetcher: ResourceFetcher,
        state: State,
    ) -> None:
        self.opts = opts
        self.system = system
        self.provider = provider
        self.pctx = pctx
        self.fetcher = fetcher
        self.state = state
        self.log = system.log
        self.summary: idle.Summary | None = None  # a fetch stage's, once the cache is written

    def run(self) -> None:
        from providers.base import Provider, ProviderContext

        assert isinstance(self.provider, Provider)
        assert isinstance(self.pctx, ProviderContext)
        opts = self.opts
        fetching = opts.stage in idle.FETCH_STAGES and not opts.dry_run
        if fetching:  # what the base configs are and log, for the summary
            base_files = idle.base_files(self.system.paths, opts.platform)
            capture = idle.Capture(self.log.sink)
            self.log.sink = capture
        try:
            base = load_base(self.system.paths, opts.platform, self.log)
        finally:
            if fetching:
                self.log.sink = capture.sink
        self.provider.init(self.pctx)
        if opts.stage == "fetch" and os.path.lexists(opts.config_cache):
            # fetch-offline got the config: fetch only reads it (deviation E32)
            user = cache.read(opts.config_cache)
            self.log.info(idle.CACHED.format(opts.config_cache))
        elif opts.stage in idle.FETCH_STAGES:
            from ignition.engine.acquire import acquire

            self.state.fetched_configs = [FetchedConfig("base", "system", False)]
            user = acquire(
                self.system, self.provider, self.pctx, self.fetcher, self.state, opts.fetch_timeout
            )
            if not opts.dry_run:
                cache.write(opts.config_cache, user)
        else:
            user = cache.read(opts.config_cache, None if opts.dry_run else opts.stage)
        config: Config = merge(empty_config(), merge(base, user))
        if fetching and capture.replayable and not _has_hooks(self.provider):
            self.summary = idle.Summary(
                opts.platform, idle.idle_stages(config), base_files, capture.lines
            )
        if opts.stage in ("disks", "files"):
            self.fetcher.apply_config(config)  # the stages that fetch (key files, contents)
        self.run_body(config)

    def run_body(self, config: Config) -> None:
        ctx = StageContext(
            system=self.system,
            config=config,
            state=self.state,
            fetcher=self.fetcher,
            platform=self.opts.platform,
            dry_run=self.opts.dry_run,
            plan=self.opts.plan_out,
        )
        stage = self.opts.stage
        with self.log.prefixed(stage):
            try:
                fn = stage_function(stage, config, self.log)
                if fn is not None:
                    fn(ctx)
            except NeedsNetwork:
                raise
            except IgnitionError as exc:
                self._report_failure(stage, config)
                raise StageError(str(exc)) from exc
            except OSError as exc:
                self._report_failure(stage, config)
                raise StageError(_os_error(exc)) from exc

    def _report_failure(self, stage: str, config: Config) -> None:
        """What the reference's "Full config:" dump is for, without the secrets: the shape."""
        st = config.storage
        sys.stderr.write(
            f"{stage} failed\n"
            f"config summary (values withheld): {len(st.files)} files, "
            f"{len(st.directories)} directories, {len(st.links)} links, "
            f"{len(config.systemd.units)} units, {len(config.passwd.users)} users, "
            f"{len(config.passwd.groups)} groups, {len(st.disks)} disks, "
            f"{len(st.filesystems)} filesystems\n"
        )


def _has_hooks(provider: object) -> bool:
    """Does the platform act in every stage (``init``, ``status``)? Then no stage is idle."""
    from providers.base import Provider

    cls = type(provider)
    assert issubclass(cls, Provider)
    return cls.init is not Provider.init or cls.status is not Provider.status


def stage_function(stage: str, config: Config, log: Logger) -> StageFn | None:
    """The stage's function; None for a disks stage with nothing to do (the reference's
    disks stage is a no-op without disks, raid, luks and filesystems)."""
    if stage == "disks" and not idle.has_disk_work(config.storage):
        log.info(idle.NO_DISKS)
        return None
    try:
        return load(stage)
    except ModuleNotFoundError as exc:
        if exc.name is not None and exc.name.startswith(f"ignition.stages.{stage}"):
            raise StageError(
                f"the config needs the {stage} stage, which this build does not include"
            ) from None
        raise


def _os_error(exc: OSError) -> str:
    what = exc.strerror or str(exc)
    return f"{what}: {redact.file_name(exc.filename)}" if exc.filename else what
