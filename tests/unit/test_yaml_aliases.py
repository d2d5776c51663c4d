"""Alias amplification ("billion laughs") in every YAML reader: refused while composing, at the
alias that crosses ``PYIGNITION_MAX_YAML_ALIAS_NODES``, with the command's failure exit code;
ordinary anchors and merge keys keep their results."""

from __future__ import annotations

import json
import re

import pytest

from ignition.config.yamldoc import YamlSyntaxError, compose_first
from ignition.util import limits
from tests.unit.hostile_yaml import laughs, list_bomb, run_tool

BUTANE_HEAD = "variant: fcos\nversion: 1.5.0\n"
CT_HEAD = "ignition: {version: 2.3.0}\n"
CC_HEAD = "#cloud-config\n"
LIMIT_TEXT = "document contains excessive aliasing"


def _bomb_line(text: str) -> int:
    """The line of the ``*m`` list: the alias that crosses the limit is on it."""
    return next(i for i, line in enumerate(text.split("\n"), 1) if "[*m" in line)


@pytest.fixture(scope="module")
def butane_bomb() -> str:
    text = list_bomb(["passwd", "users"], "ssh_authorized_keys", head=BUTANE_HEAD)
    assert 380_000 <= len(text) <= 530_000
    return text


@pytest.fixture(scope="module")
def cc_bomb() -> str:
    return list_bomb(["users"], "ssh_authorized_keys", head=CC_HEAD)


def test_butane_refuses_the_bomb_at_the_alias(butane_bomb: str, tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    src = tmp_path / "bomb.bu"
    src.write_text(butane_bomb)
    r = run_tool(["butane", str(src)])
    err = r.stderr.decode()
    assert r.returncode == 1, err[-2000:]
    line = _bomb_line(butane_bomb)
    assert f"yaml: line {line}: {LIMIT_TEXT}" in err
    assert limits.ALIAS_NODES_VAR in err
    assert re.search(rf"--> {re.escape(str(src))}:{line}:\d+", err)
    assert "Traceback" not in err
    assert len(err) < 5000


def test_ct_refuses_the_bomb(tmp_path: object) -> None:
    text = list_bomb(["passwd", "users"], "ssh_authorized_keys", head=CT_HEAD)
    r = run_tool(["ct", "-strict"], stdin=text.encode())
    err = r.stderr.decode()
    assert r.returncode == 1, err[-2000:]
    assert f"error: yaml: line {_bomb_line(text)}: {LIMIT_TEXT}" in err
    assert err.rstrip().endswith("Failed to parse config")


def test_ignition_validate_refuses_a_butane_bomb(butane_bomb: str) -> None:
    r = run_tool(["ignition-validate", "-butane", "-"], stdin=butane_bomb.encode())
    out = r.stdout.decode()
    assert r.returncode == 1, (out + r.stderr.decode())[-2000:]
    assert re.search(rf"-:{_bomb_line(butane_bomb)}:\d+: error: .*{LIMIT_TEXT}", out)


def test_cloud_config_validator_refuses_the_bomb(cc_bomb: str, tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    src = tmp_path / "bomb.yaml"
    src.write_text(cc_bomb)
    r = run_tool(["coreos-cloudinit", "-validate", "-from-file", str(src)])
    err = r.stderr.decode()
    assert r.returncode == 1, err[-2000:]
    assert f"error: {LIMIT_TEXT}" in err
    assert f"at {src}:{_bomb_line(cc_bomb)}:" in err


def test_ignition_convert_refuses_the_bomb(cc_bomb: str) -> None:
    r = run_tool(["ignition-convert", "-"], stdin=cc_bomb.encode())
    err = r.stderr.decode()
    assert r.returncode == 1, err[-2000:]
    assert re.search(rf"<stdin>:{_bomb_line(cc_bomb)}:\d+: error: {LIMIT_TEXT}", err)


@pytest.mark.parametrize("head", [BUTANE_HEAD, CC_HEAD])
def test_the_engine_refuses_bombed_user_data(head: str) -> None:
    """The engine's user-data path (Butane transpiled, cloud-config converted) fails the
    stage with the located error instead of running out of memory."""
    keys = ["passwd", "users"] if head == BUTANE_HEAD else ["users"]
    text = list_bomb(keys, "ssh_authorized_keys", head=head)
    code = (
        "import sys\n"
        "from ignition.engine.cloudconfig import CloudConfigUse\n"
        "from ignition.engine.userdata import to_config\n"
        "from ignition.util.errors import ConfigError\n"
        "from ignition.util.log import Logger, StreamSink\n"
        "try:\n"
        "    to_config(sys.stdin.buffer.read(), source='ud', log=Logger(StreamSink(sys.stderr)),\n"
        "              cloud_config=CloudConfigUse('apply'))\n"
        "except ConfigError as exc:\n"
        "    print(exc)\n"
        "    sys.exit(1)\n"
    )
    r = run_tool(["python", "-c", code], stdin=text.encode())
    out = (r.stdout + r.stderr).decode()
    assert r.returncode == 1, out[-2000:]
    assert LIMIT_TEXT in out
    assert f"{_bomb_line(text)}" in out


def test_the_limit_is_counted_in_nodes_and_can_be_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    # the aliases of a1, a2 and a3 stand for 10 x 11 + 10 x 111 + 10 x 1,111 = 12,330 nodes
    text = laughs(levels=4, fan=10)
    assert compose_first(text) is not None
    monkeypatch.setenv(limits.ALIAS_NODES_VAR, "12329")
    with pytest.raises(YamlSyntaxError, match=LIMIT_TEXT) as info:
        compose_first(text)
    assert (info.value.line, info.value.column) == (4, 55)  # the tenth alias of a3
    monkeypatch.setenv(limits.ALIAS_NODES_VAR, "12330")
    assert compose_first(text) is not None


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    with pytest.raises(YamlSyntaxError, match="anchor 'a' value contains itself") as info:
        compose_first("a: &a [1, *a]\n")
    assert (info.value.line, info.value.column) == (1, 11)


def test_aliases_cannot_build_nesting_deeper_than_the_bound() -> None:
    lines = ["l0: &l0 [x]"] + [f"l{i}: &l{i} [*l{i - 1}]" for i in range(1, 300)]
    with pytest.raises(YamlSyntaxError, match="nested deeper than 200 levels"):
        compose_first("\n".join(lines) + "\n")


def test_ordinary_anchors_and_merge_keys_keep_their_result() -> None:
    from transpiler.butane.translate import translate

    text = BUTANE_HEAD + (
        "x-mode: &mode 0644\n"
        "x-file: &file {mode: *mode, user: {name: core}}\n"
        "storage:\n"
        "  files:\n"
        "    - <<: *file\n"
        "      path: /etc/a\n"
        "    - <<: *file\n"
        "      path: /etc/b\n"
        "      mode: 0600\n"
        "passwd:\n"
        "  users:\n"
        "    - &core {name: core, ssh_authorized_keys: [key-a]}\n"
    )
    result = translate(text.encode())
    assert result.output is not None
    files = json.loads(result.output)["storage"]["files"]
    assert [(f["path"], f["mode"], f["user"]) for f in files] == [
        ("/etc/a", 0o644, {"name": "core"}),
        ("/etc/b", 0o600, {"name": "core"}),
    ]
    assert json.loads(result.output)["passwd"]["users"] == [
        {"name": "core", "sshAuthorizedKeys": ["key-a"]}
    ]


def test_a_merge_of_its_own_anchor_is_refused_in_cloud_config() -> None:
    """go-yaml v1's words for the cycle; it used to recurse until RecursionError."""
    from cloudinit.validate import validate

    v = validate(b"#cloud-config\na1: &a1 {<<: [*a1], k: v}\nhostname: x\n")
    assert v.exit_code == 1
    assert v.entries[0] == "line 1: error: anchor 'a1' value contains itself"
    assert v.findings[0].pos == (2, 15)
