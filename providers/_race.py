"""Config drive versus metadata service (OpenStack, Brightbox, CloudStack; docs/providers.md).

The reference races the drive labels against the metadata service and takes the first
answer, "nothing" included, so a fast 404 hides a drive that udev shows a moment later. We:

- use a drive that is already there (it is the platform's authoritative copy);
- otherwise race: user data from the service wins at once, a drive that appears wins;
- a 404 (or a service that fails) does not end the race at once: the drive gets
  ``DRIVE_GRACE`` more seconds to appear, then the 404 means "no config" (or the error is
  raised). docs/deviations.md P4.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence

from ignition.util.errors import NotFound
from providers import configdrive
from providers.base import ProviderContext

DRIVE_GRACE = 10.0

Event = tuple[str, object]  # ("data", bytes) | ("none", None) | ("error", exc) | ("drive", label)


def race(
    ctx: ProviderContext,
    labels: Sequence[str],
    drive_file: str,
    service: Sequence[Callable[[], bytes]],
) -> bytes | None:
    label = configdrive.find(labels)
    if label is not None:
        return configdrive.read(ctx, label, drive_file)
    events: queue.Queue[Event] = queue.Queue()
    stop = threading.Event()

    def drive() -> None:
        found = configdrive.wait(ctx, labels, None, cancel=stop)
        if found is not None:
            events.put(("drive", found))

    def ask(fn: Callable[[], bytes]) -> None:
        try:
            events.put(("data", fn()))
        except NotFound:
            events.put(("none", None))
        except Exception as exc:
            events.put(("error", exc))

    threads = [threading.Thread(target=drive, daemon=True)]
    threads += [threading.Thread(target=ask, args=(fn,), daemon=True) for fn in service]
    for t in threads:
        t.start()
    pending = len(service)
    outcome: Event | None = None
    deadline: float | None = None
    try:
        while True:
            timeout = None if deadline is None else max(deadline - time.monotonic(), 0)
            try:
                kind, value = events.get(timeout=timeout)
            except queue.Empty:
                break
            if kind == "drive":
                assert isinstance(value, str)
                return configdrive.read(ctx, value, drive_file)
            if kind == "data" and value:
                ctx.log.info("got the user data from the metadata service")
                assert isinstance(value, bytes)
                return value
            pending -= 1
            if outcome is None or outcome[0] == "error":
                outcome = (kind, value)
            if pending == 0:
                ctx.log.info(
                    f"the metadata service has no user data; waiting {DRIVE_GRACE:g} s "
                    "for a config drive"
                )
                deadline = time.monotonic() + DRIVE_GRACE
    finally:
        stop.set()
    assert outcome is not None
    if outcome[0] == "error":
        assert isinstance(outcome[1], BaseException)
        raise outcome[1]
    ctx.log.info("no config drive appeared: no config")
    return None
