"""``ignition.system.root``: paths under the target root never lead outside it."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from ignition.system.root import MAX_HOPS, BadPath, RootEscape, TargetRoot


def joined(root: TargetRoot, path: str) -> Path:
    return Path(root.host(path))


def top(root: TargetRoot) -> Path:
    return Path(root.directory)


@pytest.fixture
def root(tmp_path: Path) -> TargetRoot:
    r = tmp_path / "root"
    for d in ("etc", "var/home/core", "usr/lib", "real"):
        (r / d).mkdir(parents=True)
    (r / "etc" / "passwd").write_text("root:x:0:0::/root:/bin/sh\n")
    os.symlink("/real", r / "abs")  # absolute: taken inside the root
    os.symlink("var/home", r / "home")  # relative
    os.symlink("../../../../../../etc", r / "usr" / "up")  # climbs past the root
    os.symlink("/l2", r / "l1")
    os.symlink("l3", r / "l2")
    os.symlink("/real/", r / "l3")
    os.symlink("/loop2", r / "loop1")
    os.symlink("/loop1", r / "loop2")
    os.symlink("/etc/passwd", r / "pw")
    return TargetRoot(r)


def test_plain_paths(root: TargetRoot) -> None:
    r = top(root)
    assert joined(root, "/etc/passwd") == r / "etc" / "passwd"
    assert joined(root, "etc/passwd") == r / "etc" / "passwd"
    assert joined(root, "/") == r
    assert joined(root, "") == r
    assert joined(root, "//etc/./passwd") == r / "etc" / "passwd"


def test_dotdot_stops_at_the_root(root: TargetRoot) -> None:
    assert joined(root, "/../../etc/passwd") == top(root) / "etc" / "passwd"
    assert joined(root, "/usr/../../etc") == top(root) / "etc"
    assert joined(root, "/..") == top(root)
    assert root.resolve("/etc/..") == "/"


def test_absolute_symlink_is_taken_inside_the_root(root: TargetRoot) -> None:
    assert joined(root, "/abs/x") == top(root) / "real" / "x"
    assert root.resolve("/abs/x") == "/real/x"


def test_relative_symlink(root: TargetRoot) -> None:
    assert joined(root, "/home/core/.ssh") == top(root) / "var" / "home" / "core" / ".ssh"


def test_relative_symlink_climbing_out_stays_inside(root: TargetRoot) -> None:
    assert joined(root, "/usr/up/passwd") == top(root) / "etc" / "passwd"


def test_chains_are_followed_fully(root: TargetRoot) -> None:
    assert joined(root, "/l1/x") == top(root) / "real" / "x"


def test_symlink_then_dotdot(root: TargetRoot) -> None:
    # ".." applies to the link's target, not to the link's own directory
    assert joined(root, "/home/core/../other") == top(root) / "var" / "home" / "other"


def test_loops(root: TargetRoot) -> None:
    with pytest.raises(OSError, match="too many levels of symbolic links") as exc:
        joined(root, "/loop1/x")
    assert exc.value.errno == errno.ELOOP


def test_hop_limit(tmp_path: Path) -> None:
    r = tmp_path / "r"
    (r / "end").mkdir(parents=True)
    os.symlink("/end", r / "c0")
    for i in range(1, MAX_HOPS + 1):
        os.symlink(f"/c{i - 1}", r / f"c{i}")
    root = TargetRoot(r)
    assert Path(root.host(f"/c{MAX_HOPS - 1}/x")) == r / "end" / "x"  # MAX_HOPS links
    with pytest.raises(OSError, match="too many levels"):
        Path(root.host(f"/c{MAX_HOPS}/x"))


def test_last_component_is_not_followed(root: TargetRoot) -> None:
    assert joined(root, "/abs") == top(root) / "abs"
    assert joined(root, "/home") == top(root) / "home"
    assert joined(root, "/loop1") == top(root) / "loop1"


def test_follow_resolves_the_last_component_too(root: TargetRoot) -> None:
    assert root.follow("/abs") == str(top(root) / "real")
    assert root.follow("/home") == str(top(root) / "var" / "home")
    assert root.follow("/home/") == str(top(root) / "var" / "home")
    assert root.follow("/l1") == str(top(root) / "real")
    assert root.follow("/pw") == str(top(root) / "etc" / "passwd")
    assert root.follow("/etc") == str(top(root) / "etc")
    assert root.follow("/") == root.directory
    assert root.follow("/abs/..") == root.directory
    with pytest.raises(OSError, match="too many levels"):
        root.follow("/loop2")


def test_nothing_resolves_outside(root: TargetRoot) -> None:
    for path in ("/abs", "/usr/up", "/l1", "/home", "/../..", "/usr/up/../../.."):
        for host in (Path(root.host(path)), Path(root.follow(path))):
            assert host == top(root) or top(root) in host.parents


def test_relative(root: TargetRoot) -> None:
    assert root.relative(root.host("/etc/passwd")) == "/etc/passwd"
    assert root.relative(root.directory) == "/"
    assert TargetRoot("/").relative("/etc/passwd") == "/etc/passwd"
    with pytest.raises(OSError, match="outside the target root"):
        root.relative(root.directory + "x/etc")
    assert repr(root) == f"TargetRoot({root.directory!r})"


def test_root_escape_is_an_oserror() -> None:
    assert issubclass(RootEscape, OSError)


def test_paths_no_system_call_takes_are_refused(root: TargetRoot) -> None:
    for bad, reason in (("/etc/a\0b", "NUL byte"), ("/etc/\ud800", "not valid UTF-8")):
        for call in (root.resolve, root.host, root.follow, root.open):
            with pytest.raises(BadPath, match=reason) as exc:
                call(bad)
            assert exc.value.errno == errno.EINVAL
    assert joined(root, "/etc/\udc80") == top(root) / "etc" / "\udc80"  # a raw byte is fine


def test_open_reads_inside_the_root_only(root: TargetRoot, tmp_path: Path) -> None:
    host = tmp_path / "host-passwd"
    host.write_text("host\n")
    os.symlink(str(host), top(root) / "etc" / "hostlink")  # absolute: inside the root
    with pytest.raises(FileNotFoundError):
        os.close(root.open("/etc/hostlink"))
    fd = root.open("/pw")  # -> /etc/passwd inside the root
    with os.fdopen(fd) as fh:
        assert fh.read() == "root:x:0:0::/root:/bin/sh\n"
    fd = root.open("/abs", os.O_RDONLY | os.O_DIRECTORY)  # -> /real
    try:
        assert os.path.samestat(os.fstat(fd), os.stat(top(root) / "real"))
    finally:
        os.close(fd)
    fd = root.open("/")
    os.close(fd)
