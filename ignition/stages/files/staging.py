"""Fetch every body the files stage writes, before anything is written (§3.6.5).

Contents and appends are streamed into private temp files (0600) in a staging directory
inside the root (so the final ``rename()`` stays on one filesystem), fetched concurrently
when they need the network, and verified (hash, gzip) on the way. Only when all of them
arrived does the stage act; a failure leaves the root untouched. The staging directory is
removed in every case.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ignition import redact
from ignition.config.model import File, Resource
from ignition.errors import FetchError
from ignition.fetch import parallel
from ignition.fetch.fetcher import needs_network

if TYPE_CHECKING:
    from ignition.stages import StageContext


@dataclass
class Staged:
    contents: str | None = None  # staged body of contents.source (None: no source)
    appends: list[str] = field(default_factory=list)


class Staging:
    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx
        self.dir: str | None = None

    def _new(self) -> str:
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix=".ignition-staging-", dir=self.ctx.system.root.root)
        fd, path = tempfile.mkstemp(dir=self.dir)
        os.close(fd)
        return path

    def cleanup(self) -> None:
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def fetch_all(self, files: list[File]) -> dict[int, Staged]:
        """Stage every body of ``files``; keys are ``id(file)``."""
        out: dict[int, Staged] = {}
        local: list[Callable[[], None]] = []
        remote: list[Callable[[], None]] = []
        order: list[Callable[[], None]] = []
        for f in files:
            s = out[id(f)] = Staged()
            if f.contents.source is not None:
                s.contents = self._new()
                job = self._job(f, f.contents, s.contents, "contents")
                (remote if needs_network(f.contents.source) else local).append(job)
                order.append(job)
            for r in f.append:
                path = self._new()
                s.appends.append(path)
                job = self._job(f, r, path, "append")
                (remote if needs_network(r.source) else local).append(job)
                order.append(job)
        errors: dict[int, BaseException] = {}
        for job in local:
            try:
                job()
            except (FetchError, OSError) as exc:
                errors[order.index(job)] = exc
                break
        if not errors and remote:
            try:
                parallel.run_all(self.ctx.fetcher, remote)
            except (FetchError, OSError) as exc:
                errors[0] = exc
        if errors:
            raise errors[min(errors)]
        return out

    def _job(self, f: File, res: Resource, path: str, what: str) -> Callable[[], None]:
        def run() -> None:
            try:
                with open(path, "r+b") as fh:
                    self.ctx.fetcher.fetch_to(res, fh, what=what)
            except FetchError as exc:
                src = redact.url(res.source or "")
                raise type(exc)(
                    f'failed to fetch {what} of file "{f.path}" from {src}: {exc}'
                ) from None

        return run
