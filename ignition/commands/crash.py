"""The one crash handler every console script runs under (``@entry_point("butane")``).

An exception that no code expected is a bug, but the user must still get one line, not a
Python traceback that may quote config values: ``butane: internal error (a bug in pyignition:
please report it): KeyError at transpiler/x.py:12``. The exit status is 1, each command's
"failed" status. The trace is printed only with ``PYIGNITION_DEBUG=1``, and even then
exception messages that are not our own are withheld (see :func:`ignition.util.redact.exception`).

Also handled without a traceback: Ctrl-C (``interrupted``, exit 130), a closed output pipe
(``butane x | head -1``: silent, exit 141 as if killed by SIGPIPE), an operating system error
nothing caught (``/dev/full`` as output: its reason, exit 1), a log that could not be written
mid-run (the run finished without it; see :func:`_flushed`), a standard stream that is not
open at all (read as empty, written to ``/dev/null``), running out of memory and too deep a
recursion (both bugs: an input limit should have stopped them first).
"""

from __future__ import annotations

import io
import os
import sys

# imported by every console script before anything else: ``io``, ``os`` and ``sys`` only at
# run time (all three loaded by the interpreter's start anyway, or frozen)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Protocol

    from _typeshed import ReadableBuffer as Buffer

DEBUG_ENV = "PYIGNITION_DEBUG"
EXIT_BUG = 1
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a writer killed by the pipe


if TYPE_CHECKING:

    class Main(Protocol):
        def __call__(self, argv: list[str] | None = None, /) -> int: ...


_context: list[str] = []  # what the command is doing, e.g. "the files stage"


def set_context(what: str) -> None:
    """Name what the process is doing, for the crash line (``in the files stage``)."""
    _context[:] = [what]


def debug_enabled() -> bool:
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


def entry_point(prog: str, *, exit_at_once: bool = False) -> Callable[[Main], Main]:
    """``exit_at_once``: when ``main`` ran as the process's own command (``argv`` None) and
    its output is flushed, end the process with ``os._exit`` rather than tearing down every
    module it imported (5-6 ms for an engine stage; each stage is a process of its own at
    boot). Only for commands that close what they open and leave no thread or ``atexit``
    work behind."""

    def wrap(main: Main) -> Main:
        def guarded(argv: list[str] | None = None) -> int:
            _open_missing_streams()
            _whole_writes()
            try:
                code = _flushed(prog, main(argv))
                if exit_at_once and argv is None:
                    os._exit(code)
            except KeyboardInterrupt:
                _say(f"{prog}: interrupted\n")
                return EXIT_INTERRUPTED
            except Exception as exc:  # MemoryError and RecursionError are Exceptions too
                return _failed(prog, exc)
            return code

        # what functools.wraps would copy that anything reads
        guarded.__name__, guarded.__qualname__ = main.__name__, main.__qualname__  # type: ignore[attr-defined]
        guarded.__doc__, guarded.__module__ = main.__doc__, main.__module__
        guarded.__wrapped__ = main  # type: ignore[attr-defined]
        return guarded

    return wrap


def _flushed(prog: str, code: int) -> int:
    """``code`` once the output is out: a log the sink could not write (it keeps going, so
    that the work reaches its end: all done, or all undone) is reported, and stdout and stderr
    are flushed here, not in the interpreter's last flush (which would make the status 120).
    A command's own failure status stays; a success becomes 141 (a closed pipe) or 1."""
    log = sys.modules.get("ignition.util.log")
    lost = log.lost_output() if log is not None else None
    if lost is not None:
        outcome = "succeeded" if code == 0 else "failed"
        why = f"the log could not be written ({lost.strerror}); the run {outcome}"
        return _output_lost(prog, lost, code, why)
    try:
        sys.stdout.flush()
    except OSError as exc:
        return _output_lost(prog, exc, code, f"writing the output: {exc.strerror}")
    try:
        sys.stderr.flush()
    except OSError:
        _silence(sys.stderr)
        return code or EXIT_BUG
    return code


def _output_lost(prog: str, exc: OSError, code: int, why: str) -> int:
    _silence_stdout()
    if isinstance(exc, BrokenPipeError):
        return EXIT_BROKEN_PIPE  # as any writer whose reader went away
    _say(f"{prog}: {why}\n")
    return code or EXIT_BUG


def _failed(prog: str, exc: Exception) -> int:
    if isinstance(exc, BrokenPipeError) and _stdout_closed():
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    if isinstance(exc, OSError) and exc.strerror and not isinstance(exc, BrokenPipeError):
        # a failed write (full disk, I/O error) nothing handled: its reason, never the file
        # name (it may come from the input); what is still buffered for stdout is dropped
        _silence_stdout()
        where = f" in {_context[0]}" if _context else ""
        _say(f"{prog}: {exc.strerror}{where} (unhandled, at {_origin(exc)})\n")
        return EXIT_BUG
    return report_bug(prog, exc)


def report_bug(prog: str, exc: BaseException) -> int:
    where = f" in {_context[0]}" if _context else ""
    kind = "out of memory" if isinstance(exc, MemoryError) else "internal error"
    line = (
        f"{prog}: {kind}{where} (a bug in pyignition: please report it): "
        f"{type(exc).__name__} at {_origin(exc)}"
    )
    if debug_enabled():
        from ignition.util import redact

        _say(redact.trace(exc))
    else:
        line += f"; set {DEBUG_ENV}=1 for a trace"
    _say(line + "\n")
    return EXIT_BUG


def _origin(exc: BaseException) -> str:
    """``package/module.py:LINE`` of the innermost frame: where, never what."""
    tb = exc.__traceback__
    if tb is None:
        return "an unknown place"
    while tb.tb_next is not None:
        tb = tb.tb_next
    from ignition.util.redact import short_path  # a crashing process only

    return f"{short_path(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno}"


def _open_missing_streams() -> None:
    """Python sets ``sys.stdin`` (or stdout, stderr) to None when the descriptor was closed
    when the process started: read such input as empty and drop such output."""
    for name, mode in (("stdin", "r"), ("stdout", "w"), ("stderr", "w")):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, mode, encoding="utf-8"))  # noqa: SIM115


def _whole_writes() -> None:
    """Make the interpreter's own stdout and stderr write everything or raise. ``write(2)``
    to a pipe whose reader goes away mid-write returns the part it wrote, and Python's
    buffered layer hands that short count back, which text writes ignore: ``butane big.bu |
    head -c 100`` ended with exit status 0 and truncated output instead of a closed pipe."""
    import io

    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not getattr(sys, f"__{name}__") or not isinstance(stream, io.TextIOWrapper):
            continue  # a test's capture, or a stream already replaced
        try:
            fd = stream.fileno()
            stream.flush()
        except (OSError, ValueError):
            continue
        text = io.TextIOWrapper(
            io.BufferedWriter(_WholeWrites(fd)),
            encoding=stream.encoding,
            errors=stream.errors,
            line_buffering=stream.line_buffering,
            write_through=stream.write_through,
        )
        setattr(sys, name, text)


class _WholeWrites(io.RawIOBase):
    """A raw writer on ``fd`` whose ``write`` returns only when all of the data is written
    (waiting when the descriptor is non-blocking), or raises (``BrokenPipeError``...)."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self.fd = fd

    def fileno(self) -> int:
        return self.fd

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return os.isatty(self.fd)

    def write(self, data: Buffer) -> int:
        view = memoryview(data).cast("B")
        size = len(view)
        while view:
            try:
                view = view[os.write(self.fd, view) :]
            except BlockingIOError:
                import select

                select.select([], [self.fd], [])
        return size


def _say(text: str) -> None:
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        # stderr itself is gone: the exit status is all that is left (and the interpreter's
        # last flush must not fail again: that would make it 120)
        _silence(sys.stderr)


def _stdout_closed() -> bool:
    """Is standard output a pipe (or socket) whose reader went away?"""
    import select

    try:
        fd = sys.stdout.fileno()
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        return any(ev & (select.POLLERR | select.POLLHUP) for _, ev in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return True  # not a real file any more: take the error as the closed pipe it says


def _silence_stdout() -> None:
    _silence(sys.stdout)


def _silence(stream: object) -> None:
    """Point ``stream`` at /dev/null so the interpreter's last flush does not fail again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())  # type: ignore[attr-defined]
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass
