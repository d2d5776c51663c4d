"""Report text: Butane's pretty snippets (and raw one-liners), and ct's two-line entries.

A snippet shows ``file:line:col``, two lines of context each side and carets under the value.
Diagnostics that the reference prints without a snippet (YAML errors) get one too, but with
the message in the header and bare carets, so tools that read the carets' message stay
compatible.
"""

from __future__ import annotations

from dataclasses import dataclass

from ignition.report import Diagnostic, dotted

BOLD = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m"}
BLUE = "\x1b[1;34m"
RESET = "\x1b[0m"


@dataclass(frozen=True, slots=True)
class Source:
    text: str
    name: str  # file name as given, or "<stdin>"

    def lines(self) -> list[str]:
        return self.text.split("\n")


def _carets(line: str, col: int) -> int:
    n = 0
    for ch in line[col - 1 :]:
        if ch.isspace():
            break
        n += 1
    return max(n, 1)


def snippet(src: Source, line: int, col: int, message: str | None, *, color: bool) -> str | None:
    """The framed context lines with carets; None when the position is outside the text."""
    lines = src.lines()
    if line < 1 or line > len(lines) or col < 1 or col > len(lines[line - 1]):
        return None
    first, last = max(1, line - 2), min(len(lines), line + 2)
    width = len(str(last))
    pad = " " * (width + 2)
    blue, reset = (BLUE, RESET) if color else ("", "")
    out = [f"  {blue}-->{reset} {src.name}:{line}:{col}\n", f"{pad}|\n"]
    for n in range(first, last + 1):
        out.append(f" {blue}{n:>{width}}{reset} | {lines[n - 1]}\n")
        if n == line:
            marks = "^" * _carets(lines[n - 1], col)
            tail = f" {message}" if message is not None else ""
            out.append(f"{pad}| {' ' * (col - 1)}{blue}{marks}{reset}{tail}\n")
    out.append(f"{pad}|\n")
    return "".join(out)


def raw_line(d: Diagnostic) -> str:
    where = []
    if d.path is not None:
        where.append(dotted(d.path))
    if d.line is not None and d.column is not None:
        where.append(f"line {d.line} col {d.column}")
    if not where:
        return f"{d.severity}: {d.message}\n"
    return f"{d.severity} at {', '.join(where)}: {d.message}\n"


def butane_entry(d: Diagnostic, src: Source, *, color: bool, raw: bool) -> str:
    if raw or d.line is None or d.column is None:
        return raw_line(d)
    body = snippet(src, d.line, d.column, d.message, color=color)
    if body is None:
        return raw_line(d)
    kind = f"{BOLD[d.severity]}{d.severity}{RESET}" if color else str(d.severity)
    head = f"{kind}[{dotted(d.path)}]:\n" if d.path else f"{kind}:\n"
    return head + body


def butane_report(
    entries: list[Diagnostic], hints: dict[int, str], src: Source, *, color: bool, raw: bool
) -> str:
    """Entries separated by a blank line; ``hints`` adds a help line under entry i."""
    parts = []
    for i, d in enumerate(entries):
        text = butane_entry(d, src, color=color, raw=raw)
        if i in hints and not raw:
            text += f"  = help: {hints[i]}\n"
        parts.append(text)
    return "\n".join(parts)


def context_only(src: Source, line: int, col: int) -> str:
    """A snippet without a message after the carets (for errors reported on one line)."""
    return snippet(src, line, col, None, color=False) or ""


def ct_entry(d: Diagnostic, src: Source, hint: str | None = None) -> str:
    """ct's form (``<kind> at line L, column C`` + message), then our snippet."""
    if d.line is None or d.column is None:
        return f"{d.severity}: {d.message}\n"
    text = f"{d.severity} at line {d.line}, column {d.column}\n{d.message}\n"
    where = snippet(src, d.line, d.column, None, color=False)
    if where is not None and d.line > 0:
        text += where
    if hint:
        text += f"  = help: {hint}\n"
    return text
