"""Stages as separate processes on hostile caches, state files and configs: one clean error,
never a traceback, and never a tool run with data it would read as an option."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from ignition.config.model import LATEST_VERSION
from tests.integration.harness import Machine, account_databases, new_machine


@pytest.fixture
def m(tmp_path: Path) -> Machine:
    return new_machine(tmp_path)


def cached(m: Machine, **sections: Any) -> None:
    m.cache.write_text(json.dumps({"ignition": {"version": LATEST_VERSION}, **sections}))


def kargs_helper(m: Machine) -> tuple[dict[str, str], Path]:
    log = m.tmp / "kargs.log"
    helper = m.tmp / "kargs-helper"
    helper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {log}\n')
    helper.chmod(0o755)
    return {"IGNITION_KARGS_HELPER": str(helper)}, log


def test_kargs_with_a_string_for_a_list_never_runs_the_helper(m: Machine) -> None:
    env, log = kargs_helper(m)
    cached(m, kernelArguments={"shouldExist": "abc"})
    r = m.stage("kargs", env=env)
    assert r.code == 1, r.text
    assert f"cached config {m.cache} is corrupt at $.kernelArguments.shouldExist" in r.out
    assert not log.exists()
    assert "Traceback" not in r.text


def test_kargs_refuses_an_option_like_argument_from_the_cache(m: Machine) -> None:
    env, log = kargs_helper(m)
    cached(m, kernelArguments={"shouldExist": ["--help"]})
    r = m.stage("kargs", env=env)
    assert r.code == 1, r.text
    assert "refusing to pass a kernel argument that starts with '-' to a tool" in r.out
    assert not log.exists()


@pytest.mark.parametrize("stage", ["kargs", "disks", "mount", "files", "umount"])
def test_corrupt_cache_and_state_in_every_later_stage(m: Machine, stage: str) -> None:
    m.cache.write_bytes(b'{"ignition": {"version": "' + LATEST_VERSION.encode() + b'"}, "storage"')
    r = m.stage(stage)
    assert r.code == 1
    assert f"couldn't parse cached config {m.cache}: line 1 col" in r.out
    assert "Traceback" not in r.text
    cached(m)
    m.state.write_text('{"fetchedConfigs": [{"kind": 5}], "notatedDirectories": "x"}')
    r = m.stage(stage)
    assert r.code == 3, r.text
    assert f"state file {m.state} is corrupt at $.fetchedConfigs.0.kind" in r.out
    assert "Traceback" not in r.text


def test_wrongly_typed_fields_in_every_later_stage(m: Machine) -> None:
    cached(
        m,
        storage={"files": [{"path": 7}], "filesystems": [{"device": 5, "path": "/x"}]},
        passwd={"users": [{"name": ["x"]}]},
    )
    for stage in ("disks", "mount", "files", "umount"):
        r = m.stage(stage)
        assert r.code == 1, (stage, r.text)
        assert "is corrupt at $." in r.out
        assert "Traceback" not in r.text


def test_option_like_user_and_group_names(m: Machine) -> None:
    # through the config: a located validation error in the fetch stage
    m.write_config({"ignition": {"version": "3.4.0"}, "passwd": {"users": [{"name": "--help"}]}})
    r = m.stage("fetch")
    assert r.code == 1
    assert "error at $.passwd.users.0.name, line 1 col" in r.out
    # through a hand-made cache: refused before anything runs, nothing logged as created
    cached(m, passwd={"users": [{"name": "core"}, {"name": "-x"}], "groups": [{"name": "--help"}]})
    r = m.stage("files")
    assert r.code == 1, r.text
    assert "refusing to pass a" in r.out
    assert "useradd" not in r.out
    assert "groupadd" not in r.out


def test_nul_bytes_reach_no_tool_and_no_traceback(m: Machine) -> None:
    cached(m, storage={"files": [{"path": "/a\u0000b"}]}, passwd={"users": [{"name": "a\u0000"}]})
    r = m.stage("files")
    assert r.code == 1
    assert "Traceback" not in r.text


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root (useradd --root)")
def test_real_useradd_gets_the_name_after_double_dash(m: Machine) -> None:
    account_databases(m.root)
    etc = m.root / "etc"
    cached(
        m,
        passwd={
            "users": [{"name": "Core.1", "noCreateHome": True, "gecos": "-x"}],
            "groups": [{"name": "ops_2"}],
        },
    )
    r = m.stage("files")
    assert r.code == 0, r.text
    assert '"--" "Core.1"' in r.out
    assert '"--" "ops_2"' in r.out
    assert "Core.1:x:" in (etc / "passwd").read_text()
    assert ":-x:" in (etc / "passwd").read_text()  # an option value may start with '-'


def test_mount_refuses_an_option_like_virtiofs_tag_from_the_cache(m: Machine) -> None:
    # "mount --version" succeeds and mounts nothing: the stage would report it mounted
    m.cache.write_text(
        json.dumps(
            {
                "ignition": {"version": "3.7.0-experimental"},
                "storage": {"filesystems": [{"device": "--version", "format": "virtiofs",
                                             "path": "/var"}]},
            }
        )
    )  # fmt: skip
    r = m.stage("mount")
    assert r.code == 1, r.text
    assert "refusing to pass a device that starts with '-' to a tool" in r.out
    assert not (m.root / "var").exists()


def test_a_huge_file_edited_in_place_is_refused_unread(m: Machine) -> None:
    cached(m)
    m.state.write_text(json.dumps({"cloudConfigEnvironment": {"COREOS_PUBLIC_IPV4": "192.0.2.1"}}))
    (m.root / "etc").mkdir()
    with open(m.root / "etc/environment", "wb") as fh:  # sparse: no disk used
        fh.truncate(1 << 30)
    r = m.stage("files", env={"PYIGNITION_MAX_CONFIG_SIZE": "1M"})
    assert r.code == 1, r.text
    assert f'"/etc/environment" is larger than {1 << 20} bytes' in r.out
    assert "Traceback" not in r.text
    assert os.path.getsize(m.root / "etc/environment") == 1 << 30


def test_a_name_no_file_system_takes_is_one_short_error(m: Machine) -> None:
    """A file whose name is a megabyte long (valid to the validator, as upstream) and a link
    to it: the files stage fails before writing, naming the path cut short, in lines of
    bounded length."""
    long = "/etc/" + "n" * (1 << 20)
    cached(m, storage={"files": [{"path": long}], "links": [{"path": "/l", "target": long}]})
    r = m.stage("files")
    assert r.code == 1, r.text[:2000]
    assert "File name too long" in r.out
    assert max(len(line) for line in r.text.splitlines()) < 2000
    assert "Traceback" not in r.text
    assert not (m.root / "l").exists()


@pytest.mark.parametrize("kind", ["fifo", "huge"])
def test_an_account_database_that_is_a_fifo_or_huge_is_an_error(m: Machine, kind: str) -> None:
    """The root is input too: ``/etc/passwd`` as a FIFO would hang the stage, a huge one take
    its memory. One clean error, before anything is written."""
    etc = m.root / "etc"
    etc.mkdir(exist_ok=True)
    (etc / "passwd").unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(etc / "passwd")
    else:
        with (etc / "passwd").open("wb") as f:
            f.truncate(65 << 20)  # sparse: past the 64 MiB config size limit
    cached(m, passwd={"users": [{"name": "core"}]}, storage={"files": [{"path": "/x"}]})
    r = m.stage("files")
    assert r.code == 1, r.text
    expected = "is not a regular file" if kind == "fifo" else "is larger than"
    assert f"/etc/passwd in the root {expected}" in r.out
    assert not (m.root / "x").exists()
    assert "Traceback" not in r.text
