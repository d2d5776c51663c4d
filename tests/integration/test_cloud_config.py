"""Real cloud-config documents applied to a scratch root: by the engine (the ``ignition``
stages as separate processes, a provider's stand-in on 127.0.0.1 for the metadata) and by
``coreos-cloudinit -root``, with the real files stage (``useradd --root`` and friends)."""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from ignition.commands.coreos_cloudinit import run as cloudinit_run
from tests.integration.harness import Machine, Run
from tests.integration.providers.standin import Answer, StandIn, standin

KEY_OPS = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOPSKEYFROMMETADATA ops@metadata"
KEY_ALICE = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIALICEKEYALICEKEY alice@laptop"
KEY_CORE = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCOREKEYCOREKEY core@ops"
KEY_TOP = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITOPLEVELKEYTOPKEY top@ops"
HASH = "$6$rounds=4096$cloudsalt$CLOUDCONFIGSECRETHASHxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
DISCOVERY = "https://discovery.etcd.io/0123456789abcdef0123456789abcdef"

F = TypeVar("F", bound=Callable[..., object])


def needs_root(fn: F) -> F:
    """Marked ``root``, and skipped without it (useradd --root, chown)."""
    skip = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (useradd --root, chown)")
    marked: F = pytest.mark.root(skip(fn))
    return marked


def doc(text: str) -> bytes:
    return textwrap.dedent(text).lstrip("\n").encode()


# A Flatcar / Container Linux cluster node, the way the CoreOS docs wrote it.
FLATCAR_NODE = doc(
    rf"""
    #cloud-config
    hostname: core-01
    coreos:
      etcd2:
        name: core-01
        discovery: {DISCOVERY}
        advertise-client-urls: http://$private_ipv4:2379,http://$private_ipv4:4001
        initial-advertise-peer-urls: http://$private_ipv4:2380
        listen-client-urls: http://0.0.0.0:2379,http://0.0.0.0:4001
        listen-peer-urls: http://$private_ipv4:2380
      fleet:
        public-ip: $public_ipv4
        metadata: region=eu-west,role=worker
      update:
        reboot-strategy: etcd-lock
        group: stable
      locksmith:
        window-start: Thu 04:00
        window-length: 1h
      units:
        - name: etcd2.service
          command: start
        - name: fleet.service
          command: start
        - name: docker-tcp.socket
          command: start
          enable: true
          content: |
            [Unit]
            Description=Docker Socket for the API

            [Socket]
            ListenStream=2375
            Service=docker.service
            BindIPv6Only=both

            [Install]
            WantedBy=sockets.target
        - name: docker.service
          drop-ins:
            - name: 50-insecure-registry.conf
              content: |
                [Service]
                Environment=DOCKER_OPTS='--insecure-registry="10.0.1.0/24"'
        - name: update-engine-stub.service
          mask: true
        - name: 00-eth0.network
          runtime: true
          content: |
            [Match]
            Name=eth0

            [Network]
            DHCP=yes
    write_files:
      - path: /etc/profile.d/cluster.sh
        permissions: "0644"
        content: |
          export ETCDCTL_ENDPOINT=http://$private_ipv4:2379
    """
)

USERS = doc(
    f"""
    #cloud-config
    users:
      - name: alice
        passwd: {HASH}
        gecos: Alice Example
        groups:
          - sudo
          - docker
        shell: /bin/bash
        ssh_authorized_keys:
          - {KEY_ALICE}
      - name: svc
        system: true
        no-create-home: true
        homedir: /var/lib/svc
      - name: core
        ssh_authorized_keys:
          - {KEY_CORE}
    ssh_authorized_keys:
      - {KEY_TOP}
    """
)

PAYLOAD = b"line one\nline two: \xc3\xa9\n"
GZ = gzip.compress(PAYLOAD)
WRITE_FILES = doc(
    f"""
    #cloud-config
    write_files:
      - path: /etc/plain.txt
        content: |
          plain text
      - path: /etc/b64.txt
        encoding: b64
        content: {base64.b64encode(PAYLOAD).decode()}
      - path: /etc/gzb64.txt
        encoding: gzip+base64
        permissions: "0600"
        content: {base64.b64encode(GZ).decode()}
      - path: /etc/gz.bin
        encoding: gz
        permissions: 0755
        content: !!binary |
          {base64.b64encode(GZ).decode()}
      - path: /srv/owned
        owner: nobody:nogroup
        permissions: "0640"
        content: mine
      - path: /srv/numeric
        owner: "4242:4343"
        content: ids
    """
)

SCRIPT = doc(
    """
    #!/bin/bash
    echo "first boot on $(hostname)" > /var/log/first-boot.log
    """
)

MULTIPART = (
    b'Content-Type: multipart/mixed; boundary="==BOUNDARY=="\n'
    b"MIME-Version: 1.0\n"
    b"\n"
    b"--==BOUNDARY==\n"
    b'Content-Type: text/cloud-config; charset="us-ascii"\n'
    b"\n"
    b"#cloud-config\n"
    b"write_files:\n"
    b"  - path: /etc/from-part-one\n"
    b"    content: one\n"
    b"--==BOUNDARY==\n"
    b'Content-Type: text/x-shellscript; charset="us-ascii"\n'
    b"Content-Transfer-Encoding: base64\n"
    b'Content-Disposition: attachment; filename="setup.sh"\n'
    b"\n" + base64.encodebytes(b"#!/bin/sh\ntouch /var/lib/setup-done\n") + b"--==BOUNDARY==--\n"
)


# ------------------------------------------------------------------------------- helpers


def scratch_root(root: Path) -> Path:
    """An image tree with the account databases the shadow tools need."""
    etc = root / "etc"
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "passwd").write_text(
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
    )
    (etc / "group").write_text("root:x:0:\nsudo:x:27:\ndocker:x:999:\nnogroup:x:65534:\n")
    (etc / "shadow").write_text("root:*:1::::::\nnobody:*:1::::::\n")
    (etc / "gshadow").write_text("root:*::\nsudo:*::\ndocker:!::\nnogroup:*::\n")
    (root / "home").mkdir(exist_ok=True)
    return root


def cloudinit(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    rc = cloudinit_run(list(args), out=io.StringIO(), err=err)
    return rc, err.getvalue()


def account(root: Path, name: str) -> list[str]:
    for line in (root / "etc/passwd").read_text().splitlines():
        if line.startswith(name + ":"):
            return line.split(":")
    raise AssertionError(f"no user {name} in {root}/etc/passwd")


def members(root: Path, group: str) -> list[str]:
    for line in (root / "etc/group").read_text().splitlines():
        if line.startswith(group + ":"):
            return [m for m in line.split(":")[3].split(",") if m]
    raise AssertionError(f"no group {group}")


def preset(root: Path) -> list[str]:
    return (root / "etc/systemd/system-preset/20-ignition.preset").read_text().splitlines()


def aws(server: StandIn, user_data: bytes) -> None:
    """The EC2 metadata service: user data where Ignition asks, metadata where
    coreos-cloudinit asked."""
    server.route("PUT", "/latest/api/token", Answer(200, b"tok-1"))
    server.route("GET", "/latest/meta-data/placement/region", Answer(200, b"eu-west-3"))
    server.route("GET", "/2019-10-01/user-data", Answer(200, user_data))
    for path, body in (
        ("hostname", "ip-10-0-0-5.eu-west-3.compute.internal"),
        ("local-ipv4", "10.0.0.5"),
        ("public-ipv4", "203.0.113.5"),
        ("public-keys", "0=ops"),
        ("public-keys/0/openssh-key", KEY_OPS),
    ):
        server.route("GET", f"/2009-04-04/meta-data/{path}", Answer(200, body.encode()))


@pytest.fixture
def server() -> Iterator[StandIn]:
    with standin() as s:
        yield s


def engine_machine(tmp_path: Path, platform: str = "file") -> Machine:
    m = Machine(tmp_path, platform)
    scratch_root(m.root)
    return m


def all_ok(runs: list[Run]) -> None:
    assert [r.code for r in runs] == [0] * 6, runs[-1].text


# ------------------------------------------------------------------ (a) the engine, on EC2


@needs_root
def test_a_flatcar_cluster_node_through_the_engine_with_ec2_metadata(
    tmp_path: Path, server: StandIn
) -> None:
    aws(server, FLATCAR_NODE)
    m = engine_machine(tmp_path, "aws")
    runs = m.all_stages(env={"PYIGNITION_METADATA_ORIGIN": server.origin})
    all_ok(runs)
    fetch = runs[0].out
    assert (
        "user data from aws is a #cloud-config document: applying it via conversion to an "
        "Ignition config"
    ) in fetch
    assert "platform metadata: hostname, public_ipv4, private_ipv4, 1 SSH keys" in fetch
    assert 'fetched user config from "aws"' in fetch
    r = m.root
    assert (r / "etc/hostname").read_text() == "core-01\n"  # the user data wins
    etcd = (r / "etc/systemd/system/etcd2.service.d/20-cloudinit.conf").read_text()
    assert etcd.splitlines() == [
        "[Service]",
        'Environment="ETCD_ADVERTISE_CLIENT_URLS=http://10.0.0.5:2379,http://10.0.0.5:4001"',
        f'Environment="ETCD_DISCOVERY={DISCOVERY}"',
        'Environment="ETCD_INITIAL_ADVERTISE_PEER_URLS=http://10.0.0.5:2380"',
        'Environment="ETCD_LISTEN_CLIENT_URLS=http://0.0.0.0:2379,http://0.0.0.0:4001"',
        'Environment="ETCD_LISTEN_PEER_URLS=http://10.0.0.5:2380"',
        'Environment="ETCD_NAME=core-01"',
    ]
    fleet = (r / "etc/systemd/system/fleet.service.d/20-cloudinit.conf").read_text()
    assert 'Environment="FLEET_PUBLIC_IP=203.0.113.5"' in fleet
    assert 'Environment="FLEET_METADATA=region=eu-west,role=worker"' in fleet
    locksmith = (r / "etc/systemd/system/locksmithd.service.d/20-cloudinit.conf").read_text()
    assert 'Environment="REBOOT_WINDOW_START=Thu 04:00"' in locksmith
    assert (r / "etc/coreos/update.conf").read_text() == "GROUP=stable\nREBOOT_STRATEGY=etcd-lock\n"
    socket = (r / "etc/systemd/system/docker-tcp.socket").read_text()
    assert "ListenStream=2375" in socket
    dropin = r / "etc/systemd/system/docker.service.d/50-insecure-registry.conf"
    assert "--insecure-registry=" in dropin.read_text()
    assert not (r / "etc/systemd/system/docker.service").exists()  # drop-ins only
    assert os.readlink(r / "etc/systemd/system/update-engine-stub.service") == "/dev/null"
    network = r / "etc/systemd/network/00-eth0.network"
    assert network.read_text() == "[Match]\nName=eth0\n\n[Network]\nDHCP=yes\n"
    commands = (r / "etc/systemd/system/coreos-cloudinit-commands.service").read_text()
    assert [ln for ln in commands.splitlines() if ln.startswith("ExecStart=")] == [
        "ExecStart=/usr/bin/systemctl --no-block start -- etcd2.service",
        "ExecStart=/usr/bin/systemctl --no-block start -- fleet.service",
        "ExecStart=/usr/bin/systemctl --no-block start -- docker-tcp.socket",
    ]
    assert preset(r) == [
        "enable coreos-cloudinit-commands.service",
        "enable docker-tcp.socket",
    ]
    profile = (r / "etc/profile.d/cluster.sh").read_text()
    assert profile == "export ETCDCTL_ENDPOINT=http://10.0.0.5:2379\n"
    assert (r / "etc/environment").read_text() == (
        "COREOS_PRIVATE_IPV4=10.0.0.5\nCOREOS_PUBLIC_IPV4=203.0.113.5\n"
    )
    keys = r / "home/core/.ssh/authorized_keys.d/ignition"
    assert keys.read_text() == KEY_OPS + "\n"  # the metadata's key, for core
    result = json.loads((r / "etc/.ignition-result.json").read_text())
    assert result["userConfigProvided"] is True
    everything = "".join(x.text for x in runs)
    assert DISCOVERY not in everything  # values never reach the log
    assert KEY_OPS not in everything


# ------------------------------------------------------------------ (b) users and keys


@needs_root
def test_users_with_a_hash_groups_and_keys(tmp_path: Path) -> None:
    root = scratch_root(tmp_path / "root")
    ud = tmp_path / "user-data"
    ud.write_bytes(USERS)
    rc, log = cloudinit("-from-file", str(ud), "-root", str(root))
    assert rc == 0, log
    alice = account(root, "alice")
    assert alice[4] == "Alice Example"
    assert alice[6] == "/bin/bash"
    assert (root / "home/alice").is_dir()
    assert f"alice:{HASH}:" in (root / "etc/shadow").read_text()
    assert "alice" in members(root, "sudo")
    assert "alice" in members(root, "docker")
    home = root / "home/alice"
    keys = home / ".ssh/authorized_keys.d/coreos-cloudinit"  # coreos-cloudinit's key set
    assert keys.read_text() == KEY_ALICE + "\n"
    merged = home / ".ssh/authorized_keys"
    assert merged.read_text() == f"# auto-generated by update-ssh-keys\n{KEY_ALICE}\n"
    for f in (keys, merged, keys.parent, merged.parent):
        assert f.stat().st_uid == int(alice[2])
        assert stat.S_IMODE(f.stat().st_mode) == (0o700 if f.is_dir() else 0o600)
    svc = account(root, "svc")
    assert int(svc[2]) < 1000  # a system account
    assert svc[5] == "/var/lib/svc"
    assert not (root / "var/lib/svc").exists()  # no-create-home
    core = root / "home/core/.ssh/authorized_keys.d/coreos-cloudinit"
    # Flatcar's coreos-cloudinit merges the core entry's keys with the top-level ones
    assert core.read_text() == f"{KEY_CORE}\n{KEY_TOP}\n"
    assert HASH not in log
    assert KEY_ALICE not in log


# --------------------------------------------------------------- (c) write_files encodings


@needs_root
def test_write_files_with_every_encoding_mode_and_owner(tmp_path: Path) -> None:
    root = scratch_root(tmp_path / "root")
    ud = tmp_path / "user-data"
    ud.write_bytes(WRITE_FILES)
    rc, log = cloudinit("-from-file", str(ud), "-root", str(root))
    assert rc == 0, log

    def mode(p: str) -> int:
        return stat.S_IMODE((root / p).stat().st_mode)

    assert (root / "etc/plain.txt").read_bytes() == b"plain text\n"
    assert mode("etc/plain.txt") == 0o644  # coreos-cloudinit's default
    assert (root / "etc/b64.txt").read_bytes() == PAYLOAD
    assert (root / "etc/gzb64.txt").read_bytes() == PAYLOAD
    assert mode("etc/gzb64.txt") == 0o600
    assert (root / "etc/gz.bin").read_bytes() == PAYLOAD
    assert mode("etc/gz.bin") == 0o755  # unquoted 0755 is the text "0755", octal
    owned = (root / "srv/owned").stat()
    assert (owned.st_uid, owned.st_gid, mode("srv/owned")) == (65534, 65534, 0o640)
    numeric = (root / "srv/numeric").stat()
    assert (numeric.st_uid, numeric.st_gid) == (4242, 4343)
    assert "line two" not in log


# ------------------------------------------------------------ (d) a script, and multipart


def test_a_script_becomes_a_saved_file_and_an_enabled_oneshot_unit(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    ud = tmp_path / "user-data"
    ud.write_bytes(SCRIPT)
    rc, log = cloudinit("-from-file", str(ud), "-root", str(root))
    assert rc == 0, log
    script = root / "var/lib/coreos-cloudinit/scripts/user-data"
    assert script.read_bytes() == SCRIPT
    assert stat.S_IMODE(script.stat().st_mode) == 0o744
    unit = (root / "etc/systemd/system/coreos-cloudinit-user-data.service").read_text()
    assert "ExecStart=/bin/bash /var/lib/coreos-cloudinit/scripts/user-data" in unit
    assert "Type=oneshot" in unit
    assert "After=network-online.target" in unit
    assert preset(root) == ["enable coreos-cloudinit-user-data.service"]
    assert "a #! script: applying it via conversion" in log


def test_a_multipart_message_applies_every_part(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    ud = tmp_path / "user-data"
    ud.write_bytes(MULTIPART)
    rc, log = cloudinit("-from-file", str(ud), "-root", str(root))
    assert rc == 0, log
    assert "a multipart MIME message: applying it via conversion" in log
    assert (root / "etc/from-part-one").read_text() == "one"
    script = root / "var/lib/coreos-cloudinit/scripts/setup.sh"
    assert script.read_bytes() == b"#!/bin/sh\ntouch /var/lib/setup-done\n"
    unit = root / "etc/systemd/system/coreos-cloudinit-setup.sh.service"
    assert "ExecStart=/bin/bash /var/lib/coreos-cloudinit/scripts/setup.sh" in unit.read_text()
    assert preset(root) == ["enable coreos-cloudinit-setup.sh.service"]


# ----------------------------------------------------- (e) the engine, any provider (file)


def test_the_engine_applies_gzipped_cloud_config_from_the_file_platform(tmp_path: Path) -> None:
    m = engine_machine(tmp_path)
    m.write_config(
        gzip.compress(
            doc(
                """
                #cloud-config
                hostname: edge-7
                write_files:
                  - path: /etc/motd
                    content: welcome
                coreos:
                  units:
                    - name: hello.service
                      enable: true
                      content: |
                        [Service]
                        ExecStart=/bin/true

                        [Install]
                        WantedBy=multi-user.target
                """
            )
        )
    )
    runs = m.all_stages()
    all_ok(runs)
    assert (
        "user data from file is a #cloud-config document (gzip-compressed): applying it via "
        "conversion to an Ignition config"
    ) in runs[0].out
    assert "cloud-config converted: 2 files, 0 links, 1 units, 0 users" in runs[0].out
    assert (m.root / "etc/hostname").read_text() == "edge-7\n"
    assert (m.root / "etc/motd").read_text() == "welcome"
    assert "ExecStart=/bin/true" in (m.root / "etc/systemd/system/hello.service").read_text()
    assert preset(m.root) == ["enable hello.service"]
    assert 'write file "/etc/motd"' in runs[4].out  # the files stage did it
    assert not (m.root / "etc/environment").exists()  # the file platform has no addresses


# --------------------------------------------------------------- (f) a document that fails


def test_a_bad_document_fails_fetch_with_one_located_line_and_touches_nothing(
    tmp_path: Path,
) -> None:
    m = engine_machine(tmp_path)
    before = sorted(p.relative_to(m.root) for p in m.root.rglob("*"))
    m.write_config(
        doc(
            f"""
            #cloud-config
            hostname: "not a host name!"
            users:
              - name: bob
                passwd: {HASH}
            write_files:
              - path: /etc/x
                encoding: b64
                content: "@@not base64@@"
            coreos:
              etcd2:
                advertise-client-urls: http://$private_ipv4:2379
            """
        )
    )
    r = m.stage("fetch")
    assert r.code == 1
    failed = [ln for ln in r.out.splitlines() if "Ignition failed:" in ln]
    assert failed == [
        "CRITICAL : Ignition failed: cloud-config from file cannot be applied: "
        "file:2:11: error: hostname: <redacted> is not a valid host name (letters, digits, "
        "'-', '_' and dots between labels; at most 64 characters) (and 2 more, logged above)"
    ]
    assert "file:9:14: error: write_files[0].content: content cannot be decoded as " in r.out
    assert "file:12:28: error: coreos.etcd2.advertise_client_urls: $private_ipv4 has no value" in (
        r.out
    )
    assert "not a host name" not in r.out
    assert HASH not in r.out
    assert "@@not base64@@" not in r.out
    assert not m.cache.exists()
    assert all(s.code != 0 for s in [m.stage("files")])  # no cache: nothing to apply
    assert sorted(p.relative_to(m.root) for p in m.root.rglob("*")) == before


# ------------------------------------------------- (g) coreos-cloudinit as people scripted it


def test_coreos_cloudinit_from_file_with_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    ud = tmp_path / "cloud-config.yml"
    ud.write_bytes(FLATCAR_NODE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COREOS_")}
    env["COREOS_PRIVATE_IPV4"] = "192.168.7.2"  # the reference's fallback for addresses
    env["COREOS_PUBLIC_IPV4"] = "198.51.100.2"
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "ignition.commands.coreos_cloudinit",
            "-from-file",
            str(ud),
            "-root",
            str(root),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout == ""
    etcd = (root / "etc/systemd/system/etcd2.service.d/20-cloudinit.conf").read_text()
    assert "ETCD_LISTEN_PEER_URLS=http://192.168.7.2:2380" in etcd
    assert (root / "etc/hostname").read_text() == "core-01\n"
    assert not (root / "etc/.ignition-result.json").exists()  # not a first boot
    assert "Ignition config" in p.stderr  # "applying it via conversion to an Ignition config"


def test_coreos_cloudinit_twice_merges_the_addresses_into_etc_environment_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    envfile = root / "etc/environment"
    envfile.write_text("PATH=/usr/bin\nCOREOS_PUBLIC_IPV4=192.0.2.99\n# keep me\nLANG=C")
    envfile.chmod(0o640)
    ud = tmp_path / "cloud-config.yml"
    ud.write_bytes(b"#cloud-config\nwrite_files:\n  - path: /etc/ip\n    content: $private_ipv4\n")
    for name in [k for k in os.environ if k.startswith("COREOS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("COREOS_PRIVATE_IPV4", "192.168.7.2")
    monkeypatch.setenv("COREOS_PUBLIC_IPV4", "198.51.100.2")
    for _ in range(2):
        rc, log = cloudinit("-from-file", str(ud), "-root", str(root))
        assert rc == 0, log
    assert envfile.read_text() == (
        "PATH=/usr/bin\nCOREOS_PUBLIC_IPV4=198.51.100.2\n# keep me\nLANG=C\n"
        "COREOS_PRIVATE_IPV4=192.168.7.2\n"
    )
    assert envfile.stat().st_mode & 0o7777 == 0o640
    assert (root / "etc/ip").read_text() == "192.168.7.2"


@needs_root
def test_coreos_cloudinit_from_ec2_metadata_on_loopback(tmp_path: Path, server: StandIn) -> None:
    aws(server, doc("#cloud-config\nwrite_files:\n  - path: /etc/ip\n    content: $private_ipv4\n"))
    root = scratch_root(tmp_path / "root")
    rc, log = cloudinit("-from-ec2-metadata", server.origin + "/", "-root", str(root))
    assert rc == 0, log
    assert (root / "etc/ip").read_text() == "10.0.0.5"
    assert (root / "etc/hostname").read_text() == "ip-10-0-0-5\n"  # from the metadata
    assert server.hits("GET", "/2019-10-01/user-data")
    assert server.hits("GET", "/2009-04-04/meta-data/local-ipv4")
    # coreos-cloudinit's key set, merged into authorized_keys as update-ssh-keys does
    ssh = root / "home/core/.ssh"
    assert (ssh / "authorized_keys.d/coreos-cloudinit").read_text() == KEY_OPS + "\n"
    assert (ssh / "authorized_keys").read_text() == (
        f"# auto-generated by update-ssh-keys\n{KEY_OPS}\n"
    )


@needs_root
def test_coreos_cloudinit_oem_digitalocean_through_the_provider(
    tmp_path: Path, server: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYIGNITION_METADATA_ORIGIN", server.origin)  # for 169.254.169.254
    meta = {
        "hostname": "droplet-9",
        "public_keys": [KEY_OPS],
        "interfaces": {
            "private": [
                {
                    "ipv4": {"ip_address": "10.136.0.9", "netmask": "255.255.0.0"},
                    "mac": "de:ad:be:ef:00:09",
                }
            ]
        },
    }
    server.route("GET", "/metadata/v1.json", Answer(200, json.dumps(meta).encode()))
    server.route("GET", "/metadata/v1/user-data", Answer(200, b"#cloud-config\n"))
    root = scratch_root(tmp_path / "root")
    rc, log = cloudinit("-validate", "-oem", "digitalocean")
    assert (rc, log) == (0, "")  # an empty document: nothing to report, no progress lines
    rc, log = cloudinit("-oem", "digitalocean", "-root", str(root))
    assert rc == 0, log
    keys = root / "home/core/.ssh/authorized_keys.d/coreos-cloudinit"
    assert keys.read_text() == KEY_OPS + "\n"
    # the OEM's -convert-netconf digitalocean
    network = root / "etc/systemd/network/00-de:ad:be:ef:00:09.network"
    assert network.read_text() == (
        "[Match]\nMACAddress=de:ad:be:ef:00:09\n\n[Network]\n\n[Address]\nAddress=10.136.0.9/16\n"
    )
    assert (root / "etc/hostname").read_text() == "droplet-9\n"
    assert (root / "etc/environment").read_text() == "COREOS_PRIVATE_IPV4=10.136.0.9\n"
    assert "platform metadata: hostname, private_ipv4, 1 SSH keys, network config" in log


@needs_root
def test_coreos_cloudinit_from_configdrive_takes_host_name_and_keys_from_meta_data(
    tmp_path: Path,
) -> None:
    latest = tmp_path / "drive/openstack/latest"
    latest.mkdir(parents=True)
    (latest / "user_data").write_bytes(b"#cloud-config\nwrite_files:\n  - path: /etc/x\n")
    meta = {"hostname": "vm-7", "public_keys": {"ops": KEY_OPS}}
    (latest / "meta_data.json").write_text(json.dumps(meta))
    root = scratch_root(tmp_path / "root")
    rc, log = cloudinit("-from-configdrive", str(tmp_path / "drive"), "-root", str(root))
    assert rc == 0, log
    assert (root / "etc/hostname").read_text() == "vm-7\n"
    keys = root / "home/core/.ssh/authorized_keys.d/coreos-cloudinit"
    assert keys.read_text() == KEY_OPS + "\n"
    assert (root / "etc/x").read_bytes() == b""


@pytest.mark.parametrize(
    ("ovf", "hostname"),
    [
        (
            b'<Environment xmlns:wa="http://schemas.microsoft.com/windowsazure">'
            b"<wa:ProvisioningSection><LinuxProvisioningConfigurationSet>"
            b"<HostName>az-vm-3</HostName><UserPassword>hunter2</UserPassword>"
            b"</LinuxProvisioningConfigurationSet></wa:ProvisioningSection></Environment>",
            "az-vm-3\n",
        ),
        (b"<Environment/>", None),  # no HostName: not known, no /etc/hostname
        (None, None),  # no ovf-env.xml at all
    ],
)
def test_coreos_cloudinit_from_waagent_takes_the_host_name_from_ovf_env(
    tmp_path: Path, ovf: bytes | None, hostname: str | None
) -> None:
    agent = tmp_path / "waagent"
    agent.mkdir()
    (agent / "CustomData").write_bytes(b"#cloud-config\nwrite_files:\n  - path: /etc/x\n")
    if ovf is not None:
        (agent / "ovf-env.xml").write_bytes(ovf)
    root = tmp_path / "root"
    root.mkdir()
    rc, log = cloudinit("-from-waagent", str(agent), "-root", str(root))
    assert rc == 0, log
    assert (root / "etc/x").read_bytes() == b""
    etc_hostname = root / "etc/hostname"
    assert (etc_hostname.read_text() if etc_hostname.exists() else None) == hostname
    assert "'waagent'" in log
    assert "hunter2" not in log


APPLY = str(Path(sys.executable).parent / "ignition-apply")


def test_ignition_apply_takes_cloud_config_too(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    ud = tmp_path / "user-data"
    ud.write_bytes(b"#cloud-config\nwrite_files:\n  - path: /etc/motd\n    content: hi\n")
    p = subprocess.run(
        [APPLY, "-root", str(root), str(ud)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    assert (root / "etc/motd").read_text() == "hi"
    assert "applying it via conversion to an Ignition config" in p.stdout
    users = tmp_path / "users"
    users.write_bytes(b"#cloud-config\nusers:\n  - name: bob\n")
    p = subprocess.run(
        [APPLY, "-root", str(root), str(users)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 1
    assert "cannot apply: passwd.users" in p.stdout  # coreos-cloudinit is the one for users
