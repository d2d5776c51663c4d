"""Text forms of cloud-config paths, positions and diagnostics."""

from __future__ import annotations

from ignition.report import Diagnostic, Path


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
    """``FILE:LINE:COL: severity: path: message`` (one line; never the reference's shape)."""
    head = where(d.file or file, d.line, d.column)
    if not d.path:
        return f"{head}: {d.severity}: {d.message}"
    return f"{head}: {d.severity}: {yaml_path(d.path)}: {d.message}"
