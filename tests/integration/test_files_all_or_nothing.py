"""The files stage, ``ignition-apply`` and cloud-config apply as separate processes on a scratch
root: every conflict is found before anything is written, a failure leaves the root as it was,
paths with a NUL byte are clean errors, reads stay inside the root, setgid directories give
their group, and the stage's leftovers are recognised and never confused with user data."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.integration.harness import Machine, account_databases, new_machine
from tests.integration.rootsnap import differences, snapshot
from tests.servers import Reply, http_server

APPLY = str(Path(sys.executable).parent / "ignition-apply")
TXN = ".pyignition-txn"


def cfg(**sections: Any) -> dict[str, Any]:
    return {"ignition": {"version": "3.4.0"}, **sections}


def data(text: str) -> dict[str, str]:
    return {"source": "data:," + text}


@pytest.fixture
def m(tmp_path: Path) -> Machine:
    return new_machine(tmp_path)


def files_stage(m: Machine, config: dict[str, Any]) -> tuple[int, str]:
    m.write_config(config)
    m.cache.unlink(missing_ok=True)  # a new boot: fetch reads a cache that exists
    fetch = m.stage("fetch")
    assert fetch.code == 0, fetch.text
    r = m.stage("files")
    assert "Traceback" not in r.text
    return r.code, r.text


def apply(root: Path, config: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [APPLY, "-root", str(root), *flags, str(config)], capture_output=True, text=True
    )


# ----------------------------------------------------------------------------- conflicts


def test_a_parent_that_is_a_regular_file_is_found_before_writing(m: Machine) -> None:
    (m.root / "etc").mkdir()
    (m.root / "etc/hosts").write_text("127.0.0.1 localhost\n")
    before = snapshot(m.root)
    code, out = files_stage(
        m,
        cfg(
            storage={
                "files": [
                    {"path": "/a/first", "contents": data("1")},
                    {"path": "/etc/hosts/sub", "contents": data("x")},
                ]
            }
        ),
    )
    assert code == 1
    assert (
        '$.storage.files.1.path: cannot create file "/etc/hosts/sub": "/etc/hosts" is a '
        "regular file in the root, not a directory (nothing was written)" in out
    )
    assert differences(before, snapshot(m.root)) == []


def test_a_unit_name_with_a_slash_passes_validation_but_is_refused_before_writing(
    m: Machine,
) -> None:
    """The reference validator accepts ``../../etc/evil.service`` (V22); the stage does not
    write a unit outside the unit directory, and writes nothing else either."""
    (m.root / "etc/systemd/system").mkdir(parents=True)
    before = snapshot(m.root)
    code, out = files_stage(
        m,
        cfg(
            storage={"files": [{"path": "/a/first", "contents": data("1")}]},
            systemd={"units": [{"name": "../../etc/evil.service", "contents": "[Unit]\n"}]},
        ),
    )
    assert code == 1
    assert "$.systemd.units.0" in out
    assert "nothing was written" in out
    assert differences(before, snapshot(m.root)) == []


def test_every_conflict_is_reported_by_path_and_nothing_is_written(m: Machine) -> None:
    r = m.root
    (r / "etc/systemd/system/a.service").mkdir(parents=True)  # a directory where a unit goes
    (r / "etc/hosts").write_text("hosts")
    (r / "etc/exists").write_text("old")
    (r / "etc/notadir").write_text("old")
    (r / "etc/adir").mkdir()
    (r / "srv/data").mkdir(parents=True)
    (r / "srv/data/keep").write_text("user data")
    (r / "var").mkdir()
    os.mkfifo(r / "var/fifo")
    before = snapshot(r)
    code, out = files_stage(
        m,
        cfg(
            storage={
                "files": [
                    {"path": "/a/first", "contents": data("1")},
                    {"path": "/etc/hosts/sub", "contents": data("x")},
                    {"path": "/etc/exists", "contents": data("new")},
                    {"path": "/var/fifo", "append": [data("more")]},
                    {"path": "/x", "contents": data("1")},
                    {"path": "/x/y/z"},
                    {"path": "/owned", "user": {"name": "ghost"}, "group": {"name": "ghosts"}},
                    {"path": "/etc/adir", "contents": data("f")},
                ],
                "directories": [{"path": "/etc/notadir"}],
                "links": [
                    {"path": "/srv/data", "target": "/elsewhere"},
                    {"path": "/hard", "target": "/missing", "hard": True},
                    {"path": "/hard-dir", "target": "/srv", "hard": True},
                    {"path": "/", "target": "/x"},
                ],
            },
            systemd={"units": [{"name": "a.service", "contents": "[Unit]\n"}]},
        ),
    )
    assert code == 1
    expected = [
        '$.storage.files.1.path: cannot create file "/etc/hosts/sub": "/etc/hosts" is a '
        "regular file in the root, not a directory",
        '$.storage.files.2.path: error creating file "/etc/exists": A file exists there '
        "already and overwrite is false",
        '$.storage.files.3.path: error creating file "/var/fifo": A non regular file exists '
        "there already and overwrite is false",
        '$.storage.files.5.path: cannot create file "/x/y/z": "/x" will be a regular file '
        "(from $.storage.files.4), not a directory",
        '$.storage.files.6.user.name: file "/owned": no such user "ghost"',
        '$.storage.files.6.group.name: file "/owned": no such group "ghosts"',
        '$.storage.files.7.path: error creating file "/etc/adir": A non regular file exists '
        "there already and overwrite is false",
        '$.storage.directories.0.path: error creating directory "/etc/notadir": A '
        "non-directory already exists and overwrite is false",
        '$.storage.links.0.path: error creating symlink "/srv/data": a different node exists '
        "there already and overwrite is false",
        '$.storage.links.1.target: hard link "/hard": target "/missing" does not exist',
        '$.storage.links.2.target: hard link "/hard-dir": target "/srv" is a directory',
        '$.storage.links.3.path: link "/": the root itself cannot be replaced',
        '$.systemd.units.0: cannot write unit "/etc/systemd/system/a.service": it is a '
        "directory in the root",
    ]
    for line in expected:
        assert line in out, line
    assert f"{len(expected)} conflicts, nothing was written" in out
    assert differences(before, snapshot(r)) == []


def test_owner_names_count_only_when_the_accounts_are_applied(m: Machine) -> None:
    # ignition-apply skips passwd: a user the config would create is no owner there
    config = m.tmp / "c.ign"
    config.write_text(
        json.dumps(
            cfg(
                passwd={"users": [{"name": "svc"}]},
                storage={"files": [{"path": "/etc/svc", "user": {"name": "svc"}}]},
            )
        )
    )
    p = apply(m.root, config, "-ignore-unsupported")
    assert p.returncode == 1
    assert '$.storage.files.0.user.name: file "/etc/svc": no such user "svc"' in p.stdout
    assert list(m.root.iterdir()) == []


def test_ignition_apply_is_all_or_nothing(m: Machine) -> None:
    (m.root / "etc").mkdir()
    (m.root / "etc/hosts").write_text("hosts")
    config = m.tmp / "c.ign"
    config.write_text(
        json.dumps(
            cfg(
                storage={
                    "files": [
                        {"path": "/a/first", "contents": data("1")},
                        {"path": "/etc/hosts/sub", "contents": data("x")},
                    ]
                }
            )
        )
    )
    before = snapshot(m.root)
    p = apply(m.root, config)
    assert p.returncode == 1
    assert '"/etc/hosts" is a regular file in the root' in p.stdout
    assert "Traceback" not in p.stdout + p.stderr
    assert differences(before, snapshot(m.root)) == []


def test_cloud_config_apply_is_all_or_nothing(m: Machine) -> None:
    (m.root / "etc").mkdir()
    (m.root / "etc/hosts").write_text("hosts")
    ud = m.tmp / "user-data"
    ud.write_text(
        "#cloud-config\nwrite_files:\n  - path: /a/first\n    content: one\n"
        "  - path: /etc/hosts/sub\n    content: two\n"
    )
    before = snapshot(m.root)
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "ignition.commands.coreos_cloudinit",
            "-from-file",
            str(ud),
            "-root",
            str(m.root),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 1
    assert '"/etc/hosts" is a regular file in the root' in p.stderr + p.stdout
    assert "Traceback" not in p.stdout + p.stderr
    assert differences(before, snapshot(m.root)) == []


@pytest.mark.root
def test_a_failure_while_writing_undoes_every_change(m: Machine) -> None:
    """A fault no plan can see (the disk fills up): what was written is undone, what was
    replaced or appended to is back as it was."""
    if os.geteuid() != 0:
        pytest.skip("needs root (mounts a small tmpfs)")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(m.root)], check=True)
    try:
        r = m.root
        (r / "etc/systemd/system").mkdir(parents=True)
        (r / "etc/motd").write_text("old motd\n")
        (r / "var/log").mkdir(parents=True)
        (r / "var/log/app.log").write_text("line 1\n")
        (r / "etc/systemd/system/old.service").write_text("[Unit]\nDescription=old\n")
        (r / "srv/old").mkdir(parents=True)
        (r / "srv/old/keep").write_text("x")
        (r / "etc/dir-mode").mkdir()
        before = snapshot(r)
        big = "data:;base64," + "QUFB" * 90_000  # 270 KB each: the fourth does not fit
        config = cfg(
            storage={
                "files": [
                    {"path": "/etc/motd", "overwrite": True, "contents": data("new")},
                    {"path": "/var/log/app.log", "append": [data("line 2")]},
                    {"path": "/srv/old", "overwrite": True, "contents": data("file now")},
                    *[{"path": f"/big/{i}", "contents": {"source": big}} for i in range(6)],
                ],
                "directories": [{"path": "/etc/dir-mode", "mode": 0o700}],
            },
            systemd={
                "units": [
                    {"name": "old.service", "contents": "[Unit]\nDescription=new\n"},
                    {"name": "new.service", "contents": "[Unit]\n", "enabled": True},
                ]
            },
        )
        code, out = files_stage(m, config)
        assert code == 1
        assert "No space left on device" in out
        assert "undoing the" in out
        assert differences(before, snapshot(r)) == []
    finally:
        subprocess.run(["umount", str(m.root)], check=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root (a small tmpfs, real useradd)")
def test_a_failure_after_the_accounts_undoes_them_too(m: Machine) -> None:
    """Users and groups are made by real ``useradd``/``groupadd`` before the files; a fault
    in the files afterwards undoes them as well: the account databases are back, byte for
    byte, and the new homes are gone."""
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(m.root)], check=True)
    try:
        r = m.root
        account_databases(r)
        (r / "etc/default").mkdir()
        (r / "etc/default/useradd").write_text("HOME=/home\n")
        (r / "home/kept").mkdir()  # an existing home, named by a user who exists already
        before = snapshot(r)
        big = "data:;base64," + "QUFB" * 90_000
        config = cfg(
            passwd={
                "groups": [{"name": "team"}],
                "users": [
                    {"name": "alice", "groups": ["team"], "sshAuthorizedKeys": ["ssh-ed25519 A"]},
                    {"name": "bob", "homeDir": "/srv/people/bob"},  # parents made by useradd
                    {"name": "carol", "noCreateHome": True},
                ],
            },
            storage={
                "files": [{"path": f"/big/{i}", "contents": {"source": big}} for i in range(6)]
            },
        )
        code, out = files_stage(m, config)
        assert code == 1, out
        assert 'create user "alice"' in out  # the accounts were made, then undone
        assert "No space left on device" in out
        assert differences(before, snapshot(r)) == []
        code, out = files_stage(m, cfg(passwd=config["passwd"]))  # and without the fault
        assert code == 0, out
        keys = [p.read_text() for p in (r / "home/alice/.ssh").rglob("*") if p.is_file()]
        assert keys == ["ssh-ed25519 A\n"]
        assert (r / "srv/people/bob").is_dir()
        assert "team:x:" in (r / "etc/group").read_text()
    finally:
        subprocess.run(["umount", str(m.root)], check=True)


# ----------------------------------------------------------------------------- NUL bytes


NUL_CONFIG = (
    '{"ignition":{"version":"3.4.0"},"storage":{'
    '"files":[{"path":"/ok","contents":{"source":"data:,1"}},'
    '{"path":"/etc/a\\u0000b","contents":{"source":"data:,1"}}]}}'
)


def tampered_cache(m: Machine, config: str, placeholder: str, value: str) -> None:
    """The cache of ``config`` (valid, fetched) with ``placeholder`` swapped for ``value`` in
    the JSON text: what a stage must survive when the cache holds what validation refuses."""
    m.write_config(config)
    assert m.stage("fetch").code == 0
    m.cache.write_text(m.cache.read_text().replace(placeholder, value))


def test_a_nul_byte_in_a_path_is_a_located_error_in_the_stage_plan_and_apply(m: Machine) -> None:
    m.write_config(NUL_CONFIG)
    fetch = m.stage("fetch")  # the fetch stage validates: refused at its line and column
    assert fetch.code == 1
    assert "$.storage.files.1.path, line 1 col" in fetch.out
    plan = subprocess.run(
        [sys.executable, "-m", "ignition", "plan", "-platform", "file", "-root", str(m.root),
         str(m.tmp / "config.ign")],
        capture_output=True, text=True, env=m.env(),
    )  # fmt: skip
    assert plan.returncode == 1
    assert "$.storage.files.1.path" in plan.stdout + plan.stderr
    p = apply(m.root, m.tmp / "config.ign")
    assert p.returncode == 1
    assert "$.storage.files.1.path" in p.stdout + p.stderr
    # a cache that holds one anyway: the files stage refuses it before writing
    tampered_cache(m, NUL_CONFIG.replace("a\\u0000b", "aNULb"), "aNULb", "a\\u0000b")
    r = m.stage("files")
    assert r.code == 1
    assert '$.storage.files.1.path: file "/etc/a\\u0000b": the path contains a NUL byte' in r.out
    for text in (fetch.text, r.text, plan.stdout + plan.stderr, p.stdout + p.stderr):
        assert "Traceback" not in text
        assert "\0" not in text
    assert list(m.root.iterdir()) == []


def test_a_nul_byte_in_a_link_target_is_a_located_error(m: Machine) -> None:
    config = cfg(
        storage={
            "links": [
                {"path": "/soft", "target": "/aNULb"},
                {"path": "/hard", "target": "/cNULd", "hard": True},
            ]
        }
    )
    m.write_config(json.dumps(config).replace("NUL", "\\u0000"))
    fetch = m.stage("fetch")
    assert fetch.code == 1
    assert "$.storage.links.0.target, line 1 col" in fetch.out
    assert "$.storage.links.1.target, line 1 col" in fetch.out
    tampered_cache(m, json.dumps(config), "NUL", "\\u0000")
    r = m.stage("files")
    assert r.code == 1
    assert '$.storage.links.0.target: symlink "/soft": the path contains a NUL byte' in r.out
    assert '$.storage.links.1.target: hard link "/hard": target "/c\\u0000d": the path ' in r.out
    assert "Traceback" not in r.text
    assert list(m.root.iterdir()) == []


# ----------------------------------------------------------------------------- confinement


def test_reads_resolve_absolute_symlinks_inside_the_root(m: Machine, tmp_path: Path) -> None:
    """The root's /etc/systemd/system and /etc/passwd are absolute symlinks to paths that
    exist on the host: what is read is the root's, as under chroot, never the host's."""
    host = tmp_path / "host-units"
    (host / "multi-user.target.wants").mkdir(parents=True)
    (host / "multi-user.target.wants/app.service").symlink_to("/usr/lib/app.service")
    host_passwd = tmp_path / "host-passwd"
    host_passwd.write_text("hostonly:x:4242:4242::/:/bin/sh\n")
    r = m.root
    (r / "etc/systemd").mkdir(parents=True)
    (r / "etc/systemd/system").symlink_to(str(host))  # absolute
    inside = r / str(host).lstrip("/")
    (inside / "multi-user.target.wants").mkdir(parents=True)
    (inside / "multi-user.target.wants/other.service").symlink_to("/usr/lib/other.service")
    (r / "etc/passwd").symlink_to(str(host_passwd))
    units = [{"name": "app.service", "enabled": False}, {"name": "other.service", "enabled": False}]
    code, out = files_stage(m, cfg(systemd={"units": units}))
    assert code == 0, out
    assert not os.path.lexists(inside / "multi-user.target.wants/other.service")
    assert os.path.islink(host / "multi-user.target.wants/app.service")  # host untouched
    preset = r / "etc/systemd/system-preset/20-ignition.preset"
    assert preset.read_text() == "disable other.service\n"  # app.service is not enabled here
    # the host's passwd is not the root's: its user is no owner here
    (r / "etc/.ignition-result.json").unlink()
    code, out = files_stage(
        m, cfg(storage={"files": [{"path": "/f", "user": {"name": "hostonly"}}]})
    )
    assert code == 1
    assert 'no such user "hostonly"' in out


def test_a_hard_link_target_through_an_absolute_symlink_stays_inside(
    m: Machine, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("host secret")
    r = m.root
    (r / "lnk").symlink_to(str(outside))  # absolute: taken inside the root
    code, out = files_stage(
        m,
        cfg(storage={"links": [{"path": "/stolen", "target": "/lnk/secret", "hard": True}]}),
    )
    assert code == 1
    assert f'target "{outside}/secret" does not exist' in out
    assert not os.path.lexists(r / "stolen")
    assert (outside / "secret").stat().st_nlink == 1
    (r / str(outside).lstrip("/")).mkdir(parents=True)
    (r / str(outside).lstrip("/") / "secret").write_text("root's own")
    code, out = files_stage(
        m,
        cfg(storage={"links": [{"path": "/stolen", "target": "/lnk/secret", "hard": True}]}),
    )
    assert code == 0, out
    assert (r / "stolen").read_text() == "root's own"
    assert (outside / "secret").stat().st_nlink == 1


def test_a_404_leaves_the_root_untouched(m: Machine) -> None:
    (m.root / "etc").mkdir()
    (m.root / "etc/keep").write_text("keep")
    before = snapshot(m.root)
    with http_server() as srv:
        srv.route("/ok", Reply(200, b"ok"))
        srv.route("/gone", Reply(404, b"not here"))
        code, out = files_stage(
            m,
            cfg(
                storage={
                    "files": [
                        {"path": "/etc/a", "contents": data("a")},
                        {"path": "/etc/ok", "contents": {"source": srv.url + "/ok"}},
                        {"path": "/etc/gone", "contents": {"source": srv.url + "/gone"}},
                    ]
                }
            ),
        )
    assert code == 1
    assert "404" in out or "Not Found" in out
    assert differences(before, snapshot(m.root)) == []


def test_shell_metacharacters_in_names_are_inert(m: Machine, tmp_path: Path) -> None:
    canary = tmp_path / "pwned"
    names = [
        f"/etc/$(touch {canary})",
        f"/etc/`touch {canary}`",
        f"/etc/a;touch {canary}",
        "/etc/quote'\"|&>",
    ]
    code, out = files_stage(
        m,
        cfg(
            storage={
                "files": [{"path": n, "contents": data("x")} for n in names],
                "links": [{"path": "/etc/l", "target": f"$(touch {canary})"}],
            },
            systemd={
                # systemd's own characters only (validated); its \\x escapes stay inert
                "units": [{"name": "a\\x24id.service", "contents": "[Unit]\n", "enabled": True}]
            },
        ),
    )
    assert code == 0, out
    assert not canary.exists()
    for n in names:
        assert (m.root / n.lstrip("/")).read_text() == "x"
    assert os.readlink(m.root / "etc/l") == f"$(touch {canary})"
    assert (m.root / "etc/systemd/system/a\\x24id.service").exists()


# ----------------------------------------------------------------------------- setgid


@pytest.mark.root
def test_a_setgid_directory_gives_its_group_to_what_is_written_in_it(m: Machine) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root (chown)")
    team = m.root / "srv/team"
    team.mkdir(parents=True)
    os.chown(team, 0, 2000)
    team.chmod(0o2775)
    with http_server() as srv:
        srv.route("/body", Reply(200, b"remote"))
        code, out = files_stage(
            m,
            cfg(
                storage={
                    "files": [
                        {"path": "/srv/team/local", "contents": data("x")},
                        {"path": "/srv/team/remote", "contents": {"source": srv.url + "/body"}},
                        {"path": "/srv/team/empty"},
                        {"path": "/srv/team/appended", "append": [data("y")]},
                        {
                            "path": "/srv/team/explicit",
                            "contents": data("z"),
                            "group": {"id": 3000},
                        },
                        {"path": "/srv/team/deep/er/file", "contents": data("w")},
                    ],
                    "directories": [{"path": "/srv/team/sub"}],
                }
            ),
        )
    assert code == 0, out

    def group(p: str) -> int:
        return (team / p).stat().st_gid

    for name in ("local", "remote", "empty", "appended", "deep/er/file"):
        assert group(name) == 2000, name
        assert not (team / name).stat().st_mode & stat.S_ISGID, name
    assert group("explicit") == 3000
    for name in ("sub", "deep", "deep/er"):
        st = (team / name).stat()
        assert st.st_gid == 2000, name
        assert st.st_mode & stat.S_ISGID, name


# ----------------------------------------------------------------------------- leftovers


def test_a_leftover_that_is_not_ours_is_never_removed(m: Machine) -> None:
    txn = m.root / TXN
    txn.mkdir()
    (txn / "notes.txt").write_text("mine")
    code, out = files_stage(m, cfg(storage={"files": [{"path": "/a", "contents": data("1")}]}))
    assert code == 1
    assert f"{txn} exists but is not a pyignition journal directory" in out
    assert (txn / "notes.txt").read_text() == "mine"
    assert not (m.root / "a").exists()


def test_names_like_ours_in_user_data_are_left_alone(m: Machine) -> None:
    (m.root / "etc").mkdir()
    lookalike = m.root / "etc/.motd.pyignition-0badc0de-1"
    lookalike.write_text("user data")
    code, out = files_stage(
        m, cfg(storage={"files": [{"path": "/etc/motd", "contents": data("hi")}]})
    )
    assert code == 0, out
    code, out = files_stage(
        m,
        cfg(storage={"files": [{"path": "/etc/motd", "overwrite": True, "contents": data("2")}]}),
    )
    assert code == 0, out
    assert lookalike.read_text() == "user data"
    assert not (m.root / TXN).exists()
    assert sorted(p.name for p in (m.root / "etc").iterdir()) == [
        ".ignition-result.json",
        ".motd.pyignition-0badc0de-1",
        "motd",
    ]
