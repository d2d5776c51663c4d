"""The files stage's undo journal: what a killed run left is undone, and only that."""

from __future__ import annotations

import os
import types
from pathlib import Path
from typing import Any, cast

import pytest

from ignition.stages.files import journal, relabel
from ignition.stages.files.fsops import RootFS
from ignition.stages.files.journal import TXN_DIR, Journal
from ignition.system import System
from ignition.system.root import TargetRoot
from ignition.util.errors import StageError
from ignition.util.log import Logger
from tests.integration.rootsnap import differences, snapshot


def make_root(tmp_path: Path) -> Path:
    r = tmp_path / "root"
    (r / "etc").mkdir(parents=True)
    (r / "etc/motd").write_text("old\n")
    (r / "etc/log").write_text("1\n")
    (r / "srv/tree/sub").mkdir(parents=True)
    (r / "srv/tree/sub/f").write_text("tree")
    (r / "etc/mode").write_text("m")
    os.chmod(r / "etc/mode", 0o640)
    return r


def act(fs: RootFS) -> None:
    """One of each journaled change."""
    with fs.at("/etc/new") as at:
        fs.write_atomic(at, b"new")
    with fs.at("/etc/motd") as at:
        fs.write_atomic(at, b"replaced")
    with fs.at("/etc/log") as at:
        fs.append(at, b"2\n")
    with fs.at("/etc/mode") as at:
        fs.set_owner_mode(at, os.getuid(), os.getgid(), 0o600)
    with fs.at("/srv/tree") as at:
        fs.remove(at)
        fs.symlink(at, "/elsewhere")
    with fs.at("/opt/deep/er/file") as at:
        fs.write_atomic(at, b"deep")
    with fs.at("/etc/dir") as at:
        fs.mkdir(at)
    with fs.at("/etc/dir/inside") as at:
        fs.write_atomic(at, b"x")


def killed(root: Path) -> Journal:
    """A run that changed everything, then died (its lock goes with its descriptor)."""
    txn = Journal.begin(TargetRoot(root))
    fs = RootFS(TargetRoot(root), txn)
    act(fs)
    fs.close()
    os.close(txn._fd)
    return txn


def test_recovery_undoes_every_change_of_a_killed_run(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    before = snapshot(root)
    txn = killed(root)
    assert differences(before, snapshot(root)) != []
    kinds = {r[0] for r in txn.records}
    assert kinds == {"new", "temp", "backup", "size", "attrs"}
    # below a directory the run created, nothing is journaled
    assert not [r for r in txn.records if r[1].startswith(("/opt/deep/", "/etc/dir/"))]
    journal.recover(TargetRoot(root), Logger())
    assert differences(before, snapshot(root)) == []


def test_recovery_is_idempotent(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    before = snapshot(root)
    txn = killed(root)
    half = txn.records[: len(txn.records) // 2]
    journal.undo(TargetRoot(root), reversed(half))  # a killed recovery
    journal.recover(TargetRoot(root), Logger())
    assert differences(before, snapshot(root)) == []


def test_after_commit_only_the_leftovers_go(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    txn = Journal.begin(TargetRoot(root))
    fs = RootFS(TargetRoot(root), txn)
    act(fs)
    fs.close()
    txn.record("commit")
    os.close(txn._fd)
    backups = [r[2] for r in txn.records if r[0] == "backup"]
    assert backups
    assert all(os.path.lexists(root / b.lstrip("/")) for b in backups)
    journal.recover(TargetRoot(root), Logger())
    assert (root / "etc/motd").read_text() == "replaced"
    assert not any(os.path.lexists(root / b.lstrip("/")) for b in backups)
    assert not (root / TXN_DIR).exists()


def test_commit_and_rollback_leave_no_directory(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    before = snapshot(root)
    for end in ("rollback", "commit"):
        txn = Journal.begin(TargetRoot(root))
        fs = RootFS(TargetRoot(root), txn)
        if end == "rollback":
            act(fs)
        fs.close()
        getattr(txn, end)()
        assert not (root / TXN_DIR).exists()
        assert differences(before, snapshot(root)) == []


def test_a_torn_last_line_is_ignored_a_damaged_one_is_an_error(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    killed(root)
    path = root / TXN_DIR / "journal"
    text = path.read_bytes()
    path.write_bytes(text + b'["new", "/etc/mo')  # the record of a change never started
    before_recovery = (root / "etc/motd").read_text()
    assert before_recovery == "replaced"
    journal.recover(TargetRoot(root), Logger())
    assert (root / "etc/motd").read_text() == "old\n"
    killed(root)
    lines = path.read_bytes().split(b"\n")
    lines[2] = b'["new", 42]'
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(StageError, match="is damaged"):
        journal.recover(TargetRoot(root), Logger())
    assert path.exists()


@pytest.mark.parametrize(
    "setup",
    ["foreign-file", "no-header", "symlink", "stage-without-journal"],
)
def test_a_directory_that_is_not_ours_is_refused_and_kept(tmp_path: Path, setup: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    txn = root / TXN_DIR
    if setup == "symlink":
        (tmp_path / "elsewhere").mkdir()
        txn.symlink_to(tmp_path / "elsewhere")
    else:
        txn.mkdir()
        if setup == "foreign-file":
            (txn / "notes").write_text("mine")
        elif setup == "no-header":
            (txn / "journal").write_text("my own journal\n")
        else:
            (txn / "stage").mkdir()
    with pytest.raises(StageError, match="not a pyignition journal directory"):
        journal.recover(TargetRoot(root), Logger())
    assert os.path.lexists(txn)


def test_an_empty_directory_of_a_run_killed_at_its_start_is_removed(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / TXN_DIR).mkdir(parents=True)
    journal.recover(TargetRoot(root), Logger())
    assert list(root.iterdir()) == []
    (root / TXN_DIR).mkdir()
    (root / TXN_DIR / "journal").write_bytes(b'{"journal": "pyignition files-st')
    journal.recover(TargetRoot(root), Logger())
    assert list(root.iterdir()) == []


def test_a_running_journal_is_not_undone(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    txn = Journal.begin(TargetRoot(root))  # this process holds it
    with pytest.raises(StageError, match="another run is changing this root"):
        journal.recover(TargetRoot(root), Logger())
    txn.commit()


def test_selinux_policy_name_is_read_inside_the_root_and_must_be_a_name(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc/selinux").mkdir(parents=True)
    ctx = cast(Any, types.SimpleNamespace(system=System.scratch(root)))
    config = root / "etc/selinux/config"
    config.write_text("SELINUX=enforcing\nSELINUXTYPE=targeted\n")
    assert relabel.policy(ctx) == "targeted"
    config.write_text("SELINUXTYPE=../../../tmp/x\n")
    assert relabel.policy(ctx) is None
    host = tmp_path / "host-config"
    host.write_text("SELINUXTYPE=hostpolicy\n")
    config.unlink()
    config.symlink_to(str(host))  # absolute: taken inside the root, where it does not exist
    assert relabel.policy(ctx) is None


def test_a_journal_past_its_bound_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A journal larger than four times the config size limit is not one a run wrote: it is
    refused (and kept) without being read, with a message of bounded size."""
    monkeypatch.setenv("PYIGNITION_MAX_CONFIG_SIZE", "64K")
    root = make_root(tmp_path)
    killed(root)
    path = root / TXN_DIR / "journal"
    with path.open("ab") as f:
        f.write(b'["new", "/' + b"a" * (256 * 1024) + b'"]\n')
    with pytest.raises(StageError, match="is larger than 262144 bytes") as exc:
        journal.recover(TargetRoot(root), Logger())
    assert len(str(exc.value)) < 400
    assert path.exists()


def test_a_run_that_would_pass_the_bound_fails_and_undoes_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYIGNITION_MAX_CONFIG_SIZE", "256")  # a journal of 1 KiB at most
    root = make_root(tmp_path)
    before = snapshot(root)
    txn = Journal.begin(TargetRoot(root))
    fs = RootFS(TargetRoot(root), txn)

    def write_many() -> None:
        for i in range(100):
            with fs.at(f"/etc/motd{i}") as at:
                fs.write_atomic(at, b"x")

    with pytest.raises(StageError, match="changes more than the undo journal may hold"):
        write_many()
    fs.close()
    txn.rollback()
    assert differences(before, snapshot(root)) == []


def test_a_record_naming_a_path_no_file_system_takes_is_nothing_to_undo(tmp_path: Path) -> None:
    """A well-formed record naming a path that cannot exist (one name of a megabyte): it was
    never created, and the rest is undone."""
    root = make_root(tmp_path)
    before = snapshot(root)
    killed(root)
    path = root / TXN_DIR / "journal"
    lines = path.read_bytes().split(b"\n")
    lines.insert(1, b'["new", "/etc/' + b"n" * (1 << 20) + b'"]')
    path.write_bytes(b"\n".join(lines))
    journal.recover(TargetRoot(root), Logger())
    assert differences(before, snapshot(root)) == []


@pytest.mark.parametrize("count", [0, 1, 2, 5])
def test_records_read_forward_and_newest_first_are_the_same_records(count: int) -> None:
    header = b'{"journal": "pyignition files-stage journal"}\n'
    lines = [b'["new", "/n%d"]' % i for i in range(count)]
    data = header + b"".join(line + b"\n" for line in lines) + b'["new", "/tor'
    lo = len(header)
    hi = len(data) - len(b'["new", "/tor')
    forward = list(journal._records((data, lo, hi)))
    assert forward == [["new", f"/n{i}"] for i in range(count)]
    assert list(journal._records((data, lo, hi), newest_first=True)) == forward[::-1]


def test_an_account_tool_that_hangs_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shadow-utils tool blocked for good (on a FIFO planted in the root, say) fails the
    stage at its deadline instead of holding it forever."""
    from ignition.stages.files import accounts

    monkeypatch.setattr(accounts, "TOOL_TIMEOUT", 0.5)
    ctx = cast(Any, types.SimpleNamespace(system=System.scratch(tmp_path)))
    hung = r"(?s)failed to create user \"x\": .*timed out after 0\.5s"
    with pytest.raises(StageError, match=hung):
        accounts._run(ctx, ["sleep", "30"], (), 'failed to create user "x"')
