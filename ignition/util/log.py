"""The engine's logger: the reference's line format, operation ids, and sinks.

Lines look like the reference's: ``files: createFilesystemsFiles: op(3): [started]  writing
file "/etc/motd"``. They go to the systemd journal when its socket exists (with
``SYSLOG_IDENTIFIER=ignition`` and structured fields for the entries the reference makes), else
to ``/dev/log``, else to stdout; ``--log-to-stdout`` forces stdout with the reference's level
labels (``INFO     : ...``).

Secrets never go through here: callers log URLs through :func:`ignition.util.redact.url` and
commands through the runner's redaction; config bodies are only ever logged as digests.
"""

from __future__ import annotations

import os
import sys

# Every stage process imports this module first: it imports nothing but ``os`` and ``sys``
# at run time (``enum``, ``contextlib`` and ``typing`` cost more than the interpreter's own
# start; a stage with nothing to do logs through here and exits).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import ClassVar, Protocol, TextIO

    from ignition.config.report import Diagnostic, Report


class Level(int):
    """A syslog priority (the journal's ``PRIORITY``): an ``int``, one instance per level."""

    __slots__ = ()
    EMERG: ClassVar[Level]
    ALERT: ClassVar[Level]
    CRIT: ClassVar[Level]
    ERR: ClassVar[Level]
    WARNING: ClassVar[Level]
    NOTICE: ClassVar[Level]
    INFO: ClassVar[Level]
    DEBUG: ClassVar[Level]

    def __repr__(self) -> str:
        return f"Level.{_NAMES[self]}"


_NAMES = ("EMERG", "ALERT", "CRIT", "ERR", "WARNING", "NOTICE", "INFO", "DEBUG")
LEVELS = tuple(Level(n) for n in range(len(_NAMES)))  # by priority: LEVELS[6] is Level.INFO
for _level in LEVELS:
    setattr(Level, _NAMES[_level], _level)


LABELS = {
    Level.EMERG: "EMERGENCY:",
    Level.ALERT: "ALERT    :",
    Level.CRIT: "CRITICAL :",
    Level.ERR: "ERROR    :",
    Level.WARNING: "WARNING  :",
    Level.NOTICE: "NOTICE   :",
    Level.INFO: "INFO     :",
    Level.DEBUG: "DEBUG    :",
}

JOURNAL_SOCKET = "/run/systemd/journal/socket"
# characters of one log message: nothing a stage says needs more; a value echoed from hostile
# input (a path, a tool's error) cannot make a line of megabytes
MESSAGE_MAX = 64 * 1024
SYSLOG_SOCKET = "/dev/log"


if TYPE_CHECKING:

    class Sink(Protocol):
        def write(
            self, level: Level, message: str, fields: Mapping[str, str] | None = None
        ) -> None: ...


# the first error writing a log line to a stream (a closed pipe, a full disk)
_lost: list[OSError] = []


def lost_output() -> OSError | None:
    """Why log lines could not be written, if they could not: the process's exit reports it
    (``commands.crash``) once the work has reached its end."""
    return _lost[0] if _lost else None


class StreamSink:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def write(self, level: Level, message: str, fields: Mapping[str, str] | None = None) -> None:
        """A write that fails stops the logging, never the work: an exception here, in the
        middle of a stage, would leave it half done (``ignition-apply ... | head``)."""
        if _lost:
            return
        stream = self.stream or sys.stdout
        try:
            stream.write(f"{LABELS[level]} {message}\n")
            stream.flush()
        except OSError as exc:
            _lost.append(exc)


class JournalSink:
    """systemd's native journal protocol (one datagram per entry)."""

    def __init__(self, path: str = JOURNAL_SOCKET) -> None:
        import _socket  # the C module: ``socket`` costs ~4 ms per stage process

        self.sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_DGRAM)
        self.sock.connect(path)

    def write(self, level: Level, message: str, fields: Mapping[str, str] | None = None) -> None:
        entries = {"MESSAGE": message, "PRIORITY": str(int(level)), "SYSLOG_IDENTIFIER": "ignition"}
        entries.update(fields or {})
        payload = bytearray()
        for key, value in entries.items():
            data = value.encode("utf-8", "replace")
            if b"\n" in data:
                payload += key.encode() + b"\n" + len(data).to_bytes(8, "little") + data + b"\n"
            else:
                payload += key.encode() + b"=" + data + b"\n"
        try:
            self.sock.send(bytes(payload))
        except OSError:
            StreamSink(sys.stderr).write(level, message)


class SyslogSink:
    def __init__(self, path: str = SYSLOG_SOCKET) -> None:
        import _socket  # the C module: ``socket`` costs ~4 ms per stage process

        self.sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_DGRAM)
        self.sock.connect(path)

    def write(self, level: Level, message: str, fields: Mapping[str, str] | None = None) -> None:
        # facility 0 (kern), as the reference's log/syslog writer does
        try:
            self.sock.send(f"<{int(level)}>ignition[{os.getpid()}]: {message}".encode())
        except OSError:
            StreamSink(sys.stderr).write(level, message)


def default_sink(*, to_stdout: bool) -> Sink:
    if not to_stdout:
        for cls, path in ((JournalSink, JOURNAL_SOCKET), (SyslogSink, SYSLOG_SOCKET)):
            if os.path.exists(path):
                try:
                    return cls(path)
                except OSError:
                    continue
    return StreamSink()


class Logger:
    """Prefix stack + operation counter, like the reference's ``internal/log``."""

    def __init__(self, sink: Sink | None = None, *, debug: bool = True) -> None:
        self.sink: Sink = sink or StreamSink()
        self.debug_enabled = debug
        self.prefixes: list[str] = []
        self._op = 0

    def log(self, level: Level, message: str, fields: Mapping[str, str] | None = None) -> None:
        if level is Level.DEBUG and not self.debug_enabled:
            return
        text = ": ".join([*self.prefixes, message])
        if len(text) > MESSAGE_MAX:
            text = f"{text[:MESSAGE_MAX]}... ({len(text) - MESSAGE_MAX} more characters not shown)"
        self.sink.write(level, text, fields)

    def crit(self, message: str) -> None:
        self.log(Level.CRIT, message)

    def err(self, message: str) -> None:
        self.log(Level.ERR, message)

    def warning(self, message: str) -> None:
        self.log(Level.WARNING, message)

    def notice(self, message: str) -> None:
        self.log(Level.NOTICE, message)

    def info(self, message: str) -> None:
        self.log(Level.INFO, message)

    def debug(self, message: str) -> None:
        self.log(Level.DEBUG, message)

    def structured(self, message: str, fields: Mapping[str, str]) -> None:
        """An INFO entry with journal fields (MESSAGE_ID, IGNITION_*)."""
        self.log(Level.INFO, message, fields)

    def prefixed(self, prefix: str) -> _Prefixed:
        """``with log.prefixed("files"):`` every line inside starts with ``files: ``."""
        return _Prefixed(self, prefix)

    def op(self, description: str) -> _Op:
        """``op(N): [started]  ...`` / ``[finished] ...`` / ``[failed]   ...: <error>``."""
        self._op += 1
        return _Op(self, f"op({self._op:x})", description)


# context managers as small classes: ``contextlib`` is not worth its import here
class _Prefixed:
    __slots__ = ("log", "prefix")

    def __init__(self, log: Logger, prefix: str) -> None:
        self.log, self.prefix = log, prefix

    def __enter__(self) -> None:
        self.log.prefixes.append(self.prefix)

    def __exit__(self, *exc: object) -> None:
        self.log.prefixes.pop()


class _Op:
    __slots__ = ("description", "log", "tag")

    def __init__(self, log: Logger, tag: str, description: str) -> None:
        self.log, self.tag, self.description = log, tag, description

    def __enter__(self) -> None:
        self.log.prefixes.append(self.tag)
        self.log.info(f"[started]  {self.description}")

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: object) -> None:  # fmt: skip
        try:
            if exc is None:
                self.log.info(f"[finished] {self.description}")
            elif isinstance(exc, Exception):
                from ignition.util import redact  # only a failing operation pays for it

                self.log.crit(f"[failed]   {self.description}: {redact.exception(exc)}")
        finally:
            self.log.prefixes.pop()


def log_report(
    report: Report, log: Logger, render: Callable[[Diagnostic], str] | None = None
) -> None:
    """Each entry at the reference's level (error → CRIT, warning → WARNING, info → INFO).

    Ignition's entries name a path, a position and a rule, never a value, so they carry no
    secrets; reports that may quote values pass a redacting ``render``."""
    for d in report:
        text = d.ignition_text() if render is None else render(d)
        if d.is_error:
            log.crit(text)
        elif d.severity == "warning":
            log.warning(text)
        else:
            log.info(text)
