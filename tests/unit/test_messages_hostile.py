"""Messages that echo input: control characters escaped, long values cut, raw control bytes
located on their true line, snippets windowed and reports bounded in every command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ignition.util import limits
from tests.unit.hostile_yaml import run_tool

BUTANE = "variant: fcos\nversion: 1.5.0\n"
# what a terminal acts on: C0 but tab and newline, DEL, C1, bidi overrides
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _no_controls(text: str) -> None:
    found = CONTROL.search(text)
    assert found is None, f"raw {found.group()!r} in output: {text[:3000]}"


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return str(path)


RAW_ESC = "storage:\n  files:\n    - path: /a\x1b[31m\n"


@pytest.mark.parametrize(
    ("argv", "head", "prefix"),
    [
        (["butane"], BUTANE, "Error translating config: Error unmarshaling yaml: yaml: line"),
        (["ct", "-in-file"], "ignition: {version: 2.3.0}\n", "error: yaml: line"),
    ],
)
def test_a_raw_escape_byte_is_located_on_its_line_and_not_echoed(
    tmp_path: Path, argv: list[str], head: str, prefix: str
) -> None:
    text = head + RAW_ESC
    src = _write(tmp_path, "in.yaml", text)
    r = run_tool([*argv, src])
    err = r.stderr.decode()
    assert r.returncode == 1
    line = text.count("\n", 0, text.index("\x1b")) + 1
    assert f"{prefix} {line}: control characters are not allowed\n" in err
    assert f"{src}:{line}:15\n" in err  # libyaml's byte offset, as a character column
    assert "/a\\x1b[31m" in err
    # the carets sit under the escaped character in the shown line
    shown = next(x for x in err.split("\n") if "/a\\x1b" in x)
    carets = err.split("\n")[err.split("\n").index(shown) + 1]
    assert carets.index("^") == shown.index("\\x1b")
    _no_controls(err)


def test_a_raw_escape_byte_in_cloud_config_is_located_and_not_echoed(tmp_path: Path) -> None:
    src = _write(tmp_path, "ud", '#cloud-config\nhostname: a\nusers:\n  - name: "x\x1b[2J"\n')
    r = run_tool(["coreos-cloudinit", "-validate", "-from-file", src])
    err = r.stderr.decode()
    assert r.returncode == 1
    # the reference's line, then the true position
    assert "line 1: error: control characters are not allowed\n" in err
    assert f"at {src}:4:13" in err
    _no_controls(err)


ESCAPED_KEYS = (
    '"k\\e]0;owned\\a\\u202e": 1\n'
    "storage:\n"
    "  files:\n"
    '    - path: "rel\\e[2J\\x9b"\n'
    '      "mo\\x7fde": 1\n'
)


@pytest.mark.parametrize(
    "argv",
    [["butane"], ["butane", "--raw-errors"], ["ct", "-strict"], ["ignition-validate", "-"]],
)
def test_control_characters_from_escapes_are_escaped_in_messages(argv: list[str]) -> None:
    head = "ignition: {version: 2.3.0}\n" if argv[0] == "ct" else BUTANE
    r = run_tool(argv, stdin=(head + ESCAPED_KEYS).encode())
    out = (r.stdout + r.stderr).decode()
    assert r.returncode == 1
    assert "k\\x1b]0;owned\\x07\\u202e" in out
    _no_controls(out)


def test_cloud_config_messages_escape_control_characters(tmp_path: Path) -> None:
    text = (
        "#cloud-config\n"
        '"ho\\e[31mst\\u202e": x\n'
        "write_files:\n"
        '  - path: "/etc/\\e[2J"\n'
        '    permissions: "0\\e644"\n'
    )
    src = _write(tmp_path, "ud", text)
    for fmt in ("text", "json"):
        r = run_tool(["coreos-cloudinit", "-validate", "-format", fmt, "-from-file", src])
        out = (r.stdout + r.stderr).decode()
        assert r.returncode == 1
        assert "invalid value 0\\x1b644" in out.replace("\\\\", "\\")
        _no_controls(out)
        _no_controls(out.encode().decode("unicode_escape") if fmt == "json" else out)


def test_ignition_validate_escapes_keys_and_cuts_long_ones() -> None:
    key = "a\u001b[2J\u009b\u202e" + "x" * 5000
    cfg = json.dumps({"ignition": {"version": "3.4.0"}, key: 1})
    r = run_tool(["ignition-validate", "-"], stdin=cfg.encode())
    out = r.stdout.decode()
    assert r.returncode == 0
    assert "unused key a\\x1b[2J\\x9b\\u202exxx" in out
    assert re.search(r"\.\.\. \(\d+ more characters\)", out)
    assert len(out) < 3000
    _no_controls(out)
    r = run_tool(["ignition-validate", "-format", "json", "-"], stdin=cfg.encode())
    _no_controls(json.loads(r.stdout)[0]["message"])


# -------------------------------------------------------------------- long lines, many errors


def _long_line(head: str) -> str:
    """One 97 KB line holding 200 files with relative paths: 200 errors on it."""
    pad = "x" * 450
    items = ", ".join(f"{{path: rel{i}, contents: {{inline: {pad}}}}}" for i in range(200))
    return head + f"storage: {{files: [{items}]}}\n"


@pytest.mark.parametrize(
    ("argv", "head"),
    [(["butane"], BUTANE), (["ct", "-in-file"], "")],
)
def test_many_errors_on_one_long_line_give_bounded_output(
    tmp_path: Path, argv: list[str], head: str
) -> None:
    text = _long_line(head)
    assert len(text) > 97_000
    src = _write(tmp_path, "long.yaml", text)
    r = run_tool([*argv, src])
    err = r.stderr.decode()
    assert r.returncode == 1
    assert len(err) < 200_000, len(err)
    width = limits.DEFAULT_SNIPPET_WIDTH
    assert max(len(line) for line in err.split("\n")) < width + 120
    assert f"not shown (set {limits.ERRORS_VAR} to show more than 100)" in err
    assert err.count("path not absolute") == 100
    assert "100 more errors" in err
    # the window follows the column: the snippet shows the path it reports
    assert re.search(r"\| \.\.\.x*}}, \{path: rel50, ", err)


def test_the_bounds_can_be_raised(tmp_path: Path) -> None:
    src = _write(tmp_path, "long.bu", _long_line(BUTANE))
    env = {limits.ERRORS_VAR: "1000", limits.SNIPPET_WIDTH_VAR: "200000"}
    r = run_tool(["butane", src], env=env)
    err = r.stderr.decode()
    assert err.count("path not absolute") == 200
    assert "not shown" not in err
    assert "..." not in err.split("\n")[5]  # the whole line, as the reference prints it


def test_unmarshal_errors_are_bounded(tmp_path: Path) -> None:
    items = ", ".join("{path: /a, mode: x}" for _ in range(300))
    src = _write(tmp_path, "m.bu", BUTANE + f"storage: {{files: [{items}]}}\n")
    r = run_tool(["butane", src])
    err = r.stderr.decode()
    assert err.count("cannot unmarshal !!str `x` into int") == 100
    assert "  ... 200 more errors not shown" in err


def test_a_malformed_limit_is_a_usage_error() -> None:
    r = run_tool(["butane"], stdin=BUTANE.encode(), env={limits.ERRORS_VAR: "lots"})
    assert r.returncode == 2
    assert f"{limits.ERRORS_VAR} must be a number" in r.stderr.decode()


@pytest.mark.parametrize(
    ("argv", "expect"),
    [
        (["butane"], "Error translating config: the config is larger than 1024 bytes"),
        (["ct"], "error: the config is larger than 1024 bytes"),
        (["ignition-validate", "-"], "couldn't read config: the config is larger than 1024"),
    ],
)
def test_inputs_over_the_size_limit_are_refused(argv: list[str], expect: str) -> None:
    r = run_tool(argv, stdin=b"#" * 1025, env={limits.CONFIG_SIZE_VAR: "1K"})
    assert r.returncode == 1
    err = r.stderr.decode()
    assert expect in err
    assert limits.CONFIG_SIZE_VAR in err
    assert run_tool(argv, stdin=b"#" * 1024, env={limits.CONFIG_SIZE_VAR: "1K"}).returncode in (
        0,
        1,
    )


def test_yaml_documents_over_their_size_limit_are_refused(tmp_path: Path) -> None:
    text = BUTANE + "storage:\n  files:\n" + "    - path: /a\n" * 200
    env = {limits.YAML_SIZE_VAR: "2K"}
    r = run_tool(["butane"], stdin=text.encode(), env=env)
    assert r.returncode == 1
    assert "yaml: line 1: the YAML document is larger than 2048 bytes" in r.stderr.decode()
    src = _write(tmp_path, "ud", "#cloud-config\nwrite_files:\n" + "  - path: /a\n" * 200)
    r = run_tool(["coreos-cloudinit", "-validate", "-from-file", src], env=env)
    assert r.returncode == 1
    assert "error: the YAML document is larger than 2048 bytes" in r.stderr.decode()


@pytest.mark.parametrize(("argv", "head"), [(["butane"], BUTANE), (["ct"], "")])
def test_integers_too_long_for_int_are_out_of_range_not_a_crash(argv: list[str], head: str) -> None:
    text = head + f"storage:\n  files:\n    - path: /a\n      mode: {'9' * 5000}\n"
    r = run_tool(argv, stdin=text.encode())
    err = r.stderr.decode()
    assert r.returncode == 1
    assert "Traceback" not in err
    assert "cannot unmarshal !!int `9999999...`" in err


def test_cloud_config_integers_too_long_for_int_are_not_a_crash(tmp_path: Path) -> None:
    src = _write(
        tmp_path,
        "ud",
        f"#cloud-config\nwrite_files:\n  - path: /a\n    permissions: {'9' * 5000}\n",
    )
    r = run_tool(["coreos-cloudinit", "-validate", "-from-file", src])
    assert r.returncode == 1
    assert "Traceback" not in r.stderr.decode()
