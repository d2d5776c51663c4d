"""``kill -9`` of the files stage at random moments, on a real scratch root.

One clean run of a config that creates, replaces, removes, appends to, re-owns, masks and
disables things in a prepared root gives the expected root. Then, for each iteration, the same
prepared root gets a files stage killed at a random point of its output (or of its start-up),
sometimes a second run killed as well, then a run left to finish. After a kill, everything in
the root that is neither the old nor the new state must be recognisably the stage's own (its
journal directory, or a name the journal made); after the final run the root must be exactly
the clean run's. Fixed seed; ``PYIGNITION_FUZZ_SCALE`` multiplies the iterations,
``PYIGNITION_FUZZ_SEED`` changes the seed.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.integration.harness import Machine, new_machine
from tests.integration.rootsnap import differences, snapshot
from tests.servers import Reply, http_server

SCALE = max(1, int(os.environ.get("PYIGNITION_FUZZ_SCALE", "1")))
SEED = int(os.environ.get("PYIGNITION_FUZZ_SEED", "1313"))
ITERATIONS = 6 * SCALE
TXN = "/.pyignition-txn"
LAST_ACTION = 'write "/etc/.ignition-result.json"'


def prepare(root: Path) -> None:
    units = root / "etc/systemd/system"
    (units / "multi-user.target.wants").mkdir(parents=True)
    (units / "old.service").write_text("[Unit]\nDescription=old\n")
    (units / "masked.service").write_text("[Unit]\nDescription=to be masked\n")
    (units / "multi-user.target.wants/gone.service").symlink_to("/usr/lib/gone.service")
    (root / "etc/motd").write_text("old motd\n")
    (root / "etc/hosts").write_text("127.0.0.1 localhost\n")
    (root / "var/log").mkdir(parents=True)
    (root / "var/log/app.log").write_text("line 1\n")
    (root / "srv/old/sub").mkdir(parents=True)
    (root / "srv/old/sub/data").write_text("old tree")
    (root / "opt/kept").mkdir(parents=True)


def config(url: str) -> dict[str, Any]:
    def data(text: str) -> dict[str, str]:
        return {"source": "data:," + text}

    files: list[dict[str, Any]] = [
        {"path": "/etc/motd", "overwrite": True, "contents": data("new%20motd")},
        {"path": "/var/log/app.log", "append": [data("line 2%0A"), data("line 3%0A")]},
        {"path": "/srv/old", "overwrite": True, "contents": data("a file now")},
        {"path": "/etc/hosts", "mode": 0o600},
        *[{"path": f"/etc/app-{i}.conf", "contents": data(f"n={i}")} for i in range(20)],
        *[
            {"path": f"/opt/app/d{i % 15}/f{i}", "contents": data(f"{i}"), "mode": 0o640}
            for i in range(150)
        ],
        *[{"path": f"/etc/remote-{i}", "contents": {"source": f"{url}/r{i}"}} for i in range(3)],
    ]
    return {
        "ignition": {"version": "3.4.0"},
        "storage": {
            "files": files,
            "directories": [
                {"path": "/opt/kept", "mode": 0o700},
                *[{"path": f"/var/lib/app{i}", "mode": 0o750} for i in range(10)],
            ],
            "links": [
                *[{"path": f"/etc/link-{i}", "target": "/etc/motd"} for i in range(10)],
                {"path": "/etc/motd.hard", "target": "/etc/motd", "hard": True},
            ],
        },
        "systemd": {
            "units": [
                {"name": "old.service", "contents": "[Unit]\nDescription=new\n"},
                {"name": "masked.service", "mask": True},
                {"name": "gone.service", "enabled": False},
                *[
                    {
                        "name": f"new{i}.service",
                        "enabled": True,
                        "contents": "[Service]\nExecStart=/bin/true\n",
                        "dropins": [{"name": "10-a.conf", "contents": "[Service]\n"}],
                    }
                    for i in range(20)
                ],
            ]
        },
    }


def run_killed(m: Machine, rng: random.Random, lines: int) -> tuple[str, str]:
    """Start the files stage and kill it at a random moment: after a random number of its
    output lines (plus a random few milliseconds), or during its start-up. Returns what it
    printed and where it was killed."""
    proc = subprocess.Popen(
        m.argv("files"),
        cwd=m.tmp,
        env=m.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    target = rng.randrange(-lines // 10, lines + 2)
    out: list[str] = []
    if target < 0:
        time.sleep(rng.uniform(0.0, 0.3))
    else:
        while len(out) < target and (line := proc.stdout.readline()):
            out.append(line)
        time.sleep(rng.uniform(0.0, 0.005))
    proc.send_signal(signal.SIGKILL)
    rest = proc.stdout.read()  # not communicate(): it would drop what readline() buffered
    proc.stdout.close()
    proc.wait(timeout=60)
    where = "start-up" if target < 0 else f"after line {target}/{lines}"
    return "".join(out) + rest, where


def finished(out: str) -> bool:
    """The run got through its last action (a rerun is then a second run)."""
    return any("[finished]" in line and LAST_ACTION in line for line in out.splitlines())


def strays(root: Path, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Nodes in the root that are neither the old nor the new state, and not recognisably
    the stage's: inside its journal directory or named by its journal."""
    found = []
    txn_id = _txn_id(root)
    ours = re.compile(rf"\..*\.pyignition-{txn_id}-\d+") if txn_id else None
    for path in snapshot(root):
        if path in before or path in after or path == TXN or path.startswith(TXN + "/"):
            continue
        if ours and any(ours.fullmatch(c) for c in path.split("/")):
            continue
        found.append(path)
    return found


def _committed(root: Path) -> bool:
    try:
        return b'\n["commit"]\n' in (root / TXN.lstrip("/") / "journal").read_bytes()
    except OSError:
        return False


def _txn_id(root: Path) -> str | None:
    try:
        head = (root / TXN.lstrip("/") / "journal").read_bytes().split(b"\n", 1)[0]
        return str(json.loads(head)["id"])
    except (OSError, ValueError, KeyError):
        return None


def test_a_killed_files_stage_leaves_nothing_stray_and_a_rerun_converges(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    with http_server() as srv:
        for i in range(3):
            srv.route(f"/r{i}", Reply(200, f"remote body {i}\n".encode() * 1000))
        (tmp_path / "clean").mkdir()
        clean = new_machine(tmp_path / "clean")
        prepare(clean.root)
        clean.write_config(config(srv.url))
        assert clean.stage("fetch").code == 0
        fetched_state = clean.state.read_bytes()
        before = snapshot(clean.root)
        r = clean.stage("files")
        assert r.code == 0, r.text
        expected = snapshot(clean.root)
        lines = len(r.out.splitlines())
        seen = []
        for it in range(ITERATIONS):
            (tmp_path / f"run{it}").mkdir()
            m = new_machine(tmp_path / f"run{it}")
            prepare(m.root)
            shutil.copy(clean.cache, m.cache)
            m.state.write_bytes(fetched_state)
            out, where = run_killed(m, rng, lines)
            seen.append(where)
            assert strays(m.root, before, expected) == [], where
            completed = finished(out)
            if it % 2:  # the run that undoes the killed one is killed too
                again, where2 = run_killed(m, rng, lines)
                seen.append(f"then {where2}")
                assert "Traceback" not in again
                assert strays(m.root, before, expected) == [], (where, where2)
                completed = completed or finished(again)
            committed = _committed(m.root)
            final = m.stage("files")
            assert "Traceback" not in final.text
            if committed:  # killed after its commit: the rerun of the same config converges
                assert final.code == 0, (where, final.out)
                assert "applied this same config completely: nothing to do" in final.out
            elif final.code != 0:  # only a killed run that had finished altogether: a rerun
                assert completed, (where, final.out)  # is then a second run, as upstream
                assert "exists there already and overwrite is false" in final.out
            assert differences(expected, snapshot(m.root)) == [], where
            shutil.rmtree(m.tmp)
    print(f"{ITERATIONS} kills (seed {SEED}): " + "; ".join(seen))


KILL_AFTER_COMMIT = (
    "import os, signal, sys\n"
    "from ignition.stages.files import journal\n"
    "def killed(root):\n    os.kill(os.getpid(), signal.SIGKILL)\n"
    "journal._remove_txn_dir = killed\n"
    "from ignition.commands.cli import main\n"
    "sys.exit(main())\n"
)


def test_a_rerun_after_a_kill_past_the_commit_converges(tmp_path: Path) -> None:
    """Killed after the journal says the run completed: the rerun of the same config is a
    no-op with exit status 0, and a different config is still a second run (it fails on the
    first run's files like upstream's second run)."""
    m = new_machine(tmp_path)
    cfg = {
        "ignition": {"version": "3.4.0"},
        "storage": {"files": [{"path": "/etc/a", "contents": {"source": "data:,A"}}]},
    }
    m.write_config(cfg)
    assert m.stage("fetch").code == 0
    argv = m.argv("files")
    argv[1:3] = ["-c", KILL_AFTER_COMMIT]  # python -m ignition -> python -c ...
    p = subprocess.run(argv, cwd=m.tmp, env=m.env(), capture_output=True, text=True, timeout=120)
    assert p.returncode == -signal.SIGKILL
    assert _committed(m.root)
    fetched_state = m.state.read_bytes()
    r = m.stage("files")
    assert r.code == 0, r.text
    assert "applied this same config completely: nothing to do" in r.out
    assert not (m.root / TXN.lstrip("/")).exists()
    assert (m.root / "etc/a").read_text() == "A"
    # the same kill, then a different config
    (m.root / "etc/a").unlink()
    m.state.write_bytes(fetched_state)
    subprocess.run(argv, cwd=m.tmp, env=m.env(), capture_output=True, timeout=120)
    assert _committed(m.root)
    cfg["storage"]["files"].append({"path": "/etc/b", "contents": {"source": "data:,B"}})  # type: ignore[index]
    m.write_config(cfg)
    m.cache.unlink()  # fetch reads a cache that exists (fetch-offline's): a new config needs none
    assert m.stage("fetch").code == 0
    r = m.stage("files")
    assert r.code == 1, r.text
    assert "exists there already and overwrite is false" in r.out
    assert not (m.root / "etc/b").exists()
