"""Stages with nothing to do exit on a fast path (``ignition/engine/idle.py``): the same log
lines, exit code and state file as a full run; and never when the stage has work or anything
the fetch stage's decision rests on has changed.

Whether a run took the fast path is read from ``-X importtime``: a full run imports the engine
(``ignition.engine.engine``), the fast path does not."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integration.harness import Machine, Run, new_machine

IDLE = ("kargs", "disks", "mount", "umount")
SMALL: dict[str, Any] = {
    "ignition": {"version": "3.4.0"},
    "storage": {
        "files": [{"path": "/etc/hello", "contents": {"source": "data:,hi"}, "mode": 420}],
        "links": [{"path": "/etc/hello-link", "target": "/etc/hello"}],
    },
    "systemd": {"units": [{"name": "a.service", "contents": "[Service]\n"}]},
}
BASE = {"ignition": {"version": "3.4.0"}, "storage": {"directories": [{"path": "/var/base"}]}}


def machine(tmp: Path) -> Machine:
    tmp.mkdir()
    m = new_machine(tmp)
    for name in ("passwd", "group"):  # what the files stage needs of a root
        (m.root / "etc").mkdir(exist_ok=True)
        (m.root / "etc" / name).write_text(
            "root:x:0:0:root:/root:/bin/sh\n" if name == "passwd" else "root:x:0:\n"
        )
    return m


@pytest.fixture
def m(tmp_path: Path) -> Machine:
    return machine(tmp_path / "m")


def run(m: Machine, stage: str, *flags: str, env: dict[str, str] | None = None) -> tuple[Run, bool]:
    """The run, and whether it took the fast path."""
    r = m.stage(stage, *flags, env={"PYTHONPROFILEIMPORTTIME": "1", **(env or {})})
    assert "Traceback" not in r.text
    return r, "ignition.engine.engine" not in r.err


def summary(m: Machine) -> Path:
    return Path(f"{m.state}.work")


def with_base(m: Machine) -> None:
    d = m.sysdir("system") / "base.d"
    d.mkdir(parents=True)
    (d / "10-base.ign").write_text(json.dumps(BASE))


def log_lines(r: Run, m: Machine) -> list[str]:
    return [re.sub(r"^\S+\s+", "", line).replace(str(m.tmp), "TMP") for line in r.out.splitlines()]


def test_idle_stages_log_and_leave_what_a_full_run_does(tmp_path: Path) -> None:
    fast, full = machine(tmp_path / "fast"), machine(tmp_path / "full")
    for mach in (fast, full):
        mach.write_config(SMALL)
        with_base(mach)
        r, _ = run(mach, "fetch-offline")
        assert r.code == 0, r.text
        assert summary(mach).exists()
        assert oct(summary(mach).stat().st_mode & 0o777) == "0o600"
    for stage in ("fetch", *IDLE[:3], "files", "umount"):
        summary(full).unlink(missing_ok=True)  # the full run, always
        before = fast.state.read_bytes()
        rf, took_fast = run(fast, stage)
        rr, full_fast = run(full, stage)
        assert (rf.code, rr.code) == (0, 0), rf.text + rr.text
        assert took_fast == (stage != "files"), stage
        assert not full_fast
        assert log_lines(rf, fast) == log_lines(rr, full), stage
        assert fast.state.read_bytes() == full.state.read_bytes()
        if stage != "files":
            assert fast.state.read_bytes() == before
    # the base config's lines are replayed in every stage
    assert "parsing config with SHA512" in rf.out
    assert (fast.root / "var/base").is_dir()


def test_a_fetch_stage_that_fails_leaves_no_summary_behind(m: Machine) -> None:
    m.write_config(SMALL)
    assert run(m, "fetch-offline")[0].code == 0
    assert summary(m).exists()
    m.write_config("{not json")
    assert run(m, "fetch-offline")[0].code == 1
    r, _ = run(m, "kargs")  # the old cache and state still agree: either path is right
    assert r.code == 0
    m.write_config(
        {"ignition": {"version": "3.4.0", "config": {"merge": [{"source": "http://127.0.0.1:9/"}]}}}
    )
    r, _ = run(m, "fetch-offline")  # needs the network: no cache written
    assert r.code == 0
    assert m.neednet.exists()
    assert not summary(m).exists()


def test_fetch_reads_the_config_fetch_offline_cached(m: Machine) -> None:
    m.write_config(SMALL)
    assert run(m, "fetch-offline")[0].code == 0
    m.write_config({"ignition": {"version": "3.4.0"}, "kernelArguments": {"shouldExist": ["x"]}})
    summary(m).unlink()
    r, fast = run(m, "fetch")
    assert r.code == 0
    assert not fast
    assert f"using the config cached at {m.cache}: not fetched again" in r.out
    assert "reading config from file" not in r.out
    assert not json.loads(m.cache.read_bytes())["kernelArguments"]["shouldExist"]  # SMALL's
    assert run(m, "kargs")[1]  # fetch wrote a new summary
    m.cache.write_text("{")
    r, fast = run(m, "fetch")
    assert not fast
    assert r.code == 1
    assert str(m.cache) in r.out
    m.cache.unlink()
    r, _ = run(m, "fetch")  # no cache: fetched
    assert r.code == 0
    assert "reading config from file" in r.out
    assert not run(m, "kargs")[1]


@pytest.mark.parametrize(
    ("section", "stages"),
    [
        ({"kernelArguments": {"shouldExist": ["quiet"]}}, ("kargs",)),
        (
            {"storage": {"filesystems": [{"device": "/dev/null", "format": "ext4"}]}},
            ("disks",),
        ),
        (
            {
                "storage": {
                    "filesystems": [{"device": "/dev/null", "format": "ext4", "path": "/var"}]
                }
            },
            ("disks", "mount", "umount"),
        ),
    ],
)
def test_a_stage_with_work_never_takes_the_fast_path(
    m: Machine, section: dict[str, Any], stages: tuple[str, ...]
) -> None:
    helper = m.tmp / "kargs-helper"
    helper.write_text("#!/bin/sh\nexit 0\n")
    helper.chmod(0o755)
    env = {"IGNITION_KARGS_HELPER": str(helper)}
    m.write_config({"ignition": {"version": "3.4.0"}, **section})
    assert run(m, "fetch", env=env)[0].code == 0
    for stage in IDLE:
        r, fast = run(m, stage, env=env)
        assert fast == (stage not in stages), stage
        if stage == "umount" and not fast:
            assert '"/var" is not mounted' in r.out


def test_work_in_a_base_config_is_seen(m: Machine) -> None:
    d = m.sysdir("system") / "base.platform.d" / "file"
    d.mkdir(parents=True)
    (d / "k.ign").write_text(
        json.dumps({"ignition": {"version": "3.4.0"}, "kernelArguments": {"shouldExist": ["x"]}})
    )
    m.write_config(SMALL)
    assert run(m, "fetch")[0].code == 0
    r, fast = run(m, "kargs")
    assert not fast
    assert "kernel argument" in r.out  # no helper here: the full run says what failed
    assert run(m, "disks")[1]


def edit_cache(m: Machine) -> None:
    data = json.loads(m.cache.read_bytes())
    data["kernelArguments"] = {"shouldExist": ["quiet"], "shouldNotExist": []}
    m.cache.write_text(json.dumps(data))


def add_base(m: Machine) -> None:
    with_base(m)


def change_base(m: Machine) -> None:
    f = m.sysdir("system") / "base.d" / "10-base.ign"
    f.write_text(json.dumps({**BASE, "storage": {"directories": [{"path": "/var/other"}]}}))


def rewrite_state(m: Machine) -> None:
    data = m.state.read_bytes()
    m.state.unlink()
    m.state.write_bytes(data)


def garbage_summary(m: Machine) -> None:
    summary(m).write_bytes(b"pyignition work summary 1\nidle kargs\n\xff\n")


def huge_summary(m: Machine) -> None:
    text = summary(m).read_text()
    summary(m).write_text(text + "log 6 41\n" * 200_000)


def other_cache_path(m: Machine) -> None:
    text = summary(m).read_text()
    old = os.fsencode(str(m.cache)).hex()
    summary(m).write_text(text.replace(old, os.fsencode(str(m.cache) + "x").hex()))


@pytest.mark.parametrize(
    "change",
    [
        edit_cache,
        add_base,
        change_base,
        rewrite_state,
        garbage_summary,
        huge_summary,
        other_cache_path,
    ],
)
def test_a_change_after_the_fetch_stage_means_a_full_run(m: Machine, change: Any) -> None:
    if change is change_base:
        with_base(m)
    m.write_config(SMALL)
    assert run(m, "fetch")[0].code == 0
    change(m)
    r, fast = run(m, "kargs")
    assert not fast
    if change is edit_cache:
        assert r.code == 1
        assert "kernel argument" in r.out
    else:
        assert r.code == 0, r.text


def test_other_platform_or_a_dry_run_means_a_full_run(m: Machine) -> None:
    m.write_config(SMALL)
    assert run(m, "fetch")[0].code == 0
    r, fast = run(m, "kargs", "-dry-run")
    assert not fast
    assert r.code == 0
    m.platform = "metal"
    r, fast = run(m, "kargs")
    assert not fast
    assert r.code == 0, r.text


def test_an_empty_root_is_refused_before_the_fast_path(m: Machine) -> None:
    m.write_config(SMALL)
    assert run(m, "fetch")[0].code == 0
    assert run(m, "umount")[1]
    r, _ = run(m, "umount", "-root", "")  # the later flag wins, as with Go's flag package
    assert r.code == 2
    assert "finished successfully" not in r.out
    assert "-root" in r.err


# --------------------------------------------------------------------------- markers

MARKED = ("kargs", "disks", "mount")  # the units that skip by a marker (mount: with umount)
# a config section, the units it gives work, the idle stages the fetch stage names
WORK: list[tuple[dict[str, Any], set[str], str]] = [
    ({"kernelArguments": {"shouldExist": ["quiet"]}}, {"kargs"}, "disks, mount, umount"),
    (
        {"storage": {"filesystems": [{"device": "/dev/null", "format": "ext4"}]}},
        {"disks"},
        "kargs, mount, umount",
    ),
    (
        {"storage": {"filesystems": [{"device": "/dev/null", "format": "ext4", "path": "/var"}]}},
        {"disks", "mount"},
        "kargs",
    ),
]


def marker_dir(m: Machine) -> Path:
    return m.tmp / "nothing-to-do"  # beside the state file


def markers(m: Machine) -> set[str]:
    d = marker_dir(m)
    return {p.name for p in d.iterdir()} if d.is_dir() and not d.is_symlink() else set()


def skipped_by_systemd(m: Machine, stage: str) -> bool | None:
    """systemd's own verdict on the unit's condition (None without systemd-analyze)."""
    if shutil.which("systemd-analyze") is None:
        return None
    cond = f"ConditionPathExists=!{marker_dir(m) / stage}"
    proc = subprocess.run(["systemd-analyze", "condition", cond], capture_output=True, check=False)
    return proc.returncode != 0


def test_the_fetch_stage_marks_the_idle_stages_for_their_units(m: Machine) -> None:
    m.write_config(SMALL)
    r, _ = run(m, "fetch-offline")
    assert r.code == 0, r.text
    assert "stages with nothing to do for this config: kargs, disks, mount, umount" in r.out
    assert markers(m) == set(MARKED)
    assert oct(marker_dir(m).stat().st_mode & 0o7777) == "0o700"
    for stage in MARKED:
        marker = marker_dir(m) / stage
        assert marker.stat().st_size == 0
        assert oct(marker.stat().st_mode & 0o7777) == "0o600"
        assert skipped_by_systemd(m, stage) in (True, None)
    # the line comes before success, and once
    lines = log_lines(r, m)
    assert lines.index(": Ignition finished successfully") == len(lines) - 1
    assert sum("stages with nothing to do" in line for line in lines) == 1


@pytest.mark.parametrize(("section", "busy", "named"), WORK)
def test_a_stage_with_work_gets_no_marker(
    m: Machine, section: dict[str, Any], busy: set[str], named: str
) -> None:
    m.write_config({"ignition": {"version": "3.4.0"}, **section})
    r, _ = run(m, "fetch-offline")
    assert r.code == 0, r.text
    assert markers(m) == set(MARKED) - busy
    for stage in busy:
        assert skipped_by_systemd(m, stage) in (False, None)
    assert f"stages with nothing to do for this config: {named}" in r.out


def test_a_new_summary_with_work_removes_the_stale_markers(m: Machine) -> None:
    m.write_config(SMALL)
    assert run(m, "fetch-offline")[0].code == 0
    assert markers(m) == set(MARKED)
    m.write_config({"ignition": {"version": "3.4.0"}, **WORK[2][0]})
    assert run(m, "fetch-offline")[0].code == 0  # the same /run, fetched again
    assert markers(m) == {"kargs"}
    m.cache.unlink()  # fetch fetches again: again a new summary
    m.write_config({"ignition": {"version": "3.4.0"}, **WORK[0][0]})
    assert run(m, "fetch")[0].code == 0
    assert markers(m) == {"disks", "mount"}


def test_a_fetch_stage_that_fails_or_writes_no_cache_leaves_no_markers(m: Machine) -> None:
    m.write_config(SMALL)
    assert run(m, "fetch-offline")[0].code == 0
    assert markers(m) == set(MARKED)
    m.write_config("{not json")
    r, _ = run(m, "fetch-offline")
    assert r.code == 1
    assert markers(m) == set()
    assert not summary(m).exists()
    m.write_config(SMALL)
    assert run(m, "fetch-offline")[0].code == 0
    assert markers(m) == set(MARKED)
    m.write_config(
        {"ignition": {"version": "3.4.0", "config": {"merge": [{"source": "http://127.0.0.1:9/"}]}}}
    )
    r, _ = run(m, "fetch-offline")  # needs the network: no cache, no summary, no markers
    assert r.code == 0
    assert m.neednet.exists()
    assert markers(m) == set()
    assert "stages with nothing to do" not in r.out


def test_a_dropped_summary_drops_the_markers(m: Machine) -> None:
    m.write_config(SMALL)
    assert run(m, "fetch-offline")[0].code == 0
    assert markers(m) == set(MARKED)
    edit_cache(m)  # someone else's cache: the files stage's refresh drops the summary
    r, _ = run(m, "files")
    assert r.code == 0, r.text
    assert not summary(m).exists()
    assert markers(m) == set()


def test_a_planted_symlink_is_never_followed(m: Machine) -> None:
    elsewhere = m.tmp / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "kargs").write_text("keep")
    marker_dir(m).symlink_to(elsewhere)
    m.write_config({"ignition": {"version": "3.4.0"}, **WORK[0][0]})  # kargs has work
    assert run(m, "fetch-offline")[0].code == 0
    # replaced by a directory of our own; nothing written or removed through the link
    assert not marker_dir(m).is_symlink()
    assert markers(m) == {"disks", "mount"}
    assert [p.name for p in elsewhere.iterdir()] == ["kargs"]
    assert (elsewhere / "kargs").read_text() == "keep"
    assert skipped_by_systemd(m, "kargs") in (False, None)
    # a symlink planted at a marker: removed, its target untouched
    target = m.tmp / "target"
    target.write_text("keep")
    (marker_dir(m) / "disks").unlink()
    (marker_dir(m) / "disks").symlink_to(target)
    m.write_config(SMALL)
    assert run(m, "fetch-offline")[0].code == 0
    assert not (marker_dir(m) / "disks").is_symlink()
    assert (marker_dir(m) / "disks").stat().st_size == 0
    assert target.read_text() == "keep"
    # and on the removing side: a file or symlink where the directory belongs is removed
    marker_dir(m).rename(m.tmp / "old-markers")
    marker_dir(m).symlink_to(elsewhere)
    m.write_config("{not json")
    assert run(m, "fetch-offline")[0].code == 1
    assert not os.path.lexists(marker_dir(m))
    assert (elsewhere / "kargs").read_text() == "keep"


def test_a_directory_planted_at_a_marker_is_no_marker(m: Machine) -> None:
    """An empty directory where a marker goes would skip that stage's unit: the fetch stage
    removes it like a marker, both when it leaves markers and when it drops them."""
    m.write_config({"ignition": {"version": "3.4.0"}, **WORK[0][0]})  # kargs has work
    marker_dir(m).mkdir(mode=0o700)
    (marker_dir(m) / "kargs").mkdir()
    assert run(m, "fetch-offline")[0].code == 0
    assert markers(m) == {"disks", "mount"}
    (marker_dir(m) / "kargs").mkdir()
    m.write_config("{not json")
    assert run(m, "fetch-offline")[0].code == 1
    assert markers(m) == set()
