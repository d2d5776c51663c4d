"""Real first boots: the initramfs with our dracut module, under QEMU, checked from the host.

One initramfs (session fixture) boots once per scenario; every boot powers the VM off by itself
(e2e module on success, ``rd.emergency=poweroff`` on failure) within a bounded timeout, and the
checks read the guest's disk images afterwards.

a. fw_cfg (``qemu`` platform): partitions, ext4/xfs/vfat, LUKS, RAID 1, files, links, a user
   with an SSH key, an enabled unit with a drop-in;
b. PXE style: ``ignition.config.url`` on the command line (``metal``), a remote file with a hash;
c. an invalid config: emergency target, the located error on the console, disks untouched;
d. secrets (password hash, file contents): nowhere in the console log or the journal;
e. cloud-config user data (a Flatcar node's): converted and applied at first boot;
and a boot without ``ignition.firstboot``: no stage runs, nothing is written.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import secrets
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import vm
from tests.e2e.conftest import Env, record_boot

pytestmark = [pytest.mark.qemu, pytest.mark.slow]

SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2eTestKeyForPyignitionE2eOnlyNotARealKey00 e2e"
URL = f"http://{vm.GUEST_HTTP}"
UNIT = "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n"


def cmdline(*extra: str) -> str:
    return " ".join(["root=/dev/vda", "ignition.firstboot", *extra])


def new_root(tmp: Path) -> Path:
    return vm.root_disk(tmp / "root.img", vm.minimal_root(tmp / "rootdir"))


def data_url(text: str) -> str:
    return "data:," + urllib.parse.quote(text)


# the stages whose units skip them when the fetch stage found them idle (docs/initramfs.md)
MARKED = ("kargs", "disks", "mount")


def assert_booted_ok(boot: vm.Boot, idle: tuple[str, ...] = MARKED) -> None:
    """The boot finished; the units of the ``idle`` stages were skipped by their markers (the
    config gives them nothing to do), every other stage unit ran and succeeded."""
    console = vm.plain(boot.console)
    assert not boot.timed_out, f"the VM did not power off within the timeout:\n{console[-6000:]}"
    assert boot.finished, f"the initramfs did not finish its work:\n{console[-6000:]}"
    assert "Ignition failed" not in console, console[-6000:]
    for stage in ("fetch-offline", *MARKED, "files"):
        unit = f"ignition-{stage}.service"
        if stage in idle:
            marker = f"ConditionPathExists=!/run/ignition/nothing-to-do/{stage}"
            assert boot.skipped.get(unit) == marker, (stage, boot.skipped, console[-6000:])
            assert not ran_ok(console, unit), stage
        else:
            assert ran_ok(console, unit), (stage, console[-6000:])
    named = ", ".join([*(s for s in MARKED if s in idle), *(["umount"] if "mount" in idle else [])])
    line = f"stages with nothing to do for this config: {named or 'none'}"
    assert line in ignition_messages(boot) or f'"MESSAGE":"{line}"' in boot.journal, (
        ignition_messages(boot)[-3000:] or boot.journal[-3000:]
    )


def ran_ok(console: str, unit: str) -> bool:
    """The unit's condition held and it succeeded (stopped since: the initramfs is done)."""
    return re.search(rf"^E2E-UNIT {re.escape(unit)} \S+ success yes\r?$", console, re.M) is not None


def ignition_messages(boot: vm.Boot) -> str:
    return "\n".join(line for line in boot.journal.splitlines() if " ignition[" in line)


# ---------------------------------------------------------------------------------------------
# b. PXE style


def test_pxe_config_url_with_remote_file(e2e: Env, tmp_path: Path) -> None:
    nonce = secrets.token_hex(8)
    payload = f"remote payload {nonce}\n".encode() * 100
    config: dict[str, Any] = {
        "ignition": {"version": "3.4.0"},
        "storage": {
            "files": [
                {
                    "path": "/etc/pxe/inline.txt",
                    "contents": {"source": data_url(f"inline {nonce}\n")},
                    "mode": 0o644,
                },
                {
                    "path": "/opt/remote/payload.bin",
                    "contents": {
                        "source": f"{URL}/payload.bin",
                        "verification": {"hash": "sha512-" + hashlib.sha512(payload).hexdigest()},
                    },
                    "mode": 0o600,
                },
            ],
            "directories": [{"path": "/var/lib/pxe", "mode": 0o750}],
            "links": [{"path": "/etc/pxe/link", "target": "/etc/pxe/inline.txt"}],
        },
        "systemd": {
            "units": [
                {
                    "name": "pxe-hello.service",
                    "enabled": True,
                    "contents": UNIT,
                }
            ]
        },
    }
    root = new_root(tmp_path)
    files = {"/config.ign": json.dumps(config).encode(), "/payload.bin": payload}
    with vm.http_server(files) as server:
        boot = vm.boot(
            e2e.kernel,
            e2e.image.path,
            [root],
            cmdline("ignition.platform.id=metal", f"ignition.config.url={URL}/config.ign"),
            tmp_path / "console.log",
            http_port=server.server_address[1],
        )
        requests = list(server.requests)
    record_boot("b (PXE: ignition.config.url, remote file)", boot)
    assert_booted_ok(boot)
    console = vm.plain(boot.console)
    # the network came up only because fetch-offline asked for it, then fetch got the config
    assert ran_ok(console, "ignition-neednet.service")
    assert ran_ok(console, "ignition-fetch.service")
    assert "/config.ign" in requests, requests
    assert "/payload.bin" in requests, requests

    assert vm.ext4_read(root, "/etc/pxe/inline.txt") == f"inline {nonce}\n".encode()
    assert vm.ext4_read(root, "/opt/remote/payload.bin") == payload
    st = vm.ext4_stat(root, "/opt/remote/payload.bin")
    assert st is not None
    assert st.mode & 0o7777 == 0o600
    assert st.uid == 0
    d = vm.ext4_stat(root, "/var/lib/pxe")
    assert d is not None
    assert d.type == "directory"
    assert d.mode & 0o7777 == 0o750
    link = vm.ext4_stat(root, "/etc/pxe/link")
    assert link is not None
    assert link.type == "symlink"
    assert link.link == "/etc/pxe/inline.txt"
    unit = vm.ext4_read(root, "/etc/systemd/system/pxe-hello.service")
    assert unit is not None
    assert b"ExecStart=/bin/true" in unit
    preset = vm.ext4_read(root, "/etc/systemd/system-preset/20-ignition.preset")
    assert preset is not None
    assert b"enable pxe-hello.service" in preset
    result = vm.ext4_read(root, "/etc/.ignition-result.json")
    assert result is not None
    assert json.loads(result)["userConfigProvided"] is True
    # the root filesystem was unmounted cleanly; the config mounts nothing, so the umount
    # stage (ignition-mount.service's ExecStop) never ran: its unit was skipped
    assert vm.ext4_state(root) == "clean"
    assert "umount" not in boot.unit_times, boot.unit_times
    assert [t.stage for t in boot.stage_times() if t.skipped] == [
        "kargs",
        "disks",
        "mount",
        "umount",
    ]


# ---------------------------------------------------------------------------------------------
# c. invalid config


def test_invalid_config_stops_in_emergency_with_located_error(e2e: Env, tmp_path: Path) -> None:
    # a relative path: the validator locates it at $.storage.files.1.path
    body = (
        '{"ignition": {"version": "3.4.0"},\n'
        ' "storage": {"files": [\n'
        '   {"path": "/etc/fine.txt", "contents": {"source": "data:,fine"}},\n'
        '   {"path": "etc/relative.txt", "contents": {"source": "data:,bad"}}]}}\n'
    )
    root = new_root(tmp_path)
    spare = vm.sparse_disk(tmp_path / "spare.img", 64)
    before = {p.name: vm.sha256(p) for p in (root, spare)}
    with vm.http_server({"/config.ign": body.encode()}) as server:
        boot = vm.boot(
            e2e.kernel,
            e2e.image.path,
            [root, spare],
            cmdline("ignition.platform.id=metal", f"ignition.config.url={URL}/config.ign"),
            tmp_path / "console.log",
            http_port=server.server_address[1],
        )
    record_boot("c (invalid config: emergency)", boot)
    console = vm.plain(boot.console)
    assert not boot.timed_out, console[-6000:]
    assert not boot.finished, "the boot went on past the failed stage"
    assert 'Ignition failed: Ignition stage "fetch" (ignition-fetch.service)' in console, console[
        -6000:
    ]
    # the located error: JSON path and line of the offending value
    assert "$.storage.files.1.path" in console, console[-6000:]
    assert "line 4" in console, console[-6000:]
    # no later stage ran, the emergency action powered the VM off, and no disk was written
    for stage in ("kargs", "disks", "mount", "files"):
        assert f"Starting ignition-{stage}.service" not in console
    assert "Reached target emergency.target" in console or "emergency.target" in console
    after = {p.name: vm.sha256(p) for p in (root, spare)}
    assert after == before


# ---------------------------------------------------------------------------------------------
# d. secrets


def test_secrets_never_reach_the_console_or_the_journal(e2e: Env, tmp_path: Path) -> None:
    nonce = secrets.token_hex(12)
    password_hash = "$6$e2esalt$" + hashlib.sha512(nonce.encode()).hexdigest()[:86]
    file_secret = f"api-token-{nonce}"
    remote_secret = f"remote-secret-{secrets.token_hex(12)}"
    config = {
        "ignition": {"version": "3.4.0"},
        "passwd": {
            "users": [
                {
                    "name": "core",
                    "passwordHash": password_hash,
                    "sshAuthorizedKeys": [SSH_KEY],
                    "groups": ["wheel"],
                }
            ]
        },
        "storage": {
            "files": [
                {
                    "path": "/etc/secret/token",
                    "mode": 0o600,
                    "contents": {
                        "source": "data:;base64," + base64.b64encode(file_secret.encode()).decode()
                    },
                },
                {
                    "path": "/etc/secret/remote",
                    "mode": 0o600,
                    "contents": {
                        "source": f"{URL}/secret?token={remote_secret}",
                        "verification": {
                            "hash": "sha256-" + hashlib.sha256(remote_secret.encode()).hexdigest()
                        },
                    },
                },
            ]
        },
    }
    root = new_root(tmp_path)
    files = {
        "/config.ign": json.dumps(config).encode(),
        f"/secret?token={remote_secret}": remote_secret.encode(),
    }
    with vm.http_server(files) as server:
        boot = vm.boot(
            e2e.kernel,
            e2e.image.path,
            [root],
            cmdline(
                "ignition.platform.id=metal",
                f"ignition.config.url={URL}/config.ign",
                "e2e.journal=json",
            ),
            tmp_path / "console.log",
            http_port=server.server_address[1],
        )
    record_boot("d (secrets)", boot)
    assert_booted_ok(boot)
    # the secrets did their job...
    shadow = vm.ext4_read(root, "/etc/shadow")
    assert shadow is not None
    assert f"core:{password_hash}:".encode() in shadow
    assert vm.ext4_read(root, "/etc/secret/token") == file_secret.encode()
    assert vm.ext4_read(root, "/etc/secret/remote") == remote_secret.encode()
    keys = vm.ext4_read(root, "/home/core/.ssh/authorized_keys.d/ignition")
    assert keys is not None
    assert SSH_KEY.encode() in keys
    # ...and appear nowhere in the whole console log, which holds the whole journal (all fields)
    assert '"MESSAGE"' in boot.journal, "the journal dump is missing"
    for secret in (password_hash, nonce, file_secret, remote_secret):
        for form in {
            secret,
            base64.b64encode(secret.encode()).decode(),
            urllib.parse.quote(secret),
        }:
            assert form not in boot.console, f"secret found on the console: {form[:12]}..."


# ---------------------------------------------------------------------------------------------
# e. cloud-config


def test_cloud_config_user_data_is_applied_at_first_boot(e2e: Env, tmp_path: Path) -> None:
    nonce = secrets.token_hex(8)
    password_hash = "$6$e2esalt$" + hashlib.sha512(nonce.encode()).hexdigest()[:86]
    payload = f"gzipped {nonce}\n".encode()
    cloud_config = "\n".join(
        [
            "#cloud-config",
            "hostname: flatcar-node-1",
            "users:",
            "  - name: ops",
            f"    passwd: {password_hash}",
            "    groups: [wheel]",
            "ssh_authorized_keys:",
            f"  - {SSH_KEY}",
            "write_files:",
            "  - path: /etc/cc/payload",
            "    encoding: gzip+base64",
            '    permissions: "0600"',
            f"    content: {base64.b64encode(gzip.compress(payload)).decode()}",
            "coreos:",
            "  etcd2:",
            "    name: node-1",
            "    listen-client-urls: http://0.0.0.0:2379",
            "  units:",
            "    - name: cc-hello.service",
            "      enable: true",
            "      command: start",
            "      content: |",
            *(f"        {line}" for line in UNIT.splitlines()),
            "",
        ]
    ).encode()
    root = new_root(tmp_path)
    with vm.http_server({"/user-data": cloud_config}) as server:
        boot = vm.boot(
            e2e.kernel,
            e2e.image.path,
            [root],
            cmdline("ignition.platform.id=metal", f"ignition.config.url={URL}/user-data"),
            tmp_path / "console.log",
            http_port=server.server_address[1],
        )
    record_boot("e (cloud-config user data)", boot)
    assert_booted_ok(boot)
    assert "applying it via conversion to an Ignition config" in ignition_messages(boot)
    assert vm.ext4_read(root, "/etc/hostname") == b"flatcar-node-1\n"
    assert vm.ext4_read(root, "/etc/cc/payload") == payload
    st = vm.ext4_stat(root, "/etc/cc/payload")
    assert st is not None
    assert st.mode & 0o7777 == 0o600
    shadow = vm.ext4_read(root, "/etc/shadow")
    assert shadow is not None
    assert f"ops:{password_hash}:".encode() in shadow
    keys = vm.ext4_read(root, "/home/core/.ssh/authorized_keys.d/ignition")
    assert keys == (SSH_KEY + "\n").encode()
    etcd = vm.ext4_read(root, "/etc/systemd/system/etcd2.service.d/20-cloudinit.conf")
    assert etcd is not None
    assert b'Environment="ETCD_NAME=node-1"' in etcd
    unit = vm.ext4_read(root, "/etc/systemd/system/cc-hello.service")
    assert unit is not None
    assert b"ExecStart=/bin/true" in unit
    preset = vm.ext4_read(root, "/etc/systemd/system-preset/20-ignition.preset")
    assert preset == b"enable cc-hello.service\nenable coreos-cloudinit-commands.service\n"
    for secret in (password_hash, nonce):
        assert secret not in boot.console


# ---------------------------------------------------------------------------------------------
# not the first boot


def test_without_firstboot_no_stage_runs(e2e: Env, tmp_path: Path) -> None:
    root = new_root(tmp_path)
    before = vm.ext4_tree(root)
    boot = vm.boot(
        e2e.kernel,
        e2e.image.path,
        [root],
        "root=/dev/vda ignition.platform.id=metal",
        tmp_path / "console.log",
    )
    record_boot("subsequent (no ignition.firstboot)", boot)
    console = vm.plain(boot.console)
    assert not boot.timed_out, console[-6000:]
    assert boot.finished, console[-6000:]
    assert "Reached target ignition-subsequent.target" in console, console[-6000:]
    assert "Starting ignition-" not in console
    assert "ignition[" not in boot.journal  # the engine never ran
    # same files, same contents (systemd-fsck may refresh the superblock: not compared)
    assert vm.ext4_tree(root) == before


# ---------------------------------------------------------------------------------------------
# a. fw_cfg + disks


def _waiting_for() -> list[str]:
    """The parts of scenario (a) that are not on main yet, by branch."""
    import importlib.util

    import providers

    missing = []
    if "qemu" not in providers.PROVIDERS:
        missing.append("the qemu provider (fw_cfg; branch providers)")
    if importlib.util.find_spec("ignition.stages.disks") is None:
        missing.append("the disks stage (partitions, RAID, LUKS, filesystems; branch disks)")
    return missing


def fw_cfg_config(nonce: str) -> dict[str, Any]:
    """Scenario (a)'s config (also booted by ``bench/guest_stages.py``)."""

    def part(n: int, label: str, size: int) -> dict[str, Any]:
        return {"number": n, "label": label, "sizeMiB": size}

    config: dict[str, Any] = {
        "ignition": {"version": "3.4.0"},
        "storage": {
            "disks": [
                {
                    "device": "/dev/vdb",
                    "wipeTable": True,
                    "partitions": [
                        part(1, "DATA", 64),
                        part(2, "BULK", 320),
                        part(3, "ESP", 64),
                        part(4, "VAULT", 64),
                        part(5, "MIRROR-A", 48),
                        part(6, "MIRROR-B", 48),
                    ],
                }
            ],
            "raid": [
                {
                    "name": "mirror",
                    "level": "raid1",
                    "devices": [
                        "/dev/disk/by-partlabel/MIRROR-A",
                        "/dev/disk/by-partlabel/MIRROR-B",
                    ],
                }
            ],
            "luks": [
                {
                    "name": "vault",
                    "device": "/dev/disk/by-partlabel/VAULT",
                    "label": "vault-luks",
                    # argon2 (the default) costs ~15 s of TCG time for format + open
                    "options": ["--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000"],
                }
            ],
            "filesystems": [
                {
                    "device": "/dev/disk/by-partlabel/DATA",
                    "format": "ext4",
                    "label": "data",
                    "path": "/var/data",
                    "wipeFilesystem": True,
                },
                {
                    "device": "/dev/disk/by-partlabel/BULK",
                    "format": "xfs",
                    "label": "bulk",
                    "wipeFilesystem": True,
                },
                {
                    "device": "/dev/disk/by-partlabel/ESP",
                    "format": "vfat",
                    "label": "ESP",
                    "wipeFilesystem": True,
                },
                {
                    "device": "/dev/mapper/vault",
                    "format": "ext4",
                    "label": "vault",
                    "wipeFilesystem": True,
                },
                {
                    "device": "/dev/md/mirror",
                    "format": "ext4",
                    "label": "mirror",
                    "wipeFilesystem": True,
                },
            ],
            "files": [
                {"path": "/etc/e2e/nonce", "contents": {"source": data_url(nonce)}, "mode": 0o644},
                {
                    "path": "/var/data/on-data.txt",
                    "contents": {"source": data_url(f"data {nonce}")},
                },
            ],
            "links": [{"path": "/etc/e2e/link", "target": "/etc/e2e/nonce"}],
        },
        "passwd": {
            "users": [{"name": "core", "sshAuthorizedKeys": [SSH_KEY], "groups": ["wheel"]}]
        },
        "systemd": {
            "units": [
                {
                    "name": "e2e-app.service",
                    "enabled": True,
                    "contents": UNIT,
                    "dropins": [
                        {
                            "name": "10-env.conf",
                            "contents": f"[Service]\nEnvironment=NONCE={nonce}\n",
                        }
                    ],
                }
            ]
        },
    }
    return config


def test_fw_cfg_disks_luks_raid_files_users_units(e2e: Env, tmp_path: Path) -> None:
    waiting = _waiting_for()
    if waiting:
        pytest.skip("scenario (a) waits for " + " and ".join(waiting))
    nonce = secrets.token_hex(8)
    mib = 1024 * 1024 // 512
    config = fw_cfg_config(nonce)
    root = new_root(tmp_path)
    disk = vm.sparse_disk(tmp_path / "disk.img", 700)
    fw_cfg = tmp_path / "config.ign"
    fw_cfg.write_text(json.dumps(config))
    boot = vm.boot(
        e2e.kernel,
        e2e.image.path,
        [root, disk],
        cmdline("ignition.platform.id=qemu"),
        tmp_path / "console.log",
        fw_cfg=fw_cfg,
    )
    record_boot("a (fw_cfg: disks, LUKS, RAID 1, files, user, unit)", boot)
    assert_booted_ok(boot, idle=("kargs",))
    assert "umount" in boot.unit_times, boot.unit_times  # it unmounted /var/data

    # partitions
    parts = {p.name: p for p in vm.gpt_partitions(disk)}
    assert set(parts) == {"DATA", "BULK", "ESP", "VAULT", "MIRROR-A", "MIRROR-B"}, parts
    assert parts["DATA"].start == 2048
    assert parts["DATA"].end - parts["DATA"].start + 1 == 64 * mib

    def piece(name: str) -> Path:
        p = parts[name]
        return vm.extract(disk, p.start, p.end - p.start + 1, tmp_path / f"{name}.img")

    data = piece("DATA")
    assert vm.blkid(data).get("LABEL") == "data"
    assert vm.ext4_read(data, "/on-data.txt") == f"data {nonce}".encode()
    assert vm.ext4_state(data) == "clean"
    bulk = vm.blkid(piece("BULK"))
    assert (bulk.get("TYPE"), bulk.get("LABEL")) == ("xfs", "bulk")
    esp = vm.blkid(piece("ESP"))
    assert (esp.get("TYPE"), esp.get("LABEL")) == ("vfat", "ESP")
    vault = piece("VAULT")
    info = vm.blkid(vault)
    assert (info.get("TYPE"), info.get("LABEL")) == ("crypto_LUKS", "vault-luks")
    # the key Ignition generated is in the root filesystem and opens the volume
    key = vm.ext4_read(root, "/etc/luks/vault")
    assert key
    crypttab = vm.ext4_read(root, "/etc/crypttab")
    assert crypttab is not None
    assert crypttab.startswith(b"vault UUID=" + info["UUID"].encode())
    keyfile = tmp_path / "vault.key"
    keyfile.write_bytes(key)
    vm.run(["cryptsetup", "open", "--test-passphrase", "--key-file", keyfile, vault])
    for member in ("MIRROR-A", "MIRROR-B"):
        examined = vm.run(["mdadm", "--examine", piece(member)]).stdout.decode()
        assert "Raid Level : raid1" in examined, examined
        assert "mirror" in examined, examined

    # root filesystem: files, link, user + SSH key, unit + drop-in + preset
    assert vm.ext4_read(root, "/etc/e2e/nonce") == nonce.encode()
    link = vm.ext4_stat(root, "/etc/e2e/link")
    assert link is not None
    assert link.link == "/etc/e2e/nonce"
    passwd = vm.ext4_read(root, "/etc/passwd")
    assert passwd is not None
    assert b"\ncore:x:" in passwd
    keys = vm.ext4_read(root, "/home/core/.ssh/authorized_keys.d/ignition")
    assert keys is not None
    assert SSH_KEY.encode() in keys
    dropin = vm.ext4_read(root, "/etc/systemd/system/e2e-app.service.d/10-env.conf")
    assert dropin is not None
    assert f"NONCE={nonce}".encode() in dropin
    preset = vm.ext4_read(root, "/etc/systemd/system-preset/20-ignition.preset")
    assert preset is not None
    assert b"enable e2e-app.service" in preset
    assert vm.ext4_state(root) == "clean"
