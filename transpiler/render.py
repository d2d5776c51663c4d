"""Report text: Butane's pretty snippets (and raw one-liners), and ct's two-line entries.

A snippet shows ``file:line:col``, two lines of context each side and carets under the value.
Diagnostics that the reference prints without a snippet (YAML errors) get one too, but with
the message in the header and bare carets, so tools that read the carets' message stay
compatible.

Everything echoed from the input is made printable (control characters escaped, see
:func:`ignition.config.report.printable`); a source line longer than ``PYIGNITION_SNIPPET_WIDTH``
shows only a window around the column, and a report stops after ``PYIGNITION_MAX_ERRORS``
entries with one line counting the rest, so output stays proportional to what a person reads.
"""

from __future__ import annotations

from collections.abc import Sequence

from ignition.config.report import Diagnostic, dotted, printable, printable_lines
from ignition.util import limits
from ignition.util.record import record

BOLD = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m"}
BLUE = "\x1b[1;34m"
RESET = "\x1b[0m"
ELLIPSIS = "..."


@record
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


def _window(length: int, col: int, width: int) -> tuple[int, int]:
    """The [start, end) columns to show around ``col`` of a line of ``length`` characters
    (the context lines are shown through the same window, so they stay aligned)."""
    if length <= width:
        return 0, width
    start = max(0, min(col - 1 - width // 2, length - width))
    return start, start + width


def _esc(text: str) -> str:
    return printable(text, len(text))


def _shown(line: str, start: int, end: int) -> str:
    """A source line's characters [start, end), escaped, with ellipses where it was cut."""
    if start >= len(line):
        return ELLIPSIS if line else ""
    head = ELLIPSIS if start > 0 else ""
    tail = ELLIPSIS if end < len(line) else ""
    return head + _esc(line[start:end]) + tail


def snippet(src: Source, line: int, col: int, message: str | None, *, color: bool) -> str | None:
    """The framed context lines with carets; None when the position is outside the text."""
    lines = src.lines()
    if line < 1 or line > len(lines) or col < 1 or col > len(lines[line - 1]):
        return None
    first, last = max(1, line - 2), min(len(lines), line + 2)
    width = len(str(last))
    pad = " " * (width + 2)
    blue, reset = (BLUE, RESET) if color else ("", "")
    start, end = _window(len(lines[line - 1]), col, limits.snippet_width())
    out = [f"  {blue}-->{reset} {printable(src.name)}:{line}:{col}\n", f"{pad}|\n"]
    for n in range(first, last + 1):
        text = lines[n - 1]
        out.append(f" {blue}{n:>{width}}{reset} | {_shown(text, start, min(end, len(text)))}\n")
        if n == line:
            lead = (ELLIPSIS if start > 0 else "") + _esc(text[start : col - 1])
            marks = "^" * len(_esc(text[col - 1 : min(col - 1 + _carets(text, col), end)]))
            tail = f" {printable(message)}" if message is not None else ""
            out.append(f"{pad}| {' ' * len(lead)}{blue}{marks}{reset}{tail}\n")
    out.append(f"{pad}|\n")
    return "".join(out)


def raw_line(d: Diagnostic) -> str:
    return d.ignition_text() + "\n"


def butane_entry(d: Diagnostic, src: Source, *, color: bool, raw: bool) -> str:
    if raw or d.line is None or d.column is None:
        return raw_line(d)
    body = snippet(src, d.line, d.column, d.message, color=color)
    if body is None:
        return raw_line(d)
    kind = f"{BOLD[d.severity]}{d.severity}{RESET}" if color else str(d.severity)
    head = f"{kind}[{printable(dotted(d.path))}]:\n" if d.path else f"{kind}:\n"
    return head + body


def butane_report(
    entries: list[Diagnostic], hints: dict[int, str], src: Source, *, color: bool, raw: bool
) -> str:
    """Entries separated by a blank line; ``hints`` adds a help line under entry i."""
    parts = []
    shown, rest = bounded(entries)
    for i in shown:
        text = butane_entry(entries[i], src, color=color, raw=raw)
        if i in hints and not raw:
            text += f"  = help: {printable(hints[i])}\n"
        parts.append(text)
    more = suppressed(rest)
    return "\n".join(parts) + (more if not parts or raw or not more else "\n" + more)


def bounded(entries: Sequence[Diagnostic]) -> tuple[list[int], list[Diagnostic]]:
    """Which entries to print (indices, in order) and which to only count: the first
    ``PYIGNITION_MAX_ERRORS`` errors and as many warnings and notes, so a flood of warnings
    never hides the errors after it."""
    limit = limits.max_errors()
    shown: list[int] = []
    rest: list[Diagnostic] = []
    errors = others = 0
    for i, d in enumerate(entries):
        if d.is_error:
            errors += 1
            keep = errors <= limit
        else:
            others += 1
            keep = others <= limit
        if keep:
            shown.append(i)
        else:
            rest.append(d)
    return shown, rest


def suppressed(rest: Sequence[Diagnostic]) -> str:
    """The one line that stands for the entries past the limit ("" when there are none)."""
    if not rest:
        return ""
    errors = sum(1 for d in rest if d.is_error)
    counts = [f"{errors} more error{'s' * (errors != 1)}"] if errors else []
    if len(rest) - errors:
        others = len(rest) - errors
        counts.append(f"{others} more warning{'s' * (others != 1)} or note{'s' * (others != 1)}")
    return (
        f"... {' and '.join(counts)} not shown (set {limits.ERRORS_VAR} to show more "
        f"than {limits.max_errors()})\n"
    )


def bounded_reason(reason: str) -> str:
    """A multi-line failure reason ("yaml: unmarshal errors:" and one line per error), printable
    and cut after ``PYIGNITION_MAX_ERRORS`` lines of errors."""
    lines = reason.split("\n")
    shown = limits.max_errors()
    if len(lines) - 1 > shown:
        more = len(lines) - 1 - shown
        lines = [
            *lines[: shown + 1],
            f"  ... {more} more error{'s' * (more != 1)} not shown (set {limits.ERRORS_VAR} "
            f"to show more than {shown})",
        ]
    return printable_lines("\n".join(lines))


def context_only(src: Source, line: int, col: int) -> str:
    """A snippet without a message after the carets (for errors reported on one line)."""
    return snippet(src, line, col, None, color=False) or ""


def ct_entry(d: Diagnostic, src: Source, hint: str | None = None) -> str:
    """ct's form (``<kind> at line L, column C`` + message), then our snippet."""
    if d.line is None or d.column is None:
        return f"{d.severity}: {printable(d.message)}\n"
    text = f"{d.severity} at line {d.line}, column {d.column}\n{printable(d.message)}\n"
    where = snippet(src, d.line, d.column, None, color=False)
    if where is not None and d.line > 0:
        text += where
    if hint:
        text += f"  = help: {printable(hint)}\n"
    return text
