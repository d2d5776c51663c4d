"""Actions: what the files stage will do, decided before anything is touched.

Each step of the stage first turns config + the state of the root into a list of actions,
checking every rule that can be checked without acting (conflicts, existing nodes, unknown
owners). Only when the whole plan stands, and every remote body has been fetched and
verified, are the actions run. ``ignition plan``/``--dry-run`` prints the same actions.
"""

from __future__ import annotations

from collections.abc import Callable

from ignition.util.record import field, record


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
