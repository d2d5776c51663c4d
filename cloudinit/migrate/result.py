"""What a migration returns: the Butane text and the report, and the head of the file."""

from __future__ import annotations

from cloudinit import render
from ignition.config.report import Report
from ignition.util.record import record


@record
class Migration:
    dialect: str  # the dialect read: "cloud-init", "ct" or "coreos-cloudinit"
    text: str | None  # the Butane document; None when the input could not be read at all
    report: Report  # errors: not carried over; warnings: carried with another meaning

    @property
    def complete(self) -> bool:
        return self.text is not None and not self.report.is_fatal


def header(title: str, report: Report, source: str | None) -> str:
    """Comment lines for the head of the Butane: what was and was not carried over."""
    lines = [title]
    errors = [d for d in report if d.is_error]
    if errors:
        lines.append(f"# NOT CARRIED OVER ({len(errors)}); edit this file before using it:")
        lines += [f"#   {render.diagnostic(d, source)}" for d in errors]
    warnings = [d for d in report if d.severity == "warning"]
    if warnings:
        lines.append("# Carried over with a difference, or worth a look:")
        lines += [f"#   {render.diagnostic(d, source)}" for d in warnings]
    notes = [d for d in report if d.severity == "info"]
    if notes:
        lines.append("# Not needed here, or nothing to do:")
        lines += [f"#   {render.diagnostic(d, source)}" for d in notes]
    return "\n".join(line.replace("\n", " ").replace("\r", " ") for line in lines) + "\n"
