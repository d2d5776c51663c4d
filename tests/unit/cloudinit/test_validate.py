"""The validator: the reference's verdicts and report lines, plus true positions and paths."""

from __future__ import annotations

import gzip

import pytest

from cloudinit.convert import convert
from cloudinit.render import redacted
from cloudinit.validate import Kind, validate

BROKEN_NODE = b"""\
#cloud-config
hostname: worker-1
coreos:
  update:
    reboot-strategy: best-effort
  units:
    - name: docker.service
      enable: "true"
      command: launch
write_files:
  - path: /usr/local/bin/tool
    permissions: 0755
    content: "#!/bin/sh\\n"
  - path: /etc/data.bin
    encoding: base64
    content: "###"
users:
  - name: ops
    lock_passwd: false
    groups: docker
"""


def test_every_problem_with_the_references_line_and_message() -> None:
    v = validate(BROKEN_NODE)
    assert v.kind is Kind.CLOUD_CONFIG
    assert v.entries == [
        "line 5: error: invalid value best-effort",
        'line 8: warning: incorrect type for "enable" (want bool)',
        "line 9: error: invalid value launch",
        "line 11: error: file cannot be written to a read-only filesystem",
        'line 16: error: content cannot be decoded as "base64"',
        'line 19: warning: unrecognized key "lock_passwd"',
        'line 20: warning: incorrect type for "groups" (want []string)',
    ]
    assert v.exit_code == 1


def test_findings_carry_the_true_position_and_path() -> None:
    v = validate(BROKEN_NODE)
    where = {f.message: (f.pos, f.path) for f in v.findings}
    assert where["invalid value best-effort"] == ((5, 22), ("coreos", "update", "reboot_strategy"))
    assert where['incorrect type for "enable" (want bool)'] == (
        (8, 15),
        ("coreos", "units", 0, "enable"),
    )
    assert where['unrecognized key "lock_passwd"'] == ((19, 5), ("users", 0, "lock_passwd"))


def test_a_clean_node_has_no_entries() -> None:
    doc = b"""#cloud-config
hostname: worker-2
ssh_authorized_keys:
  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKey ops@example
coreos:
  etcd2:
    proxy: "on"
  update:
    reboot_strategy: off
  locksmith:
    window_start: Sun 1:30
    window_length: 1h30m
write_files:
  - path: /etc/sysctl.d/10-net.conf
    permissions: 0644
    content: net.core.somaxconn=1024
"""
    v = validate(doc)
    assert v.entries == [
        'line 6: warning: deprecated key "etcd2" (etcd2 is no longer shipped in Container Linux)'
    ]


def test_the_references_line_scan_is_reproduced_and_the_true_line_reported() -> None:
    # The reference looks for "owner:" from the list item down and stops inside the block
    # scalar (line 6); the key is really on line 7.
    doc = b"""#cloud-config
write_files:
  - path: /etc/app.conf
    content: |
      path: /srv
      owner: nobody
    owner: [root]
"""
    v = validate(doc)
    assert v.entries == ['line 6: warning: incorrect type for "owner" (want string)']
    assert v.findings[0].pos == (7, 12)


def test_keys_the_reference_cannot_find_print_line_0() -> None:
    v = validate(b"#cloud-config\n1: x\nyes: y\n")
    assert sorted(v.entries) == [
        'line 0: warning: unrecognized key "%!s(bool=true)"',
        'line 0: warning: unrecognized key "%!s(int=1)"',
    ]
    assert [f.pos for f in v.findings] == [(2, 1), (3, 1)]


def test_yaml_errors_and_the_references_follow_up() -> None:
    v = validate(b"#cloud-config\nusers:\n  - name: a\n   bad: [\n")
    assert v.entries[-1] == 'line 0: warning: incorrect type for "" (want struct)'
    assert v.entries[0].startswith("line 3: error: ")
    assert v.exit_code == 1


@pytest.mark.parametrize(("body", "key", "pos"), [
    (b"? {b: 2, a: 1}\n: x\n", "map[a:1 b:2]", (2, 3)),
    (b"? [1, 2.5, x, ~, true, [y]]\n: x\n", "[1 2.5 x <nil> true [true]]", (2, 3)),  # y: bool
    (b"? {o: {v: [0x10]}, m: ~}\n: x\n", "map[m:<nil> o:map[v:[16]]]", (2, 3)),
    (b"? {2: b, 10: a, true: t, s: s, 1.5: f, ~: z}\n: x\n",
     "map[<nil>:z true:t 1.5:f 2:b 10:a s:s]", (2, 3)),
    (b"l: &x [1]\nm:\n  ? *x\n  : 3\n", "[1]", (4, 5)),
    # Go decodes each key, then its value: a bad key in an earlier value comes first, and a
    # bad key inside a key before that key
    (b"users:\n  - name: a\n    ? [inner]\n    : 1\n? [outer]\n: 2\n", "[inner]", (4, 7)),
    (b"? {[k]: 1}\n: x\n", "[k]", (2, 4)),
])  # fmt: skip
def test_a_mapping_or_list_as_a_key_gets_the_references_message(
    body: bytes, key: str, pos: tuple[int, int]
) -> None:
    v = validate(b"#cloud-config\n" + body)
    assert v.entries == [
        f"line 1: error: invalid map key: {key}",
        'line 0: warning: incorrect type for "" (want struct)',
    ]
    assert v.findings[0].pos == pos
    assert v.exit_code == 1


def test_a_key_printed_in_the_error_is_cut_and_kept_out_of_logs() -> None:
    big = (
        b"a: &a " + b"x" * 5000 + b"\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n? [*b, *b, *b]\n: 1\n"
    )
    v = validate(b"#cloud-config\n" + big)
    [entry, _] = v.entries
    assert entry.startswith("line 1: error: invalid map key: [[xxx")
    assert entry.endswith("...")
    assert len(entry) < 1100
    [d] = convert(b"#cloud-config\n? {password: s3cret}\n: 1\n").report
    logged = redacted(d, "ud")
    assert logged.endswith("invalid map key: <redacted>")
    assert "s3cret" not in logged


def test_a_null_for_a_checked_key_crashes_the_reference_but_not_us() -> None:
    doc = b"#cloud-config\nwrite_files:\n  - path: /etc/a\n    permissions:\n"
    v = validate(doc)
    assert v.crash is not None
    assert v.entries == []  # the reference prints nothing but its crash
    assert v.exit_code == 1
    assert [f.message for f in v.findings] == ['incorrect type for "permissions" (want string)']


def test_the_deprecated_etcd_section_and_its_discovery_url() -> None:
    doc = b"#cloud-config\ncoreos:\n  etcd:\n    discovery: not a url\n    peers: a,b\n"
    assert validate(doc).entries == [
        'line 3: warning: deprecated key "etcd" (etcd is no longer shipped in Container Linux)',
        "line 4: warning: discovery URL is not valid",
    ]


def test_write_files_under_coreos() -> None:
    v = validate(b"#cloud-config\ncoreos:\n  write_files:\n    - path: /etc/x\n")
    assert sorted(v.entries) == [
        "line 3: info: write_files doesn't belong under coreos",
        'line 3: warning: unrecognized key "write_files"',
    ]


def test_undecodable_list_items_shift_the_typed_list() -> None:
    # go-yaml drops the string item from the typed list, so the validator compares the
    # second item with the third's typed values and misses its /usr path.
    doc = b"#cloud-config\nwrite_files:\n  - junk\n  - path: /usr/x\n  - path: /etc/y\n"
    assert validate(doc).entries == [
        'line 3: warning: incorrect type for "write_files[0]" (want struct)'
    ]


@pytest.mark.parametrize(
    ("data", "kind", "entries"),
    [
        (b"", Kind.EMPTY, []),
        (b"#!/bin/sh\nhostname: x\n", Kind.SCRIPT, []),
        (b'{"ignition": {"version": "3.4.0"}}', Kind.IGNITION, []),
        (b'{"ignitionVersion": 1}', Kind.IGNITION, []),
        (b'{"ignition": {"version": 3}}', Kind.UNRECOGNIZED, ["header"]),
        (b'{"ignitionVersion": "1"}', Kind.UNRECOGNIZED, ["header"]),
        (b"#cloud-config \t\r\nhostname: a\r\n", Kind.CLOUD_CONFIG, []),
        (b"\n#cloud-config\n", Kind.UNRECOGNIZED, ["header"]),
        (b"#Cloud-Config\n", Kind.UNRECOGNIZED, ["header"]),
        (b"\xef\xbb\xbf#cloud-config\n", Kind.UNRECOGNIZED, ["header"]),
        (b"#include\nhttps://example.com/a\n", Kind.UNRECOGNIZED, ["header"]),
    ],
)
def test_which_user_data_is_validated(data: bytes, kind: Kind, entries: list[str]) -> None:
    v = validate(data)
    assert v.kind is kind
    expect = ['line 1: error: must be "#cloud-config" or begin with "#!"'] if entries else []
    assert v.entries == expect


def test_gzip_is_looked_through() -> None:
    v = validate(gzip.compress(b"#cloud-config\nhostnme: a\n"))
    assert v.entries == ['line 2: warning: unrecognized key "hostnme"']


def test_undecompressable_gzip_validates_nothing_like_the_reference() -> None:
    v = validate(b"\x1f\x8b\x09garbage")
    assert v.kind is Kind.EMPTY
    assert v.exit_code == 0
    assert v.gunzip_error


def test_notes_for_what_the_reference_accepts_silently() -> None:
    v = validate(b"#cloud-config\nhostname: a\nhostname: b\n---\nhostname: c\n")
    assert v.entries == []
    assert v.analysis is not None
    notes = [n.message for n in v.analysis.notes]
    assert any(n.startswith("duplicate key") for n in notes)
    assert any("first YAML document" in n for n in notes)


def test_a_bad_gzip_checksum_still_validates_the_data_like_go() -> None:
    g = gzip.compress(b"#cloud-config\nhostnme: a\n")
    v = validate(g[:-8] + b"\0\0\0\0" + g[-4:])
    assert v.gunzip_error == "gzip: invalid checksum"
    assert v.entries == ['line 2: warning: unrecognized key "hostnme"']


def test_a_truncated_gzip_validates_what_was_decompressed() -> None:
    g = gzip.compress(b"#cloud-config\n" + b"hostname: a\n" * 2000)
    v = validate(g[: len(g) // 2])
    assert v.gunzip_error == "unexpected EOF"
    assert v.kind is Kind.CLOUD_CONFIG
