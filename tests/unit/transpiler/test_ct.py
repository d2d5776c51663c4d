# ruff: noqa: E501, PT018
"""The ct dialect: schema conversion, sugar sections, templating, report phases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from transpiler.ct.convert import CtResult, translate
from transpiler.dataurl import percent
from transpiler.localfiles import OsFilesDir


def ct(text: str, platform: str = "", files: OsFilesDir | None = None) -> CtResult:
    return translate(text.encode(), files=files, platform=platform)


def units(res: CtResult) -> dict[str, Any]:
    assert res.output is not None
    return {u["name"]: u for u in res.output["systemd"].get("units", [])}


def test_empty_config_is_minimal_with_a_warning() -> None:
    res = ct("# nothing\n")
    assert res.output is not None and res.output["ignition"]["version"] == "2.3.0"
    assert [d.message for d in res.parse] == ["Configuration is empty"]


def test_file_defaults_and_percent_encoding() -> None:
    res = ct("storage:\n  files:\n    - path: /etc/motd\n      contents:\n        inline: hi!\n")
    assert res.output is not None
    [f] = res.output["storage"]["files"]
    assert f == {"filesystem": "root", "path": "/etc/motd",
                 "contents": {"source": percent(b"hi!"), "verification": {}}, "mode": 0o644}  # fmt: skip
    assert [d.message for d in res.parse] == ["mode unspecified for file, defaulting to 0644"]


def test_partition_sizes_and_type_guid_alias() -> None:
    res = ct(
        "storage:\n  disks:\n    - device: /dev/sda\n      partitions:\n        - label: r\n          size: 1GB\n          type_guid: raid_partition\n"
    )
    assert res.output is not None
    part = res.output["storage"]["disks"][0]["partitions"][0]
    assert part == {
        "label": "r",
        "sizeMiB": 1024,
        "typeGuid": "a19d880f-05fc-4d3b-a006-743f0f84911e",
    }


def test_bad_dimension_fails_parse() -> None:
    res = ct(
        "storage:\n  disks:\n    - device: /dev/sda\n      partitions:\n        - label: r\n          size: 1000\n"
    )
    assert res.parse_failed


def test_etcd_options_and_templating() -> None:
    res = ct(
        "etcd:\n  version: 3.3.1\n  name: '{HOSTNAME}'\n  heartbeat_interval: 100\n", platform="ec2"
    )
    drop = units(res)["etcd-member.service"]["dropins"][0]["contents"]
    assert drop.startswith("[Unit]\nRequires=coreos-metadata.service\n")
    assert '--name="${COREOS_EC2_HOSTNAME}" \\\n  --heartbeat-interval=100' in drop
    assert 'Environment="ETCD_IMAGE_TAG=v3.3.1"' in drop


def test_templating_needs_a_platform_and_known_field() -> None:
    assert (
        ct("etcd:\n  name: '{HOSTNAME}'\n").error == "platform must be specified to use templating"
    )
    assert ct("etcd:\n  name: '{HOSTNAME}'\n", platform="azure").error == "unknown field"


def test_flannel_docker_update_locksmith() -> None:
    res = ct(
        "flannel:\n  version: 0.7.1\n  kube_subnet_mgr: true\n"
        "docker:\n  flags: [--debug]\n"
        "update:\n  group: Beta\n"
        "locksmith:\n  reboot_strategy: etcd-lock\n"
    )
    u = units(res)
    assert "--kube-subnet-mgr=true" in u["flanneld.service"]["dropins"][0]["contents"]
    assert (
        u["docker.service"]["dropins"][0]["contents"]
        == '[Service]\nEnvironment="DOCKER_OPTS=--debug"'
    )
    assert res.output is not None
    [f] = res.output["storage"]["files"]
    assert f["contents"]["source"] == percent(b'GROUP=beta\nREBOOT_STRATEGY="etcd-lock"')


@pytest.mark.parametrize(("lock", "msg"), [
    ("reboot_strategy: sometimes", "unknown reboot strategy"),
    ("window_start: Xyz 10:00\n  window_length: 1h", "unknown day in window start"),
    ("window_start: 10:00", "window-start and window-length must both be specified"),
])  # fmt: skip
def test_locksmith_checks(lock: str, msg: str) -> None:
    res = ct(f"locksmith:\n  {lock}\n")
    assert res.parse_failed
    assert msg in [d.message for d in res.parse]


def test_unknown_key_case_hint_and_duplicate_keys() -> None:
    res = ct("Passwd:\n  users: []\n")
    assert [d.message for d in res.parse] == [
        "Config has unrecognized key: Passwd",
        "Did you mean passwd instead of Passwd",
    ]
    dup = ct("storage: {}\nstorage: {}\n")
    assert dup.parse_failed
    assert dup.parse.errors[0].line == 2


def test_local_files_are_confined(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "ok").write_text("ok")
    (tmp_path / "secret").write_text("s")
    fd = OsFilesDir(str(tmp_path / "d"))
    ok = ct(
        "storage:\n  files:\n    - path: /a\n      mode: 0644\n      contents:\n        local: ok\n",
        files=fd,
    )
    assert ok.output is not None
    bad = ct(
        "storage:\n  files:\n    - path: /a\n      mode: 0644\n      contents:\n        local: ../secret\n",
        files=fd,
    )
    assert [d.message for d in bad.convert.errors] == [
        "local file path traverses outside the files directory"
    ]


def test_ignition_checks_are_positioned() -> None:
    res = ct("storage:\n  files:\n    - path: etc/x\n      mode: 0644\n")
    [d] = res.convert.errors
    assert (d.message, d.line, d.column) == ("path not absolute", 3, 13)


def test_anonymous_filesystem_has_no_name() -> None:
    res = ct(
        "storage:\n  filesystems:\n    - mount:\n        device: /dev/disk/by-label/ROOT\n"
        "        format: ext4\n        wipe_filesystem: true\n"
    )
    assert res.output is not None
    [fs] = res.output["storage"]["filesystems"]
    assert fs == {"mount": {"device": "/dev/disk/by-label/ROOT", "format": "ext4",
                            "wipeFilesystem": True}}  # fmt: skip
    assert not res.convert.errors


@pytest.mark.parametrize(("part", "at"), [
    ("type_guid: swap", (6, 22)),
    ("type_guid: 0FC63DAF-8483-4772-8E79-3D69D8477DE", (6, 22)),
    ("guid: '0fc63daf-8483-4772-8e79-3d69d8477de4\\n'", (6, 17)),
])  # fmt: skip
def test_partition_guids_must_be_guids_or_aliases(part: str, at: tuple[int, int]) -> None:
    res = ct(
        f"storage:\n  disks:\n    - device: /dev/sda\n      partitions:\n        - label: a\n          {part}\n"
    )
    [d] = res.convert.errors
    assert d.message == 'doesn\'t match the form "01234567-89AB-CDEF-EDCB-A98765432101"'
    assert (d.line, d.column) == at
    assert not res.parse_failed


def test_raid_level_must_be_known() -> None:
    res = ct(
        "storage:\n  raid:\n    - name: md0\n      level: raid7\n      devices: [/dev/sda1]\n"
        "    - name: md1\n      level: stripe\n      spares: 1\n      devices: [/dev/sdb1]\n"
        "    - name: md2\n      level: mirror\n      spares: 1\n      devices: [/dev/sdc1]\n"
    )
    assert [(d.message, d.line, d.column) for d in res.convert.errors] == [
        ("unrecognized raid level", 4, 14),
        ("spares unsupported for arrays with a level greater than 0", 7, 14),
    ]


def _etcd_dropin(res: CtResult) -> str:
    return str(units(res)["etcd-member.service"]["dropins"][0]["contents"])


@pytest.mark.parametrize(("version", "error"), [
    ("3.3.x", 'strconv.ParseInt: parsing "x": invalid syntax'),
    ("3.3.1.2", 'strconv.ParseInt: parsing "1.2": invalid syntax'),
    ("v3.3.0", 'strconv.ParseInt: parsing "v3": invalid syntax'),
    ("3..0", 'strconv.ParseInt: parsing "": invalid syntax'),
    ("3.3", "3.3 is not in dotted-tri format"),
    ("3.3-rc.1", "3.3 is not in dotted-tri format"),
    ("", " is not in dotted-tri format"),
    ("99999999999999999999.0.0", 'strconv.ParseInt: parsing "99999999999999999999": value out of range'),
])  # fmt: skip
def test_etcd_version_strings_parse_like_the_reference(version: str, error: str) -> None:
    res = ct(f"etcd:\n  version: '{version}'\n  name: n\n")
    assert res.parse_failed and res.error == error
    assert res.error_pos == (2, 12)


@pytest.mark.parametrize(("version", "tag", "flags", "entries"), [
    # leading zeros are numbers; the image tag is the version printed back
    ("03.3.01", "3.3.1", '--name="n" \\\n  --quota-backend-bytes=5', []),
    ("3.3.0-rc.1+b.2", "3.3.0-rc.1+b.2", '--name="n" \\\n  --quota-backend-bytes=5', []),
    ("3.2.0", "3.2.0", '--name="n"', ["Config has unrecognized key: quota_backend_bytes"]),
    ("3.7.2", "3.7.2", '--name="n" \\\n  --quota-backend-bytes=5',
     ["Etcd minor version specified is too new, only options available in the previous minor version will be accepted"]),
    ("2.4.0", "2.4.0", '--name="n"',
     ["Etcd minor version specified is too new, only options available in the previous minor version will be accepted",
      "Config has unrecognized key: quota_backend_bytes"]),
])  # fmt: skip
def test_etcd_versions_pick_the_reference_option_set(
    version: str, tag: str, flags: str, entries: list[str]
) -> None:
    res = ct(f"etcd:\n  version: {version}\n  name: n\n  quota_backend_bytes: 5\n")
    assert sorted(d.message for d in res.parse) == sorted(entries)
    drop = _etcd_dropin(res)
    assert f'Environment="ETCD_IMAGE_TAG=v{tag}"' in drop
    assert drop.endswith("$ETCD_OPTS \\\n  " + flags)


def test_etcd_prerelease_of_oldest_version_is_too_old() -> None:
    res = ct("etcd:\n  version: 2.3.0-rc.1\n  name: n\n")
    assert res.parse_failed
    assert [d.message for d in res.parse] == ["Etcd version specified is not valid (too old)"]


def test_etcd_null_version_is_the_default_without_image_tag() -> None:
    drop = _etcd_dropin(ct("etcd:\n  version:\n  metrics: basic\n  name: n\n"))
    assert "ETCD_IMAGE_TAG" not in drop
    assert drop.endswith('$ETCD_OPTS \\\n  --name="n"')  # 3.0 has no metrics option


def test_first_bad_version_in_document_order_wins() -> None:
    res = ct("flannel:\n  version: 0.x.0\netcd:\n  version: 3.y.0\n")
    assert res.error == 'strconv.ParseInt: parsing "x": invalid syntax'


@pytest.mark.parametrize("version", ["2.3.7", "3.0.0", "3.3.9"])
def test_deprecated_etcd_ca_files_are_dropped_with_a_warning(version: str) -> None:
    res = ct(
        f"etcd:\n  version: {version}\n  ca_file: /ca.pem\n  peer_ca_file: /p.pem\n  cert_file: /c.pem\n"
    )
    assert [(d.message, d.line) for d in res.parse] == [
        ("Config has unrecognized key: ca_file", 3),
        ("Config has unrecognized key: peer_ca_file", 4),
    ]
    assert "trusted_ca_file" in res.hints[0]
    drop = _etcd_dropin(res)
    assert "ca-file" not in drop and drop.endswith('--cert-file="/c.pem"')


@pytest.mark.parametrize(("yaml", "conf"), [
    ("update:\n  server: https://u.example/\n", b"\nSERVER=https://u.example/"),
    ("update:\n  group: stable\n  server: https://u.example/\n", b"GROUP=stable\nSERVER=https://u.example/"),
    ("update:\n  server: https://u.example/\nlocksmith:\n  reboot_strategy: 'off'\n",
     b'\nSERVER=https://u.example/\nREBOOT_STRATEGY="off"'),
])  # fmt: skip
def test_update_conf_lines(yaml: str, conf: bytes) -> None:
    res = ct(yaml)
    assert res.output is not None and not list(res.parse)
    [f] = res.output["storage"]["files"]
    assert f["contents"]["source"] == percent(conf)


def test_update_sections_that_set_nothing_write_no_file() -> None:
    res = ct("locksmith: {}\nupdate:\n  group: ''\n")
    assert res.output is not None and res.output["storage"] == {}


def test_flannel_versions_parse_like_etcd_versions() -> None:
    assert (
        ct("flannel:\n  version: 0.7.x\n").error == 'strconv.ParseInt: parsing "x": invalid syntax'
    )
    res = ct("flannel:\n  version: 00.07.1\n  kube_subnet_mgr: true\n")
    drop = units(res)["flanneld.service"]["dropins"][0]["contents"]
    assert 'Environment="FLANNEL_IMAGE_TAG=v0.7.1"' in drop
    assert drop.endswith("--kube-subnet-mgr=true")
    old = ct("flannel:\n  version: 0.5.0-rc.1\n")
    assert [d.message for d in old.parse] == ["Flannel version specified is not valid (too old)"]
