"""Typed reads of canonical cloud-init values: a wrong type is reported, never guessed."""

from __future__ import annotations

import shlex

from cloudinit.migrate.out import Out
from ignition.config.report import Path


def text(out: Out, path: Path, v: object, *, numbers: bool = False) -> str | None:
    """A string (numbers too, with ``numbers``: YAML reads ``1000`` as an int)."""
    if isinstance(v, str):
        return v
    if numbers and isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    out.error(path, f"expected a string, found {_kind(v)}: not carried over")
    return None


def flag(out: Out, path: Path, v: object) -> bool | None:
    if isinstance(v, bool):
        return v
    out.error(path, f"expected true or false, found {_kind(v)}: not carried over")
    return None


def items(out: Out, path: Path, v: object) -> list[object] | None:
    if isinstance(v, list):
        return v
    out.error(path, f"expected a list, found {_kind(v)}: not carried over")
    return None


def mapping(out: Out, path: Path, v: object) -> dict[str, object] | None:
    if isinstance(v, dict):
        return v
    out.error(path, f"expected a mapping, found {_kind(v)}: not carried over")
    return None


def names(out: Out, path: Path, v: object) -> list[str] | None:
    """A list of strings, or one comma-separated string (cloud-init accepts both)."""
    if isinstance(v, str):
        return [n.strip() for n in v.split(",") if n.strip()]
    found = items(out, path, v)
    if found is None:
        return None
    result = [text(out, (*path, i), n) for i, n in enumerate(found)]
    return [n for n in result if n is not None]


def command_line(out: Out, path: Path, v: object) -> str | None:
    """One command: a shell line, or an argv list (quoted as cloud-init's shellify does)."""
    if isinstance(v, str):
        return v
    if isinstance(v, list) and all(isinstance(a, str | int | float) for a in v):
        return shlex.join(str(a) for a in v)
    out.error(path, f"expected a command (a string or a list of words), found {_kind(v)}")
    return None


def _kind(v: object) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int | float):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, bytes):
        return "binary data"
    if isinstance(v, list):
        return "a list"
    return "a mapping"
