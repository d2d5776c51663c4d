"""Configs read from local files and pipes (``ignition-apply``, ``ignition plan``, a system
``user.ign``, base config fragments) are read to at most the config size limit: an endless
source (``/dev/zero``) is one clean error in bounded memory, not the machine's memory."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.harness import Machine, new_machine

LIMIT = 1 << 20
ENV = {"PYIGNITION_MAX_CONFIG_SIZE": str(LIMIT)}
BIN = Path(sys.executable).parent
MEMORY = 512 << 20  # address space of the process: far below an endless read


def bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run(argv: list[str], tmp: Path) -> subprocess.CompletedProcess[str]:
    with open("/dev/zero", "rb") as zero:
        return subprocess.run(
            argv,
            stdin=zero,
            env={**os.environ, **ENV},
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp,
            preexec_fn=bounded,
        )


@pytest.mark.parametrize(
    "argv",
    [
        [str(BIN / "ignition-apply"), "-root", "ROOT", "-"],
        [str(BIN / "ignition-apply"), "-root", "ROOT", "/dev/zero"],
        [sys.executable, "-m", "ignition", "plan", "-root", "ROOT", "-"],
        [sys.executable, "-m", "ignition", "plan", "-root", "ROOT", "/dev/zero"],
        [str(BIN / "coreos-cloudinit"), "-validate", "-from-file", "/dev/zero"],
    ],
)
def test_endless_config_file_or_pipe(argv: list[str], tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    p = run([str(tmp_path / "root") if a == "ROOT" else a for a in argv], tmp_path)
    assert p.returncode == 1, p.stderr
    assert f"the config is larger than {LIMIT} bytes" in p.stdout + p.stderr
    assert "Traceback" not in p.stdout + p.stderr
    assert "internal error" not in p.stdout + p.stderr


def endless(m: Machine, link: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to("/dev/zero")


def test_endless_system_user_config(tmp_path: Path) -> None:
    m = new_machine(tmp_path)
    endless(m, m.sysdir("system-runtime") / "user.ign")
    r = m.stage("fetch", env=ENV)
    assert r.code == 1, r.text
    assert f"user.ign: the config is larger than {LIMIT} bytes" in r.out
    assert "Traceback" not in r.text


def test_endless_base_config_fragment(tmp_path: Path) -> None:
    m = new_machine(tmp_path)
    endless(m, m.sysdir("system") / "base.d" / "10-zero.ign")
    r = m.stage("fetch", env=ENV)
    assert r.code == 1, r.text
    assert f"10-zero.ign: the config is larger than {LIMIT} bytes" in r.out
    assert "Traceback" not in r.text


@pytest.mark.parametrize(
    ("name", "expected"), [("cache", "cached config"), ("state", "state file")]
)
def test_endless_cache_or_state_file(name: str, expected: str, tmp_path: Path) -> None:
    m = new_machine(tmp_path)
    m.write_config({"ignition": {"version": "3.4.0"}})
    assert m.stage("fetch", env=ENV).code == 0
    path = m.cache if name == "cache" else m.state
    path.unlink(missing_ok=True)
    endless(m, path)
    r = m.stage("kargs", env=ENV)
    assert r.code != 0, r.text
    assert f"{expected} {path} is larger than {LIMIT} bytes" in r.out
    assert "Traceback" not in r.text


@pytest.mark.parametrize(
    ("name", "expected"), [("cache", "cached config"), ("state", "state file")]
)
def test_a_fifo_as_cache_or_state_file_is_refused_not_waited_on(
    name: str, expected: str, tmp_path: Path
) -> None:
    m = new_machine(tmp_path)
    m.write_config({"ignition": {"version": "3.4.0"}})
    assert m.stage("fetch", env=ENV).code == 0
    path = m.cache if name == "cache" else m.state
    path.unlink(missing_ok=True)
    os.mkfifo(path)  # no writer: a blocking open would wait for ever (the harness: 120 s)
    r = m.stage("kargs", env=ENV)
    assert r.code != 0, r.text
    assert f"{path}: a FIFO or socket, not a file" in r.out
    assert "Traceback" not in r.text


def test_a_fifo_as_the_work_summary_means_a_full_run(tmp_path: Path) -> None:
    m = new_machine(tmp_path)
    m.write_config({"ignition": {"version": "3.4.0"}})
    assert m.stage("fetch", env=ENV).code == 0
    summary = Path(f"{m.state}.work")
    summary.unlink()
    os.mkfifo(summary)
    r = m.stage("kargs", env=ENV)
    assert r.code == 0, r.text
    assert "Ignition finished successfully" in r.out
