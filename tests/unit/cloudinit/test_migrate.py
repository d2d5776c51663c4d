# ruff: noqa: E501, PT018
"""ignition-convert's canonical cloud-init input: Butane that ``butane --strict`` accepts, every
key carried over or reported at its line, dialect detection, hostile input."""

from __future__ import annotations

import base64
import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudinit.migrate.canonical import convert
from cloudinit.migrate.dialect import CLOUD_INIT, COREOS_CLOUDINIT, CT, detect
from cloudinit.migrate.located import load
from cloudinit.migrate.out import VARIANTS
from ignition.commands.convert import run
from ignition.config.parse import parse
from ignition.config.urls import decode_data_url
from tests.unit.cloudinit.test_butane import NODE as COREOS_NODE
from tests.unit.cloudinit.test_migrate_ct import CLUSTER
from transpiler.butane.translate import translate

GZ = base64.b64encode(gzip.compress(b"#!/bin/sh\necho backup\n")).decode()
HASH = "$6$rounds=4096$Xq8vUhs1$Zc2dummyhashvalueforatestonly0000000000000000000000000000"

# A web node, written the way cloud-init's documentation writes its examples.
WEB = f"""\
#cloud-config
# web-2: nginx front end
hostname: web-2
fqdn: web-2.fra.example.org
manage_etc_hosts: true
timezone: Europe/Berlin
locale: en_US.UTF-8
users:
  - default
  - name: deploy
    gecos: Deployment robot
    groups: docker, deployers
    shell: /bin/bash
    sudo: ALL=(ALL) NOPASSWD:ALL
    passwd: "{HASH}"
    ssh_authorized_keys:
      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDeploy deploy@ci
    ssh_import_id: [gh:deploybot]
  - name: metrics
    system: true
    uid: 990
    no_create_home: true
groups:
  - deployers
  - ops: [deploy]
ssh_authorized_keys:
  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAdmin admin@laptop
ssh_pwauth: false
chpasswd:
  expire: false
  users:
    - name: core
      password: "{HASH}"
      type: hash
write_files:
  - path: /etc/nginx/conf.d/site.conf
    owner: root:nginx
    permissions: '0640'
    defer: true
    content: |
      server {{
          listen 80;
          root /srv/www;
      }}
  - path: /etc/motd
    content: "welcome to web-2\\n"
  - path: /etc/motd
    append: true
    content: "managed by ops\\n"
  - path: /opt/bin/backup
    encoding: gz+b64
    permissions: '0755'
    content: {GZ}
  - path: /etc/app/token.bin
    encoding: b64
    content: AAEC/w==
  - path: /etc/app/remote.conf
    source:
      uri: https://config.example.org/remote.conf
      headers:
        Authorization: Bearer abc
bootcmd:
  - echo "boot $(date)" >> /var/log/boots.log
runcmd:
  - [systemctl, enable, --now, nginx.service]
  - 'curl -fsS https://hooks.example.org/up?host=web-2 || true'
packages:
  - nginx
  - [htop, 3.2.1]
package_update: true
ntp:
  enabled: true
  servers: [ntp1.example.org, ntp2.example.org]
  pools: [2.pool.ntp.org]
ca_certs:
  trusted:
    - |
      -----BEGIN CERTIFICATE-----
      MIIBszCCAVmgAwIBAgIUExampleOnlyNotARealCertificate0000000000000
      -----END CERTIFICATE-----
device_aliases:
  data: /dev/vdb
disk_setup:
  data:
    table_type: gpt
    layout: true
    overwrite: true
fs_setup:
  - label: srv
    filesystem: xfs
    device: data.1
    overwrite: true
mounts:
  - [data.1, /srv, xfs, "defaults,noatime"]
  - [vdc, /var/cache/nginx]
swap:
  filename: /var/swapfile
  size: 2G
growpart:
  mode: auto
  devices: ['/']
final_message: "web-2 is up after $UPTIME seconds"
power_state:
  mode: reboot
  delay: "+1"
  message: Rebooting after first boot
"""


def _migrate(doc: str, variant: str = "fcos") -> Any:
    return convert(doc.encode(), name="web.yaml", variant=VARIANTS[variant])


def _ignition(text: str) -> Any:
    result = translate(text.encode())
    assert result.output is not None, (result.failure, [str(d) for d in result.report])
    assert [d for d in result.report if d.severity != "info"] == []  # butane --strict
    parsed = parse(result.output)
    assert parsed.config is not None
    return parsed.config


def _data(res: Any) -> bytes:
    data = decode_data_url(res.source or "data:,").data
    return gzip.decompress(data) if res.compression == "gzip" else data


def test_a_web_node_converts_to_butane_that_butane_accepts_strictly() -> None:
    m = _migrate(WEB)
    assert m.text is not None
    cfg = _ignition(m.text)
    files = {f.path: f for f in cfg.storage.files}
    assert _data(files["/etc/hostname"].contents) == b"web-2\n"
    assert b"127.0.1.1 web-2.fra.example.org web-2" in _data(files["/etc/hosts"].contents)
    site = files["/etc/nginx/conf.d/site.conf"]
    assert (site.mode, site.user.name, site.group.name) == (0o640, None, "nginx")
    motd = files["/etc/motd"]
    assert _data(motd.contents) == b"welcome to web-2\n"
    assert [_data(a) for a in motd.append] == [b"managed by ops\n"]
    backup = files["/opt/bin/backup"]
    assert _data(backup.contents) == b"#!/bin/sh\necho backup\n"
    assert _data(files["/etc/app/token.bin"].contents) == b"\x00\x01\x02\xff"
    remote = files["/etc/app/remote.conf"].contents
    assert remote.source == "https://config.example.org/remote.conf"
    assert [(h.name, h.value) for h in remote.http_headers] == [("Authorization", "Bearer abc")]
    assert (
        _data(files["/etc/sudoers.d/90-cloud-init-users"].contents)
        == b"deploy ALL=(ALL) NOPASSWD:ALL\n"
    )
    assert files["/etc/sudoers.d/90-cloud-init-users"].mode == 0o440
    assert b"PasswordAuthentication no" in _data(
        files["/etc/ssh/sshd_config.d/20-cloud-init-pwauth.conf"].contents
    )
    assert b"server ntp1.example.org iburst" in _data(files["/etc/chrony.conf"].contents)
    assert "/etc/pki/ca-trust/source/anchors/cloud-init-ca-1.crt" in files
    runcmd = _data(files["/usr/local/bin/cloud-init-runcmd"].contents).decode()
    assert runcmd.splitlines()[1:] == [
        "systemctl enable --now nginx.service",
        "curl -fsS https://hooks.example.org/up?host=web-2 || true",
    ]
    [link] = cfg.storage.links
    assert (link.path, link.target) == ("/etc/localtime", "../usr/share/zoneinfo/Europe/Berlin")
    users = {u.name: u for u in cfg.passwd.users}
    assert users["deploy"].groups == ("docker", "deployers", "ops")
    assert users["deploy"].password_hash == "!" + HASH  # locked, as cloud-init leaves it
    assert users["core"].password_hash == HASH
    assert users["core"].ssh_authorized_keys == (
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAdmin admin@laptop",
    )
    assert (users["metrics"].uid, users["metrics"].system, users["metrics"].no_create_home) == (
        990,
        True,
        True,
    )
    assert {g.name for g in cfg.passwd.groups} == {"deployers", "ops"}
    [disk] = cfg.storage.disks
    assert (disk.device, disk.wipe_table, [p.number for p in disk.partitions]) == (
        "/dev/vdb",
        True,
        [1],
    )
    [fs] = cfg.storage.filesystems
    assert (fs.device, fs.format, fs.label, fs.wipe_filesystem) == ("/dev/vdb1", "xfs", "srv", True)
    units = {u.name: u for u in cfg.systemd.units}
    assert "What=/dev/vdb1\nWhere=/srv\nType=xfs\nOptions=defaults,noatime" in (
        units["srv.mount"].contents or ""
    )
    assert "What=/dev/vdc" in (units["var-cache-nginx.mount"].contents or "")
    assert "ExecStart=/usr/bin/fallocate -l 2147483648 /var/swapfile" in (
        units["cloud-init-mkswap.service"].contents or ""
    )
    assert units["var-swapfile.swap"].enabled
    assert 'ExecStart=/usr/sbin/shutdown -r +1 "Rebooting after first boot"' in (
        units["cloud-init-power-state.service"].contents or ""
    )
    assert "$$UPTIME" in (units["cloud-init-final-message.service"].contents or "")
    for name in ("cloud-init-runcmd.service", "cloud-init-bootcmd.service"):
        assert units[name].enabled


def test_every_key_is_carried_or_reported_at_its_line() -> None:
    m = _migrate(WEB)
    assert not m.complete
    errors = {(d.path, d.line) for d in m.report.errors}
    assert errors == {
        (("users", 1, "ssh_import_id"), 18),
        (("packages",), 67),
        (("package_update",), 70),
    }
    text = m.text or ""
    head = text.split("\nvariant:", 1)[0]
    assert (
        "web.yaml:67:1: error: packages: not carried over (nginx; htop=3.2.1): there is no "
        "package manager: run the software in containers (podman), or layer packages with "
        "rpm-ostree" in head
    )
    assert "web.yaml:81:1: info: device_aliases: resolved in the device names" in head
    keys = load(WEB).value
    assert isinstance(keys, dict)
    for key in keys:
        assert f"{key}" in head or f"from {key}" in text, key
    assert "    # from write_files[0] (line 36)\n    - path: /etc/nginx/conf.d/site.conf" in text
    warned = {d.path for d in m.report if d.severity == "warning"}
    assert (
        ("runcmd",) in warned and ("users", 1, "passwd") in warned and ("final_message",) in warned
    )


def test_flatcar_variant_uses_flatcars_places() -> None:
    m = _migrate(WEB, "flatcar")
    assert m.text is not None
    doc = yaml.safe_load(m.text)
    assert (doc["variant"], doc["version"]) == ("flatcar", "1.1.0")
    paths = {f["path"] for f in doc["storage"]["files"]}
    assert {"/opt/bin/cloud-init-runcmd", "/etc/systemd/timesyncd.conf.d/50-cloud-init.conf",
            "/etc/ssl/certs/cloud-init-ca-1.pem"} <= paths  # fmt: skip
    _ignition(m.text)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("write_files:\n  - path: /usr/lib/x\n    content: a\n", "read-only /usr"),
        ("write_files:\n  - path: /run/x\n    content: a\n", "empty at every boot"),
        (
            "write_files:\n  - path: /etc/x\n    encoding: b64\n    content: '!!!'\n",
            "cannot be decoded",
        ),
        ("write_files:\n  - path: /etc/x\n    permissions: rw\n", "not an octal file mode"),
        ("users:\n  - name: a\n    plain_text_passwd: hunter2\n", "hashes only"),
        ("chpasswd:\n  users:\n    - {name: a, password: RANDOM, type: RANDOM}\n", "RANDOM"),
        ("disk_setup:\n  /dev/vdb:\n    layout: [50, 50]\n", "percent"),
        ("fs_setup:\n  - {device: ephemeral0, filesystem: ext4}\n", "cloud's metadata"),
        ("swap:\n  size: auto\n", "cannot be decided"),
        ("growpart:\n  devices: [/srv]\n", "only the root"),
        ("apt:\n  primary: []\n", "no package manager"),
        ("coreos:\n  units: []\n", "-from coreos-cloudinit"),
        ("frobnicate: 1\n", "not a cloud-init key"),
        ("hostname: -bad-\n", "not a valid host name"),
        ("timezone: ../../etc/shadow\n", "not a time zone"),
        ("groups:\n  - admins: ['-rf']\n", "is not a user or group name"),
    ],
)
def test_what_cannot_be_carried_is_an_error_at_its_line(doc: str, message: str) -> None:
    m = _migrate("#cloud-config\n" + doc)
    assert any(message in d.message for d in m.report.errors), [str(d) for d in m.report]
    assert all(d.line is not None and d.line >= 2 for d in m.report.errors)
    assert "hunter2" not in "".join(d.message for d in m.report)
    if m.text is not None:
        _ignition(m.text)


@pytest.mark.parametrize(
    ("raw", "dialect"),
    [
        (WEB, CLOUD_INIT),
        (COREOS_NODE.decode(), COREOS_CLOUDINIT),
        ("#cloud-config\nhostname: a\n", COREOS_CLOUDINIT),
        ("\n#Cloud-Config\nhostname: a\n", CLOUD_INIT),
        ("#cloud-config\nusers:\n  - default\n", CLOUD_INIT),
        ("#cloud-config\nwrite_files:\n  - path: /a\n    defer: true\n", CLOUD_INIT),
        ("#cloud-config\nusers:\n  - name: a\n    coreos_ssh_import_github: a\n", COREOS_CLOUDINIT),
        ("#cloud-config\ncoreos: {}\nruncmd: [a, b]\npackages: [c]\n", CLOUD_INIT),
        ("#!/bin/sh\necho hi\n", COREOS_CLOUDINIT),
        (CLUSTER, CT),
        ("storage:\n  files: [\n", CT),
        ("variant: fcos\nversion: 1.5.0\n", COREOS_CLOUDINIT),
    ],
)
def test_the_dialect_is_told_by_its_keys(raw: str, dialect: str) -> None:
    assert detect(raw.encode()).dialect == dialect


def _cli(*args: str, stdin: bytes = b"") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = run(list(args), stdin=io.BytesIO(stdin), out=out, err=err)
    return rc, out.getvalue(), err.getvalue()


def test_cli_names_the_dialect_and_can_be_forced() -> None:
    rc, out, err = _cli(stdin=b"#cloud-config\nruncmd: [ls]\n")
    assert rc == 0
    assert err.startswith(
        "ignition-convert: <stdin>: read as canonical cloud-init's cloud-config (keys only canonical cloud-init knows: runcmd)"
    )
    assert yaml.safe_load(out)["variant"] == "fcos"
    rc, out, err = _cli("-from", "cloud-init", stdin=b"#cloud-config\nhostname: a\n")
    assert (rc, yaml.safe_load(out)["version"]) == (0, "1.5.0")
    assert "(as -from says)" in err
    assert _cli("-from", "coreos-cloudinit", "-variant", "fcos", stdin=b"#cloud-config\n")[0] == 2
    rc, out, err = _cli("-to", "ignition", stdin=b"#cloud-config\nruncmd: [ls]\n")
    assert rc == 0 and json.loads(out)["ignition"]["version"] == "3.4.0"
    rc, out, _ = _cli("-to", "ignition", stdin=b"#cloud-config\npackages: [vim]\n")
    assert (rc, out) == (1, "")
    rc, out, err = _cli("-to", "ignition", "-platform", "ec2", stdin=CLUSTER.encode())
    assert rc == 0 and json.loads(out)["ignition"]["version"] == "3.3.0"
    assert "read as a Container Linux Config (ct)" in err


@pytest.mark.parametrize(
    "raw",
    [
        b"#cloud-config\n" + b"[" * 5000 + b"]" * 5000,
        b"#cloud-config\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
        b"#cloud-config\nruncmd: [\n",
        b"#cloud-config\n- a\n- b\n",
        b"#cloud-config\nwrite_files:\n  - path: /etc/a\n    content: !!int abc\n",
        b"#cloud-config\n\xff\xfe: \x00\n",
        b"#cloud-config\n{[a]: 1}\n",
    ],
)
def test_hostile_input_gives_clean_located_errors(raw: bytes) -> None:
    rc, _, err = _cli("-from", "cloud-init", stdin=raw)
    assert rc == 1
    assert "Traceback" not in err
    assert "error" in err


def test_oversized_input_is_refused() -> None:
    rc, _, err = _cli(stdin=b"#cloud-config\n" + b"#" * (17 * 1024 * 1024))
    assert rc == 1 and "larger than" in err


SEED = WEB.split("device_aliases")[0]
TOKENS = ["\n", " ", "  ", "- ", ": ", "[", "]", "{", "}", "&a", "*a", "<<", "~", "0644", "yes",
          "'", '"', "#", "|", ">", "!!binary", "path", "content", "users", "null", "1e9"]  # fmt: skip


@settings(max_examples=120, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 3), st.sampled_from(TOKENS)), max_size=6
    )
)
def test_mutated_documents_never_raise(edits: list[tuple[int, int, str]]) -> None:
    text = SEED
    for pos, cut, token in edits:
        p = pos % (len(text) + 1)
        text = text[:p] + token + text[p + cut :]
    m = convert(text.encode(), name="f", variant=VARIANTS["fcos"])
    assert m.text is not None or m.report.is_fatal
    if m.text is not None:
        yaml.safe_load(m.text)


ROOT_KEYS = """\
#cloud-config
ssh_authorized_keys: [ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAdmin admin@laptop]
disable_root: false
"""


def test_disable_root_false_gives_root_the_documents_keys() -> None:
    m = _migrate(ROOT_KEYS)
    assert m.text is not None
    users = {u.name: u for u in _ignition(m.text).passwd.users}
    key = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAdmin admin@laptop",)
    assert (users["root"].ssh_authorized_keys, users["core"].ssh_authorized_keys) == (key, key)
    assert [d.line for d in m.report if d.severity == "warning"] == [3]
    for doc in (ROOT_KEYS.replace("false", "true"), ROOT_KEYS.replace("false", "~"),
                "#cloud-config\ndisable_root: false\n"):  # fmt: skip
        m = _migrate(doc)
        assert m.text is not None and m.report.errors == []
        assert "root" not in {u.name for u in _ignition(m.text).passwd.users}
        assert [d.message for d in m.report if d.path == ("disable_root",)]
    m = _migrate("#cloud-config\ndisable_root: 'no'\n")
    assert [(d.path, d.line) for d in m.report.errors] == [(("disable_root",), 2)]


@pytest.mark.parametrize(
    ("variant", "unit"),
    [
        ("fcos", "afterburn-sshkeys@core.service"),
        ("flatcar", "coreos-metadata-sshkeys@core.service"),
    ],
)
def test_allow_public_ssh_keys_false_masks_the_agent_of_the_clouds_keys(
    variant: str, unit: str
) -> None:
    m = _migrate("#cloud-config\nallow_public_ssh_keys: false\n", variant)
    assert m.text is not None
    units = {u.name: u for u in _ignition(m.text).systemd.units}
    assert units[unit].mask
    assert [(d.severity, d.line) for d in m.report] == [("warning", 2)]
    m = _migrate("#cloud-config\nallow_public_ssh_keys: true\n", variant)
    assert m.text is not None and _ignition(m.text).systemd.units == ()
    assert [d.severity for d in m.report] == ["info"]
    m = _migrate("#cloud-config\nallow_public_ssh_keys: 0\n", variant)
    assert [d.severity for d in m.report] == ["error"]


def test_a_primary_group_is_created_even_without_create_groups() -> None:
    m = _migrate(
        "#cloud-config\nusers:\n  - name: app\n    primary_group: apps\n    create_groups: false\n"
    )
    assert m.text is not None
    cfg = _ignition(m.text)
    assert [g.name for g in cfg.passwd.groups] == ["apps"]
    assert [u.primary_group for u in cfg.passwd.users] == ["apps"]
    [note] = [d for d in m.report if d.path == ("users", 0, "primary_group")]
    assert (note.severity, note.line, "primary group" in note.message) == ("info", 4, True)


def test_a_user_of_the_document_joins_its_group_with_a_warning() -> None:
    m = _migrate(WEB)
    [warning] = [d for d in m.report if d.path == ("groups", 1, "ops")]
    assert warning.severity == "warning" and "skipped deploy" in warning.message


def _unit_and_files(doc: str, variant: str = "fcos") -> tuple[Any, dict[str, Any], dict[str, Any]]:
    m = _migrate("#cloud-config\n" + doc, variant)
    assert m.text is not None, [str(d) for d in m.report]
    cfg = _ignition(m.text)
    return m, {u.name: u for u in cfg.systemd.units}, {f.path: f for f in cfg.storage.files}


def test_phone_home_posts_once_from_a_script_that_runs(tmp_path: Path) -> None:
    import subprocess

    from tests.servers import Reply, http_server

    with http_server() as srv:
        srv.route("*", Reply(200))
        doc = f"phone_home:\n  url: {srv.url}/up/$INSTANCE_ID/\n  post: [hostname, pub_key_rsa]\n  tries: 2\n"
        m, units, files = _unit_and_files(doc)
        script = _data(files["/usr/local/bin/cloud-init-phone-home"].contents)
        (tmp_path / "ph").write_bytes(script)
        run = subprocess.run(["sh", str(tmp_path / "ph")], capture_output=True, timeout=30)
        assert run.returncode == 0, run.stderr
        [req] = srv.requests
    iid = Path("/etc/machine-id").read_text().strip()
    assert (req.method, req.path) == ("POST", f"/up/{iid}/")
    assert (
        "ExecStart=/usr/local/bin/cloud-init-phone-home"
        in units["cloud-init-phone-home.service"].contents
    )
    assert [d.severity for d in m.report] == ["warning"]
    for bad in ("url: ftp://x/", "url: http://x/\n  tries: 0"):
        assert _migrate(f"#cloud-config\nphone_home:\n  {bad}\n").report.errors


def test_wireguard_keyboard_bootc_and_ec2_metadata_become_files_and_units() -> None:
    conf = "[Interface]\\nPrivateKey = x\\n"
    doc = (
        f'wireguard:\n  interfaces:\n    - {{name: wg0, config_path: /etc/wireguard/wg0.conf, content: "{conf}"}}\n'
        "  readinessprobe: ['ping -c1 10.0.0.1']\n"
        "keyboard: {layout: gb, variant: gb-extd}\n"
        "bootc: {image: quay.io/example/os:42}\n"
        "disable_ec2_metadata: true\n"
    )
    m, units, files = _unit_and_files(doc)
    assert files["/etc/wireguard/wg0.conf"].mode == 0o600
    assert units["wg-quick@wg0.service"].enabled
    assert "wg-quick@wg0.service" in units["cloud-init-wireguard-probe.service"].contents
    assert _data(files["/etc/vconsole.conf"].contents) == (
        b"KEYMAP=uk-extd\nXKBLAYOUT=gb\nXKBVARIANT=gb-extd\n"
    )
    assert "rpm-ostree rebase --reboot ostree-unverified-registry:quay.io/example/os:42" in (
        units["cloud-init-bootc.service"].contents
    )
    assert "ip route replace prohibit 169.254.169.254" in (
        units["cloud-init-disable-ec2-metadata.service"].contents
    )
    assert m.report.errors == []
    flatcar = _migrate("#cloud-config\n" + doc, "flatcar")
    assert [d.path for d in flatcar.report.errors] == [("bootc",)]
    for bad in (
        "wireguard:\n  interfaces:\n    - {name: 'a b', config_path: /x, content: y}\n",
        "keyboard: {layout: 'us; rm'}\n",
        "bootc: {image: '-x'}\n",
        "fips: true\n",
        "rhel: {fips_mode: true}\n",
    ):
        assert _migrate("#cloud-config\n" + bad).report.errors, bad
