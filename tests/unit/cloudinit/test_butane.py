"""``ignition-convert``: Butane for migrating users, with what could not be carried over."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudinit.butane import to_butane
from cloudinit.convert import Metadata, convert
from cloudinit.yamlout import Octal, dump
from ignition.commands.convert import run
from ignition.config import model
from ignition.config.parse import parse, validate_tree
from ignition.config.urls import decode_data_url
from tests.unit.cloudinit import test_convert
from transpiler.butane.translate import translate

NODE = b"""\
#cloud-config
hostname: web-1
users:
  - name: deploy
    groups: [docker]
    ssh_authorized_keys:
      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5Deploy deploy@ci
write_files:
  - path: /etc/nginx/conf.d/site.conf
    permissions: "0640"
    owner: root:nginx
    content: |
      server {
        listen 80;
      }
  - path: /etc/app/key.bin
    encoding: b64
    content: AAEC/w==
coreos:
  units:
    - name: nginx.service
      command: start
      content: |
        [Service]
        ExecStart=/usr/bin/docker run --rm -p 80:80 nginx
"""


def test_butane_carries_everything_with_a_comment_per_entry() -> None:
    result = to_butane(convert(NODE, name="web.yaml"), source="web.yaml")
    assert result.complete
    doc = yaml.safe_load(result.text)
    assert (doc["variant"], doc["version"]) == ("flatcar", "1.1.0")
    files = {f["path"]: f for f in doc["storage"]["files"]}
    site = files["/etc/nginx/conf.d/site.conf"]
    assert site["mode"] == 0o640
    assert site["user"] == {"name": "root"}
    assert site["group"] == {"name": "nginx"}
    assert site["contents"]["inline"] == "server {\n  listen 80;\n}\n"
    assert files["/etc/app/key.bin"]["contents"]["source"] == "data:;base64,AAEC/w=="
    assert files["/etc/hostname"]["contents"]["inline"] == "web-1\n"
    users = {u["name"]: u for u in doc["passwd"]["users"]}
    assert users["deploy"]["groups"] == ["docker"]
    units = {u["name"]: u for u in doc["systemd"]["units"]}
    assert "docker run" in units["nginx.service"]["contents"]
    assert units["coreos-cloudinit-commands.service"]["enabled"] is True
    assert "    # from write_files[0] (line 9)\n    - path: /etc/nginx/conf.d/site.conf" in (
        result.text
    )
    assert "mode: 0640" in result.text


def test_what_was_not_carried_over_heads_the_file() -> None:
    doc = NODE + b"manage_etc_hosts: yes\n"
    result = to_butane(convert(doc, name="web.yaml"), source="web.yaml")
    assert not result.complete
    head = result.text.split("variant:", 1)[0]
    assert "# NOT CARRIED OVER (1); edit this file before using it:" in head
    assert "web.yaml:26:19: error: manage_etc_hosts: 'yes' is not supported" in head
    yaml.safe_load(result.text)  # still a valid document


def _cli(*args: str, stdin: bytes = b"") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = run(list(args), stdin=io.BytesIO(stdin), out=out, err=err)
    return rc, out.getvalue(), err.getvalue()


def test_cli_butane_from_stdin() -> None:
    rc, out, err = _cli(stdin=NODE)
    assert rc == 0
    assert err == (
        "ignition-convert: <stdin>: read as coreos-cloudinit's cloud-config "
        "(keys only coreos-cloudinit knows: coreos)\n"
    )
    assert yaml.safe_load(out)["variant"] == "flatcar"


def test_cli_ignition_output_is_a_valid_3_4_config(tmp_path: Path) -> None:
    src = tmp_path / "node.yaml"
    src.write_bytes(NODE)
    out_file = tmp_path / "node.ign"
    rc, out, _ = _cli("-to", "ignition", "-o", str(out_file), str(src))
    assert rc == 0
    assert out == ""
    tree = json.loads(out_file.read_text())
    assert tree["ignition"]["version"] == "3.4.0"
    cfg, report = validate_tree(tree, "3.4.0")
    assert cfg is not None
    assert not report.is_fatal


def test_cli_refuses_a_partial_ignition_config_but_writes_partial_butane(tmp_path: Path) -> None:
    src = tmp_path / "node.yaml"
    src.write_bytes(b"#cloud-config\nhostname: a\nwrite_files:\n  - path: /run/x\n")
    rc, out, err = _cli("-to", "ignition", str(src))
    assert (rc, out) == (1, "")
    assert "1 item(s) could not be carried over" in err
    rc, out, err = _cli(str(src))
    assert rc == 1
    assert "/etc/hostname" in out


def test_cli_substitutes_addresses_given_as_flags() -> None:
    doc = b"#cloud-config\ncoreos:\n  fleet:\n    public_ip: $public_ipv4\n"
    assert _cli(stdin=doc)[0] == 1
    rc, out, _ = _cli("-public-ipv4", "192.0.2.10", stdin=doc)
    assert rc == 0
    assert 'Environment="FLEET_PUBLIC_IP=192.0.2.10"' in out


def test_cli_strict_fails_on_warnings() -> None:
    doc = b"#cloud-config\nhostname: a\nruncmd: [ls]\n"
    assert _cli("-from", "coreos-cloudinit", stdin=doc)[0] == 0
    rc, _, err = _cli("-strict", "-from", "coreos-cloudinit", stdin=doc)
    assert rc == 1
    assert "a canonical cloud-init key" in err


def test_cli_usage() -> None:
    assert _cli("-to", "json")[0] == 2
    assert _cli("a", "b")[0] == 2
    assert _cli("/nonexistent/file")[0] == 1


def test_metadata_hostname_for_butane() -> None:
    conv = convert(b"#cloud-config\nmanage_etc_hosts: localhost\n", metadata=Metadata(hostname="h"))
    doc = yaml.safe_load(to_butane(conv).text)
    paths = {f["path"] for f in doc["storage"]["files"]}
    assert paths == {"/etc/hosts", "/etc/hostname"}


_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.text(min_size=1, max_size=10).filter(str.strip), _TEXT, max_size=5),
    st.lists(_TEXT, max_size=4),
)
def test_the_yaml_writer_round_trips_any_text(mapping: dict[str, str], items: list[str]) -> None:
    doc = {"a": mapping, "b": items, "c": {"nested": [{"k": v} for v in items]}}
    assert yaml.safe_load(dump(doc)) == doc


@pytest.mark.parametrize("mode", [0, 0o644, 0o4755, 0o1777])
def test_modes_are_written_in_octal(mode: int) -> None:
    assert yaml.safe_load(dump({"mode": Octal(mode)})) == {"mode": mode}


def _normal(cfg: model.Config) -> tuple[object, ...]:
    """A config with file contents decoded (Butane may encode them differently)."""
    files = []
    for f in cfg.storage.files:
        data = decode_data_url(f.contents.source or "data:,").data
        if f.contents.compression == "gzip":
            data = gzip.decompress(data)
        files.append((f.path, f.mode, f.user, f.group, f.overwrite, data))
    return (sorted(files, key=repr), cfg.storage.links, cfg.systemd.units, cfg.passwd.users)


@pytest.mark.parametrize(
    ("doc", "md"),
    [
        (NODE, Metadata()),
        (test_convert.CLUSTER_NODE, test_convert.MD),
        (test_convert.USERS, Metadata()),
        (test_convert._write_files_doc(), Metadata()),
        (test_convert._multipart(), Metadata()),
    ],
)
def test_the_butane_transpiles_back_to_the_same_config(doc: bytes, md: Metadata) -> None:
    conv = convert(doc, metadata=md)
    assert conv.config is not None
    result = translate(to_butane(conv).text.encode())
    assert result.ok, result.failure
    assert [d for d in result.report if d.severity != "info"] == []
    assert result.output is not None
    parsed = parse(result.output)
    assert parsed.config is not None
    assert _normal(parsed.config) == _normal(conv.config)
