"""``butane``: the reference's flags (pflag: ``-p``/``--pretty``, bundled short flags,
``--flag=v``), exit codes (0 ok, 1 failure, 2 usage), stdin/stdout behaviour and report format."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, TextIO

from ignition.commands.cliargs import print_version
from ignition.commands.crash import entry_point
from ignition.util.record import field, record

if TYPE_CHECKING:
    from ignition.commands.cliargs import FlagSpec

DEPRECATED_INPUT = "Flag --input has been deprecated, specify filename directly on command line"
_BOOL = {
    "check": "c",
    "help": "h",
    "pretty": "p",
    "raw": "r",
    "raw-errors": "",
    "strict": "s",
    "version": "V",
    "debug": "D",
}
_VALUE = {"files-dir": "d", "output": "o", "input": ""}
_SHORT = {v: k for k, v in {**_BOOL, **_VALUE}.items() if v}


class Usage(Exception):
    pass


def flags() -> list[FlagSpec]:
    """The flags as the help table sees them (the parser below works from the tables above)."""
    from ignition.commands.cliargs import FlagSpec

    shorts = {**_BOOL, **_VALUE}
    return [
        FlagSpec("color", default="auto"),
        *(FlagSpec(n, takes_value=False, aliases=(s,) if s else ()) for n, s in _BOOL.items()),
        *(FlagSpec(n, aliases=(shorts[n],) if shorts[n] else ()) for n in _VALUE),
    ]


def _usage(prog: str) -> str:
    from ignition.commands.helptext import usage

    return usage("butane", prog)


@record(frozen=False)
class Options:
    flags: set[str] = field(default_factory=set)
    values: dict[str, str] = field(default_factory=dict)
    color: str = "auto"
    args: list[str] = field(default_factory=list)
    deprecations: list[str] = field(default_factory=list)


def parse_args(argv: list[str]) -> Options:
    o = Options()
    i = 0
    while i < len(argv):
        a = argv[i]
        i += 1
        if a == "--":
            o.args += argv[i:]
            break
        if a.startswith("--"):
            name, eq, val = a[2:].partition("=")
            if name in ("color", "colour"):
                o.color = val if eq else "always"
            elif name in _BOOL:
                if eq and val.lower() in ("false", "0", "f"):
                    o.flags.discard(name)
                else:
                    o.flags.add(name)
            elif name in _VALUE:
                if not eq:
                    if i >= len(argv):
                        raise Usage(f"flag needs an argument: --{name}")
                    val = argv[i]
                    i += 1
                o.values[name] = val
                if name == "input":
                    o.deprecations.append(DEPRECATED_INPUT)
            else:
                raise Usage(f"unknown flag: --{name}")
        elif a.startswith("-") and a != "-":
            j = 1
            while j < len(a):
                c = a[j]
                name = _SHORT.get(c, "")
                if not name:
                    raise Usage(f"unknown shorthand flag: '{c}' in {a}")
                if name in _VALUE:
                    val = a[j + 1 :].removeprefix("=")
                    if not val:
                        if i >= len(argv):
                            raise Usage(f"flag needs an argument: '{c}' in -{c}")
                        val = argv[i]
                        i += 1
                    o.values[name] = val
                    break
                o.flags.add(name)
                j += 1
        else:
            o.args.append(a)
    return o


@entry_point("butane")
def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    prog = os.path.basename(sys.argv[0]) if argv is None else "butane"
    out, err = sys.stdout, sys.stderr
    try:
        o = parse_args(args)
    except Usage as exc:
        err.write(_usage(prog) + f"{exc}\n")
        return 2
    for line in o.deprecations:
        err.write(line + "\n")
    if "help" in o.flags:
        from ignition.commands.helptext import print_help

        return print_help("butane", prog)
    if "version" in o.flags:
        return print_version("Butane", out)
    if len(o.args) > 1:
        err.write(_usage(prog))
        return 2
    name = o.args[0] if o.args else o.values.get("input")
    from ignition.config.report import printable
    from ignition.util import limits

    try:
        limits.check_all()
        raw = limits.read_named(name)
    except OSError as exc:
        shown = printable(str(name))
        err.write(f"failed to open {shown}: open {shown}: {_reason(exc)}\n")
        return 1
    except limits.LimitSettingError as exc:
        err.write(f"{exc}\n")
        return 2
    except limits.InputTooLarge as exc:
        err.write(f"Error translating config: {exc}\n")
        return 1
    return run(raw, o, name or "<stdin>", out=out, err=err)


def _reason(exc: OSError) -> str:
    r = exc.strerror or str(exc)
    return r[:1].lower() + r[1:]


def _color(mode: str, err: TextIO) -> bool:
    if mode in ("always", "yes"):
        return True
    if mode == "auto":
        return "NO_COLOR" not in os.environ and err.isatty()
    return False


def run(raw: bytes, o: Options, name: str, *, out: TextIO, err: TextIO) -> int:
    from ignition.config.report import printable
    from transpiler.butane.translate import translate
    from transpiler.localfiles import OsFilesDir
    from transpiler.render import Source, bounded_reason, butane_report, context_only

    files_dir = o.values.get("files-dir")
    files = OsFilesDir(files_dir) if files_dir is not None else None
    result = translate(raw, files=files, raw_output="raw" in o.flags, pretty="pretty" in o.flags)
    src = Source(raw.decode("utf-8", errors="replace").replace("\r\n", "\n"), name)
    color = _color(o.color, err)
    if "debug" in o.flags:
        err.write(result.translations.debug_text())
    text = butane_report(
        result.report.entries, result.hints, src, color=color, raw="raw-errors" in o.flags
    )
    if text:
        err.write(text)
    if result.failure is not None:
        f = result.failure
        err.write(f"Error translating config: {bounded_reason(f.reason)}\n")
        if f.line is not None and f.column is not None and "raw-errors" not in o.flags:
            err.write(context_only(src, f.line, f.column))
        return 1
    if "strict" in o.flags and len(result.report):
        err.write("Config produced warnings and --strict was specified\n")
        return 1
    if "check" in o.flags:
        return 0
    assert result.output is not None
    target = o.values.get("output")
    if target is not None:
        try:
            with open(target, "wb") as fh:
                fh.write(result.output)
        except OSError as exc:
            shown = printable(target)
            err.write(f"failed to open {shown}: open {shown}: {_reason(exc)}\n")
            return 1
        return 0
    out.flush()
    sys.stdout.buffer.write(result.output) if out is sys.stdout else out.write(
        result.output.decode()
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
