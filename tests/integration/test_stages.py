"""All stages as separate processes on a scratch root: config sources, cache, neednet,
files, units, confinement, secrets and all-or-nothing behaviour."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.integration.harness import Machine, account_databases, new_machine
from tests.servers import Reply, http_server


def data_url(data: bytes) -> str:
    return "data:;base64," + base64.b64encode(data).decode()


def cfg(version: str = "3.4.0", **sections: Any) -> dict[str, Any]:
    return {"ignition": {"version": version}, **sections}


@pytest.fixture
def m(tmp_path: Path) -> Machine:
    return new_machine(tmp_path)


def test_usage_errors_exit_2(m: Machine) -> None:
    import subprocess
    import sys

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ignition", *args], capture_output=True, text=True, check=False
        )

    assert run("-stage", "files").returncode == 2
    assert "'--platform' must be provided" in run("-stage", "files").stderr
    bad = run("--platform=nowhere", "--stage=files")
    assert bad.returncode == 2
    assert "Supported platforms: akamai," in bad.stderr
    assert "file, gcp" in bad.stderr
    assert run("-platform", "file", "-stage", "nope").returncode == 2
    assert run("-bogus").returncode == 2
    assert run("-fetch-timeout", "2x", "-platform", "file", "-stage", "fetch").returncode == 2
    assert run("-version").returncode == 0


def test_full_run_writes_files_units_and_result(m: Machine) -> None:
    m.write_config(
        cfg(
            storage={
                "files": [
                    {"path": "/etc/motd", "contents": {"source": "data:,hello%0A"}, "mode": 0o600},
                    {"path": "/opt/app/empty"},
                ],
                "directories": [{"path": "/var/lib/app", "mode": 0o750}],
                "links": [{"path": "/etc/app.conf", "target": "/etc/motd"}],
            },
            systemd={
                "units": [
                    {"name": "app.service", "enabled": True, "contents": "[Service]\n"},
                    {"name": "app@.service", "contents": "[Service]\n"},
                    {"name": "app@one.service", "enabled": True},
                    {"name": "old.service", "mask": True},
                ]
            },
        )
    )
    runs = m.all_stages()
    assert [r.code for r in runs] == [0] * 6, runs[-1].text
    root = m.root
    assert (root / "etc/motd").read_bytes() == b"hello\n"
    assert stat.S_IMODE((root / "etc/motd").stat().st_mode) == 0o600
    assert (root / "opt/app/empty").read_bytes() == b""
    assert stat.S_IMODE((root / "opt/app/empty").stat().st_mode) == 0o644
    assert stat.S_IMODE((root / "var/lib/app").stat().st_mode) == 0o750
    assert os.readlink(root / "etc/app.conf") == "/etc/motd"
    assert (root / "etc/systemd/system/app.service").read_text() == "[Service]\n"
    assert os.readlink(root / "etc/systemd/system/old.service") == "/dev/null"
    preset = (root / "etc/systemd/system-preset/20-ignition.preset").read_text()
    assert preset == "enable app.service\nenable app@.service one\n"
    result = json.loads((root / "etc/.ignition-result.json").read_text())
    assert result["userConfigProvided"] is True
    assert stat.S_IMODE((root / "etc/.ignition-result.json").stat().st_mode) == 0o600
    assert not list(root.glob(".ignition-staging-*"))
    assert stat.S_IMODE(m.cache.stat().st_mode) == 0o600
    assert stat.S_IMODE(m.state.stat().st_mode) == 0o600
    assert "op(" in runs[4].out
    assert "[finished]" in runs[4].out


def test_fetch_offline_signals_neednet_but_caches(m: Machine) -> None:
    m.write_config(
        cfg(storage={"files": [{"path": "/x", "contents": {"source": "https://example.test/x"}}]})
    )
    r = m.stage("fetch-offline")
    assert r.code == 0, r.text
    assert m.neednet.exists()
    assert m.cache.exists()


def test_fetch_offline_with_a_network_config_url(m: Machine) -> None:
    (m.tmp / "cmdline").write_text("quiet ignition.config.url=http://127.0.0.1:9/config.ign\n")
    r = m.stage("fetch-offline")
    assert r.code == 0, r.text
    assert m.neednet.exists()
    assert not m.cache.exists()


def test_config_url_on_the_kernel_command_line(m: Machine) -> None:
    with http_server() as srv:
        body = json.dumps(
            cfg(storage={"files": [{"path": "/from-url", "contents": {"source": "data:,u"}}]})
        )
        srv.route("/c.ign", Reply(200, body.encode()))
        (m.tmp / "cmdline").write_text(f"ignition.config.url={srv.url}/c.ign\n")
        m.write_config(cfg(storage={"files": [{"path": "/from-file"}]}))
        runs = m.all_stages()
    assert runs[-1].code == 0, runs[-1].text
    assert (m.root / "from-url").read_bytes() == b"u"
    assert not (m.root / "from-file").exists()
    state = json.loads(m.state.read_text())
    assert {"kind": "user", "source": "cmdline", "referenced": False} in state["fetchedConfigs"]


def test_device_and_path_must_come_together(m: Machine) -> None:
    (m.tmp / "cmdline").write_text("ignition.config.path=/config.ign\n")
    m.write_config(cfg())
    r = m.stage("fetch")
    assert r.code == 1
    assert "must be provided together" in r.out


def test_base_configs_priority_and_platform_errors(m: Machine) -> None:
    def frag(d: str, name: str, path: str) -> None:
        p = m.sysdir(d) / name
        p.parent.mkdir(parents=True, exist_ok=True)
        files = [{"path": path, "contents": {"source": f"data:,{d}"}, "overwrite": True}]
        p.write_text(json.dumps(cfg("3.0.0", storage={"files": files})))

    frag("system", "base.d/10-a.ign", "/a")
    frag("system-runtime", "base.d/10-a.ign", "/a")  # runtime wins over system
    frag("system-local", "base.d/20-b.ign", "/b")
    bad = m.sysdir("system") / "base.platform.d/file/10-bad.ign"
    bad.parent.mkdir(parents=True)
    bad.write_text("{not json")  # only this directory is ignored
    m.write_config(cfg())
    runs = m.all_stages()
    assert runs[-1].code == 0, runs[-1].text
    assert (m.root / "a").read_text() == "system-runtime"
    assert (m.root / "b").read_text() == "system-local"
    assert 'no config at "base.platform.d/file"' in runs[0].out


def test_invalid_base_d_is_fatal(m: Machine) -> None:
    p = m.sysdir("system") / "base.d/bad.ign"
    p.parent.mkdir(parents=True)
    p.write_text('{"ignition": {"version": "9.9.9"}}')
    m.write_config(cfg())
    assert m.stage("fetch").code == 1


def test_cloud_config_is_left_to_coreos_cloudinit_with_the_flatcar_karg(m: Machine) -> None:
    (m.tmp / "cmdline").write_text("quiet pyignition.cloudconfig=defer\n")
    m.write_config("#cloud-config\nhostname: x\n")
    runs = m.all_stages()
    assert [r.code for r in runs] == [0] * 6
    assert "#cloud-config document, not an Ignition config" in runs[0].out
    assert "coreos-cloudinit handles it after boot" in runs[0].out
    assert not (m.root / "etc/hostname").exists()
    result = json.loads((m.root / "etc/.ignition-result.json").read_text())
    assert result["userConfigProvided"] is False


def test_butane_user_data_is_transpiled(m: Machine) -> None:
    m.write_config(
        "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/from-butane\n"
        "      contents:\n        inline: hi\n"
    )
    runs = m.all_stages()
    assert runs[-1].code == 0, runs[-1].text
    assert "is a Butane config: transpiling it" in runs[0].out
    assert (m.root / "etc/from-butane").read_text() == "hi"


def test_invalid_butane_is_a_located_error(m: Machine) -> None:
    m.write_config("variant: fcos\nversion: 1.5.0\nstorage: [\n")
    r = m.stage("fetch")
    assert r.code == 1
    assert "couldn't transpile Butane config from file" in r.out


def test_disks_stage_is_a_noop_without_storage_devices(m: Machine) -> None:
    m.write_config(cfg())
    assert m.stage("fetch").code == 0
    r = m.stage("disks")
    assert r.code == 0, r.text


def test_mount_refuses_a_symlinked_mount_path_and_umount_skips_unmounted(m: Machine) -> None:
    (m.root / "real").mkdir()
    (m.root / "var").symlink_to("/real")
    fs = {"device": "/dev/nonexistent", "format": "ext4", "path": "/var/lib"}
    m.write_config(cfg(storage={"filesystems": [fs]}))
    assert m.stage("fetch").code == 0
    r = m.stage("mount")
    assert r.code == 1
    assert 'contains non-directory component "/var"' in r.out
    assert m.stage("umount").code == 0


def test_merge_cycle_is_an_error(m: Machine) -> None:
    with http_server() as srv:
        body = json.dumps(cfg(ignition={"version": "3.4.0", "config": {"merge": [
            {"source": srv.url + "/self.ign"}]}}))  # fmt: skip
        srv.route("/self.ign", Reply(200, body.encode()))
        m.write_config(json.loads(body))
        r = m.stage("fetch")
    assert r.code == 1
    assert "cycle" in r.out


# ----------------------------------------------------------------------------- confinement


def test_symlinks_in_the_root_never_lead_outside(m: Machine, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = m.root
    (root / "etc").mkdir()
    (root / "etc/abs").symlink_to(str(outside))  # absolute: taken inside the root
    (root / "etc/up").symlink_to("../../../../../../..")  # `..` stops at the root
    (root / "etc/chain1").symlink_to("chain2")
    (root / "etc/chain2").symlink_to(str(outside))
    m.write_config(
        cfg(
            storage={
                "files": [
                    {"path": "/etc/abs/a", "contents": {"source": "data:,a"}},
                    {"path": "/etc/up/b", "contents": {"source": "data:,b"}},
                    {"path": "/etc/chain1/c", "contents": {"source": "data:,c"}},
                ],
            }
        )
    )
    runs = m.all_stages()
    assert runs[-1].code == 0, runs[-1].text
    assert list(outside.iterdir()) == []
    assert (root / str(outside).lstrip("/") / "a").read_text() == "a"
    assert (root / "b").read_text() == "b"
    assert (root / str(outside).lstrip("/") / "c").read_text() == "c"


def test_two_entries_resolving_to_one_path_are_refused(m: Machine) -> None:
    (m.root / "etc").mkdir()
    (m.root / "etc/l").symlink_to("/var")
    m.write_config(
        cfg(storage={"files": [{"path": "/etc/l/x"}, {"path": "/var/x"}]}),
    )
    runs = m.all_stages()
    assert runs[-1].code == 1
    assert "after symlink chasing" in runs[-1].out


# ----------------------------------------------------------------------------- all or nothing


def test_a_bad_remote_body_leaves_the_root_untouched(m: Machine) -> None:
    with http_server() as srv:
        srv.route("/good", Reply(200, b"good"))
        srv.route("/bad", Reply(200, b"tampered"))
        srv.route("/half", Reply(200, b"0123456789" * 100, behaviour="truncate"))
        h = "sha512-" + hashlib.sha512(b"expected").hexdigest()
        m.write_config(
            cfg(
                ignition={"version": "3.4.0", "timeouts": {"httpTotal": 2}},
                storage={
                    "files": [
                        {"path": "/etc/local", "contents": {"source": "data:,x"}},
                        {"path": "/etc/good", "contents": {"source": srv.url + "/good"}},
                        {"path": "/etc/half", "contents": {"source": srv.url + "/half"}},
                        {
                            "path": "/etc/bad",
                            "contents": {"source": srv.url + "/bad", "verification": {"hash": h}},
                        },
                    ],
                    "directories": [{"path": "/made/by/config"}],
                },
                systemd={"units": [{"name": "a.service", "contents": "[Unit]\n"}]},
            )
        )
        runs = m.all_stages()
    assert runs[-1].code == 1
    assert "hash verification failed" in runs[-1].out or "in time" in runs[-1].out
    assert list(m.root.iterdir()) == []  # nothing at all, not even the staging directory


def test_existing_file_conflict_is_found_before_acting(m: Machine) -> None:
    (m.root / "etc").mkdir()
    (m.root / "etc/exists").write_text("old")
    m.write_config(
        cfg(
            storage={
                "files": [
                    {"path": "/a/first", "contents": {"source": "data:,1"}},
                    {"path": "/etc/exists", "contents": {"source": "data:,new"}},
                ]
            }
        )
    )
    runs = m.all_stages()
    assert runs[-1].code == 1
    assert "A file exists there already and overwrite is false" in runs[-1].out
    assert not (m.root / "a").exists()
    assert (m.root / "etc/exists").read_text() == "old"


# ----------------------------------------------------------------------------- secrets


SECRETS = ("$6$saltsalt$TOPSECRETHASH", "s3cr3t-file-body", "hdr-token-42", "sig-99")


def test_no_secret_in_any_output_or_readable_file(m: Machine) -> None:
    with http_server() as srv:
        srv.route("/f", Reply(200, b"remote"))
        m.write_config(
            cfg(
                passwd={"users": [{"name": "svc", "passwordHash": SECRETS[0]}]},
                storage={
                    "files": [
                        {"path": "/etc/secret", "mode": 0o600,
                         "contents": {"source": "data:," + quote(SECRETS[1])}},
                        {"path": "/etc/remote", "contents": {
                            "source": srv.url + f"/f?token={SECRETS[3]}",
                            "httpHeaders": [{"name": "Authorization", "value": SECRETS[2]}]}},
                        # fails the stage after everything else was checked
                        {"path": "/etc/secret/under-a-file"},
                    ]
                },
            )
        )  # fmt: skip
        runs = m.all_stages()
    out = "".join(r.text for r in runs)
    assert runs[-1].code == 1
    for s in SECRETS:
        assert s not in out, s
        assert quote(s) not in out
    assert stat.S_IMODE(m.cache.stat().st_mode) == 0o600
    assert stat.S_IMODE(m.state.stat().st_mode) == 0o600
    for s in SECRETS:
        assert s.encode() not in m.state.read_bytes()


@pytest.mark.root
def test_password_hash_reaches_shadow_but_no_log(m: Machine) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root")
    account_databases(m.root)
    etc = m.root / "etc"
    m.write_config(
        cfg(
            passwd={
                "users": [
                    {
                        "name": "core",
                        "passwordHash": SECRETS[0],
                        "sshAuthorizedKeys": ["ssh-ed25519 AAAA k"],
                    }
                ],
                "groups": [{"name": "ops", "gid": 4242}],
            },
            storage={"files": [{"path": "/home/core/.profile", "user": {"name": "core"},
                                "group": {"name": "ops"}}]},
        )
    )  # fmt: skip
    runs = m.all_stages()
    assert runs[-1].code == 0, runs[-1].text
    assert SECRETS[0] not in "".join(r.text for r in runs)
    assert SECRETS[0] in (etc / "shadow").read_text()
    keys = m.root / "home/core/.ssh/authorized_keys.d/ignition"
    assert keys.read_text() == "ssh-ed25519 AAAA k\n"
    uid = next(
        int(line.split(":")[2])
        for line in (etc / "passwd").read_text().splitlines()
        if line.startswith("core:")
    )
    assert keys.stat().st_uid == uid
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    profile = (m.root / "home/core/.profile").stat()
    assert (profile.st_uid, profile.st_gid) == (uid, 4242)


def test_dry_run_touches_nothing_and_marks_destructive(m: Machine) -> None:
    (m.root / "etc").mkdir()
    (m.root / "etc/old").mkdir()
    m.write_config(
        cfg(
            storage={
                "files": [{"path": "/etc/old", "overwrite": True, "contents": {"source": "data:,"}}]
            }
        )
    )
    assert m.stage("fetch").code == 0
    r = m.stage("files", "-dry-run")
    assert r.code == 0, r.text
    assert 'write file "/etc/old"' in r.out
    assert "[DESTRUCTIVE]" in r.out
    assert (m.root / "etc/old").is_dir()
    assert not (m.root / "etc/.ignition-result.json").exists()


def test_plan_command_lists_actions_for_every_stage(m: Machine) -> None:
    import subprocess
    import sys

    (m.root / "etc").mkdir()
    (m.root / "etc/hosts").write_text("old")
    m.write_config(
        cfg(
            kernelArguments={"shouldExist": ["quiet"]},
            storage={
                "files": [
                    {"path": "/etc/hosts", "overwrite": True, "contents": {"source": "data:,x"}}
                ]
            },
            systemd={"units": [{"name": "a.service", "enabled": True}]},
        )
    )
    p = subprocess.run(
        [sys.executable, "-m", "ignition", "plan", "-platform", "file", "-root", str(m.root),
         str(m.tmp / "config.ign")],
        capture_output=True, text=True, env=m.env(), check=False,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert "kargs: run ignition-kargs-helper --should-exist quiet" in p.stdout
    assert 'files: createFiles: write file "/etc/hosts"  [DESTRUCTIVE]' in p.stdout
    assert 'enable "a.service"' in p.stdout
    assert (m.root / "etc/hosts").read_text() == "old"


def test_ignition_apply_to_a_directory(m: Machine) -> None:
    import subprocess
    import sys

    m.write_config(
        cfg(
            passwd={"users": [{"name": "x"}]},
            storage={"files": [{"path": "/etc/applied", "contents": {"source": "data:,ok"}}]},
        )
    )
    argv = [
        sys.executable,
        "-c",
        "from ignition.commands.apply import main; raise SystemExit(main())",
    ]
    cfgfile = str(m.tmp / "config.ign")
    p = subprocess.run([*argv, "-root", str(m.root), cfgfile], capture_output=True, text=True)
    assert p.returncode == 1
    assert "passwd.users" in p.stdout
    p = subprocess.run(
        [*argv, "-root", str(m.root), "-ignore-unsupported", cfgfile],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 0, p.stdout
    assert (m.root / "etc/applied").read_text() == "ok"
    assert not (m.root / "etc/.ignition-result.json").exists()


def test_kargs_stage_calls_the_helper_in_order(m: Machine) -> None:
    helper = m.tmp / "kargs-helper"
    log = m.tmp / "kargs.log"
    helper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {log}\n')
    helper.chmod(0o755)
    m.write_config(cfg(kernelArguments={"shouldExist": ["a=1", "b"], "shouldNotExist": ["c"]}))
    env = {"IGNITION_KARGS_HELPER": str(helper)}
    assert m.stage("fetch", env=env).code == 0
    r = m.stage("kargs", env=env)
    assert r.code == 0, r.text
    assert log.read_text().split() == [
        "--should-exist", "a=1", "--should-exist", "b", "--should-not-exist", "c",
    ]  # fmt: skip
    helper.write_text("#!/bin/sh\necho not supported >&2\nexit 1\n")
    r = m.stage("kargs", env=env)
    assert r.code == 1
    assert "kernel argument helper failed" in r.out


@pytest.mark.root
@pytest.mark.loopdev
def test_mount_files_umount_on_an_existing_filesystem(m: Machine) -> None:
    import shutil
    import subprocess

    if os.geteuid() != 0 or shutil.which("mkfs.ext4") is None:
        pytest.skip("needs root and e2fsprogs")
    image = m.tmp / "data.img"
    with open(image, "wb") as fh:
        fh.truncate(16 * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], check=True)
    fs = {"device": str(image), "format": "ext4", "path": "/var/lib/data",
          "mountOptions": ["loop"]}  # fmt: skip
    files = [{"path": "/var/lib/data/hello", "contents": {"source": "data:,on-the-fs"}}]
    m.write_config(cfg(storage={"filesystems": [fs], "files": files}))
    assert m.stage("fetch").code == 0
    try:
        r = m.stage("mount")
        if r.code != 0 and "loop" in r.out.lower():
            pytest.skip("no loop devices here")
        assert r.code == 0, r.text
        target = m.root / "var/lib/data"
        assert os.path.ismount(target)
        assert json.loads(m.state.read_text())["notatedDirectories"] == [
            "/var", "/var/lib", "/var/lib/data",
        ]  # fmt: skip
        assert m.stage("files").code == 0
        assert (target / "hello").read_text() == "on-the-fs"
    finally:
        r = m.stage("umount")
    assert r.code == 0, r.text
    assert not os.path.ismount(m.root / "var/lib/data")
    assert not (m.root / "var/lib/data/hello").exists()  # it lives on the filesystem
