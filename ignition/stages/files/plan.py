"""Actions: what the files stage will do, decided before anything is touched.

Each step of the stage first turns config + the state of the root into a list of actions,
checking every rule that can be checked without acting (conflicts, existing nodes, unknown
owners). Only when the whole plan stands, and every remote body has been fetched and
verified, are the actions run. ``ignition plan``/``--dry-run`` prints the same actions.
"""

from __future__ import annotations

from ignition.util.record import field, record

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import ParamSpec

    P = ParamSpec("P")


def bind(function: Callable[P, None], *args: P.args, **kwargs: P.kwargs) -> Callable[[], None]:
    """An action: ``function`` with its arguments, taken now (``functools.partial`` without
    ``functools``, which costs a stage process about 3 ms)."""
    return lambda: function(*args, **kwargs)


@record
class Action:
    step: str  # the reference's log prefix: "ensureUsers", "createFiles", ...
    text: str  # e.g. 'write file "/etc/motd" (0644, root:root)'
    run: Callable[[], None]
    destructive: bool = False  # removes or replaces something that exists
    op: bool = True  # logged as op(N) [started]/[finished]

    def describe(self) -> str:
        mark = "  [DESTRUCTIVE]" if self.destructive else ""
        return f"files: {self.step}: {self.text}{mark}"


@record(frozen=False)
class Plan:
    actions: list[Action] = field(default_factory=list)

    def add(
        self,
        step: str,
        text: str,
        run: Callable[[], None],
        *,
        destructive: bool = False,
        op: bool = True,
    ) -> None:
        self.actions.append(Action(step, text, run, destructive, op))
