"""systemd, passwd and kernelArguments rules, and the unit-file parser they rely on."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest

from ignition.config.rules.units import (
    UnitOption,
    UnitSyntaxError,
    parse_unit,
    systemd_escape_path,
)
from tests.unit.config.helpers import Case, E, W, cases_param, check_case

V30, V32, V33, V36 = "3.0.0", "3.2.0", "3.3.0", "3.6.0"


def units(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"systemd": {"units": list(entries)}}


U0 = "$.systemd.units.0"
SERVICE = (
    "[Unit]\nDescription=x\n\n[Service]\nExecStart=/bin/true\n\n"
    "[Install]\nWantedBy=multi-user.target\n"
)
NO_INSTALL = "[Service]\nExecStart=/bin/true\n"

UNIT_CASES = [
    *[
        Case(f"extension {ext}", V30, units({"name": f"a{ext}"}))
        for ext in (".service", ".socket", ".mount", ".timer", ".target", ".slice", ".scope")
    ],
    Case(
        "unknown extension",
        V36,
        units({"name": "a.conf"}),
        [(E, f"{U0}.name", "invalid systemd unit extension")],
    ),
    Case(
        "empty name",
        V36,
        units({"name": ""}),
        [(E, f"{U0}.name", "invalid systemd unit extension")],
    ),
    Case(
        "enabled with install section",
        V36,
        units({"name": "a.service", "enabled": True, "contents": SERVICE}),
    ),
    Case(
        "enabled without install section",
        V36,
        units({"name": "a.service", "enabled": True, "contents": NO_INSTALL}),
        [
            (
                W,
                f"{U0}.contents",
                'unit "a.service" is enabled, but has no install section so enable does nothing',
            )
        ],
    ),
    Case(
        "enabled with empty contents",
        V36,
        units({"name": "a.service", "enabled": True, "contents": ""}),
    ),
    Case(
        "disabled without install section",
        V36,
        units({"name": "a.service", "enabled": False, "contents": NO_INSTALL}),
    ),
    Case(
        "unterminated section",
        V36,
        units({"name": "a.service", "contents": "[Unit"}),
        [(E, f"{U0}.contents", "invalid unit content: unable to find end of section")],
    ),
    Case(
        "option without value at EOF",
        V36,
        units({"name": "a.service", "contents": "[Unit]\nDescription"}),
        [(E, f"{U0}.contents", "invalid unit content: EOF")],
    ),
    Case(
        "option name cut by newline",
        V36,
        units({"name": "a.service", "contents": "[Unit]\nDescription\nx=y\n"}),
        [
            (
                E,
                f"{U0}.contents",
                "invalid unit content: unexpected newline encountered while parsing option name",
            )
        ],
    ),
    Case(
        "template without install section",
        V36,
        units(
            {"name": "getty@.service", "contents": NO_INSTALL},
            {"name": "getty@tty1.service", "enabled": True},
        ),
        [
            (
                W,
                "$.systemd.units.1.contents",
                'template unit "getty@.service" for "getty@tty1.service" '
                "doesn't have Install section",
            )
        ],
    ),
    Case(
        "template with install section",
        V36,
        units(
            {"name": "getty@.service", "contents": SERVICE},
            {"name": "getty@tty1.service", "enabled": True},
        ),
    ),
    Case(
        "instance without template in the config",
        V36,
        units({"name": "getty@tty1.service", "enabled": True}),
    ),
    Case(
        "dropin",
        V36,
        units(
            {
                "name": "a.service",
                "dropins": [{"name": "10-x.conf", "contents": "[Service]\nX=1\n"}],
            }
        ),
    ),
    Case(
        "dropin extension",
        V36,
        units({"name": "a.service", "dropins": [{"name": "10-x"}]}),
        [(E, f"{U0}.dropins.0.name", "invalid systemd drop-in extension")],
    ),
    Case(
        "dropin contents",
        V36,
        units({"name": "a.service", "dropins": [{"name": "x.conf", "contents": "[Service"}]}),
        [(E, f"{U0}.dropins.0.contents", "invalid unit content: unable to find end of section")],
    ),
    Case(
        "duplicate units",
        V36,
        units({"name": "a.service"}, {"name": "b.service"}, {"name": "a.service", "mask": True}),
        [(E, "$.systemd.units.2", "duplicate entry defined")],
    ),
    Case(
        "duplicate dropins",
        V36,
        units({"name": "a.service", "dropins": [{"name": "x.conf"}, {"name": "x.conf"}]}),
        [(E, f"{U0}.dropins.1", "duplicate entry defined")],
    ),
]


@cases_param(UNIT_CASES)
def test_units(case: Case) -> None:
    check_case(case)


# --------------------------------------------------------------------------- unit parser


def test_parse_unit_options() -> None:
    text = (
        "# comment before\n; another\n[Unit]\nDescription = a b \n\n"
        "[Service]\nExecStart=/bin/sh -c \\\n  'echo hi'\n# c\nEnvironment=A=1\n"
    )
    assert parse_unit(text) == [
        UnitOption("Unit", "Description", "a b"),
        UnitOption("Service", "ExecStart", "/bin/sh -c \\\n  'echo hi'"),
        UnitOption("Service", "Environment", "A=1"),
    ]


def test_parse_unit_without_sections() -> None:
    assert parse_unit("") == []
    assert parse_unit("# only a comment\n") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[Unit", "unable to find end of section"),
        ("[Unit]\nA", "EOF"),
        ("[Unit]\nA\n", "unexpected newline encountered while parsing option name"),
        ("[Unit] x\n", 'found garbage after section name : "x"'),
        ("[A]\n[B] tail\n", 'found garbage after section name A: "tail"'),
        # quoted as Go's %q prints them: named escapes, \U for a non-printable above U+FFFF
        ("[Unit] x\ry\n", 'found garbage after section name : "x\\ry"'),
        ("[Unit] a\bb\x7f\n", 'found garbage after section name : "a\\bb\\x7f"'),
        ("[Unit] \U000e0001x\n", 'found garbage after section name : "\\U000e0001x"'),
        ("[Unit]\nA=" + "x" * 2048 + "\n", "line too long (max 2048 bytes)"),
    ],
)
def test_parse_unit_errors(text: str, message: str) -> None:
    with pytest.raises(UnitSyntaxError) as exc:
        parse_unit(text)
    assert str(exc.value) == message


ESCAPED = {
    "/": "-",
    "/var/lib/a-b": "var-lib-a\\x2db",
    "/mnt/my disk/x": "mnt-my\\x20disk-x",
    "/dev/disk/by-label/ROOT": "dev-disk-by\\x2dlabel-ROOT",
    "/srv/.cache/x_y:z": "srv-.cache-x_y:z",
    "/é": "\\xc3\\xa9",
}


@pytest.mark.parametrize(("path", "name"), ESCAPED.items())
def test_systemd_escape_path(path: str, name: str) -> None:
    assert systemd_escape_path(path) == name
    assert systemd_escape_path(path + "/") == name


@pytest.mark.skipif(shutil.which("systemd-escape") is None, reason="needs systemd-escape")
def test_systemd_escape_path_agrees_with_systemd() -> None:
    out = subprocess.run(
        ["systemd-escape", "--path", "--", *ESCAPED], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == list(ESCAPED.values())


# --------------------------------------------------------------------------- passwd


def passwd(**lists: Any) -> dict[str, Any]:
    return {"passwd": lists}


PASSWD_CASES = [
    Case(
        "users and groups",
        V32,
        passwd(
            users=[
                {
                    "name": "core",
                    "groups": ["wheel", "docker"],
                    "sshAuthorizedKeys": ["a", "b"],
                    "shouldExist": True,
                }
            ],
            groups=[{"name": "docker", "gid": 900, "shouldExist": False}],
        ),
    ),
    Case(
        "empty user name (V8)",
        V36,
        passwd(users=[{"name": "", "uid": 1000}]),
        [(W, "$.passwd.users.0.name", "user name is empty: useradd will fail")],
    ),
    Case(
        "missing group name (V8)",
        V36,
        passwd(groups=[{"gid": 1000}]),
        [(W, "$.passwd.groups.0.name", "group name is empty: groupadd will fail")],
    ),
    Case(
        "duplicate users",
        V36,
        passwd(users=[{"name": "a"}, {"name": "a"}]),
        [(E, "$.passwd.users.1", "duplicate entry defined")],
    ),
    Case(
        "duplicate groups",
        V36,
        passwd(groups=[{"name": "a"}, {"name": "b"}, {"name": "b"}]),
        [(E, "$.passwd.groups.2", "duplicate entry defined")],
    ),
    Case(
        "duplicate supplementary groups",
        V36,
        passwd(users=[{"name": "a", "groups": ["x", "x"]}]),
        [(E, "$.passwd.users.0.groups.1", "duplicate entry defined")],
    ),
    Case(
        "duplicate keys",
        V36,
        passwd(users=[{"name": "a", "sshAuthorizedKeys": ["k", "l", "k"]}]),
        [(E, "$.passwd.users.0.sshAuthorizedKeys.2", "duplicate entry defined")],
    ),
    Case(
        "shouldExist is not a 3.1 field",
        "3.1.0",
        passwd(users=[{"name": "a", "shouldExist": False}]),
        [(W, "$.passwd.users.0.shouldExist", "unused key shouldExist")],
    ),
]


@cases_param(PASSWD_CASES)
def test_passwd(case: Case) -> None:
    check_case(case)


# --------------------------------------------------------------------------- kernelArguments

KA = "$.kernelArguments"

KARGS_CASES = [
    Case("kargs", V33, {"kernelArguments": {"shouldExist": ["a", "b c"], "shouldNotExist": ["d"]}}),
    Case(
        "kargs are not a 3.2 field",
        V32,
        {"kernelArguments": {"shouldExist": ["a"]}},
        [(W, KA, "unused key kernelArguments")],
    ),
    Case(
        "same argument in both lists",
        V33,
        {"kernelArguments": {"shouldExist": ["a"], "shouldNotExist": ["b", "a"]}},
        [(E, f"{KA}.shouldNotExist.1", "duplicate entry defined")],
    ),
    Case(
        "repeated argument",
        V36,
        {"kernelArguments": {"shouldExist": ["a", "a"]}},
        [(E, f"{KA}.shouldExist.1", "duplicate entry defined")],
    ),
]


@cases_param(KARGS_CASES)
def test_kernel_arguments(case: Case) -> None:
    check_case(case)
