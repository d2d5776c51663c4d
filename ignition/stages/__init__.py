"""The fixed stage set (external units hard-code these names) and what a stage receives.

A stage is a function ``run(ctx: StageContext) -> None`` in its own module, looked up lazily
by name so a stage process imports only what it needs. A stage raises
:class:`ignition.util.errors.StageError` (or any exception with a clear message) to fail.
"""

from __future__ import annotations

from ignition.util.record import field, record

TYPE_CHECKING = False  # not typing's: every stage process imports this module
if TYPE_CHECKING:
    from collections.abc import Callable

    from ignition.config.model import Config
    from ignition.engine.state import State
    from ignition.fetch.fetcher import ResourceFetcher
    from ignition.system import System

ORDER = ("fetch-offline", "fetch", "kargs", "disks", "mount", "files", "umount")

# stage name -> "module:function"
STAGES: dict[str, str] = {
    "fetch-offline": "ignition.stages.fetch:run_offline",
    "fetch": "ignition.stages.fetch:run",
    "kargs": "ignition.stages.kargs:run",
    "disks": "ignition.stages.disks:run",
    "mount": "ignition.stages.mount:run",
    "files": "ignition.stages.files:run",
    "umount": "ignition.stages.umount:run",
}


@record(frozen=False)
class StageContext:
    system: System
    config: Config  # merged (base configs + user config), newest spec
    state: State  # cross-stage state, saved after a successful stage
    fetcher: ResourceFetcher
    platform: str
    dry_run: bool = False  # `ignition plan`: describe actions, touch nothing
    plan: list[str] = field(default_factory=list)  # actions described in a dry run
    live: bool = False  # ignition-apply: only the parts that make sense on a running system
    accounts: bool = False  # with live: users and groups too (coreos-cloudinit applies them)
    ssh_key_name: str = ""  # coreos-cloudinit -ssh-key-name: keys as update-ssh-keys -a NAME


if TYPE_CHECKING:
    StageFn = Callable[[StageContext], None]


def load(name: str) -> StageFn:
    target = STAGES.get(name)
    if target is None:
        raise KeyError(name)
    module, _, func = target.partition(":")
    fn: StageFn = getattr(__import__(module, fromlist=[func]), func)  # not importlib's cost
    return fn
