# ruff: noqa: E501, PT018, UP031
"""ct → Butane: ``butane`` of the converted file gives the config Flatcar's Ignition makes of
``ct`` of the original (spec 2.3 translated to 3.x by the project's own translation)."""

from __future__ import annotations

import base64
import gzip
import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudinit.migrate_ct import convert
from ignition.config import codec
from ignition.config.parse import parse
from tests.unit.transpiler import test_fuzz
from transpiler.butane.translate import translate as butane
from transpiler.ct.convert import translate as ct
from transpiler.localfiles import OsFilesDir


def _normal(tree: Any) -> Any:
    """A config tree with data: URLs decoded and gzip undone (encodings may differ)."""
    if isinstance(tree, dict):
        out = {k: _normal(v) for k, v in tree.items()}
        src = out.get("source")
        if isinstance(src, str) and src.startswith("data:"):
            meta, _, data = src[5:].partition(",")
            raw = (
                base64.b64decode(data)
                if meta.endswith(";base64")
                else urllib.parse.unquote_to_bytes(data)
            )
            if out.pop("compression", None) == "gzip":
                raw = gzip.decompress(raw)
            out["source"] = raw
        return out
    if isinstance(tree, list):
        return [_normal(v) for v in tree]
    return tree


def _config(raw: bytes) -> Any:
    result = parse(raw, legacy=True)
    assert result.config is not None, [str(d) for d in result.report]
    tree = codec.encode(result.config, omit_empty=True)
    tree["ignition"].pop("version", None)
    return _normal(tree)


def proof_differences(
    raw: bytes, *, platform: str = "", files_dir: str | None = None, strict: bool = True
) -> list[str] | None:
    """None when ct itself refuses the config; else how the two configs differ ([] = same)."""
    files = OsFilesDir(files_dir) if files_dir else None
    res = ct(raw, files=files, platform=platform)
    if res.output is None or res.parse_failed or res.convert.is_fatal:
        return None
    m = convert(raw, name="input.yaml", files=files, platform=platform)
    if parse(json.dumps(res.output).encode(), legacy=True).config is None:
        assert m.report.is_fatal  # Flatcar refuses ct's output: so does the conversion
        return None
    expected = _config(json.dumps(res.output).encode())
    assert m.text is not None, [str(d) for d in m.report]
    out = butane(m.text.encode(), files=files)
    assert out.output is not None, (out.failure, [str(d) for d in out.report], m.text)
    if strict:  # butane --strict accepts it
        assert not [d for d in out.report if d.severity != "info"], [str(d) for d in out.report]
    got = _config(out.output)
    if got == expected:
        return []
    return [
        f"{k}: ct {expected.get(k)!r} != butane {got.get(k)!r}"
        for k in sorted(set(got) | set(expected))
        if got.get(k) != expected.get(k)
    ]


# The ct inputs of the project's own tests (test_ct.py, test_cli.py, the fuzz seed) ...
OWN = [
    "storage:\n  files:\n    - path: /etc/motd\n      contents:\n        inline: hi!\n",
    "storage:\n  disks:\n    - device: /dev/sda\n      partitions:\n        - label: r\n          size: 1GB\n          type_guid: raid_partition\n",
    "flannel:\n  version: 0.7.1\n  kube_subnet_mgr: true\ndocker:\n  flags: [--debug]\nupdate:\n  group: Beta\nlocksmith:\n  reboot_strategy: etcd-lock\n",
    "Passwd:\n  users: []\n",
    "storage:\n  files:\n    - path: /a\n      mode: 0644\n      contents:\n        local: ok\n",
    "# nothing\n",
    test_fuzz.CT_SEED,
]
# ... and realistic ones covering every section.
NODE = """\
ignition:
  config:
    append:
      - source: https://config.example.net/extra.ign
        verification:
          hash:
            function: sha512
            sum: %s
  timeouts:
    http_response_headers: 20
    http_total: 600
  security:
    tls:
      certificate_authorities:
        - source: https://config.example.net/ca.pem
storage:
  disks:
    - device: /dev/vdb
      wipe_table: true
      partitions:
        - label: data
          number: 1
          size: 8GiB
          type_guid: linux_filesystem_data
        - label: scratch
          number: 2
          start: 9GiB
  raid:
    - name: mirror
      level: raid1
      devices: [/dev/vdc, /dev/vdd]
      spares: 0
  filesystems:
    - name: data
      mount:
        device: /dev/disk/by-partlabel/data
        format: ext4
        label: DATA
        wipe_filesystem: true
        options: [-E, lazy_itable_init=1]
    - name: opt
      path: /opt
  files:
    - path: /etc/sysctl.d/90-net.conf
      filesystem: root
      mode: 0644
      contents:
        inline: |
          net.core.somaxconn = 4096
          vm.swappiness = 10
    - path: /bin/helper
      filesystem: opt
      mode: 0755
      user:
        name: core
      group:
        id: 500
      contents:
        remote:
          url: https://downloads.example.net/helper
          verification:
            hash:
              function: sha512
              sum: %s
    - path: /etc/profile.d/site.sh
      filesystem: root
      append: true
      mode: 0644
      contents:
        inline: "export SITE=fra1\\n"
    - path: /var/lib/app/blob
      filesystem: root
      mode: 0600
      contents:
        remote:
          url: "data:;base64,H4sIAAAAAAAC/8tIzcnJBwCGphA2BQAAAA=="
          compression: gzip
  directories:
    - path: /var/lib/app
      filesystem: root
      mode: 0750
      user:
        id: 1000
  links:
    - path: /etc/localtime
      filesystem: root
      target: /usr/share/zoneinfo/Europe/Berlin
    - path: /var/lib/app/current
      filesystem: root
      target: /var/lib/app/blob
      hard: true
networkd:
  units:
    - name: 10-eth0.network
      contents: |
        [Match]
        Name=eth0

        [Network]
        Address=192.0.2.10/24
        Gateway=192.0.2.1
    - name: 20-bond.netdev
      contents: |
        [NetDev]
        Name=bond0
        Kind=bond
      dropins:
        - name: mode.conf
          contents: |
            [Bond]
            Mode=802.3ad
systemd:
  units:
    - name: app.service
      enabled: true
      contents: |
        [Unit]
        Description=The application
        After=network-online.target

        [Service]
        ExecStart=/opt/bin/helper serve

        [Install]
        WantedBy=multi-user.target
    - name: docker.service
      dropins:
        - name: 10-proxy.conf
          contents: |
            [Service]
            Environment=HTTP_PROXY=http://proxy.example.net:3128
    - name: update-engine.service
      mask: true
    - name: legacy.timer
      enable: true
      contents: |
        [Timer]
        OnCalendar=daily
        [Install]
        WantedBy=timers.target
passwd:
  users:
    - name: core
      ssh_authorized_keys:
        - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOps core@laptop
    - name: deploy
      password_hash: "$6$rounds=4096$saltsalt$hash"
      uid: 1001
      gecos: Deploy user
      home_dir: /home/deploy
      groups: [sudo, docker]
      shell: /bin/bash
    - name: svc
      create:
        uid: 990
        system: true
        no_create_home: true
        primary_group: svc
  groups:
    - name: svc
      gid: 990
      system: true
""" % ("a" * 128, "b" * 128)

CLUSTER = """\
etcd:
  version: 3.3.9
  name: "{HOSTNAME}"
  advertise_client_urls: "http://{PRIVATE_IPV4}:2379"
  initial_advertise_peer_urls: "http://{PRIVATE_IPV4}:2380"
  listen_client_urls: http://0.0.0.0:2379
  listen_peer_urls: "http://{PRIVATE_IPV4}:2380"
  discovery: https://discovery.etcd.io/0123456789abcdef
flannel:
  version: 0.10.0
  etcd_prefix: /coreos.com/network2
  network_config: '{"Network": "10.2.0.0/16", "Backend": {"Type": "vxlan"}}'
docker:
  flags:
    - --insecure-registry=registry.internal:5000
    - --log-opt=max-size=10m
update:
  group: stable
  server: https://updates.example.net/v1/update/
locksmith:
  reboot_strategy: etcd-lock
  window_start: Sun 05:00
  window_length: 2h
  group: workers
  etcd_endpoints: http://127.0.0.1:2379
"""

ETCD2 = 'etcd:\n  version: 2.3.7\n  name: old\n  data_dir: /var/lib/etcd2\nlocksmith:\n  reboot_strategy: "off"\n'


@pytest.mark.parametrize("clc", [*OWN, NODE, ETCD2], ids=lambda s: s.split("\n", 1)[0][:30])
def test_butane_of_the_conversion_equals_ct_of_the_original(clc: str, tmp_path: Path) -> None:
    (tmp_path / "ok").write_text("local file\n")
    diff = proof_differences(clc.encode(), files_dir=str(tmp_path))
    assert diff == [] or (diff is None and clc in (OWN[3], test_fuzz.CT_SEED)), diff


@pytest.mark.parametrize("platform", ["ec2", "packet", "custom"])
def test_platform_templating_is_carried_as_ct_generates_it(platform: str) -> None:
    assert proof_differences(CLUSTER.encode(), platform=platform) == []


def test_sugar_is_kept_readable_and_every_entry_says_where_it_comes_from(tmp_path: Path) -> None:
    (tmp_path / "motd").write_text("welcome\n")
    clc = NODE.replace("inline: |\n          net.core", "inline: |\n          net.core", 1)
    clc += "  \n"
    m = convert(clc.encode(), name="node.yaml")
    assert m.complete, [str(d) for d in m.report]
    assert m.text is not None
    doc = yaml.safe_load(m.text)
    assert (doc["variant"], doc["version"]) == ("flatcar", "1.0.0")
    files = {f["path"]: f for f in doc["storage"]["files"]}
    assert files["/etc/sysctl.d/90-net.conf"]["contents"] == {
        "inline": "net.core.somaxconn = 4096\nvm.swappiness = 10\n"
    }
    assert files["/etc/systemd/network/20-bond.netdev.d/mode.conf"]["contents"][
        "inline"
    ].startswith("[Bond]")
    assert files["/opt/bin/helper"]["contents"]["source"] == "https://downloads.example.net/helper"
    assert doc["storage"]["disks"][0]["partitions"][0]["size_mib"] == 8192
    assert "    # from storage.files[0] (line 44)\n    - path: /etc/sysctl.d/90-net.conf" in m.text
    assert (
        "# from networkd.units[1].dropins[0]" in m.text
        or "# from networkd.units[1] (line" in m.text
    )
    local = convert(b"storage:\n  files:\n    - path: /etc/motd\n      mode: 0644\n      contents:\n        local: motd\n",
                    name="x", files=OsFilesDir(str(tmp_path)))  # fmt: skip
    assert local.text is not None and "local: motd" in local.text


def test_sugar_sections_say_what_they_became() -> None:
    m = convert(CLUSTER.encode(), name="cluster.yaml", platform="ec2")
    assert m.text is not None
    assert "# from etcd (line 1): the etcd-member.service drop-in ct generates" in m.text
    assert "# from update (line 17): the /etc/coreos/update.conf ct generates" in m.text
    warnings = [d.message for d in m.report if d.severity == "warning"]
    assert any("coreos-metadata.service" in w for w in warnings)


def test_what_ct_drops_is_reported_not_carried() -> None:
    m = convert(
        b"storage:\n  filez: []\nsystemd:\n  units:\n    - name: a.service\n      mask: true\n",
        name="x.yaml",
    )
    assert not m.complete
    [e] = m.report.errors
    assert (e.line, e.path) == (2, ("storage", "filez"))
    assert "not carried over" in e.message


def test_a_config_ct_refuses_gives_no_butane() -> None:
    m = convert(b"storage:\n  files:\n    - path: etc/x\n      mode: 0644\n", name="x.yaml")
    assert m.text is None
    assert [(d.message, d.line) for d in m.report.errors] == [("path not absolute", 3)]
    bad = convert(b"etcd: [", name="x.yaml")
    assert bad.text is None and bad.report.is_fatal
