"""Fetch many resources at once (bounded), with results and errors in a fixed order.

The reference fetches remote file contents one at a time; with link latency that dominates
the files stage. Here every remote body of a stage is fetched concurrently by at most
``MAX_WORKERS`` threads before anything is written. The first failure (in job order, not in
completion order, so the error reported is deterministic) cancels the others: their retries and
the bodies they are receiving.
"""

from __future__ import annotations

from ignition.fetch import Cancelled

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import TypeVar

    from ignition.fetch.fetcher import ResourceFetcher

    T = TypeVar("T")

MAX_WORKERS = 16


def run_all(fetcher: ResourceFetcher, jobs: Sequence[Callable[[], T]]) -> list[T]:
    """Run ``jobs`` (each one fetch) concurrently; raise the first failing job's error."""
    if len(jobs) <= 1:
        return [job() for job in jobs]

    # here: concurrent.futures (and logging under it) cost ~9 ms of start-up, and a stage
    # without remote bodies never gets here
    import threading
    from concurrent.futures import ThreadPoolExecutor

    def guarded(job: Callable[[], T]) -> T:
        try:
            return job()
        except BaseException:
            cancel.set()
            raise

    cancel = fetcher.cancel = threading.Event()
    try:
        with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(jobs))) as pool:
            futures = [pool.submit(guarded, job) for job in jobs]
            errors = [f.exception() for f in futures]
    finally:
        fetcher.cancel = None
    first_real = next((e for e in errors if e is not None and not isinstance(e, Cancelled)), None)
    first = first_real or next((e for e in errors if e is not None), None)
    if first is not None:
        raise first
    return [f.result() for f in futures]
