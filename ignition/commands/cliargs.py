"""Go-``flag``-style command lines: ``-flag value``, ``-flag=value``, ``--flag value``, ...

The reference tools are Go programs; their users' scripts pass flags with one dash or two, with
``=`` or a separate word. argparse only handles the double-dash forms, so this small parser
keeps every spelling working. Boolean flags take no word (``-flag=false`` is accepted).
Parsing stops at the first non-flag argument or at ``--``, as Go's does.
"""

from __future__ import annotations

from ignition.util.record import record

TYPE_CHECKING = False  # not typing's: an idle stage must not import typing (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import TextIO

# FlagSpec.required of every -root flag: an empty value must not quietly mean the running system
ROOT_REQUIRED = "give the root directory, such as / (the default)"


class UsageError(Exception):
    pass


def print_version(label: str, out: TextIO | None = None) -> int:
    """``-version``: one line, ``label`` spelt as the reference tool spells itself; exit 0.

    Not in ``helptext``: printing the version must not load the help machinery.
    """
    import sys

    from ignition import __version__

    (out or sys.stdout).write(f"{label} {__version__} (pyignition)\n")
    return 0


def help_or_version(
    opts: dict[str, object],
    name: str,
    label: str,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int | None:
    """Answer ``-help`` (the help of command ``name``) or ``-version`` (``label``'s version)
    with their exit status; None when neither was asked for."""
    if opts["help"]:
        from ignition.commands.helptext import print_help

        return print_help(name, out=out, err=err)
    if opts["version"]:
        return print_version(label, out)
    return None


def _shown(text: str) -> str:
    """An argument echoed in an error: control characters escaped, length bounded."""
    from ignition.config.report import printable  # only on the error path

    return printable(text, limit=200)


@record
class FlagSpec:
    name: str
    takes_value: bool = True
    default: str | bool | None = None
    choices: tuple[str, ...] | None = None
    aliases: tuple[str, ...] = ()
    repeat: bool = False  # collect every occurrence in a list
    required: str = ""  # why an empty value is refused ("" = it is allowed)


class GoFlags:
    def __init__(self, specs: list[FlagSpec]) -> None:
        self.specs = specs
        self.by_name: dict[str, FlagSpec] = {}
        for s in specs:
            self.by_name[s.name] = s
            for a in s.aliases:
                self.by_name[a] = s

    def parse(self, args: list[str]) -> tuple[dict[str, object], list[str]]:
        opts: dict[str, object] = {}
        for s in self.specs:
            if s.repeat:
                opts[s.name] = []
            elif s.takes_value:
                opts[s.name] = s.default
            else:
                opts[s.name] = bool(s.default)
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                return opts, args[i + 1 :]
            if not arg.startswith("-") or arg == "-":
                return opts, args[i:]
            body = arg[2:] if arg.startswith("--") else arg[1:]
            name, eq, value = body.partition("=")
            spec = self.by_name.get(name)
            if spec is None:
                raise UsageError(f"flag provided but not defined: -{_shown(name)}")
            if not spec.takes_value:
                if eq:
                    if value.lower() in ("1", "t", "true"):
                        opts[spec.name] = True
                    elif value.lower() in ("0", "f", "false"):
                        opts[spec.name] = False
                    else:
                        raise UsageError(f'invalid boolean value "{_shown(value)}" for -{name}')
                else:
                    opts[spec.name] = True
                i += 1
                continue
            if not eq:
                if i + 1 >= len(args):
                    raise UsageError(f"flag needs an argument: -{name}")
                value = args[i + 1]
                i += 1
            if spec.required and not value:
                raise UsageError(f'invalid value "" for flag -{name}: {spec.required}')
            if spec.choices is not None and value not in spec.choices:
                allowed = ", ".join(spec.choices)
                raise UsageError(
                    f'invalid value "{_shown(value)}" for flag -{name}: use one of {allowed}'
                )
            if spec.repeat:
                lst = opts[spec.name]
                assert isinstance(lst, list)
                lst.append(value)
            else:
                opts[spec.name] = value
            i += 1
        return opts, []
