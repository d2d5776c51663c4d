"""systemd unit file checks: the reference parses contents with go-systemd's deserializer.

:func:`parse_unit` follows that deserializer's lexer closely so the same texts are accepted
and the same errors returned (``unable to find end of section``, ``EOF``, ...).
"""

from __future__ import annotations

import posixpath

from ignition.config import model
from ignition.config.report import Path, Report
from ignition.util.record import record

UNIT_EXTENSIONS = (
    ".service",
    ".socket",
    ".device",
    ".mount",
    ".automount",
    ".swap",
    ".target",
    ".path",
    ".timer",
    ".snapshot",
    ".slice",
    ".scope",
)
LINE_MAX = 2048
UNIT_NAME_MAX = 255  # bytes; systemd's UNIT_NAME_MAX counts the terminating NUL
_UNIT_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz:_.\\@-")


class UnitSyntaxError(ValueError):
    pass


@record
class UnitOption:
    section: str
    name: str
    value: str


def parse_unit(text: str) -> list[UnitOption]:
    """Parse unit contents like go-systemd ``unit.DeserializeOptions``."""
    opts: list[UnitOption] = []
    n = len(text)
    i = 0
    section = ""

    def to_eol(j: int) -> tuple[str, int, bool]:
        k = text.find("\n", j)
        if k < 0:
            return text[j:], n, True
        line = text[j:k]
        return line, k + 1, False

    # before the first section: skip to '[' (comments skipped line-wise)
    while True:
        if i >= n:
            return opts
        ch = text[i]
        i += 1
        if ch == "[":
            break
        if ch in "#;":
            _, i, _ = to_eol(i)
    while True:
        # section name
        end = text.find("]", i)
        if end < 0:
            raise UnitSyntaxError("unable to find end of section")
        name = text[i:end]
        garbage, i, _ = to_eol(end + 1)
        garbage = garbage.strip()
        if garbage:
            from ignition.config.gofmt import quote  # loads unicodedata: error path only

            # the reference prints the *previous* section name here (a go-systemd bug)
            raise UnitSyntaxError(f"found garbage after section name {section}: {quote(garbage)}")
        section = name
        # options until the next section
        while True:
            if i >= n:
                return opts
            ch = text[i]
            if ch.isspace():
                i += 1
                continue
            if ch == "[":
                i += 1
                break
            if ch in "#;":
                _, i, _ = to_eol(i + 1)
                continue
            # option name up to '='
            j = i
            while True:
                if j >= n:
                    raise UnitSyntaxError("EOF")
                c = text[j]
                if c in "\r\n":
                    raise UnitSyntaxError(
                        "unexpected newline encountered while parsing option name"
                    )
                if c == "=":
                    break
                j += 1
            opt_name = text[i:j].strip()
            i = j + 1
            parts: list[str] = []
            while True:
                line, i, eof = to_eol(i)
                if len(line.encode()) >= LINE_MAX:
                    raise UnitSyntaxError(f"line too long (max {LINE_MAX} bytes)")
                if line.strip() == "":
                    break
                parts.append(line)
                if not line.endswith("\\"):
                    break
                if not eof:
                    parts.append("\n")
            value = "".join(parts)
            opts.append(UnitOption(section, opt_name, value.strip()))


def content_error(text: str) -> str | None:
    try:
        parse_unit(text)
    except UnitSyntaxError as exc:
        return f"invalid unit content: {exc}"
    return None


def has_install_section(text: str) -> bool:
    try:
        return any(o.section == "Install" for o in parse_unit(text))
    except UnitSyntaxError:
        return False


def unit_name_error(name: str) -> str | None:
    """systemd's unit name syntax (``unit_name_is_valid``) for a name with a known extension:
    ``prefix[@instance].type``, the characters ``[A-Za-z0-9:_.\\@-]``, at most 255 bytes.

    Two forms the reference validator accepts stay accepted here (its users' configs pass
    today): a ``/`` in the name and an empty prefix (``.service``). The files stage refuses a
    ``/`` before writing anything (docs/deviations.md V22)."""
    stem = name[: name.rfind(".")]
    if not _UNIT_CHARS.issuperset(stem.replace("/", "")):
        return "invalid unit name: only letters, digits and :-_.\\@ are allowed"
    if stem.startswith("@"):
        return "invalid unit name: nothing before '@'"
    if len(name.encode()) > UNIT_NAME_MAX:
        return f"invalid unit name: longer than {UNIT_NAME_MAX} bytes"
    return None


def systemd_escape_path(path: str) -> str:
    """``systemd-escape --path``: the unit name of a mount point or a device (+ ``.mount``,
    ``.swap``, ...) as systemd derives it."""
    p = posixpath.normpath(path).strip("/")
    if not p:
        return "-"
    out = []
    for i, ch in enumerate(p):
        if ch == "/":
            out.append("-")
        elif ch.isascii() and (ch.isalnum() or ch in ":_" or (ch == "." and i > 0)):
            out.append(ch)
        else:
            out.extend(f"\\x{b:02x}" for b in ch.encode())
    return "".join(out)


def check_units(r: Report, units: tuple[model.Unit, ...]) -> None:
    by_name = {u.name: u for u in units}
    for i, u in enumerate(units):
        path: Path = ("systemd", "units", i)
        if not u.name.endswith(UNIT_EXTENSIONS):
            r.error((*path, "name"), "invalid systemd unit extension")
        else:
            name_error = unit_name_error(u.name)
            if name_error is not None:
                r.error((*path, "name"), name_error)
        if u.contents is not None:
            err = content_error(u.contents)
            if err is not None:
                r.error((*path, "contents"), err)
            elif u.enabled and u.contents and not has_install_section(u.contents):
                msg = (
                    f'unit "{u.name}" is enabled, but has no install section so enable does nothing'
                )
                r.warning((*path, "contents"), msg)
        if u.enabled and "@" in u.name:
            prefix, _, rest = u.name.partition("@")
            ext = rest[rest.rfind(".") :] if "." in rest else ""
            template = f"{prefix}@{ext}"
            tmpl = by_name.get(template)
            if (
                template != u.name
                and tmpl is not None
                and tmpl.contents
                and not has_install_section(tmpl.contents)
            ):
                r.warning(
                    (*path, "contents"),
                    f'template unit "{template}" for "{u.name}" doesn\'t have Install section',
                )
        for j, d in enumerate(u.dropins):
            dpath = (*path, "dropins", j)
            if not d.name.endswith(".conf"):
                r.error((*dpath, "name"), "invalid systemd drop-in extension")
            elif "/" in d.name or "\x00" in d.name or len(d.name.encode()) > UNIT_NAME_MAX:
                r.error((*dpath, "name"), "drop-in name must be a file name (no '/' or NUL)")
            if d.contents is not None:
                err = content_error(d.contents)
                if err is not None:
                    r.error((*dpath, "contents"), err)
