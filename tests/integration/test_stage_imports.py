"""Each stage process imports only what its work needs (issue: boot time is user time).

Every stage is a process of its own at boot; a module imported needlessly costs each of them
milliseconds natively and tenths of a second under emulation. These tests run the stages the
way the initramfs does (``python -I -S -B`` on a script that calls ``ignition``'s ``main``) with
``-X importtime`` and check the modules each loaded against a budget, so that a change that
pulls ``typing`` or ``subprocess`` back into a stage fails here instead of going unseen in a
benchmark. ``docs/initramfs.md`` explains what each stage may load.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.integration.harness import Machine, account_databases, new_machine

REPO = Path(__file__).resolve().parents[2]
SCRIPT = """import sys
sys.path[:0] = {path!r}
from ignition.commands.cli import main
raise SystemExit(main())
"""
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2eTestKeyForPyignitionTestsOnlyNotARealKey00 t"
# a first boot's typical config: a file, a link, a user with an SSH key, an enabled unit
SMALL = {
    "ignition": {"version": "3.4.0"},
    "storage": {
        "files": [{"path": "/etc/motd", "mode": 420, "contents": {"source": "data:,hello%0A"}}],
        "links": [{"path": "/etc/motd.link", "target": "/etc/motd"}],
    },
    "passwd": {"users": [{"name": "core", "sshAuthorizedKeys": [KEY]}]},
    "systemd": {
        "units": [
            {
                "name": "hello.service",
                "enabled": True,
                "contents": "[Service]\nExecStart=/bin/true\n"
                "[Install]\nWantedBy=multi-user.target\n",
            }
        ]
    },
}
# What an idle stage (nothing to do for this config) may load: the command line, the logger
# and the work summary's reader. Anything more is paid by every idle stage of every boot.
IDLE_ALLOWED = {
    "ignition",
    "ignition.commands",
    "ignition.commands.cli",
    "ignition.commands.cliargs",
    "ignition.commands.crash",
    "ignition.engine",
    "ignition.engine.base",
    "ignition.engine.idle",
    "ignition.system",
    "ignition.system.paths",
    "ignition.util",
    "ignition.util.errors",
    "ignition.util.log",
    "ignition.util.record",
}
# Never needed by a stage of this config (each one is loaded only by the work that uses it).
NEVER = {
    "typing",
    "dataclasses",
    "inspect",
    "threading",
    "hashlib",
    "_hashlib",
    "platform",
    "ipaddress",
    "base64",
    "datetime",
    "tempfile",
    "shutil",
    "socket",
    "ssl",
    "secrets",
    "importlib.util",
    "concurrent.futures",
    "logging",
}
# Nor, for this config, by fetch-offline (which validates it) or files: no regular expression
# (the rules check characters with sets), no json module (leanjson), no enum, functools or
# collections (Names, memo.cache), no tool runner's subprocess, no pathlib.
LEAN = {"re", "enum", "json", "functools", "collections", "contextlib", "pathlib", "urllib.parse"}
LEAN |= {"subprocess", "signal", "selectors", "locale"}
FETCH_NEVER = NEVER | LEAN
_IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \| *(\S+)$", re.M)


def stage_modules(m: Machine, stage: str) -> set[str]:
    paths = sysconfig.get_paths()
    script = m.tmp / "ignition-script"
    path = list(dict.fromkeys([str(REPO), paths["purelib"], paths["platlib"]]))
    script.write_text(SCRIPT.format(path=path))
    argv = m.argv(stage)
    argv[1:3] = ["-I", "-S", "-B", "-X", "importtime", str(script)]  # replaces "-m ignition"
    p = subprocess.run(argv, cwd=m.tmp, env=m.env(), capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    return set(_IMPORTED.findall(p.stderr))


pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (useradd --root, chown)"),
]


@pytest.fixture(scope="module")
def machine(tmp_path_factory: pytest.TempPathFactory) -> Machine:
    m = new_machine(tmp_path_factory.mktemp("imports"))
    account_databases(m.root)
    m.write_config(json.dumps(SMALL))
    return m


@pytest.fixture(scope="module")
def loaded(machine: Machine) -> dict[str, set[str]]:
    stages = ("fetch-offline", "fetch", "kargs", "disks", "mount", "files", "umount")
    return {stage: stage_modules(machine, stage) for stage in stages}


@pytest.mark.parametrize("stage", ["fetch", "kargs", "disks", "mount", "umount"])
def test_an_idle_stage_loads_only_its_fast_path(loaded: dict[str, set[str]], stage: str) -> None:
    ours = {name for name in loaded[stage] if name.split(".")[0] in ("ignition", "providers")}
    assert ours <= IDLE_ALLOWED, sorted(ours - IDLE_ALLOWED)
    heavy = {"typing", "re", "enum", "json", "contextlib", "collections", "functools"}
    assert not loaded[stage] & heavy, sorted(loaded[stage] & heavy)


def test_fetch_offline_loads_no_tool_runner_paths_or_threads(loaded: dict[str, set[str]]) -> None:
    assert not loaded["fetch-offline"] & FETCH_NEVER, sorted(loaded["fetch-offline"] & FETCH_NEVER)


def test_files_loads_nothing_this_config_does_not_use(
    loaded: dict[str, set[str]], machine: Machine
) -> None:
    etc = machine.root / "etc"  # the work was done
    assert (etc / "motd").read_text() == "hello\n"
    assert KEY in (machine.root / "home/core/.ssh/authorized_keys.d/ignition").read_text()
    assert (etc / "systemd/system/hello.service").exists()
    assert json.loads((etc / ".ignition-result.json").read_bytes())["userConfigProvided"]
    # the engine's own JSON (cache, state, journal, result) is read and written without json
    assert "ignition.util.leanjson" in loaded["files"]
    assert not {"json", "json.decoder", "json.encoder", "json.scanner"} & loaded["files"]
    assert not loaded["files"] & (NEVER | LEAN), sorted(loaded["files"] & (NEVER | LEAN))
    # the config is validated by fetch-offline: the files stage does not check it again
    rules = {name for name in loaded["files"] if name.startswith("ignition.config.rules")}
    assert not rules, sorted(rules)


def test_the_budget_sees_imports(loaded: dict[str, set[str]]) -> None:
    """The parsing above reads what ``-X importtime`` printed (a test that cannot fail is no
    test): the full stages load the engine, the idle ones do not."""
    assert "ignition.engine.engine" in loaded["files"]
    assert "ignition.engine.engine" not in loaded["kargs"]
    assert sys.version_info >= (3, 11)
