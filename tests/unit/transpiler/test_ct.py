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
