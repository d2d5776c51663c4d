"""Fetch every body the files stage writes, before anything is written (docs/engine.md).

Contents and appends are streamed into private temp files (0600) in the run's journal
directory inside the root (``/.pyignition-txn/stage``, so the final ``rename()`` stays on one
filesystem), fetched concurrently when they need the network, and verified (hash, gzip) on the
way. Only when all of them arrived does the stage act; a failure leaves the root untouched.
The directory goes with the journal: at the end of the run, or at the next run after a kill.
"""

from __future__ import annotations

import os

from ignition.config.model import File, Resource
from ignition.fetch import parallel
from ignition.fetch.fetcher import needs_network
from ignition.util import redact
from ignition.util.errors import FetchError
from ignition.util.record import field, record

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from collections.abc import Callable

    from ignition.stages import StageContext
    from ignition.stages.files.journal import Journal


@record(frozen=False)
class Staged:
    """Verified bodies: a staged file's path (network sources) or the bytes (data: URLs,
    which live in the config already)."""

    contents: str | bytes | None = None  # None: no contents.source
    appends: list[str | bytes] = field(default_factory=list)


class Staging:
    def __init__(self, ctx: StageContext, journal: Journal) -> None:
        self.ctx = ctx
        self.journal = journal
        self.dir: str | None = None

    def _new(self) -> str:
        if self.dir is None:
            self.dir = self.journal.stage_dir()
        import tempfile  # only for network bodies

        fd, path = tempfile.mkstemp(dir=self.dir)
        os.close(fd)
        return path

    def fetch_all(self, files: list[File]) -> dict[int, Staged]:
        """Stage every body of ``files``; keys are ``id(file)``.

        Local (``data:``) bodies are decoded and verified first, in config order, so their
        errors come first; then the network bodies are fetched concurrently (the first
        failure in config order is reported)."""
        out: dict[int, Staged] = {}
        remote: list[Callable[[], None]] = []
        for f in files:
            s = out[id(f)] = Staged()
            for n, res in enumerate((f.contents, *f.append)):
                if n == 0 and res.source is None:
                    continue
                what = "contents" if n == 0 else "append"
                body: str | bytes
                if needs_network(res.source):
                    body = self._new()
                    remote.append(self._job(f, res, body, what))
                else:
                    body = self._local(f, res, what)
                if n == 0:
                    s.contents = body
                else:
                    s.appends.append(body)
        if remote:
            parallel.run_all(self.ctx.fetcher, remote)
        return out

    def _local(self, f: File, res: Resource, what: str) -> bytes:
        try:
            return self.ctx.fetcher.fetch(res, what=what)
        except FetchError as exc:
            raise type(exc)(f'invalid {what} of file "{f.path}": {exc}') from None

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
