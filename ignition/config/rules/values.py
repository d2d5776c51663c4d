"""Values that reach another program or file format, checked where they enter (the reference
checks none of these; its runtime fails on them later, or does something else than asked).

- User and group names go to ``useradd``/``groupadd`` and into ``/etc/passwd``. Errors: what
  every shadow-utils build refuses (Debian's relaxed rule ``^[^-+~:,\\s][^:,\\s]*$``, the most
  permissive one, with control characters counted as white space), plus ``.``, ``..`` and
  ``/`` (the default home directory would be ``/home/..``). A warning: what upstream
  shadow-utils refuses by default (Fedora CoreOS, Flatcar), i.e. anything outside
  ``[A-Za-z0-9_.][A-Za-z0-9_.-]*$?``, all digits, or longer than 32 characters.
- SSH keys are written one per line: a line break or NUL inside one would write two keys.
- Kernel arguments go to the distribution's helper as separate arguments: no line break or
  NUL, and no leading ``-`` (a usual option parser takes it for an option). White space
  inside one is allowed: the reference hands ``"a b"`` on, and the helper adds both.
- Other passwd fields (``gecos``, ``homeDir``, ``shell``, ``passwordHash``) become fields of
  ``/etc/passwd`` and ``/etc/shadow``: no ``:``, line break or NUL.
- Every string of the disks, RAID, LUKS and filesystem sections reaches a tool's command line
  (``sgdisk``, ``mdadm``, ``cryptsetup``, ``mkfs``, ``mount``): no NUL, which no command line
  can carry.

Messages never quote the value (it may be anything, including terminal escapes).
"""

from __future__ import annotations

from ignition.config import model
from ignition.config.model import json_name
from ignition.config.report import Path, Report
from ignition.util.record import fields, is_record

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import Any

# Characters no passwd/group entry can hold, and what upstream's default accepts. Character
# sets, not regular expressions: a stage that parses a config must not pay for compiling them
# (docs/initramfs.md); ``not s.isdisjoint(text)`` is a search, ``s.issuperset(text)`` a match.
_BREAKS_ENTRY = frozenset(":,\x7f" + "".join(map(chr, range(0x21))))  # isspace() and controls
_PORTABLE_FIRST = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_.")
_PORTABLE = _PORTABLE_FIRST | {"-"}
NAME_MAX = 32
_LINE_BREAK = frozenset("\r\n\x00")
_FIELD_BREAK = frozenset(":\r\n\x00")


def _portable(name: str) -> bool:
    """[A-Za-z0-9_.][A-Za-z0-9_.-]*, then an optional ``$`` (machine accounts)."""
    body = name[:-1] if name.endswith("$") else name
    return bool(body) and body[0] in _PORTABLE_FIRST and _PORTABLE.issuperset(body)


def account_name_problem(name: str, kind: str, *, id_ok: bool = False) -> tuple[bool, str] | None:
    """``(is_error, message)`` for a user or group name (``kind``), None when it is fine.
    ``id_ok``: the field also takes a numeric id (``primaryGroup``, ``groups``)."""
    if not name:
        return None  # reported elsewhere (V8)
    if name[0] in "-+~":
        tool = "useradd" if kind == "user" else "groupadd"
        return True, f"{kind} name must not start with '-', '+' or '~': {tool} refuses it"
    if not _BREAKS_ENTRY.isdisjoint(name):
        return True, (
            f"{kind} name must not contain ':', ',', white space or control characters: "
            "they break /etc/passwd and /etc/group"
        )
    if name in (".", "..") or "/" in name:
        return True, f"{kind} name must not be '.' or '..' nor contain '/'"
    if id_ok and name.isascii() and name.isdigit():
        return None
    if not _portable(name) or name.isdigit():
        return False, (
            f"{kind} name is not in the portable set [A-Za-z0-9_.-] (or is all digits): "
            "upstream shadow-utils refuses it (Debian's accepts it)"
        )
    if len(name) > NAME_MAX:
        return False, f"{kind} name is longer than {NAME_MAX} characters: shadow-utils refuses it"
    return None


def _name(r: Report, path: Path, name: str, kind: str, *, id_ok: bool = False) -> None:
    problem = account_name_problem(name, kind, id_ok=id_ok)
    if problem is not None:
        is_error, message = problem
        (r.error if is_error else r.warning)(path, message)


def check_passwd(r: Report, pw: model.Passwd) -> None:
    for i, u in enumerate(pw.users):
        p: Path = ("passwd", "users", i)
        _name(r, (*p, "name"), u.name, "user")
        if u.primary_group:
            _name(r, (*p, "primaryGroup"), u.primary_group, "group", id_ok=True)
        for j, member_of in enumerate(u.groups):
            _name(r, (*p, "groups", j), member_of, "group", id_ok=True)
        for j, key in enumerate(u.ssh_authorized_keys):
            if not _LINE_BREAK.isdisjoint(key):
                r.error(
                    (*p, "sshAuthorizedKeys", j),
                    "SSH key must be one line: it contains a line break or NUL",
                )
        for key, value in (
            ("gecos", u.gecos),
            ("homeDir", u.home_dir),
            ("shell", u.shell),
            ("passwordHash", u.password_hash),
        ):
            if value and not _FIELD_BREAK.isdisjoint(value):
                r.error((*p, key), f"{key} must not contain ':', a line break or NUL")
    for i, g in enumerate(pw.groups):
        p = ("passwd", "groups", i)
        _name(r, (*p, "name"), g.name, "group")
        if g.password_hash and not _FIELD_BREAK.isdisjoint(g.password_hash):
            r.error((*p, "passwordHash"), "passwordHash must not contain ':', a line break or NUL")


def check_kernel_arguments(r: Report, ka: model.KernelArguments) -> None:
    for key, values in (("shouldExist", ka.should_exist), ("shouldNotExist", ka.should_not_exist)):
        for i, arg in enumerate(values):
            path: Path = ("kernelArguments", key, i)
            if not _LINE_BREAK.isdisjoint(arg):
                r.error(path, "kernel argument must not contain a line break or NUL")
            elif arg.startswith("-"):
                r.error(path, "kernel argument must not start with '-'")


def leading_dash(r: Report, path: Path, value: str | None, what: str) -> None:
    """A value that a tool takes as a positional argument."""
    if value and value.startswith("-"):
        r.error(path, f"{what} must not start with '-': the tool would read it as an option")


def check_storage_devices(r: Report, st: model.Storage) -> None:
    for key in ("disks", "raid", "luks", "filesystems"):
        for i, item in enumerate(getattr(st, key)):
            _no_nul(r, ("storage", key, i), item)


def _no_nul(r: Report, path: Path, value: Any) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            r.error(path, "contains a NUL character, which no command line can carry")
    elif isinstance(value, tuple):
        for i, v in enumerate(value):
            _no_nul(r, (*path, i), v)
    elif is_record(value):
        for name in fields(value):
            _no_nul(r, (*path, json_name(name)), getattr(value, name))
