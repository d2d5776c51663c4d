"""``ignition-validate``: offline validation with the reference's output and exit status.

Reference contract (kept): ``ignition-validate [flags] FILE|-``; the report on stdout, one
``<kind> at <path>, line L col C: <message>`` line per entry; ``couldn't parse config: ...`` or
``couldn't read config: ...`` on stderr; exit 1 on any error, else 0; Go-style flags
(``-version`` and ``--version``). Additions: ``--format json`` (a list of
{severity, path, line, column, message}), and ``--legacy`` to accept spec 1/2.x configs the way
Flatcar's Ignition does (upstream refuses them, and so do we by default).
"""

from __future__ import annotations

import sys
from typing import TextIO

from ignition import __version__
from ignition.cliargs import FlagSpec, GoFlags, UsageError
from ignition.crash import entry_point

USAGE = """Usage:
  {prog} [flags] config.ign

  -format string
    \toutput format: text (as the reference) or json (default "text")
  -butane
    \tfor Butane YAML input: exit according to the Butane verdict
  -legacy
    \taccept spec 1 and 2.x configs (Flatcar), translated to spec 3
  -platform string
    \twarn when the config exceeds that platform's user-data size limit
  -version
    \tprint the version of {prog}
"""


@entry_point("ignition-validate")
def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    prog = "ignition-validate"
    flags = GoFlags(
        [
            FlagSpec("version", takes_value=False),
            FlagSpec("legacy", takes_value=False),
            FlagSpec("butane", takes_value=False),
            FlagSpec("format", default="text", choices=("text", "json")),
            FlagSpec("platform"),
            FlagSpec("help", takes_value=False, aliases=("h",)),
        ]
    )
    try:
        opts, rest = flags.parse(args)
    except UsageError as exc:
        sys.stderr.write(f"{exc}\n" + USAGE.format(prog=prog))
        return 1 if "help" not in str(exc) else 0
    if opts["help"]:
        sys.stderr.write(USAGE.format(prog=prog))
        return 0
    if opts["version"]:
        sys.stdout.write(f"{prog} {__version__} (pyignition)\n")
        return 0
    if len(rest) != 1:
        sys.stderr.write(USAGE.format(prog=prog))
        return 1
    name = rest[0]
    from ignition import limits
    from ignition.report import printable

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
        if not butane and fmt == "text":
            # what Ignition sees first (it rejects YAML), as the reference prints it
            validate_bytes(raw, out=out, err=err, fmt="text", legacy=False)
        return validate_butane(raw, name, out=out, fmt=fmt, butane=butane)
    return validate_bytes(raw, out=out, err=err, fmt=fmt, legacy=legacy)


def _is_butane(raw: bytes) -> bool:
    stripped = raw.lstrip()
    if not stripped or stripped[:1] in (b"{", b"["):
        return False  # JSON (or nothing): the Ignition path, unchanged
    from ignition.config.detect import Kind, detect

    try:
        return detect(raw).kind is Kind.BUTANE
    except ValueError:
        return False


def validate_butane(raw: bytes, name: str, *, out: TextIO, fmt: str, butane: bool) -> int:
    """Transpile and validate Butane YAML; every diagnostic at its YAML line:column.

    Ignition itself rejects YAML, so unless ``-butane`` is given the verdict is a failure with
    an extra entry saying the config must be transpiled first."""
    from ignition.record import replace
    from ignition.report import Diagnostic, Report, Severity
    from transpiler.butane.translate import translate
    from transpiler.render import bounded_reason

    result = translate(raw)
    report = Report([replace(d, file=name) for d in result.report.entries])
    failure = result.failure
    reason = None  # the one entry whose line breaks are ours ("yaml: unmarshal errors:" ...)
    if failure is not None:
        text = bounded_reason(failure.reason)
        reason = Diagnostic(Severity.ERROR, None, text, failure.line, failure.column, name)
        report.entries.append(reason)
    valid = not report.is_fatal
    if not butane:
        verdict = "a valid" if valid else "an invalid"
        report.error(None, f"{name} is {verdict} Butane config: it must be transpiled first")
    out.write(report.json_text() if fmt == "json" else _butane_text(report, name, reason))
    if butane:
        return 0 if valid else 1
    return 1


def _butane_text(report: object, name: str, reason: object) -> str:
    from ignition.report import Report, dotted, printable

    assert isinstance(report, Report)
    lines = []
    name = printable(name)
    for d in report:
        where = f"{name}:{d.line}:{d.column}: " if d.line is not None else f"{name}: "
        path = f" at {printable(dotted(d.path))}" if d.path is not None else ""
        message = d.message if d is reason else printable(d.message)
        lines.append(f"{where}{d.severity}{path}: {message}\n")
    return "".join(lines)


def validate_bytes(raw: bytes, *, out: TextIO, err: TextIO, fmt: str, legacy: bool) -> int:
    from ignition.config.parse import parse

    result = parse(raw, legacy=legacy)
    if result.failure is not None:
        err.write(f"couldn't parse config: {result.failure}\n")
        if fmt == "json":
            out.write('[{"severity": "error", "path": null, "line": null, "column": null, ')
            out.write(f'"message": "couldn\'t parse config: {result.failure}"}}]\n')
        return 1
    report = result.report
    out.write(report.json_text() if fmt == "json" else report.ignition_text())
    return 1 if report.is_fatal else 0


if __name__ == "__main__":
    raise SystemExit(main())
