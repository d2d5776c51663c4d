"""A small YAML writer for generated Butane: block style, literal blocks, comments.

PyYAML's dumper cannot place comments and folds long strings; migrating users read and edit
this output, so it is written by hand: mappings in the given order, ``|`` blocks for text,
plain scalars only where every YAML reader (1.1 and 1.2) reads them back as the same string,
and JSON-style double quotes otherwise. File modes are written in octal (``0644``).
"""

from __future__ import annotations

import re

import yaml

from ignition.util.record import record


@record
class Octal:
    value: int


@record
class Commented:
    """A list item (or mapping value) preceded by ``# comment`` lines."""

    value: object
    comment: str


_PLAIN = re.compile(r"[A-Za-z0-9_./$^()=+~][A-Za-z0-9 _./@$^()=+~:,;-]*")


def scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Octal):
        return f"0{value.value:o}" if value.value else "0"
    if isinstance(value, int):
        return str(value)
    assert isinstance(value, str), value
    if _plain_ok(value):
        return value
    return quoted(value)


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def _printable(o: int) -> bool:
    """YAML's printable set, without the characters YAML 1.1 reads as line breaks."""
    return (
        0x20 <= o <= 0x7E
        or 0xA0 <= o <= 0xD7FF
        or 0xE000 <= o <= 0xFFFD
        or 0x10000 <= o <= 0x10FFFF
    ) and o not in (0x2028, 0x2029, 0xFEFF)


def quoted(s: str) -> str:
    """A double-quoted scalar that every YAML reader reads back as ``s``."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif _printable(o):
            out.append(ch)
        elif o <= 0xFF:
            out.append(f"\\x{o:02x}")
        elif o <= 0xFFFF:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append('"')
    return "".join(out)


def _plain_ok(s: str) -> bool:
    if not _PLAIN.fullmatch(s) or s.endswith((" ", ":")) or ": " in s or " #" in s:
        return False
    try:
        return bool(yaml.safe_load(s) == s)
    except yaml.YAMLError:  # pragma: no cover - the pattern excludes YAML syntax
        return False


def _block(s: str, indent: int) -> list[str] | None:
    """A literal block for multi-line text, or None if it cannot hold the string exactly."""
    if "\n" not in s or not all(ch in "\n\t" or _printable(ord(ch)) for ch in s):
        return None
    body = s.rstrip("\n")
    if not body.strip(" "):
        return None  # only line breaks (and spaces): a block cannot tell them apart
    trailing = len(s) - len(body)
    chomp = "-" if trailing == 0 else "" if trailing == 1 else "+"
    lines = body.split("\n")
    pad = " " * indent
    first = next((line for line in lines if line), "")
    # A first line that starts with spaces needs the indentation given explicitly (relative
    # to the mapping that holds the key).
    head = f"|{'2' if first.startswith(' ') else ''}{chomp}"
    out = [head]
    out += [pad + line if line else "" for line in lines]
    if chomp == "+":
        out += [""] * (trailing - 1)
    return out


def dump(value: object) -> str:
    return "\n".join(_node(value, 0)) + "\n"


def _node(value: object, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, dict):
        out: list[str] = []
        for k, v in value.items():
            if isinstance(v, Commented):
                out += [f"{pad}# {line}".rstrip() for line in v.comment.split("\n")]
                v = v.value
            out += _entry(f"{pad}{scalar(k)}:", v, indent)
        return out
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, Commented):
                out += [f"{pad}# {line}".rstrip() for line in item.comment.split("\n")]
                item = item.value
            sub = _node(item, indent + 2) if isinstance(item, dict | list) and item else None
            if sub:
                first = sub[0][indent + 2 :]
                if isinstance(item, dict) and not first.startswith("#"):
                    out.append(f"{pad}- {first}")
                    out += sub[1:]
                else:
                    out.append(f"{pad}-")
                    out += sub
            else:
                out.append(f"{pad}- {_inline(item)}")
        return out
    return [pad + scalar(value)]


def _inline(v: object) -> str:
    if isinstance(v, dict):
        return "{}"
    if isinstance(v, list):
        return "[]"
    return scalar(v)


def _entry(head: str, v: object, indent: int) -> list[str]:
    if isinstance(v, dict | list):
        if not v:
            return [f"{head} {'{}' if isinstance(v, dict) else '[]'}"]
        return [head, *_node(v, indent + 2)]
    if isinstance(v, str):
        block = _block(v, indent + 2)
        if block is not None:
            return [f"{head} {block[0]}", *block[1:]]
    return [f"{head} {scalar(v)}"]
