# ruff: noqa: E501, PT018
"""ignition-convert's canonical cloud-init input, key by key: cloud-init-per in commands,
chpasswd's list and the top-level password, users of the OS joining groups, fsck and
nobootwait in mounts, yum repositories, and the package keys of each variant."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from cloudinit.migrate.units import STAMP_DIR
from tests.unit.cloudinit.test_migrate import _cli, _data, _ignition, _migrate, _unit_and_files

HASH = "$6$rounds=4096$Xq8vUhs1$Zc2dummyhashvalueforatestonly0000000000000000000000000000"


def _text(files: dict[str, Any], path: str) -> str:
    return _data(files[path].contents).decode()


def _messages(m: Any) -> list[tuple[str, tuple[object, ...], int | None, str]]:
    return [(d.severity, d.path, d.line, d.message) for d in m.report]


# cloud-init-per in bootcmd and runcmd


PER = """\
bootcmd:
  - cloud-init-per once mkdata mkdir -p /data
runcmd:
  - [cloud-init-per, always, greet, echo, hi]
  - echo done
"""


@pytest.mark.parametrize(
    ("variant", "bindir"), [("fcos", "/usr/local/bin"), ("flatcar", "/opt/bin")]
)
def test_cloud_init_per_is_provided_on_the_path_of_both_scripts(variant: str, bindir: str) -> None:
    m, _, files = _unit_and_files(PER, variant)
    assert files[f"{bindir}/cloud-init-per"].mode == 0o755
    assert _text(files, f"{bindir}/cloud-init-bootcmd").splitlines() == [
        "#!/bin/sh",
        f'PATH="{bindir}:$PATH"',
        "cloud-init-per once mkdata mkdir -p /data",
    ]
    assert _text(files, f"{bindir}/cloud-init-runcmd").splitlines()[1:] == [
        f'PATH="{bindir}:$PATH"',
        "cloud-init-per always greet echo hi",
        "echo done",
    ]
    assert {d.path for d in m.report if "cloud-init-per: provided" in d.message} == {
        ("bootcmd",),
        ("runcmd",),
    }
    # without the helper in the commands, neither the helper nor the PATH line
    _, _, files = _unit_and_files("runcmd: [echo cloud-init-perhaps]\n", variant)
    assert f"{bindir}/cloud-init-per" not in files
    assert "PATH=" not in _text(files, f"{bindir}/cloud-init-runcmd")


def _run_per(helper: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(helper), *args], capture_output=True, text=True, timeout=30)


def test_cloud_init_per_runs_once_or_always_and_keeps_a_marker(tmp_path: Path) -> None:
    _, _, files = _unit_and_files(PER)
    stamps = tmp_path / "stamps"
    helper = tmp_path / "cloud-init-per"
    helper.write_text(_text(files, "/usr/local/bin/cloud-init-per").replace(STAMP_DIR, str(stamps)))
    log = tmp_path / "log"
    append = ["sh", "-c", f'echo "$0" >> {log}']
    for freq in ("once", "once", "instance", "instance", "always", "always"):
        assert _run_per(helper, freq, "job", *append, freq).returncode == 0
    assert log.read_text().split() == ["once", "instance", "always", "always"]
    assert sorted(p.name for p in (stamps / "per").iterdir()) == [
        "job.always",
        "job.instance",
        "job.once",
    ]
    # a failed command keeps its status and is not run again (as cloud-init's helper)
    assert _run_per(helper, "once", "broken", "sh", "-c", "exit 3").returncode == 3
    assert (stamps / "per" / "broken.once").read_text().split("\t")[0] == "3"
    assert _run_per(helper, "once", "broken", "sh", "-c", "exit 3").returncode == 0
    for bad in (["weekly", "x", "true"], ["once", "a/b", "true"], ["once", "x"]):
        run = _run_per(helper, *bad)
        assert run.returncode == 1 and run.stderr


# chpasswd: list and the top-level password


LIST = f"""\
password: s3cret-top
chpasswd:
  list: |
    alice:{HASH}
    bob:hunter2-plain
    carol:RANDOM
    dave-no-colon-pw
"""


def test_chpasswd_list_carries_hashes_and_reports_the_rest() -> None:
    m, _, _ = _unit_and_files(LIST)
    users = {u.name: u for u in _ignition(m.text).passwd.users}
    assert list(users) == ["alice"]
    assert users["alice"].password_hash == HASH  # not locked: chpasswd sets it as it is
    assert sorted((d.path, d.line, d.message) for d in m.report.errors) == [
        (
            ("chpasswd", "list"),
            4,
            "bob: a plain text password: Ignition takes password hashes only: hash it "
            "(mkpasswd --method=yescrypt) and give it with type: hash",
        ),
        (("chpasswd", "list"), 4, "carol: a RANDOM password: Ignition takes password hashes only"),
        (("chpasswd", "list"), 4, "not a name:password line"),
        (
            ("password",),
            2,
            "core: a plain text password: Ignition takes password hashes only: hash it "
            "(mkpasswd --method=yescrypt) and give it with type: hash",
        ),
    ]
    [expire] = [d for d in m.report if d.severity == "warning"]
    assert "not expired" in expire.message


def test_chpasswd_list_of_lines_and_a_hashed_password_go_to_their_users() -> None:
    doc = f'password: "{HASH}"\nchpasswd:\n  expire: false\n  list:\n    - "alice:{HASH}"\n    - eve:R\n'
    m, _, _ = _unit_and_files(doc)
    users = {u.name: u.password_hash for u in _ignition(m.text).passwd.users}
    assert users == {"core": HASH, "alice": HASH}
    assert [(d.path, d.line) for d in m.report.errors] == [(("chpasswd", "list", 1), 7)]
    assert [d for d in m.report if d.severity == "warning"] == []  # expire: false


@pytest.mark.parametrize("args", [(), ("-to", "ignition")])
def test_no_password_appears_in_a_message(args: tuple[str, ...]) -> None:
    doc = LIST + "  users:\n    - {name: frank, password: pl41n-frank, type: text}\n"
    m = _migrate("#cloud-config\n" + doc)
    rc, out, err = _cli("-from", "cloud-init", *args, stdin=("#cloud-config\n" + doc).encode())
    assert rc == 1 and len(m.report.errors) == 5
    said = "\n".join([err, out, m.text or "", *(str(d) for d in m.report)])
    for secret in ("s3cret-top", "hunter2-plain", "dave-no-colon-pw", "pl41n-frank"):
        assert secret not in said


# users of the OS joining groups


GROUPS = "users: [default, ops]\ngroups:\n  - admins: [core, ghost]\n  - wheel: ops\n"


@pytest.mark.parametrize(
    ("variant", "bindir"), [("fcos", "/usr/local/bin"), ("flatcar", "/opt/bin")]
)
def test_users_of_the_os_join_groups_through_the_groups_service(variant: str, bindir: str) -> None:
    m, units, files = _unit_and_files(GROUPS, variant)
    cfg = _ignition(m.text)
    # Ignition would replace core's supplementary groups: core is left out of passwd
    assert {u.name: u.groups for u in cfg.passwd.users} == {"ops": ("wheel",)}
    assert {g.name for g in cfg.passwd.groups} == {"admins", "wheel"}
    script = f"{bindir}/cloud-init-groups"
    assert _text(files, script).splitlines()[2:] == ["join core admins", "join ghost admins"]
    unit = units["cloud-init-groups.service"]
    assert unit.enabled and f"ExecStart={script}\n" in unit.contents
    assert f"ConditionPathExists=!{STAMP_DIR}/cloud-init-groups.done" in unit.contents
    warned = {
        (d.path, d.line, d.message.split(":")[0]) for d in m.report if d.severity == "warning"
    }
    assert warned >= {
        (("groups", 0, "admins"), 4, "core is not a user of this document"),
        (("groups", 0, "admins"), 4, "ghost is not a user of this document"),
    }


def test_the_groups_script_adds_the_users_that_exist(tmp_path: Path) -> None:
    _, _, files = _unit_and_files(GROUPS)
    calls = tmp_path / "calls"
    # The OS's id and usermod, recorded: core exists, ghost does not.
    (tmp_path / "id").write_text('#!/bin/sh\n[ "$2" = core ]\n')
    (tmp_path / "usermod").write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    for tool in ("id", "usermod"):
        (tmp_path / tool).chmod(0o755)
    (tmp_path / "groups.sh").write_text(_text(files, "/usr/local/bin/cloud-init-groups"))
    run = subprocess.run(
        ["sh", str(tmp_path / "groups.sh")],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": f"{tmp_path}:/usr/bin:/bin"},
    )
    assert run.returncode == 0
    assert calls.read_text() == "-a -G admins core\n"
    assert run.stderr == "no user ghost: not added to admins\n"


# mounts: fsck and nobootwait


MOUNTS = """\
mounts:
  - [/dev/vdb1, /data, ext4, "defaults,nobootwait", "0", "2"]
  - [/dev/vdc, /scratch, xfs, "defaults,nofail,nobootwait", "0", "0"]
  - [LABEL=logs, /logs, ext4, defaults, "0", "1"]
  - ["server:/export", /nfs, nfs, defaults, "0", "2"]
  - [vdd, /srv]
"""


def test_mounts_check_the_file_system_when_passno_asks_for_it() -> None:
    _, units, _ = _unit_and_files(MOUNTS)

    def requires(name: str) -> list[str]:
        return [line for line in units[name].contents.splitlines() if "systemd-fsck" in line]

    fsck = "systemd-fsck@dev-vdb1.service"
    assert requires("data.mount") == [f"Requires={fsck}", f"After={fsck}"]
    assert requires("scratch.mount") == []  # passno 0
    label = "systemd-fsck@dev-disk-by\\x2dlabel-logs.service"
    assert requires("logs.mount") == [f"Requires={label}", f"After={label}"]
    assert requires("nfs.mount") == []  # a network file system is not checked
    assert "WantedBy=remote-fs.target" in units["nfs.mount"].contents
    # the default fields: defaults,nofail with passno 2, as cloud-init fills them in
    assert requires("srv.mount") == ["Requires=systemd-fsck@dev-vdd.service",
                                     "After=systemd-fsck@dev-vdd.service"]  # fmt: skip


def test_nobootwait_is_written_as_nofail() -> None:
    m, units, _ = _unit_and_files(MOUNTS)
    assert "Options=defaults,nofail\n" in units["data.mount"].contents
    assert "Options=defaults,nofail\n" in units["scratch.mount"].contents  # once
    notes = [(d.severity, d.path, d.line) for d in m.report if "nobootwait" in d.message]
    assert notes == [("info", ("mounts", 0, 3), 3), ("info", ("mounts", 1, 3), 4)]
    assert m.report.errors == []


# yum_repos


REPOS = """\
yum_repos:
  my repo:
    name: My Repo
    baseurl: [http://a.example/os/, http://b.example/os/]
    Enabled: true
    GPG-Check: false
    priority: 10
  my-repo:
    baseurl: http://c.example/
  no-url:
    name: nothing to fetch from
  bad/id:
    baseurl: http://d.example/
  extras:
    metalink: https://mirrors.example/metalink?repo=extras
"""


def test_yum_repos_are_written_as_cloud_init_writes_them() -> None:
    m, _, files = _unit_and_files(REPOS)
    assert _text(files, "/etc/yum.repos.d/my-repo.repo") == (
        "[my-repo]\nname=My Repo\nbaseurl=http://a.example/os/\n    http://b.example/os/\n"
        "enabled=1\ngpg_check=0\npriority=10\n"
    )
    assert _text(files, "/etc/yum.repos.d/extras.repo") == (
        "[extras]\nmetalink=https://mirrors.example/metalink?repo=extras\n"
    )
    assert len([p for p in files if p.startswith("/etc/yum.repos.d/")]) == 2
    errors = [(d.path, d.line, d.message) for d in m.report.errors]
    assert errors == [
        (("yum_repos", "my-repo"), 10, "the id my-repo is an earlier repository's (cloud-init skips it)"),
        (("yum_repos", "no-url"), 12, "a repository needs baseurl, metalink or mirrorlist (cloud-init skips it)"),
        (("yum_repos", "bad/id"), 14, "not a repository id usable as a file name: not carried over"),
    ]  # fmt: skip


def test_yum_repo_dir_and_flatcar() -> None:
    doc = "yum_repo_dir: /etc/extra.repos.d/\nyum_repos:\n  a: {baseurl: http://a.example/}\n"
    m, _, files = _unit_and_files(doc)
    assert "/etc/extra.repos.d/a.repo" in files
    assert [(d.path, d.line) for d in m.report if d.severity == "warning"] == [
        (("yum_repo_dir",), 2),
        (("yum_repos",), 4),
    ]
    m = _migrate("#cloud-config\n" + doc, "flatcar")
    assert [(d.path, d.message) for d in m.report.errors] == [
        (("yum_repos",), "Flatcar has no package manager: not carried over")
    ]


# package keys per variant


@pytest.mark.parametrize(
    ("variant", "way"),
    [
        ("fcos", "run the software in containers (podman), or layer packages with rpm-ostree"),
        ("flatcar", "run the software in containers (docker, podman), or add it as a systemd-sysext image"),
    ],
)  # fmt: skip
def test_package_keys_are_reported_with_the_variants_way_to_add_software(
    variant: str, way: str
) -> None:
    doc = (
        "#cloud-config\npackages:\n  - nginx\n  - [htop, 3.2.1]\n  - snap: [lxd]\n"
        "package_update: true\npackage_upgrade: true\napt:\n  preserve_sources_list: true\n"
        "snap:\n  commands: [snap install x]\n"
    )
    m = _migrate(doc, variant)
    assert m.text is not None and not m.complete
    errors = [(d.path, d.line, d.column) for d in m.report.errors]
    assert errors == [
        (("packages",), 2, 1),
        (("package_update",), 6, 1),
        (("package_upgrade",), 7, 1),
        (("apt",), 8, 1),
        (("snap",), 10, 1),
    ]
    assert all(f"there is no package manager: {way}" in d.message for d in m.report.errors)
    [packages] = [d.message for d in m.report.errors if d.path == ("packages",)]
    assert packages.startswith("not carried over (nginx; htop=3.2.1; snap: lxd): ")
