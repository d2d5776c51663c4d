"""Diagnostics and reports shared by every frontend (Ignition JSON, Butane, ct, cloud-config).

A diagnostic carries a severity, a logical path into the user's document (a tuple of keys and
list indices), a message and, once correlated, the line and byte column where it belongs.
Positions are attached late from a position index, so validation code only handles paths.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum

from ignition.record import field, record, replace

PathElem = str | int
Path = tuple[PathElem, ...]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


def dotted(path: Path) -> str:
    """Ignition's path spelling: ``$.storage.files.0.path``."""
    return "$" + "".join(f".{p}" for p in path)


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
            where.append(dotted(self.path))
        if self.line is not None and self.column is not None:
            pos = f"line {self.line} col {self.column}"
            where.append(pos)
        if not where:
            return f"{self.severity}: {self.message}"
        return f"{self.severity} at {', '.join(where)}: {self.message}"

    def as_json(self) -> dict[str, object]:
        return {
            "severity": str(self.severity),
            "path": dotted(self.path) if self.path is not None else None,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


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
        return json.dumps([d.as_json() for d in self.entries], indent=2, ensure_ascii=False) + "\n"
