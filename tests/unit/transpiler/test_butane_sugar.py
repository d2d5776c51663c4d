# ruff: noqa: E501, PT018
"""Butane sugar, each with its own small input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.unit.transpiler.helpers import butane, decode_source, messages, output
from transpiler.localfiles import OsFilesDir

HEAD = "variant: fcos\nversion: {v}\n"


def head(v: str = "1.5.0") -> str:
    return HEAD.format(v=v)


def test_inline_becomes_data_url_with_empty_compression() -> None:
    out = output(
        butane(
            head()
            + "storage:\n  files:\n    - path: /a\n      contents:\n        inline: hi there\n"
        )
    )
    contents = out["storage"]["files"][0]["contents"]
    assert contents == {"compression": "", "source": "data:,hi%20there"}


def test_long_inline_is_gzipped() -> None:
    text = "line of text\n" * 200
    yaml_text = head() + "storage:\n  files:\n    - path: /a\n      contents:\n        inline: |\n"
    yaml_text += "".join("          " + ln + "\n" for ln in text.splitlines())
    contents = output(butane(yaml_text))["storage"]["files"][0]["contents"]
    assert contents["compression"] == "gzip"
    assert decode_source(contents) == text.encode()


def test_user_compression_is_kept_and_not_recompressed() -> None:
    out = output(
        butane(
            head()
            + "storage:\n  files:\n    - path: /a\n      contents:\n        compression: gzip\n        inline: abc\n"
        )
    )
    assert out["storage"]["files"][0]["contents"] == {"compression": "gzip", "source": "data:,abc"}


def test_too_many_sources_is_located() -> None:
    r = butane(
        head()
        + "storage:\n  files:\n    - path: /a\n      contents:\n        inline: a\n        source: https://x/a\n"
    )
    assert r.failure is not None and r.failure.reason == "source config is invalid"
    [d] = r.report.errors
    assert d.path == ("storage", "files", 0, "contents", "source")
    assert (d.line, d.column) == (8, 17)


def test_local_file_and_escape(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "a.txt").write_text("local\n")
    (tmp_path / "secret").write_text("s")
    os.symlink("../secret", tmp_path / "files" / "link")
    fd = OsFilesDir(str(tmp_path / "files"))
    ok = butane(
        head() + "storage:\n  files:\n    - path: /a\n      contents:\n        local: a.txt\n",
        files=fd,
    )
    assert decode_source(output(ok)["storage"]["files"][0]["contents"]) == b"local\n"
    for rel in ("../secret", "link"):
        bad = butane(
            head() + f"storage:\n  files:\n    - path: /a\n      contents:\n        local: {rel}\n",
            files=fd,
        )
        assert messages(bad) == ["local file path traverses outside the files directory"]


def test_local_without_files_dir() -> None:
    r = butane(
        head() + "storage:\n  files:\n    - path: /a\n      contents:\n        local: a.txt\n"
    )
    assert "must be specified with -d/--files-dir" in messages(r)[0]


def test_trees_files_links_and_modes(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "run").write_text("#!/bin/sh\n")
    (root / "bin" / "run").chmod(0o755)
    (root / "conf").write_text("x=1\n")
    os.symlink("bin/run", root / "alias")
    out = output(
        butane(
            head() + "storage:\n  trees:\n    - local: tree\n      path: /opt\n",
            files=OsFilesDir(str(tmp_path)),
        )
    )
    files = {f["path"]: f for f in out["storage"]["files"]}
    assert files["/opt/bin/run"]["mode"] == 0o755
    assert files["/opt/conf"]["mode"] == 0o644
    assert out["storage"]["links"] == [{"path": "/opt/alias", "target": "bin/run"}]


def test_trees_collision_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "f").write_text("x")
    r = butane(
        head()
        + "storage:\n  files:\n    - path: /f\n      contents:\n        inline: y\n  trees:\n    - local: t\n",
        files=OsFilesDir(str(tmp_path)),
    )
    assert messages(r) == ["matching filesystem node has existing contents or different type"]


def test_with_mount_unit_generates_unit() -> None:
    out = output(
        butane(
            head()
            + "storage:\n  filesystems:\n    - device: /dev/disk/by-partlabel/var\n      path: /var\n      format: xfs\n      with_mount_unit: true\n"
        )
    )
    [unit] = out["systemd"]["units"]
    assert unit["name"] == "var.mount"
    assert unit["enabled"] is True
    assert "Where=/var\nWhat=/dev/disk/by-partlabel/var\nType=xfs\n" in unit["contents"]
    assert "systemd-fsck@dev-disk-by\\x2dpartlabel-var.service" in unit["contents"]


def test_with_mount_unit_requires_format() -> None:
    r = butane(
        head()
        + "storage:\n  filesystems:\n    - device: /dev/sda\n      path: /var\n      with_mount_unit: true\n"
    )
    assert messages(r) == ["format is required if with_mount_unit is true"]
    assert (r.report.entries[0].line, r.report.entries[0].column) == (5, 7)


def test_contents_local_and_ssh_keys_local(tmp_path: Path) -> None:
    (tmp_path / "u.service").write_text("[Service]\nExecStart=/bin/true\n")
    (tmp_path / "keys").write_text("ssh-ed25519 AAA one\n\nssh-ed25519 BBB two\n")
    text = head() + (
        "systemd:\n  units:\n    - name: u.service\n      contents_local: u.service\n"
        "passwd:\n  users:\n    - name: core\n      ssh_authorized_keys: [ssh-rsa X]\n"
        "      ssh_authorized_keys_local: [keys]\n"
    )
    out = output(butane(text, files=OsFilesDir(str(tmp_path))))
    assert out["systemd"]["units"][0]["contents"] == "[Service]\nExecStart=/bin/true\n"
    assert out["passwd"]["users"][0]["sshAuthorizedKeys"] == [
        "ssh-rsa X",
        "ssh-ed25519 AAA one",
        "ssh-ed25519 BBB two",
    ]


def test_quadlets_files_links_and_dropins() -> None:
    text = head("1.8.0-experimental") + (
        "systemd:\n  quadlets:\n    - name: web.container\n      contents: '[Container]'\n"
        "      dropins:\n        - name: 10-x.conf\n          contents: a\n"
        "    - name: t@a.container\n      rootful: true\n"
    )
    out = output(butane(text))
    paths = [f["path"] for f in out["storage"]["files"]]
    assert paths == [
        "/etc/containers/systemd/users/web.container",
        "/etc/containers/systemd/users/web.container.d/10-x.conf",
    ]
    assert out["storage"]["links"] == [
        {"path": "/etc/containers/systemd/t@a.container", "target": "t@.container"}
    ]


def test_kernel_arguments_and_filters() -> None:
    out = output(
        butane(head("1.4.0") + "kernel_arguments:\n  should_exist: [a]\n  should_not_exist: [b]\n")
    )
    assert out["kernelArguments"] == {"shouldExist": ["a"], "shouldNotExist": ["b"]}
    r = butane("variant: r4e\nversion: 1.1.0\nkernel_arguments:\n  should_exist: [a]\n")
    assert messages(r) == ["kernel argument customization is not supported in this spec version"]


def test_boot_device_mirror_and_luks() -> None:
    text = head("1.6.0") + (
        "boot_device:\n  layout: aarch64\n  luks:\n    tpm2: true\n  mirror:\n"
        "    devices: [/dev/vda, /dev/vdb]\n"
    )
    st = output(butane(text))["storage"]
    assert [p["label"] for p in st["disks"][0]["partitions"]] == [
        "reserved-1",
        "esp-1",
        "boot-1",
        "root-1",
    ]
    assert st["luks"][0]["device"] == "/dev/md/md-root"
    assert st["luks"][0]["clevis"] == {"tpm2": True}
    assert {
        "device": "/dev/mapper/root",
        "format": "xfs",
        "label": "root",
        "wipeFilesystem": True,
    } in st["filesystems"]


def test_boot_device_one_mirror_device_twice() -> None:
    r = butane(
        head("1.6.0") + "boot_device:\n  layout: x86_64\n  mirror:\n    devices: [/dev/vda]\n"
    )
    assert messages(r) == ["mirroring requires at least two devices"] * 2


def test_grub_users() -> None:
    out = output(
        butane(head() + "grub:\n  users:\n    - name: root\n      password_hash: grub.pbkdf2.x\n")
    )
    [f] = out["storage"]["files"]
    assert f["path"] == "/boot/grub2/user.cfg"
    assert (
        decode_source(f["append"][0])
        == b'# Generated by Butane\n\nset superusers="root"\npassword_pbkdf2 root grub.pbkdf2.x\n'
    )


@pytest.mark.parametrize(("mode", "warns"), [("644", True), ("0644", False), ("420", False)])
def test_decimal_mode_hint(mode: str, warns: bool) -> None:
    r = butane(head("1.6.0") + f"storage:\n  files:\n    - path: /a\n      mode: {mode}\n")
    hint = "unreasonable mode would be reasonable if specified in octal; remember to add a leading zero"
    assert (hint in messages(r)) is warns


def test_openshift_machine_config_and_restrictions() -> None:
    meta = "metadata:\n  name: n\n  labels:\n    machineconfiguration.openshift.io/role: worker\n"
    ok = butane("variant: openshift\nversion: 4.14.0\n" + meta + "openshift:\n  fips: true\n")
    assert ok.output is not None and ok.output.startswith(b"# Generated by Butane; do not edit\n")
    bad = butane(
        "variant: openshift\nversion: 4.14.0\n" + meta + "passwd:\n  users:\n    - name: alice\n"
    )
    assert 'users other than "core" are not supported in this spec version' in messages(bad)
    raw = butane(
        "variant: openshift\nversion: 4.14.0\n" + meta + "openshift:\n  fips: true\n", raw=True
    )
    assert messages(raw) == ["field ignored in raw mode"]


def test_duplicate_key_is_an_error_with_line() -> None:
    r = butane(head() + "storage:\n  files:\n    - path: /a\n      path: /b\n")
    assert r.failure is not None
    assert 'mapping key "path" already defined at line 5' in r.failure.reason


def test_embedded_config_errors_point_at_the_inline_value() -> None:
    text = head() + (
        "ignition:\n  config:\n    merge:\n"
        '      - inline: \'{"ignition": {"version": "3.4.0"}, "storage": {"files": [{"path": "rel"}]}}\'\n'
    )
    r = butane(text)
    [d] = r.report.errors
    assert d.message == "path not absolute"
    assert d.path == ("ignition", "config", "merge", 0, "inline")
    assert (d.line, d.column) == (6, 17)


def test_unknown_key_has_did_you_mean_hint() -> None:
    r = butane(head() + "storage:\n  disks:\n    - device: /dev/sda\n      wipeTable: true\n")
    assert messages(r) == ["unused key wipeTable"]
    assert r.hints == {0: 'did you mean "wipe_table"?'}


BAD_S390X_DEVICE = (
    "device name must start with /dev/dasd on s390x-eckd layout or /dev/sd on s390x-zfcp layout"
)


@pytest.mark.parametrize(("layout", "device", "ok"), [
    ("s390x-eckd", "/dev/sda", False),
    ("s390x-eckd", "/dev/dasdaa", False),
    ("s390x-eckd", "/dev/dasdb", True),
    ("s390x-eckd", "/dev/disk/by-path/x/dev/dasdc", True),  # the reference's pattern is not anchored at the start
    ("s390x-zfcp", "/dev/dasda", False),
    ("s390x-zfcp", "/dev/sdb", True),
])  # fmt: skip
def test_s390x_boot_device_names(layout: str, device: str, ok: bool) -> None:
    r = butane(
        head("1.6.0")
        + f"boot_device:\n  layout: {layout}\n  luks:\n    device: {device}\n    tpm2: true\n"
    )
    if ok:
        assert r.output is not None and not r.report.errors
        return
    [d] = r.report.errors
    assert (d.message, d.path) == (BAD_S390X_DEVICE, ("boot_device", "layout"))
    assert (d.line, d.column) == (4, 11)


def test_s390x_boot_device_required_at_the_layout() -> None:
    r = butane(head("1.6.0") + "boot_device:\n  layout: s390x-zfcp\n  luks:\n    tpm2: true\n")
    [d] = r.report.errors
    assert d.message == "device is required for layouts: s390x-eckd, s390x-zfcp"
    assert d.path == ("boot_device", "layout")


@pytest.mark.parametrize(("version", "source", "ok"), [
    ("4.14.0", "https://example.com/x", False),
    ("4.8.0", "s3://bucket/x", False),
    ("4.19.0", "DATA:,hello", True),  # the scheme is not case-sensitive
    ("4.19.0", "data:,hello", True),
])  # fmt: skip
def test_openshift_remote_sources_get_the_references_message(
    version: str, source: str, ok: bool
) -> None:
    meta = "metadata:\n  name: n\n  labels:\n    machineconfiguration.openshift.io/role: worker\n"
    r = butane(
        f"variant: openshift\nversion: {version}\n{meta}"
        f"storage:\n  files:\n    - path: /etc/x\n      contents:\n        source: {source}\n"
    )
    if ok:
        assert r.output is not None and not r.report.errors
        return
    [d] = r.report.errors
    assert d.message == "file contents source must be data URL in this spec version"
    assert d.path == ("storage", "files", 0, "contents", "source")


def test_openshift_http_headers_message() -> None:
    meta = "metadata:\n  name: n\n  labels:\n    machineconfiguration.openshift.io/role: worker\n"
    r = butane(
        f"variant: openshift\nversion: 4.14.0\n{meta}storage:\n  files:\n    - path: /etc/x\n"
        "      contents:\n        source: data:,x\n        http_headers:\n          - name: a\n            value: b\n"
    )
    assert messages(r) == ["file HTTP headers are not supported in this spec version"]
