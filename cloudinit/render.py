"""Text forms of cloud-config paths, positions and diagnostics."""

from __future__ import annotations

import re

from ignition.config.report import Diagnostic, Path, printable
from ignition.util.record import replace
from ignition.util.redact import SECRET


def yaml_path(path: Path | None) -> str:
    """``coreos.units[0].enable``: how a cloud-config user spells a place in the document."""
    if not path:
        return "(document)"
    out: list[str] = []
    for p in path:
        if isinstance(p, int):
            out.append(f"[{p}]")
        else:
            out.append(("." if out else "") + p)
    return "".join(out)


def where(file: str | None, line: int | None, column: int | None) -> str:
    name = file or "<user-data>"
    if line is None:
        return name
    if column is None:
        return f"{name}:{line}"
    return f"{name}:{line}:{column}"


def diagnostic(d: Diagnostic, file: str | None = None) -> str:
    """``FILE:LINE:COL: severity: path: message`` (one line, control characters escaped;
    never the reference's shape)."""
    head = where(d.file or file, d.line, d.column)
    if not d.path:
        return printable(f"{head}: {d.severity}: {d.message}")
    return printable(f"{head}: {d.severity}: {yaml_path(d.path)}: {d.message}")


# A Go- or Python-quoted string in a message: "..." with escapes, or '...'.
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
# what follows these is a value of the document, printed with Go's %v
_VALUE_PREFIXES = ("invalid value ", "invalid map key: ")
ENCODINGS = frozenset(
    ("b64", "base64", "gz", "gzip", "gz+base64", "gzip+base64", "gz+b64", "gzip+b64")
)


def redacted(d: Diagnostic, file: str | None = None) -> str:
    """:func:`diagnostic` without the document's values, for logs: quoted text that is not a
    key of the entry's path, and what follows ``invalid value`` or ``invalid map key:``, become
    ``<redacted>``. Key
    names stay (the path shows them anyway); values may be secrets."""
    keys = {str(p) for p in d.path or () if isinstance(p, str)}

    def hide(m: re.Match[str]) -> str:
        text = m.group(0)
        inner = text[1:-1]
        if inner in keys or inner in ENCODINGS or (len(inner) == 1 and not inner.isalnum()):
            return text  # a key name, an encoding's name, or YAML punctuation like '-'
        return SECRET

    message = _QUOTED.sub(hide, d.message)
    for prefix in _VALUE_PREFIXES:
        head, found, _ = message.partition(prefix)
        if found:
            message = head + prefix + SECRET
    return diagnostic(replace(d, message=message), file)
