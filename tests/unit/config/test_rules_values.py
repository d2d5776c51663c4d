"""Values that reach another program or file format are checked where they enter (V7, V19–V23):
located errors in ``ignition-validate`` and the engine, and the names real configs use pass."""

from __future__ import annotations

from typing import Any

import pytest

from ignition.config.rules.values import account_name_problem
from tests.unit.config.helpers import Case, E, W, cases_param, check_case, positions

V = "3.4.0"
U0 = "$.passwd.users.0"
H0 = "$.ignition.config.merge.0.httpHeaders.0"

USER_START = "user name must not start with '-', '+' or '~': useradd refuses it"
GROUP_START = "group name must not start with '-', '+' or '~': groupadd refuses it"
BREAKS = "name must not contain ':', ',', white space or control characters: they break /etc/passwd and /etc/group"  # noqa: E501
DOTS = "name must not be '.' or '..' nor contain '/'"
PORTABLE = "name is not in the portable set [A-Za-z0-9_.-] (or is all digits): upstream shadow-utils refuses it (Debian's accepts it)"  # noqa: E501


def users(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"passwd": {"users": list(entries)}}


def merge_headers(*headers: dict[str, Any]) -> dict[str, Any]:
    return {
        "ignition": {
            "version": V,
            "config": {"merge": [{"source": "https://x/c.ign", "httpHeaders": list(headers)}]},
        }
    }


@pytest.mark.parametrize(
    "name",
    ["core", "Core", "root", "_apt", "systemd-network", "a.b", "user1", "nobody", "machine$",
     "x" * 32, "Debian-exim", "9abc", "._x"],
)  # fmt: skip
def test_names_real_configs_use_pass(name: str) -> None:
    assert account_name_problem(name, "user") is None


@pytest.mark.parametrize(
    ("name", "is_error"),
    [("--help", True), ("-x", True), ("+x", True), ("~x", True), ("a:b", True), ("a,b", True),
     ("a b", True), ("a\tb", True), ("a\nb", True), ("a\x00", True), ("a\x1b[31m", True),
     ("a\x7f", True), (".", True), ("..", True), ("a/b", True),
     ("123", False), ("ü", False), ("a@b", False), ("a$b", False), ("x" * 33, False),
     ("-", True)],
)  # fmt: skip
def test_name_problems(name: str, is_error: bool) -> None:
    problem = account_name_problem(name, "user")
    assert problem is not None
    assert problem[0] is is_error


def test_numeric_groups_are_ids() -> None:
    assert account_name_problem("1000", "group", id_ok=True) is None
    assert account_name_problem("1000", "group") is not None


CASES = [
    Case("option-like user", V, users({"name": "--help"}), [(E, f"{U0}.name", USER_START)]),
    Case(
        "option-like group",
        V,
        {"passwd": {"groups": [{"name": "-x"}]}},
        [(E, "$.passwd.groups.0.name", GROUP_START)],
    ),
    Case("colon", V, users({"name": "a:b"}), [(E, f"{U0}.name", f"user {BREAKS}")]),
    Case("dot-dot", V, users({"name": ".."}), [(E, f"{U0}.name", f"user {DOTS}")]),
    Case("non-portable", V, users({"name": "ü"}), [(W, f"{U0}.name", f"user {PORTABLE}")]),
    Case(
        "group list injection",
        V,
        users({"name": "core", "groups": ["wheel,root", "1000"], "primaryGroup": "a b"}),
        [(E, f"{U0}.groups.0", f"group {BREAKS}"), (E, f"{U0}.primaryGroup", f"group {BREAKS}")],
    ),
    Case(
        "two keys in one entry",
        V,
        users({"name": "core", "sshAuthorizedKeys": ["ssh-ed25519 AAAA a\nssh-rsa BBBB b"]}),
        [
            (
                E,
                f"{U0}.sshAuthorizedKeys.0",
                "SSH key must be one line: it contains a line break or NUL",
            )
        ],
    ),
    Case(
        "passwd fields",
        V,
        users(
            {
                "name": "core",
                "gecos": "a:b",
                "homeDir": "/h\n",
                "shell": "/bin/sh\x00",
                "passwordHash": "$6$a:b",
            }
        ),
        [
            (E, f"{U0}.{k}", f"{k} must not contain ':', a line break or NUL")
            for k in ("gecos", "homeDir", "shell", "passwordHash")
        ],
    ),
    Case(
        "kernel arguments",
        V,
        {"kernelArguments": {"shouldExist": ["-x", "a b", "c\nd"], "shouldNotExist": ["e\x00"]}},
        [
            (E, "$.kernelArguments.shouldExist.0", "kernel argument must not start with '-'"),
            (
                E,
                "$.kernelArguments.shouldExist.2",
                "kernel argument must not contain a line break or NUL",
            ),
            (
                E,
                "$.kernelArguments.shouldNotExist.0",
                "kernel argument must not contain a line break or NUL",
            ),
        ],
    ),
    Case(
        "unit names",
        V,
        {
            "systemd": {
                "units": [
                    {"name": "../../etc/evil.service"},
                    {"name": ".service"},
                    {"name": "@x.service"},
                    {"name": "a b.service"},
                    {"name": "x" * 250 + ".service"},
                    {"name": "getty@tty1.service"},
                    {"name": "getty@.service"},
                    {"name": "dev-disk-by\\x2dlabel-x.device"},
                    {"name": "a:b@c@d.mount"},
                    {
                        "name": "ok.service",
                        "dropins": [{"name": "../x.conf"}, {"name": "10-a b.conf"}],
                    },
                ]
            }
        },
        [
            # "../../etc/evil.service" and ".service" pass as in the reference validator;
            # the files stage refuses the "/" before writing (V22)
            (E, "$.systemd.units.2.name", "invalid unit name: nothing before '@'"),
            (
                E,
                "$.systemd.units.3.name",
                "invalid unit name: only letters, digits and :-_.\\@ are allowed",
            ),
            (E, "$.systemd.units.4.name", "invalid unit name: longer than 255 bytes"),
            (
                E,
                "$.systemd.units.9.dropins.0.name",
                "drop-in name must be a file name (no '/' or NUL)",
            ),
        ],
    ),
    Case(
        "NUL in a link target",
        V,
        {"storage": {"links": [{"path": "/l", "target": "/a\x00"}]}},
        [(E, "$.storage.links.0.target", "link target contains a NUL character")],
    ),
    Case(
        "option-like positional disk names",
        "3.6.0",
        {
            "storage": {
                "raid": [{"name": "--r", "level": "raid1", "devices": ["/dev/a", "/dev/b"]}],
                "luks": [
                    {
                        "name": "-l",
                        "device": "/dev/c",
                        "clevis": {"custom": {"pin": "-p", "config": "{}"}},
                    }
                ],
            }
        },
        [
            (
                E,
                "$.storage.raid.0.name",
                "raid name must not start with '-': the tool would read it as an option",
            ),
            (
                E,
                "$.storage.luks.0.name",
                "luks name must not start with '-': the tool would read it as an option",
            ),
            (
                E,
                "$.storage.luks.0.clevis.custom.pin",
                "clevis pin must not start with '-': the tool would read it as an option",
            ),
        ],
    ),
]

CASES.append(
    Case(
        "option-like virtiofs tag",
        "3.7.0-experimental",
        {"storage": {"filesystems": [{"device": "--bind", "format": "virtiofs", "path": "/v"}]}},
        [
            (
                E,
                "$.storage.filesystems.0.device",
                "virtiofs device tag must not start with '-': the tool would read it as an option",
            )
        ],
    )
)

NUL = "contains a NUL character, which no command line can carry"
CASES.append(
    Case(
        "NUL in what disks tools get",
        V,
        {
            "storage": {
                "filesystems": [
                    {"device": "/dev/sda", "format": "ext4", "label": "a\x00",
                     "options": ["-E", "x\x00"], "mountOptions": ["ro\x00"]}
                ],
                "disks": [{"device": "/dev/sdb", "partitions": [{"label": "p\x00"}]}],
            }
        },
        [
            (E, "$.storage.filesystems.0.label", NUL),
            (E, "$.storage.filesystems.0.options.1", NUL),
            (E, "$.storage.filesystems.0.mountOptions.0", NUL),
            (E, "$.storage.disks.0.partitions.0.label", NUL),
        ],
    )
)  # fmt: skip


@cases_param(CASES)
def test_rules(case: Case) -> None:
    check_case(case)


def test_header_names_and_values_are_located() -> None:
    doc = merge_headers(
        {"name": "X A", "value": "a\r\nInjected: 1"},
        {"name": "Authorization", "value": "Bearer s3cr3t\x01"},
        {"name": "X-Fine", "value": "tab\tis fine"},
        {"name": "Bad:Name", "value": "v"},
    )
    got = positions(doc)
    assert [(sev, path, msg) for sev, path, _, _, msg in got] == [
        (E, f"{H0}.name", "HTTP header name must be a token (RFC 9110)"),
        (E, f"{H0}.value", "HTTP header value must not contain a line break, NUL or control character"),  # noqa: E501
        (E, "$.ignition.config.merge.0.httpHeaders.1.value", "HTTP header value must not contain a line break, NUL or control character"),  # noqa: E501
        (E, "$.ignition.config.merge.0.httpHeaders.3.name", "HTTP header name must be a token (RFC 9110)"),  # noqa: E501
    ]  # fmt: skip
    assert all(line is not None and col is not None for _, _, line, col, _ in got)
    assert not any("s3cr3t" in msg or "Injected" in msg for *_, msg in got)


def test_legacy_configs_get_the_same_checks() -> None:
    doc = {"ignition": {"version": "2.2.0"}, "passwd": {"users": [{"name": "-x"}]}}
    got = positions(doc, legacy=True)
    assert [(sev, path, msg) for sev, path, _, _, msg in got] == [(E, f"{U0}.name", USER_START)]
