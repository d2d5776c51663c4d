"""Merging a parent and a child config (docs/engine.md, "How two configs merge"; the rules in
``ignition/config/merge.py``)."""

from __future__ import annotations

import json
from typing import Any

from ignition.config import model as m
from ignition.config.merge import merge, merge_all
from ignition.config.parse import parse

H = "sha256-" + "0" * 64


def cfg(**sections: Any) -> m.Config:
    """A 3.6.0 config parsed from JSON (so merge sees exactly what the parser produces)."""
    doc = {"ignition": {"version": "3.6.0"}, **sections}
    result = parse(json.dumps(doc).encode(), legacy=False)
    assert result.config is not None, [d.message for d in result.report]
    return result.config


# --------------------------------------------------------------------------- objects, scalars


def test_identical_and_empty_sides() -> None:
    a = cfg(storage={"files": [{"path": "/a"}]})
    assert merge(a, a) == a
    assert merge(a, m.Config()) is a  # an entirely unset child yields the parent
    assert merge(m.Config(), a) is a  # and the other way round
    assert merge(m.Storage(), a.storage) is a.storage


def test_plain_scalar_takes_the_child_value_even_when_zero() -> None:
    parent = m.Ignition(version="3.6.0", timeouts=m.Timeouts(http_total=5))
    child = m.Ignition(version="", timeouts=m.Timeouts(http_total=9))
    assert merge(parent, child).version == ""


def test_optional_scalar_takes_the_child_value_only_when_set() -> None:
    parent = m.Timeouts(http_response_headers=10, http_total=60)
    assert merge(parent, m.Timeouts(http_total=0)) == m.Timeouts(
        http_response_headers=10, http_total=0
    )
    assert merge(parent, m.Timeouts(http_response_headers=3)) == m.Timeouts(
        http_response_headers=3, http_total=60
    )


def test_nested_objects_merge_field_by_field() -> None:
    parent = cfg(
        ignition={
            "version": "3.6.0",
            "config": {"replace": {"source": "https://a/x", "verification": {"hash": H}}},
            "proxy": {"httpProxy": "http://p", "noProxy": ["a"]},
        }
    )
    child = cfg(ignition={"version": "3.6.0", "proxy": {"httpsProxy": "https://q"}})
    ign = merge(parent, child).ignition
    assert ign.config.replace.source == "https://a/x"
    assert ign.config.replace.verification.hash == H
    assert ign.proxy == m.Proxy(http_proxy="http://p", https_proxy="https://q", no_proxy=("a",))


# --------------------------------------------------------------------------- keyed lists


def test_files_merge_by_path_and_append_concatenates() -> None:
    # what the reference does with these inputs (docs/engine.md, "How two configs merge")
    parent = cfg(
        storage={
            "files": [
                {
                    "path": "/a",
                    "contents": {"source": "data:,X"},
                    "mode": 420,
                    "append": [{"source": "data:,p"}],
                },
                {"path": "/keep", "mode": 384},
            ]
        }
    )
    child = cfg(
        storage={
            "files": [
                {"path": "/new"},
                {"path": "/a", "mode": 384, "append": [{"source": "data:,c"}]},
            ]
        }
    )
    files = merge(parent, child).storage.files
    assert [f.path for f in files] == ["/a", "/keep", "/new"]  # parent positions kept
    a = files[0]
    assert a.contents.source == "data:,X"
    assert a.mode == 384
    assert [r.source for r in a.append] == ["data:,p", "data:,c"]


def test_filesystem_options_concatenate() -> None:
    # what the reference does with these inputs (docs/engine.md, "How two configs merge")
    parent = cfg(
        storage={
            "filesystems": [
                {
                    "device": "/dev/x",
                    "format": "xfs",
                    "label": "L",
                    "options": ["-a"],
                    "mountOptions": ["ro"],
                }
            ]
        }
    )
    child = cfg(
        storage={
            "filesystems": [
                {"device": "/dev/x", "format": "ext4", "options": ["-b"], "mountOptions": ["ro"]}
            ]
        }
    )
    assert merge(parent, child).storage.filesystems == (
        m.Filesystem(
            device="/dev/x",
            format="ext4",
            label="L",
            options=("-a", "-b"),
            mount_options=("ro", "ro"),
        ),
    )


def test_option_lists_of_luks_and_raid_concatenate() -> None:
    parent = m.Storage(
        luks=(m.Luks(name="l", options=("--a",), open_options=("--o",)),),
        raid=(m.Raid(name="r", options=("-x",), devices=("/dev/a",)),),
    )
    child = m.Storage(
        luks=(m.Luks(name="l", options=("--a",), open_options=("--o", "--p")),),
        raid=(m.Raid(name="r", options=("-x",), devices=("/dev/b", "/dev/a")),),
    )
    out = merge(parent, child)
    assert out.luks[0].options == ("--a", "--a")
    assert out.luks[0].open_options == ("--o", "--p")  # a list of strings: union
    assert out.raid[0].options == ("-x", "-x")
    assert out.raid[0].devices == ("/dev/a", "/dev/b")


def test_keys_of_every_keyed_list() -> None:
    parent = m.Config(
        ignition=m.Ignition(
            config=m.IgnitionConfig(merge=(m.Resource(source="https://a"),)),
            security=m.Security(tls=m.TLS(certificate_authorities=(m.Resource(source="c"),))),
        ),
        passwd=m.Passwd(
            users=(m.PasswdUser(name="u", uid=1),), groups=(m.PasswdGroup(name="g", gid=1),)
        ),
        storage=m.Storage(
            disks=(m.Disk(device="/dev/a", wipe_table=True),),
            raid=(m.Raid(name="r", level="raid1"),),
            luks=(m.Luks(name="l", clevis=m.Clevis(tang=(m.Tang(url="t", thumbprint="1"),))),),
            filesystems=(m.Filesystem(device="/dev/f", format="xfs"),),
        ),
        systemd=m.Systemd(
            units=(m.Unit(name="a.service", enabled=True, dropins=(m.Dropin(name="d.conf"),)),)
        ),
    )
    child = m.Config(
        ignition=m.Ignition(
            config=m.IgnitionConfig(merge=(m.Resource(source="https://a", compression="gzip"),)),
            security=m.Security(
                tls=m.TLS(certificate_authorities=(m.Resource(source="c", compression="gzip"),))
            ),
        ),
        passwd=m.Passwd(
            users=(m.PasswdUser(name="u", shell="/bin/sh"),),
            groups=(m.PasswdGroup(name="g", system=True),),
        ),
        storage=m.Storage(
            disks=(m.Disk(device="/dev/a", partitions=(m.Partition(number=1),)),),
            raid=(m.Raid(name="r", spares=1),),
            luks=(m.Luks(name="l", clevis=m.Clevis(tang=(m.Tang(url="t", advertisement="{}"),))),),
            filesystems=(m.Filesystem(device="/dev/f", label="F"),),
        ),
        systemd=m.Systemd(
            units=(
                m.Unit(
                    name="a.service", mask=True, dropins=(m.Dropin(name="d.conf", contents="x"),)
                ),
            )
        ),
    )
    out = merge(parent, child)
    assert out.ignition.config.merge == (m.Resource(source="https://a", compression="gzip"),)
    assert out.ignition.security.tls.certificate_authorities == (
        m.Resource(source="c", compression="gzip"),
    )
    assert out.passwd.users == (m.PasswdUser(name="u", uid=1, shell="/bin/sh"),)
    assert out.passwd.groups == (m.PasswdGroup(name="g", gid=1, system=True),)
    assert out.storage.disks == (
        m.Disk(device="/dev/a", wipe_table=True, partitions=(m.Partition(number=1),)),
    )
    assert out.storage.raid == (m.Raid(name="r", level="raid1", spares=1),)
    assert out.storage.luks[0].clevis.tang == (m.Tang(url="t", thumbprint="1", advertisement="{}"),)
    assert out.storage.filesystems == (m.Filesystem(device="/dev/f", format="xfs", label="F"),)
    assert out.systemd.units == (
        m.Unit(
            name="a.service",
            enabled=True,
            mask=True,
            dropins=(m.Dropin(name="d.conf", contents="x"),),
        ),
    )


def test_unmatched_entries_are_kept_and_appended() -> None:
    parent = m.Systemd(units=(m.Unit(name="a.service"), m.Unit(name="b.service")))
    child = m.Systemd(units=(m.Unit(name="c.service"), m.Unit(name="a.service", enabled=False)))
    assert [(u.name, u.enabled) for u in merge(parent, child).units] == [
        ("a.service", False),
        ("b.service", None),
        ("c.service", None),
    ]


def test_partitions_merge_by_number_or_label() -> None:
    parent = m.Disk(
        device="/dev/a",
        partitions=(
            m.Partition(number=1, size_mib=10),
            m.Partition(label="data", size_mib=20),
            m.Partition(number=3, label="swap"),
            m.Partition(size_mib=1),  # neither number nor label: never matches
        ),
    )
    child = m.Disk(
        device="/dev/a",
        partitions=(
            m.Partition(number=1, label="boot"),
            m.Partition(label="data", start_mib=5),
            m.Partition(label="swap", size_mib=2),  # parent's swap is keyed by number 3
            m.Partition(size_mib=1),
        ),
    )
    assert merge(parent, child).partitions == (
        m.Partition(number=1, label="boot", size_mib=10),
        m.Partition(label="data", size_mib=20, start_mib=5),
        m.Partition(number=3, label="swap"),
        m.Partition(size_mib=1),
        m.Partition(label="swap", size_mib=2),
        m.Partition(size_mib=1),
    )


def test_nodes_share_one_key_space() -> None:
    parent = m.Storage(
        files=(m.File(path="/a", mode=1), m.File(path="/b")),
        directories=(m.Directory(path="/c"),),
        links=(m.Link(path="/d", target="/x"), m.Link(path="/e", target="/y")),
    )
    child = m.Storage(
        directories=(m.Directory(path="/b", mode=0o700),),  # replaces the parent's file /b
        links=(m.Link(path="/c", target="/z"), m.Link(path="/d", hard=True)),
        files=(m.File(path="/e"), m.File(path="/a", overwrite=True)),
    )
    out = merge(parent, child)
    assert out.files == (m.File(path="/a", mode=1, overwrite=True), m.File(path="/e"))
    assert out.directories == (m.Directory(path="/b", mode=0o700),)
    assert out.links == (m.Link(path="/d", target="/x", hard=True), m.Link(path="/c", target="/z"))


# --------------------------------------------------------------------------- string lists


def test_string_lists_are_unions_in_parent_order() -> None:
    parent = m.PasswdUser(name="u", groups=("wheel", "adm"), ssh_authorized_keys=("k1",))
    child = m.PasswdUser(
        name="u", groups=("docker", "wheel", "docker"), ssh_authorized_keys=("k2", "k1")
    )
    out = merge(parent, child)
    assert out.groups == ("wheel", "adm", "docker")
    assert out.ssh_authorized_keys == ("k1", "k2")
    assert merge(m.Proxy(no_proxy=("a", "b")), m.Proxy(no_proxy=("c", "a"))).no_proxy == (
        "a",
        "b",
        "c",
    )


def test_kernel_arguments_share_one_key_space() -> None:
    parent = m.KernelArguments(should_exist=("a", "b"), should_not_exist=("c", "d"))
    child = m.KernelArguments(should_exist=("c", "e", "a"), should_not_exist=("b",))
    assert merge(parent, child) == m.KernelArguments(
        should_exist=("a", "c", "e"), should_not_exist=("d", "b")
    )


# --------------------------------------------------------------------------- HTTP headers


def test_http_headers_merge_by_name_and_null_deletes() -> None:
    parent = m.Resource(
        source="https://h/x",
        http_headers=(
            m.HTTPHeader("A", "1"),
            m.HTTPHeader("B", "2"),
            m.HTTPHeader("C", "3"),
        ),
    )
    child = m.Resource(
        http_headers=(
            m.HTTPHeader("B", None),  # deletes B
            m.HTTPHeader("C", "30"),
            m.HTTPHeader("D", "4"),
            m.HTTPHeader("E", None),  # nothing to delete: not added either
        )
    )
    out = merge(parent, child)
    assert out.source == "https://h/x"
    assert out.http_headers == (
        m.HTTPHeader("A", "1"),
        m.HTTPHeader("C", "30"),
        m.HTTPHeader("D", "4"),
    )


def test_http_header_deletion_through_a_whole_config() -> None:
    headers = [{"name": "Authorization", "value": "x"}, {"name": "Keep", "value": "y"}]
    parent = cfg(
        storage={
            "files": [{"path": "/a", "contents": {"source": "https://h/a", "httpHeaders": headers}}]
        }
    )
    child = cfg(
        storage={
            "files": [
                {
                    "path": "/a",
                    "contents": {
                        "source": "https://h/a",
                        "httpHeaders": [{"name": "Authorization"}],
                    },
                }
            ]
        }
    )
    contents = merge(parent, child).storage.files[0].contents
    assert contents.http_headers == (m.HTTPHeader("Keep", "y"),)


# --------------------------------------------------------------------------- folding


def test_merge_all_folds_in_order() -> None:
    a = m.Config(ignition=m.Ignition(version="3.6.0", timeouts=m.Timeouts(http_total=1)))
    b = m.Config(ignition=m.Ignition(version="3.6.0", timeouts=m.Timeouts(http_total=2)))
    c = m.Config(storage=m.Storage(files=(m.File(path="/c"),)))
    out = merge_all([a, b, c])
    assert out.ignition.timeouts.http_total == 2
    assert out.storage.files == (m.File(path="/c"),)
    assert merge_all([a]) is a


def test_merge_does_not_recheck_duplicates() -> None:
    parent = m.Filesystem(device="/d", mount_options=("ro",))
    assert merge(parent, parent) == parent  # identical: taken as is
    child = m.Filesystem(device="/d", mount_options=("ro",), label="x")
    assert merge(parent, child).mount_options == ("ro", "ro")
