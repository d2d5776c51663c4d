"""cloud-config user data → Ignition config: what each key becomes, and what is refused."""

from __future__ import annotations

import base64
import gzip

from cloudinit import render
from cloudinit.convert import Conversion, Metadata, convert
from ignition.config import codec, model
from ignition.config.parse import validate_tree
from ignition.config.urls import decode_data_url

CLUSTER_NODE = b"""\
#cloud-config
hostname: node-3
ssh_authorized_keys:
  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAdminKey admin@bastion
coreos:
  etcd2:
    name: node-3
    discovery: https://discovery.etcd.io/4f8c0b2e
    advertise-client-urls: http://$private_ipv4:2379
    initial-advertise-peer-urls: http://$private_ipv4:2380
    listen-client-urls: http://0.0.0.0:2379
    listen-peer-urls: http://$private_ipv4:2380
    heartbeat_interval: 250
    client_cert_auth: true
  fleet:
    public-ip: $public_ipv4
    metadata: region=eu-west,disk=ssd
    engine_reconcile_interval: 2.5
  flannel:
    interface: eth1
    etcd_prefix: /coreos.com/network
  locksmith:
    window_start: Thu 04:00
    window_length: 1h
  update:
    reboot-strategy: etcd-lock
    group: stable
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

        [Install]
        WantedBy=sockets.target
    - name: docker.service
      drop-ins:
        - name: 50-opts.conf
          content: |
            [Service]
            Environment=DOCKER_OPTS=--log-level=warn
    - name: 10-static.network
      runtime: true
      content: |
        [Match]
        Name=eth1

        [Network]
        Address=10.10.0.3/24
"""

MD = Metadata(private_ipv4="10.10.0.3", public_ipv4="203.0.113.7")


def _files(c: Conversion) -> dict[str, model.File]:
    cfg = c.config
    assert cfg is not None, [render.diagnostic(d) for d in c.report]
    return {f.path: f for f in cfg.storage.files}


def _text(f: model.File) -> str:
    assert f.contents.source is not None
    return decode_data_url(f.contents.source).data.decode()


def _units(c: Conversion) -> dict[str, model.Unit]:
    assert c.config is not None
    return {u.name: u for u in c.config.systemd.units}


def _errors(c: Conversion) -> list[str]:
    return [render.diagnostic(d) for d in c.report if d.is_error]


def test_a_cluster_node() -> None:
    c = convert(CLUSTER_NODE, metadata=MD, name="node-3.yaml")
    files, units = _files(c), _units(c)
    assert _text(files["/etc/hostname"]) == "node-3\n"
    assert _text(files["/etc/coreos/update.conf"]) == "GROUP=stable\nREBOOT_STRATEGY=etcd-lock\n"
    assert _text(files["/etc/flannel/options.env"]) == (
        "FLANNELD_ETCD_PREFIX=/coreos.com/network\nFLANNELD_IFACE=eth1"
    )
    assert _text(files["/etc/systemd/network/10-static.network"]).startswith("[Match]\n")
    etcd2 = units["etcd2.service"].dropins[0]
    assert etcd2.name == "20-cloudinit.conf"
    assert etcd2.contents == (
        "[Service]\n"
        'Environment="ETCD_ADVERTISE_CLIENT_URLS=http://10.10.0.3:2379"\n'
        'Environment="ETCD_CLIENT_CERT_AUTH=true"\n'
        'Environment="ETCD_DISCOVERY=https://discovery.etcd.io/4f8c0b2e"\n'
        'Environment="ETCD_HEARTBEAT_INTERVAL=250"\n'
        'Environment="ETCD_INITIAL_ADVERTISE_PEER_URLS=http://10.10.0.3:2380"\n'
        'Environment="ETCD_LISTEN_CLIENT_URLS=http://0.0.0.0:2379"\n'
        'Environment="ETCD_LISTEN_PEER_URLS=http://10.10.0.3:2380"\n'
        'Environment="ETCD_NAME=node-3"\n'
    )
    fleet = units["fleet.service"].dropins[0].contents or ""
    assert 'Environment="FLEET_ENGINE_RECONCILE_INTERVAL=2.5"' in fleet
    assert 'Environment="FLEET_PUBLIC_IP=203.0.113.7"' in fleet
    locksmith = units["locksmithd.service"].dropins[0].contents or ""
    assert 'Environment="REBOOT_WINDOW_START=Thu 04:00"' in locksmith
    assert units["docker-tcp.socket"].enabled is True
    assert "ListenStream=2375" in (units["docker-tcp.socket"].contents or "")
    assert units["docker.service"].dropins[0].name == "50-opts.conf"
    assert units["flanneld.service"].dropins[0].contents is not None
    commands = units["coreos-cloudinit-commands.service"]
    assert commands.enabled is True
    assert commands.contents is not None
    assert [line for line in commands.contents.splitlines() if line.startswith("ExecStart")] == [
        "ExecStart=/usr/bin/systemctl --no-block start -- etcd2.service",
        "ExecStart=/usr/bin/systemctl --no-block start -- fleet.service",
        "ExecStart=/usr/bin/systemctl --no-block start -- docker-tcp.socket",
    ]
    assert c.config is not None
    core = next(u for u in c.config.passwd.users if u.name == "core")
    assert core.ssh_authorized_keys == (
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAdminKey admin@bastion",
    )


def test_the_output_is_a_valid_ignition_config() -> None:
    c = convert(CLUSTER_NODE, metadata=MD)
    assert c.config is not None
    tree = codec.encode(c.config, omit_empty=True)
    cfg, report = validate_tree(tree, model.LATEST_VERSION)
    assert cfg == c.config
    assert not report.is_fatal


def test_deprecations_and_the_runtime_flag_are_reported() -> None:
    c = convert(CLUSTER_NODE, metadata=MD, name="node-3.yaml")
    text = [render.diagnostic(d) for d in c.report]
    assert (
        'node-3.yaml:6:3: warning: coreos.etcd2: deprecated key "etcd2" (etcd2 is no longer '
        "shipped in Container Linux)" in text
    )
    assert any("coreos.units[4].runtime" in t and ": info: " in t for t in text)


def test_the_path_map_points_at_the_cloud_config() -> None:
    c = convert(CLUSTER_NODE, metadata=MD)
    assert c.config is not None
    i = next(i for i, u in enumerate(c.config.systemd.units) if u.name == "docker-tcp.socket")
    o = c.origin(("systemd", "units", i, "contents"))
    assert o is not None
    assert o.path == ("coreos", "units", 2, "content")
    assert o.line == 36
    etcd = next(i for i, u in enumerate(c.config.systemd.units) if u.name == "etcd2.service")
    o = c.origin(("systemd", "units", etcd, "dropins", 0))
    assert o is not None
    assert o.path == ("coreos", "etcd2")


def test_missing_metadata_for_a_substitution_is_a_located_error() -> None:
    c = convert(CLUSTER_NODE, name="node-3.yaml")
    assert c.config is None
    errors = _errors(c)
    assert errors[0].startswith(
        "node-3.yaml:9:28: error: coreos.etcd2.advertise_client_urls: $private_ipv4 has no value"
    )
    assert any("coreos.fleet.public_ip: $public_ipv4 has no value" in e for e in errors)


def test_an_escaped_variable_stays_literal() -> None:
    doc = b"#cloud-config\nwrite_files:\n  - path: /etc/x\n    content: 'a \\$private_ipv4 b'\n"
    c = convert(doc)
    assert _text(_files(c)["/etc/x"]) == "a $private_ipv4 b"


USERS = b"""\
#cloud-config
ssh_authorized_keys:
  - ssh-rsa AAAAB3NzaC1yc2ETopLevel top@laptop
users:
  - name: core
    ssh-authorized-keys:
      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5Core core@laptop
  - name: deploy
    passwd: $6$rounds=4096$saltsalt$hashhashhash
    gecos: Deployment Robot
    homedir: /var/lib/deploy
    primary-group: deploy
    groups: [docker, systemd-journal]
    no-user-group: true
    system: true
    no_log_init: true
    shell: /bin/bash
    ssh_authorized_keys:
      - |
        ssh-ed25519 AAAAC3NzaC1lZDI1NTE5One one@ci
        ssh-ed25519 AAAAC3NzaC1lZDI1NTE5Two two@ci
  - name: svc
    no_create_home: true
"""


def test_users_with_keys() -> None:
    c = convert(USERS, metadata=Metadata(ssh_public_keys=("ssh-rsa AAAAB3Metadata md@cloud",)))
    assert c.config is not None
    users = {u.name: u for u in c.config.passwd.users}
    assert users["core"].ssh_authorized_keys == (
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5Core core@laptop",
        "ssh-rsa AAAAB3NzaC1yc2ETopLevel top@laptop",
        "ssh-rsa AAAAB3Metadata md@cloud",
    )
    d = users["deploy"]
    assert d.password_hash == "$6$rounds=4096$saltsalt$hashhashhash"
    assert (d.gecos, d.home_dir, d.primary_group, d.shell) == (
        "Deployment Robot",
        "/var/lib/deploy",
        "deploy",
        "/bin/bash",
    )
    assert d.groups == ("docker", "systemd-journal")
    assert (d.no_user_group, d.system, d.no_log_init, d.no_create_home) == (True, True, True, None)
    assert d.ssh_authorized_keys == (
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5One one@ci",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5Two two@ci",
    )
    assert users["svc"].no_create_home is True


def test_secrets_never_appear_in_the_report() -> None:
    doc = b"""#cloud-config
users:
  - name: a
    passwd: $6$SECRETHASH
    sudo: ALL
  - name: a
    passwd: $6$OTHERSECRET
coreos:
  locksmith:
    etcd_password: hunter2-SECRET
    window_start: never
write_files:
  - path: /run/secret
    content: TOPSECRET-CONTENT
    encoding: gzip
"""
    c = convert(doc)
    assert c.config is None
    text = "\n".join(render.diagnostic(d) for d in c.report)
    for secret in ("SECRETHASH", "OTHERSECRET", "hunter2", "TOPSECRET"):
        assert secret not in text


WRITE_FILES = b"""\
#cloud-config
write_files:
  - path: /etc/motd
    content: |
      Managed by cloud-config.
  - path: /etc/ssl/certs/internal.pem
    encoding: b64
    permissions: "0444"
    owner: root:root
    content: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
  - path: /opt/bin/tool
    encoding: gzip
    permissions: 0755
    owner: "500:500"
    content: !!binary |
      H4sIAAAAAAAC/0vKzEssqlRIr+ICAJFaf0QKAAAA
  - path: /etc/app/blob
    encoding: gz+b64
    permissions: "600"
    owner: core
    content: GZB64
  - path: /etc/app/raw.bin
    content: !!binary AAEC/w==
  - path: etc/relative.conf
    content: x
"""


def _write_files_doc() -> bytes:
    blob = base64.b64encode(gzip.compress(b"key=value\n")).decode()
    return WRITE_FILES.replace(b"GZB64", blob.encode())


def test_write_files_with_encodings_modes_and_owners() -> None:
    c = convert(_write_files_doc(), name="files.yaml")
    files = _files(c)
    assert _text(files["/etc/motd"]) == "Managed by cloud-config.\n"
    assert files["/etc/motd"].mode == 0o644  # the reference's default
    pem = files["/etc/ssl/certs/internal.pem"]
    assert _text(pem) == "-----BEGIN CERTIFICATE-----\n"
    assert pem.mode == 0o444
    assert (pem.user.name, pem.group.name) == ("root", "root")
    tool = files["/opt/bin/tool"]
    assert _text(tool) == "binary gz\n"
    assert tool.mode == 0o755
    assert (tool.user.id, tool.group.id) == (500, 500)
    blob = files["/etc/app/blob"]
    assert _text(blob) == "key=value\n"
    assert blob.mode == 0o600
    assert (blob.user.name, blob.group.name) == ("core", None)
    raw = files["/etc/app/raw.bin"].contents.source
    assert raw is not None
    assert decode_data_url(raw).data == b"\x00\x01\x02\xff"
    assert "/etc/relative.conf" in files
    warnings = [render.diagnostic(d) for d in c.report if d.severity == "warning"]
    assert warnings == [
        "files.yaml:24:11: warning: write_files[5].path: relative path: written "
        "as /etc/relative.conf (coreos-cloudinit joins it to /)"
    ]


def test_what_cannot_be_expressed_is_a_located_error() -> None:
    doc = b"""#cloud-config
manage_etc_hosts: true
users:
  - gecos: nobody
  - name: dev
    coreos_ssh_import_github: octocat
write_files:
  - path: /run/flag
    content: x
  - path: /etc/a
    owner: "core:"
    content: x
  - path: /etc/b
    encoding: gzip
    content: !!binary H4sIAAAAAAAC/0vKzEssqlRIr+ICAJFa
coreos:
  units:
    - command: start
    - name: app.servce
      content: "[Service]\\nExecStart=/bin/true\\n"
    - name: bad.service
      mask: true
      enable: true
"""
    c = convert(doc, name="bad.yaml")
    assert c.config is None
    assert _errors(c) == [
        "bad.yaml:2:19: error: manage_etc_hosts: 'true' is not supported: the only value is "
        "localhost (coreos-cloudinit fails on any other at boot)",
        "bad.yaml:4:5: error: users[0]: user has no name: coreos-cloudinit skips such an entry",
        "bad.yaml:6:31: error: users[1].coreos_ssh_import_github: coreos_ssh_import_github "
        "cannot be applied: it fetches keys from the network at every boot; list the keys in "
        "ssh_authorized_keys",
        "bad.yaml:8:11: error: write_files[0].path: /run/flag cannot be written at first boot: "
        "/run is a memory file system, empty at every boot (coreos-cloudinit wrote it again at "
        "every boot)",
        "bad.yaml:11:12: error: write_files[1].owner: owner 'core:' means the user's login "
        "group, which cannot be expressed here; name the group (core:core for example)",
        "bad.yaml:15:14: error: write_files[2].content: content cannot be decoded as 'gzip': "
        "gzip data is truncated",
        "bad.yaml:18:7: error: coreos.units[0]: unit has no name: coreos-cloudinit skips such an "
        "entry",
        "bad.yaml:19:13: error: coreos.units[1].name: invalid systemd unit extension",
        "bad.yaml:23:15: error: coreos.units[2].enable: a masked unit cannot be enabled "
        "(coreos-cloudinit fails here)",
    ]
    # The best effort still holds everything else (for ignition-convert): /etc/a, ownerless.
    a = next(f for f in c.draft.storage.files if f.path == "/etc/a")
    assert a.user == model.NodeUser()


def test_type_mismatches_are_refused_nulls_are_unset() -> None:
    doc = b"""#cloud-config
hostname:
coreos:
  units:
    - name: a.service
      enable: "yes"
"""
    c = convert(doc, name="t.yaml")
    assert _errors(c) == [
        't.yaml:6:15: error: coreos.units[0].enable: incorrect type for "enable" (want bool): '
        "coreos-cloudinit would silently drop or truncate this value"
    ]
    assert any("null, treated as unset" in d.message for d in c.report)


def test_a_later_file_with_the_same_path_wins() -> None:
    doc = b"""#cloud-config
write_files:
  - path: /etc/issue
    content: first
  - path: /etc//issue
    content: second
"""
    c = convert(doc, name="d.yaml")
    files = _files(c)
    assert _text(files["/etc/issue"]) == "second"
    messages = [d.message for d in c.report]
    assert "path written as /etc/issue" in messages
    assert any(m.startswith("/etc/issue is written twice") for m in messages)


def test_reboot_strategy_off_masks_locksmith_and_manage_etc_hosts_uses_the_hostname() -> None:
    doc = b"#cloud-config\nmanage_etc_hosts: localhost\ncoreos:\n  update:\n"
    doc += b"    reboot_strategy: off\n"
    c = convert(doc, metadata=Metadata(hostname="md-host"))
    assert _units(c)["locksmithd.service"].mask is True
    files = _files(c)
    assert _text(files["/etc/hosts"]) == "127.0.0.1 md-host\n"
    assert _text(files["/etc/hostname"]) == "md-host\n"


def test_environment_values_are_escaped_for_systemd() -> None:
    doc = b'#cloud-config\ncoreos:\n  locksmith:\n    etcd_password: "50%\\"off"\n'
    c = convert(doc)
    dropin = _units(c)["locksmithd.service"].dropins[0].contents
    assert dropin == '[Service]\nEnvironment="LOCKSMITHD_ETCD_PASSWORD=50%%\\"off"\n'


def test_a_script_becomes_a_oneshot_unit() -> None:
    script = b"#!/bin/bash\necho $public_ipv4 > /etc/ip\n"
    c = convert(script, metadata=Metadata(public_ipv4="198.51.100.4"))
    path = "/var/lib/coreos-cloudinit/scripts/user-data"
    f = _files(c)[path]
    assert _text(f) == "#!/bin/bash\necho 198.51.100.4 > /etc/ip\n"
    assert f.mode == 0o744
    unit = _units(c)["coreos-cloudinit-user-data.service"]
    assert unit.enabled is True
    assert f"ExecStart=/bin/bash {path}" in (unit.contents or "")


def test_a_script_with_an_unknown_address_is_refused_at_its_place() -> None:
    c = convert(b"#!/bin/sh\n\nip=$private_ipv6\n", name="s.sh")
    assert _errors(c) == [
        "s.sh:3:4: error: $private_ipv6 has no value: no private IPv6 address "
        "is known (coreos-cloudinit took it from the metadata service)"
    ]


MULTIPART = b"""\
Content-Type: multipart/mixed; boundary="==BOUNDARY=="
MIME-Version: 1.0

--==BOUNDARY==
Content-Type: text/cloud-config; charset="us-ascii"

hostname: from-part-1
write_files:
  - path: /etc/part1
    content: one
--==BOUNDARY==
Content-Type: text/x-shellscript
Content-Disposition: attachment; filename="setup.sh"

#!/bin/bash
touch /var/lib/setup-done
--==BOUNDARY==
Content-Type: application/gzip
Content-Transfer-Encoding: base64

GZIPPED
--==BOUNDARY==
Content-Type: text/plain

{"ignition": {"version": "3.4.0"}}
--==BOUNDARY==--
"""


def _multipart() -> bytes:
    inner = gzip.compress(
        b"#cloud-config\nhostname: from-part-3\nwrite_files:\n"
        b"  - path: /etc/part1\n    content: three\n"
    )
    return MULTIPART.replace(b"GZIPPED", base64.encodebytes(inner).strip())


def test_a_multipart_message() -> None:
    c = convert(_multipart(), name="mime.txt")
    assert c.multipart
    files, units = _files(c), _units(c)
    assert _text(files["/etc/hostname"]) == "from-part-1\n"  # the first part that sets one
    assert _text(files["/etc/part1"]) == "three"  # parts apply in order: the later wins
    assert "/var/lib/coreos-cloudinit/scripts/setup.sh" in files
    assert units["coreos-cloudinit-setup.sh.service"].enabled is True
    text = [render.diagnostic(d) for d in c.report]
    assert any(t.startswith("mime.txt:24:1: warning: parts[4]: an Ignition config") for t in text)


def test_multipart_positions_are_lines_of_the_message() -> None:
    data = _multipart().replace(b"hostname: from-part-1\n", b"hostname: from-part-1\nbogus: 1\n")
    c = convert(data, name="mime.txt")
    text = [render.diagnostic(d) for d in c.report]
    assert 'mime.txt:8:1: warning: parts[1].bogus: unrecognized key "bogus": ignored' in text


def test_multipart_parts_pyignition_cannot_apply() -> None:
    data = b"""Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/x-include-url

https://example.com/more
--b
Content-Type: text/plain

just some text
--b--
"""
    c = convert(data, name="m")
    assert [d.message for d in c.report if d.is_error] == [
        "MIME part 1 is an #include list of URLs (text/x-include-url), which only canonical "
        "cloud-init understands; it cannot be applied",
        "MIME part 2 (text/plain) is neither #cloud-config nor a #! script",
    ]


def test_cloud_init_spelling_of_the_header_is_accepted_with_a_warning() -> None:
    c = convert(b"\n#Cloud-Config\nhostname: ci\n", name="ci.yaml")
    assert c.config is not None
    assert [render.diagnostic(d) for d in c.report] == [
        "ci.yaml:1:1: warning: the first line is not exactly #cloud-config: coreos-cloudinit "
        "would not recognise this document"
    ]


def test_gzip_user_data() -> None:
    c = convert(gzip.compress(b"#cloud-config\nhostname: zipped\n"))
    assert _text(_files(c)["/etc/hostname"]) == "zipped\n"


def test_empty_and_unrecognised_user_data() -> None:
    empty = convert(b"")
    assert empty.config is not None
    assert empty.config.storage.files == ()
    other = convert(b"hostname: no header\n", name="u")
    assert [d.message for d in other.report] == [
        "user data is neither #cloud-config nor a #! script"
    ]


def test_unit_commands_cannot_be_read_as_options_or_escapes() -> None:
    doc = (
        b"#cloud-config\ncoreos:\n  units:\n    - name: -.mount\n      command: start\n"
        b"    - name: 'a\\x2db.service'\n      command: restart\n"
    )
    unit = _units(convert(doc))["coreos-cloudinit-commands.service"]
    lines = [x for x in (unit.contents or "").splitlines() if x.startswith("ExecStart=")]
    assert lines == [
        "ExecStart=/usr/bin/systemctl --no-block start -- -.mount",
        "ExecStart=/usr/bin/systemctl --no-block restart -- a\\\\x2db.service",
    ]
