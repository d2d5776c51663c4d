"""Diagnostics and reports shared by every frontend (Ignition JSON, Butane, ct, cloud-config).

A diagnostic carries a severity, a logical path into the user's document (a tuple of keys and
list indices), a message and, once correlated, the line and byte column where it belongs.
Positions are attached late from a position index, so validation code only handles paths.
"""

from __future__ import annotations

from ignition.util import leanjson
from ignition.util.memo import cache
from ignition.util.names import Names
from ignition.util.record import field, record, replace

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    import re
    from collections.abc import Callable, Iterable, Iterator

PathElem = str | int
Path = tuple[PathElem, ...]


class Severity(Names):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


def dotted(path: Path) -> str:
    """Ignition's path spelling: ``$.storage.files.0.path``."""
    return "$" + "".join(f".{p}" for p in path)


MESSAGE_LIMIT = 1000  # characters of one message (or path) that echoes input


@cache
def _unsafe() -> re.Pattern[str]:
    # C0 (but tab), DEL, C1, bidirectional controls, line/paragraph separators, and lone
    # surrogates (undecodable bytes): what can move a terminal's cursor, change its state or
    # make printed text read differently from what it is.
    import re  # here: most text is printable ASCII (see printable), which needs no pattern

    return re.compile(
        "[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
    )


_NAMED = {"\n": "\\n", "\r": "\\r"}


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    o = ord(ch)
    return _NAMED.get(ch) or (f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}")


def printable(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` safe to print on a terminal: control characters as ``\\x1b``/``\\u202e``,
    and cut after ``limit`` characters (saying how many were left out)."""
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text) - limit} more characters)"
    if text.isascii() and text.isprintable():  # none of _unsafe's characters (tab is not here)
        return text
    return _unsafe().sub(_escape, text)


def printable_lines(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """:func:`printable` for text whose line breaks are ours (multi-line reasons)."""
    return "\n".join(printable(line, limit) for line in text.split("\n"))


@record
class Diagnostic:
    severity: Severity
    path: Path | None  # None: not tied to a node (JSON syntax errors, whole-file problems)
    message: str
    line: int | None = None
    column: int | None = None
    file: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def ignition_text(self) -> str:
        """One line as the reference ``ignition-validate`` prints it."""
        where = []
        if self.path is not None:
            where.append(printable(dotted(self.path)))
        if self.line is not None and self.column is not None:
            pos = f"line {self.line} col {self.column}"
            where.append(pos)
        message = printable(self.message)
        if not where:
            return f"{self.severity}: {message}"
        return f"{self.severity} at {', '.join(where)}: {message}"

    def as_json(self) -> dict[str, object]:
        return {
            "severity": str(self.severity),
            "path": printable(dotted(self.path)) if self.path is not None else None,
            "line": self.line,
            "column": self.column,
            "message": printable(self.message),
        }


if TYPE_CHECKING:
    Locator = Callable[[Path], tuple[int, int] | None]


@record(frozen=False)
class Report:
    """An ordered collection of diagnostics; only errors are fatal."""

    entries: list[Diagnostic] = field(default_factory=list)

    def add(self, severity: Severity, path: Path | None, message: str) -> None:
        self.entries.append(Diagnostic(severity, path, message))

    def error(self, path: Path | None, message: str) -> None:
        self.add(Severity.ERROR, path, message)

    def warning(self, path: Path | None, message: str) -> None:
        self.add(Severity.WARNING, path, message)

    def info(self, path: Path | None, message: str) -> None:
        self.add(Severity.INFO, path, message)

    def extend(self, other: Iterable[Diagnostic]) -> None:
        self.entries.extend(other)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def is_fatal(self) -> bool:
        return any(d.is_error for d in self.entries)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.entries if d.is_error]

    def correlate(self, locate: Locator) -> None:
        """Attach line/column to every entry that has a path but no position yet."""
        for i, d in enumerate(self.entries):
            if d.path is None or d.line is not None:
                continue
            pos = locate(d.path)
            if pos is not None:
                self.entries[i] = replace(d, line=pos[0], column=pos[1])

    def map_paths(self, mapper: Callable[[Path], Path]) -> None:
        """Rewrite every path, e.g. from a translated document back to the user's one."""
        self.entries = [
            d if d.path is None else replace(d, path=mapper(d.path)) for d in self.entries
        ]

    def sort(self) -> None:
        """Document order: by position, entries without one first, ties in insertion order."""
        self.entries.sort(key=lambda d: (d.line or 0, d.column or 0))

    def ignition_text(self) -> str:
        return "".join(d.ignition_text() + "\n" for d in self.entries)

    def json_text(self) -> str:
        entries = [d.as_json() for d in self.entries]
        return leanjson.dumps(entries, indent=2, ensure_ascii=False) + "\n"
