"""Hostile input never crashes the frontend: only located diagnostics come out."""

from __future__ import annotations

import gzip

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloudinit.butane import to_butane
from cloudinit.convert import convert
from cloudinit.schema import STRUCTS
from cloudinit.validate import validate
from tests.unit.config.helpers import examples

SEED = b"""\
#cloud-config
hostname: fuzz-1
ssh_authorized_keys: [ssh-ed25519 AAAA a@b]
users:
  - name: ops
    groups: [wheel]
    passwd: $6$x$y
write_files:
  - path: /etc/a
    encoding: gz+b64
    permissions: 0644
    owner: core:core
    content: H4sIAAAAAAAC/0vKzEssqlRIr+ICAJFaf0QKAAAA
  - &f {path: /etc/b, content: "x\\ny"}
  - <<: *f
    path: /etc/c
coreos:
  etcd2: {name: n, proxy: "on", election_timeout: 1}
  update: {reboot-strategy: off}
  locksmith: {window_start: "Mon 1:00", window_length: 2h}
  units:
    - name: a.service
      command: start
      drop-ins: [{name: 10.conf, content: "[Service]\\n"}]
manage_etc_hosts: localhost
"""

_KEYS = sorted({f.key for fs in STRUCTS.values() for f in fs} | {"<<", "runcmd", "users"})
_SCALARS = st.one_of(
    st.sampled_from(
        [
            "yes",
            "0644",
            "0999",
            "~",
            "1.5",
            "on",
            "/usr/x",
            "$private_ipv4",
            "",
            "-",
            "start",
            "base64",
            "!!binary aGk=",
            "&a x",
            "*a",
            "'q'",
            '"\\x00"',
            "|",
        ]
    ),
    st.text(max_size=12),
    st.integers(),
)


def _check(data: bytes) -> None:
    v = validate(data)
    assert v.exit_code in (0, 1)
    for line in v.entries:
        assert line.startswith("line ")
    conv = convert(data, name="fuzz")
    for d in conv.report:
        assert d.line is not None, d
        assert d.column is not None, d
    to_butane(conv)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes_after_the_header(tail: bytes) -> None:
    _check(b"#cloud-config\n" + tail)


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(0, len(SEED)),
            st.integers(0, 8),
            st.text(alphabet="-:{}[]&*!|>#'\" \n\t\\ax0~<", max_size=6),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_mutated_documents(edits: list[tuple[int, int, str]]) -> None:
    data = SEED
    for pos, cut, text in edits:
        p = min(pos, len(data))
        data = data[:p] + text.encode() + data[p + cut :]
    _check(data)


def _yaml(value: object, indent: int = 0) -> str:
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "\n" + "\n".join(f"{pad}{k}: {_yaml(v, indent + 2)}" for k, v in value.items())
    if isinstance(value, list):
        if not value:
            return "[]"
        return "\n" + "\n".join(f"{pad}- {_yaml(v, indent + 2).lstrip()}" for v in value)
    return str(value)


_TREES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(_KEYS), inner, max_size=4),
    ),
    max_leaves=20,
)


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(_KEYS), _TREES, max_size=5))
def test_schema_shaped_documents_of_any_type(tree: dict[str, object]) -> None:
    _check(("#cloud-config" + _yaml(tree) + "\n").encode())


@settings(max_examples=examples(100), deadline=None)
@given(
    st.binary(max_size=200),
    st.sampled_from(["text/cloud-config", "text/x-shellscript", "application/gzip", "text/plain"]),
)
def test_multipart_messages(body: bytes, ctype: str) -> None:
    if ctype == "application/gzip":
        body = gzip.compress(body)
    data = (
        b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: '
        + ctype.encode()
        + b"\n\n"
        + body
        + b"\n--b--\n"
    )
    _check(data)
