"""What a stage process imports, started as in the initramfs (``python -I -S -B`` and a runner
script, as ``bench/engine_common.py`` does): the files stage reads the cache and the state and
writes its journal and result file without the ``json`` module (``ignition.util.leanjson``),
whose import costs ``re`` and ``enum``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.integration.harness import Machine, new_machine

REPO = Path(__file__).resolve().parents[2]
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
                "contents": "[Service]\nExecStart=/bin/true\n[Install]\n"
                "WantedBy=multi-user.target\n",
            }
        ]
    },
}
# the runner of the initramfs, plus a dump of the modules loaded when the process exits
RUNNER = """import atexit, sys

sys.path[:0] = {path!r}


def dump():
    with open({out!r}, "w") as fh:
        fh.write("\\n".join(sorted(sys.modules)))


atexit.register(dump)
from ignition.commands.cli import main

raise SystemExit(main())
"""


def modules_of(m: Machine, stage: str) -> set[str]:
    """The modules the stage process had loaded when it exited (it must succeed)."""
    paths = sysconfig.get_paths()
    path = list(dict.fromkeys([str(REPO), paths["purelib"], paths["platlib"]]))
    out = m.tmp / f"{stage}.modules"
    runner = m.tmp / "runner.py"
    runner.write_text(RUNNER.format(path=path, out=str(out)))
    argv = [sys.executable, "-I", "-S", "-B", str(runner), *m.argv(stage)[3:]]
    p = subprocess.run(argv, cwd=m.tmp, env=m.env(), capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    return set(out.read_text().split("\n"))


@pytest.mark.root
@pytest.mark.skipif(os.geteuid() != 0, reason="needs root (useradd --root, chown)")
def test_the_files_stage_never_imports_json(tmp_path: Path) -> None:
    m = new_machine(tmp_path)
    etc = m.root / "etc"
    etc.mkdir()
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (etc / "group").write_text("root:x:0:\n")
    for name, line in (("shadow", "root:*:19000:0:99999:7:::\n"), ("gshadow", "root:*::\n")):
        (etc / name).write_text(line)
        (etc / name).chmod(0o600)
    (m.root / "home").mkdir()
    m.write_config(SMALL)
    assert "json" in modules_of(m, "fetch-offline")  # it parses and validates the config
    loaded = modules_of(m, "files")
    assert (etc / "motd").read_text() == "hello\n"
    assert KEY in (m.root / "home/core/.ssh/authorized_keys.d/ignition").read_text()
    assert (etc / "systemd/system/hello.service").exists()
    result = json.loads((etc / ".ignition-result.json").read_bytes())
    assert result["userConfigProvided"] is True
    assert "ignition.util.leanjson" in loaded
    assert not {"json", "json.decoder", "json.encoder", "json.scanner"} & loaded
