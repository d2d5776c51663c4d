"""The *at() layer: a symlink that appears between planning and writing is never followed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ignition.stages.files.fsops import RootFS
from ignition.system.root import TargetRoot
from ignition.util.errors import StageError


def test_symlink_swapped_in_after_resolution_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "dir").mkdir()
    fs = RootFS(TargetRoot(root))
    host = Path(fs.root.host("/dir/file"))  # resolved while /dir is a real directory
    assert host == root / "dir/file"
    os.rmdir(root / "dir")
    os.symlink(outside, root / "dir")  # an attacker (or an earlier action) swaps it
    # TargetRoot.join would now re-resolve inside the root; a raw walk must refuse instead
    os.unlink(root / "dir")
    os.symlink(str(outside), root / "dir")
    with fs.at("/dir/file") as at:  # join() maps /dir -> <root><outside>, created inside
        fs.write_atomic(at, b"x")
    assert list(outside.iterdir()) == []
    assert (root / str(outside).lstrip("/") / "file").read_bytes() == b"x"


def test_walk_refuses_symlink_components(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "a").symlink_to(outside)
    fs = RootFS(TargetRoot(root))
    # simulate a stale resolution: host() says <root>/a/x, but /a is a symlink now
    monkeypatch.setattr(fs.root, "host", lambda p: str(root / "a" / "x"))
    with pytest.raises(StageError, match="not a directory"), fs.at("/a/x") as at:
        fs.write_atomic(at, b"x")
    assert list(outside.iterdir()) == []


def test_created_parents_are_recorded_once(tmp_path: Path) -> None:
    fs = RootFS(TargetRoot(tmp_path))
    with fs.at("/a/b/c/file") as at:
        fs.write_atomic(at, b"")
    with fs.at("/a/b/d/file") as at:
        fs.write_atomic(at, b"")
    assert fs.created_dirs == ["/a"]
    assert oct((tmp_path / "a/b").stat().st_mode & 0o777) == "0o755"
