"""``--help`` and usage texts, made from the command table (:mod:`ignition.commands.table`) and each
command's parser. Imported only when one of them is printed.

Two layouts, each the one the reference tools print, so that their usage texts stay word for
word: Go's ``flag.PrintDefaults`` (flags sorted, the meaning on the next line after a tab) and
spf13/pflag's (``-p, --pretty`` in aligned columns; ``butane``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, TextIO, cast

from ignition.commands.table import BY_NAME, Command, Flag

if TYPE_CHECKING:  # the command's own module, imported below, loads them
    from collections.abc import Sequence

    from ignition.commands.cliargs import FlagSpec, GoFlags


def usage(name: str, prog: str | None = None) -> str:
    """What a usage error prints after its message: the head and the flags."""
    cmd = BY_NAME[name]
    head = cmd.usage.replace("{prog}", prog or name)
    return head + flag_lines(cmd, prog or name)


def help_text(name: str, prog: str | None = None) -> str:
    """``--help``: the usage, what the command does, one example and the exit statuses."""
    import textwrap

    cmd = BY_NAME[name]
    about = textwrap.fill(" ".join(cmd.description.split()), width=80)
    exits = "".join(f"  {code}  {what}\n" for code, what in cmd.exits)
    return (
        f"{usage(name, prog)}\n{about}\n\n"
        f"Example:\n  # {cmd.example_says}\n  {cmd.example}\n\n"
        f"Exit status:\n{exits}"
    )


def usage_error(
    name: str,
    message: object,
    status: int = 2,
    prog: str | None = None,
    err: TextIO | None = None,
) -> int:
    """A usage error as the Go references print it: the message, then the usage; the status."""
    import sys

    (err or sys.stderr).write(f"{message}\n{usage(name, prog)}")
    return status


def print_help(
    name: str, prog: str | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Write ``--help`` where the command writes it (the Go references: stderr); exit 0."""
    import sys

    stream = (out or sys.stdout) if BY_NAME[name].help_to_stdout else (err or sys.stderr)
    stream.write(help_text(name, prog))
    return 0


def specs(cmd: Command) -> list[FlagSpec]:
    """The command's flags as its parser defines them (a GoFlags, or FlagSpecs for pflag)."""
    module, _, func = cmd.parser.partition(":")
    made: GoFlags | Sequence[FlagSpec] = getattr(importlib.import_module(module), func)()
    return list(cast("Sequence[FlagSpec]", getattr(made, "specs", made)))  # a GoFlags has them


def rows(cmd: Command) -> list[tuple[FlagSpec, Flag]]:
    """Each listed flag with the parser's spec of it, sorted by name (as Go and pflag do)."""
    meaning = {f.name: f for f in cmd.flags}
    pairs = [(s, meaning[s.name]) for s in specs(cmd)]
    return sorted(((s, f) for s, f in pairs if not f.hidden), key=lambda p: p[0].name)


def default_text(spec: FlagSpec, flag: Flag) -> str | None:
    """The "(default ...)" word, or None when the default is the zero value."""
    if flag.default is not None:
        return flag.default
    if not spec.takes_value or spec.repeat or not spec.default:
        return None
    return f'"{spec.default}"'


def fill(text: str, prog: str) -> str:
    """The meaning with its placeholders filled in (lists that change as the code grows)."""
    if "{platforms}" in text:
        import providers

        text = text.replace("{platforms}", ", ".join(providers.names()))
    if "{stages}" in text:
        from ignition.stages import ORDER

        text = text.replace("{stages}", ", ".join(ORDER))
    return text.replace("{prog}", prog)


def flag_lines(cmd: Command, prog: str) -> str:
    return (_pflag if cmd.style == "pflag" else _go)(rows(cmd), prog)


def _go(pairs: list[tuple[FlagSpec, Flag]], prog: str) -> str:
    out = []
    for spec, flag in pairs:
        shown = [a for a in spec.aliases if spec.name != "help"]  # Go's implicit -h: unlisted
        names = ", ".join(f"-{n}" for n in (*shown, spec.name))
        line = f"  {names}" + (f" {flag.arg}" if flag.arg else "")
        line += "\t" if len(line) <= 4 else "\n    \t"  # Go: one-letter switches on one line
        line += fill(flag.meaning, prog).replace("\n", "\n    \t")
        default = default_text(spec, flag)
        out.append(line + (f" (default {default})" if default else "") + "\n")
    return "".join(out)


def _pflag(pairs: list[tuple[FlagSpec, Flag]], prog: str) -> str:
    heads, tails = [], []
    for spec, flag in pairs:
        short = [a for a in spec.aliases if len(a) == 1]
        head = f"  -{short[0]}, --{spec.name}" if short else f"      --{spec.name}"
        head += (f" {flag.arg}" if flag.arg else "") + (
            f'[="{flag.no_opt}"]' if flag.no_opt else ""
        )
        default = default_text(spec, flag)
        heads.append(head)
        tails.append(fill(flag.meaning, prog) + (f" (default {default})" if default else ""))
    width = max((len(h) for h in heads), default=0)
    lines = zip(heads, tails, strict=True)
    return "".join(f"{h}{' ' * (width - len(h) + 3)}{t}\n" for h, t in lines)
