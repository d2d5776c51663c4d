"""``ignition-validate``: offline validation with the reference's output and exit status.

Reference contract (kept): ``ignition-validate [flags] FILE|-``; the report on stdout, one
``<kind> at <path>, line L col C: <message>`` line per entry; ``couldn't parse config: ...`` or
``couldn't read config: ...`` on stderr; exit 1 on any error, else 0; Go-style flags
(``-version`` and ``--version``). Additions: ``--format json`` (a list of
{severity, path, line, column, message}), and ``--legacy`` to accept spec 1/2.x configs the way
Flatcar's Ignition does (upstream refuses them, and so do we by default, saying how to check
them). Butane YAML is named as such first, with the command that transpiles it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

from ignition.commands.cliargs import FlagSpec, GoFlags, UsageError, help_or_version
from ignition.commands.crash import entry_point

if TYPE_CHECKING:
    from ignition.config.report import Diagnostic, Report

PROG = "ignition-validate"


def flags() -> GoFlags:
    return GoFlags(
        [
            FlagSpec("version", takes_value=False),
            FlagSpec("legacy", takes_value=False),
            FlagSpec("butane", takes_value=False),
            FlagSpec("format", default="text", choices=("text", "json")),
            FlagSpec("platform"),
            FlagSpec("help", takes_value=False, aliases=("h",)),
        ]
    )


@entry_point(PROG)
def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        opts, rest = flags().parse(args)
    except UsageError as exc:  # the reference's status for every usage error is 1
        from ignition.commands.helptext import usage_error

        return usage_error(PROG, exc, 1)
    if (done := help_or_version(opts, PROG, PROG)) is not None:
        return done
    if len(rest) != 1:  # as the reference: the usage alone
        from ignition.commands.helptext import usage

        sys.stderr.write(usage(PROG))
        return 1
    name = rest[0]
    from ignition.config.report import printable
    from ignition.util import limits

    try:
        limits.check_all()
        if name == "-":
            raw = limits.read_input(sys.stdin.buffer)
        else:
            with open(name, "rb") as fh:
                raw = limits.read_input(fh)
    except OSError as exc:
        reason = exc.strerror.lower() if exc.strerror else str(exc)
        if reason and reason[0].isupper():
            reason = reason[0].lower() + reason[1:]
        op = "read" if isinstance(exc, IsADirectoryError) else "open"  # Go opens directories
        sys.stderr.write(f"couldn't read config: {op} {printable(name)}: {reason}\n")
        return 1
    except limits.LimitSettingError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    except limits.InputTooLarge as exc:
        sys.stderr.write(f"couldn't read config: {exc}\n")
        return 1
    if opts["platform"]:  # providers: user-data size limit (providers/limits.py)
        from providers.limits import check

        warning = check(str(opts["platform"]), raw)
        if warning is not None:
            sys.stderr.write(f"warning: {warning}\n")
    return validate_input(
        raw,
        name,
        fmt=str(opts["format"]),
        legacy=bool(opts["legacy"]),
        butane=bool(opts["butane"]),
        out=sys.stdout,
        err=sys.stderr,
    )


def validate_input(
    raw: bytes, name: str, *, fmt: str, legacy: bool, butane: bool, out: TextIO, err: TextIO
) -> int:
    """Validate whatever the input is (an Ignition config or Butane YAML); the exit status."""
    if _is_butane(raw):
        return validate_butane(raw, name, out=out, fmt=fmt, butane=butane, err=err)
    return validate_bytes(raw, out=out, err=err, fmt=fmt, legacy=legacy, name=name)


def _is_butane(raw: bytes) -> bool:
    stripped = raw.lstrip()
    if not stripped or stripped[:1] in (b"{", b"["):
        return False  # JSON (or nothing): the Ignition path, unchanged
    from ignition.config.detect import Kind, detect

    try:
        return detect(raw).kind is Kind.BUTANE
    except ValueError:
        return False


def validate_butane(
    raw: bytes, name: str, *, out: TextIO, fmt: str, butane: bool, err: TextIO | None = None
) -> int:
    """Transpile and validate Butane YAML; every diagnostic at its YAML line:column.

    Ignition itself rejects YAML, so unless ``-butane`` is given the verdict is a failure, and
    the first thing said is that this is Butane and how to transpile it; then, in text, what
    Ignition itself says about the YAML (the reference's one line, which ``err`` enables)."""
    from ignition.config.report import Diagnostic, Report, Severity

    report, reason = _butane_report(raw, name)
    valid = not report.is_fatal
    if butane:
        out.write(report.json_text() if fmt == "json" else _butane_text(report, name, reason))
        return 0 if valid else 1
    first = Diagnostic(Severity.ERROR, None, _not_ignition(name, valid), file=name)
    if fmt == "json":
        out.write(Report([first, *report.entries]).json_text())
        return 1
    out.write(_butane_text(Report([first]), name, None))
    if err is not None:
        validate_bytes(raw, out=out, err=err, fmt="text", legacy=False, name=name)
    out.write(_butane_text(report, name, reason))
    return 1


def _butane_report(raw: bytes, name: str) -> tuple[Report, Diagnostic | None]:
    """The Butane translator's report, and the entry whose line breaks are ours (its failure
    reason, "yaml: unmarshal errors:" ...) if it failed."""
    from ignition.config.report import Diagnostic, Report, Severity
    from ignition.util.record import replace
    from transpiler.butane.translate import translate
    from transpiler.render import bounded_reason

    result = translate(raw)
    report = Report([replace(d, file=name) for d in result.report.entries])
    failure = result.failure
    if failure is None:
        return report, None
    text = bounded_reason(failure.reason)
    reason = Diagnostic(Severity.ERROR, None, text, failure.line, failure.column, name)
    report.entries.append(reason)
    return report, reason


def _not_ignition(name: str, valid: bool) -> str:
    """What to do with a Butane config given where an Ignition config belongs."""
    import os
    import shlex

    if name == "-":
        command = "butane --strict < config.bu > config.ign"
    else:
        path = "./" + name if name.startswith("-") else name  # not to be read as an option
        base, ext = os.path.splitext(path)
        target = base + ".ign" if ext in (".bu", ".yaml", ".yml") else path + ".ign"
        command = f"butane --strict {shlex.quote(path)} > {shlex.quote(target)}"
    if valid:
        return f"this is a Butane config, not an Ignition config: transpile it first: {command}"
    return (
        "this is a Butane config with errors (listed below), not an Ignition config: "
        f"fix them, then transpile it: {command}"
    )


def _butane_text(report: Report, name: str, reason: Diagnostic | None) -> str:
    from ignition.config.report import dotted, printable

    lines = []
    name = printable(name)
    for d in report:
        where = f"{name}:{d.line}:{d.column}: " if d.line is not None else f"{name}: "
        path = f" at {printable(dotted(d.path))}" if d.path is not None else ""
        message = d.message if d is reason else printable(d.message)
        lines.append(f"{where}{d.severity}{path}: {message}\n")
    return "".join(lines)


def validate_bytes(
    raw: bytes, *, out: TextIO, err: TextIO, fmt: str, legacy: bool, name: str = "config.ign"
) -> int:
    from ignition.config.parse import parse

    result = parse(raw, legacy=legacy)
    if result.failure is not None:
        err.write(f"couldn't parse config: {result.failure}\n")
        if not legacy:
            err.write(_legacy_hint(raw, name))
        if fmt == "json":
            out.write('[{"severity": "error", "path": null, "line": null, "column": null, ')
            out.write(f'"message": "couldn\'t parse config: {result.failure}"}}]\n')
        return 1
    report = result.report
    out.write(report.json_text() if fmt == "json" else report.ignition_text())
    return 1 if report.is_fatal else 0


def _legacy_hint(raw: bytes, name: str) -> str:
    """For a spec 1 or 2.x config (refused without -legacy): how to check it, and where ct
    users go from there. Nothing for other refusals."""
    import shlex

    from ignition.config.parse import parse
    from ignition.config.report import printable

    older = parse(raw, legacy=True)
    if older.failure is not None:
        return ""
    version = older.version or "1"
    from_ct = version != "1"  # ct writes spec 2.x
    path = "./" + name if name.startswith("-") and name != "-" else name  # not an option
    shown = printable(shlex.quote(path))
    return (
        f"{shown}: this is a spec {version} config ({'as ct writes them; ' if from_ct else ''}"
        f"Flatcar's Ignition takes them, other Ignitions do not): check it with: "
        f"{PROG} -legacy {shown}\n"
    ) + (
        f"{shown}: for spec 3, convert the Container Linux Config (ct's input) to Butane: "
        "ignition-convert -from ct config.yaml > config.bu\n"
        if from_ct
        else ""
    )


if __name__ == "__main__":
    raise SystemExit(main())
