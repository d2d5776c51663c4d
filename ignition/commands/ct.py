"""``ct``: the Container Linux Config Transpiler's command line (Go ``flag`` syntax, exit 0/1/2,
usage on stderr, compact output without a trailing newline, ``-pretty`` with one)."""

from __future__ import annotations

import sys
from typing import TextIO

from ignition.commands.cliargs import FlagSpec, GoFlags, UsageError, help_or_version
from ignition.commands.crash import entry_point

PROG = "ct"


def flags() -> GoFlags:
    return GoFlags(
        [
            FlagSpec("files-dir"),
            FlagSpec("help", takes_value=False, aliases=("h",)),
            FlagSpec("in-file"),
            FlagSpec("out-file"),
            FlagSpec("platform", default=""),
            FlagSpec("pretty", takes_value=False),
            FlagSpec("strict", takes_value=False),
            FlagSpec("version", takes_value=False),
        ]
    )


@entry_point(PROG)
def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    err = sys.stderr
    try:
        opts, _rest = flags().parse(args)  # positional arguments are ignored, as ct does
    except UsageError as exc:
        from ignition.commands.helptext import usage_error

        return usage_error(PROG, exc)
    if (done := help_or_version(opts, PROG, PROG)) is not None:
        return done
    from transpiler.ct.sugar import PLATFORMS

    platform = str(opts["platform"] or "")
    if platform and platform not in PLATFORMS:
        err.write("error: unsupported platform\n")
        return 1
    in_file = opts["in-file"]
    from ignition.config.report import printable
    from ignition.util import limits

    try:
        limits.check_all()
        raw = limits.read_named(str(in_file) if in_file else None)
    except OSError as exc:
        err.write(f"Failed to open: open {printable(str(in_file))}: {_reason(exc)}\n")
        return 1
    except limits.LimitSettingError as exc:
        err.write(f"error: {exc}\n")
        return 2
    except limits.InputTooLarge as exc:
        err.write(f"error: {exc}\nFailed to parse config\n")
        return 1
    return run(raw, opts, str(in_file or "<stdin>"), platform, err=err)


def _reason(exc: OSError) -> str:
    r = exc.strerror or str(exc)
    return r[:1].lower() + r[1:]


def run(raw: bytes, opts: dict[str, object], name: str, platform: str, *, err: TextIO) -> int:
    from ignition.config.report import printable
    from transpiler.ct.convert import translate
    from transpiler.jsonout import dumps
    from transpiler.localfiles import OsFilesDir
    from transpiler.render import (
        Source,
        bounded,
        bounded_reason,
        context_only,
        ct_entry,
        suppressed,
    )

    files_dir = opts["files-dir"]
    files = OsFilesDir(str(files_dir)) if files_dir else None
    res = translate(raw, files=files, platform=platform)
    src = Source(raw.decode("utf-8", errors="replace").replace("\r\n", "\n"), name)
    strict = bool(opts["strict"])
    parsed = len(res.parse)
    entries = [*res.parse.entries, *res.convert.entries]  # one budget for both phases
    shown, rest = bounded(entries)
    err.write("".join(ct_entry(entries[i], src, res.hints.get(i)) for i in shown if i < parsed))
    failed_parse = res.parse_failed or (strict and parsed)
    if failed_parse or res.error is not None:
        err.write(suppressed(bounded(res.parse.entries)[1]))
        if res.error is not None:
            err.write(f"error: {bounded_reason(res.error)}\n")
            if res.error_pos is not None:
                err.write(context_only(src, *res.error_pos))
            if res.error_help is not None:
                err.write(f"  = help: {printable(res.error_help)}\n")
        if failed_parse:
            err.write("Failed to parse config\n")
        return 1
    err.write("".join(ct_entry(entries[i], src) for i in shown if i >= parsed))
    err.write(suppressed(rest))
    if res.convert.is_fatal or (strict and len(res.convert)):
        return 1
    assert res.output is not None
    text = dumps(res.output, pretty=bool(opts["pretty"]))
    if opts["pretty"]:
        text += "\n"
    out_file = opts["out-file"]
    if out_file:
        try:
            with open(str(out_file), "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            err.write(f"Failed to create: open {printable(str(out_file))}: {_reason(exc)}\n")
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
