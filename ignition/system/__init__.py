"""The narrow OS layer: the engine touches the machine only through a :class:`System`.

- ``root``: the target root (``--root``); every path under it goes through
  :meth:`TargetRoot.host`, which cannot lead outside it;
- ``runner``: external tools (logged, secrets redacted);
- ``paths``: the reference's system paths with their environment overrides;
- ``log``: the reference-format logger.

Tests build one with :meth:`System.scratch` on a temporary directory (or with loop devices).
"""

from __future__ import annotations

from ignition.system.paths import Paths
from ignition.util.record import field, record

# The package is imported for every submodule (``ignition.system.paths`` by a stage with
# nothing to do): the root and runner modules are imported where a System is made.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import os

    from ignition.system.root import TargetRoot
    from ignition.system.runner import Runner
    from ignition.util.log import Logger

__all__ = ["Paths", "System"]


@record(frozen=False)
class System:
    root: TargetRoot
    log: Logger
    runner: Runner
    paths: Paths = field(default_factory=Paths.from_env)

    @classmethod
    def create(cls, root: str, log: Logger, paths: Paths | None = None) -> System:
        from ignition.system.root import TargetRoot
        from ignition.system.runner import Runner

        return cls(TargetRoot(root or "/"), log, Runner(log), paths or Paths.from_env())

    @classmethod
    def scratch(cls, root: str | os.PathLike[str], log: Logger | None = None) -> System:
        from ignition.system.root import TargetRoot
        from ignition.system.runner import Runner
        from ignition.util.log import Logger

        logger = log or Logger()
        return cls(TargetRoot(root), logger, Runner(logger), Paths.from_env())
