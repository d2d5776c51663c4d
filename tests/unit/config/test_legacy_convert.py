"""Spec 2.x/1 → 3.1 translation (``legacy/convert.py``, ``legacy/v1.py``), its path maps, and
2.x appending (``legacy/append.py``)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from ignition.config import model as m
from ignition.config.legacy.append import append
from ignition.config.legacy.convert import PathMap, convert
from ignition.config.parse import parse
from ignition.config.report import Report
from tests.unit.config.helpers import located


def translate(doc: dict[str, Any] | str) -> m.Config:
    raw = doc if isinstance(doc, str) else json.dumps(doc)
    result = parse(raw.encode(), legacy=True)
    assert result.config is not None, [located(d) for d in result.report]
    assert not [
        d for d in result.report if d.message.startswith("deprecated") is False and d.is_error
    ]
    return result.config


def v2(version: str = "2.2.0", **sections: Any) -> dict[str, Any]:
    return {"ignition": {"version": version}, **sections}


def data(url: str | None) -> str:
    assert url is not None
    assert url.startswith("data:,")
    return unquote(url[len("data:,") :])


# --------------------------------------------------------------------------- ignition section


def test_ignition_section() -> None:
    ref = {"source": "https://h/a", "verification": {"hash": "sha512-" + "0" * 128}}
    cfg = translate(
        {
            "ignition": {
                "version": "2.4.0",
                "config": {
                    "append": [
                        ref,
                        {"source": "https://h/b", "httpHeaders": [{"name": "A", "value": "1"}]},
                    ],
                    "replace": {"source": "http://h/r"},
                },
                "timeouts": {"httpResponseHeaders": 5, "httpTotal": 50},
                "security": {"tls": {"certificateAuthorities": [{"source": "data:,ca"}]}},
                "proxy": {"httpProxy": "http://p", "httpsProxy": "", "noProxy": ["x"]},
            }
        }
    )
    ign = cfg.ignition
    assert ign.version == "3.7.0-experimental"
    assert ign.config.merge == (
        m.Resource(source="https://h/a", verification=m.Verification(ref["verification"]["hash"])),  # type: ignore[index]
        m.Resource(source="https://h/b", http_headers=(m.HTTPHeader("A", "1"),)),
    )
    assert ign.config.replace == m.Resource(source="http://h/r")
    assert ign.timeouts == m.Timeouts(http_response_headers=5, http_total=50)
    assert ign.security.tls.certificate_authorities == (m.Resource(source="data:,ca"),)
    assert ign.proxy == m.Proxy(http_proxy="http://p", https_proxy=None, no_proxy=("x",))


# --------------------------------------------------------------------------- filesystems, nodes


def test_filesystems_become_mount_paths() -> None:
    cfg = translate(
        v2(
            storage={
                "filesystems": [
                    {
                        "name": "data",
                        "mount": {
                            "device": "/dev/sdb",
                            "format": "xfs",
                            "label": "D",
                            "uuid": "u",
                            "options": ["-f"],
                            "wipeFilesystem": True,
                        },
                    },
                    {
                        "name": "oem",
                        "mount": {"device": "/dev/disk/by-label/OEM", "format": "ext4"},
                    },
                    {
                        "name": "scratch",
                        "mount": {
                            "device": "/dev/sdc",
                            "format": "ext4",
                            "create": {"force": True, "options": ["-q"]},
                        },
                    },
                    {"mount": {"device": "/dev/sdd", "format": "ext4"}},
                    {"name": "host", "path": "/sysroot/host"},
                ],
                "files": [
                    {"filesystem": "root", "path": "/etc/a", "mode": 420},
                    {"filesystem": "data", "path": "/b", "mode": 420},
                    {"filesystem": "oem", "path": "/grub.cfg", "mode": 420},
                    {"filesystem": "scratch", "path": "/c", "mode": 420},
                    {"filesystem": "host", "path": "/d", "mode": 420},
                ],
            }
        )
    )
    assert cfg.storage.filesystems == (
        m.Filesystem(
            device="/dev/sdb",
            format="xfs",
            label="D",
            uuid="u",
            options=("-f",),
            wipe_filesystem=True,
            path="/tmp/data-ign0",
        ),
        # Flatcar's OEM partition is btrfs unless the config wipes it
        m.Filesystem(device="/dev/disk/by-label/OEM", format="btrfs", path="/usr/share/oem"),
        # create{force} is wipeFilesystem, its options are mkfs options
        m.Filesystem(
            device="/dev/sdc",
            format="ext4",
            options=("-q",),
            wipe_filesystem=True,
            path="/tmp/scratch-ign2",
        ),
        # an unnamed filesystem is formatted, but not mounted: nothing refers to it
        m.Filesystem(device="/dev/sdd", format="ext4"),
    )
    assert [f.path for f in cfg.storage.files] == [
        "/etc/a",
        "/tmp/data-ign0/b",
        "/usr/share/oem/grub.cfg",
        "/tmp/scratch-ign2/c",
        "/sysroot/host/d",
    ]


def test_files_directories_links() -> None:
    cfg = translate(
        v2(
            "2.0.0",
            storage={
                "files": [
                    {
                        "filesystem": "root",
                        "path": "/a",
                        "mode": 420,
                        "contents": {"source": "data:,x", "compression": "gzip"},
                    },
                    {"filesystem": "root", "path": "/b", "mode": 0, "user": {"id": 5}},
                ]
            },
        )
    )
    a, b = cfg.storage.files
    # 2.x files overwrite by default; 2.0 owners were plain ids: unset means root
    assert a == m.File(
        path="/a",
        mode=420,
        overwrite=True,
        contents=m.Resource(source="data:,x", compression="gzip"),
        user=m.NodeUser(id=0),
        group=m.NodeGroup(id=0),
    )
    assert (b.mode, b.user, b.group, b.contents.source) == (
        0,
        m.NodeUser(id=5),
        m.NodeGroup(id=0),
        "",
    )

    cfg = translate(
        v2(
            storage={
                "files": [
                    {"filesystem": "root", "path": "/c", "overwrite": False, "user": {"name": ""}}
                ],
                "directories": [
                    {
                        "filesystem": "root",
                        "path": "/d",
                        "mode": 493,
                        "overwrite": True,
                        "group": {"name": "g"},
                    }
                ],
                "links": [
                    {"filesystem": "root", "path": "/l", "target": "/t", "hard": False},
                    {
                        "filesystem": "root",
                        "path": "/h",
                        "target": "/c",
                        "hard": True,
                        "overwrite": False,
                    },
                ],
            }
        )
    )
    assert cfg.storage.files == (
        m.File(path="/c", overwrite=False, contents=m.Resource(source="")),
    )
    assert cfg.storage.directories == (
        m.Directory(path="/d", mode=493, overwrite=True, group=m.NodeGroup(name="g")),
    )
    assert cfg.storage.links == (
        m.Link(path="/l", target="/t"),
        m.Link(path="/h", target="/c", hard=True, overwrite=False),
    )


def test_append_entries_fold_into_one_append_list() -> None:
    cfg = translate(
        v2(
            storage={
                "files": [
                    {
                        "filesystem": "root",
                        "path": "/etc/motd",
                        "mode": 420,
                        "append": True,
                        "contents": {"source": "data:,a"},
                    },
                    {
                        "filesystem": "root",
                        "path": "/etc/other",
                        "mode": 420,
                        "contents": {"source": "data:,o"},
                    },
                    {
                        "filesystem": "root",
                        "path": "/etc/motd",
                        "mode": 384,
                        "append": True,
                        "contents": {"source": "data:,b"},
                    },
                ]
            }
        )
    )
    motd, other = cfg.storage.files
    assert motd.path == "/etc/motd"
    assert motd.overwrite is False
    assert motd.mode == 420  # the first entry's
    assert motd.contents == m.Resource()
    assert [r.source for r in motd.append] == ["data:,a", "data:,b"]
    assert other.overwrite is True


def test_sectors_become_mib() -> None:
    cfg = translate(
        v2(
            "2.3.0",
            storage={
                "disks": [
                    {
                        "device": "/dev/sda",
                        "wipeTable": True,
                        "partitions": [
                            {
                                "number": 1,
                                "start": 2048,
                                "size": 1048576,
                                "label": "root",
                                "typeGuid": "",
                                "guid": "",
                            },
                        ],
                    },
                    {
                        "device": "/dev/sdc",
                        "partitions": [
                            {
                                "number": 2,
                                "startMiB": 600,
                                "sizeMiB": 0,
                                "wipePartitionEntry": True,
                                "shouldExist": True,
                            },
                        ],
                    },
                    {"device": "/dev/sdb", "partitions": [{"number": 9, "shouldExist": False}]},
                ]
            },
        )
    )
    assert cfg.storage.disks == (
        m.Disk(
            device="/dev/sda",
            wipe_table=True,
            partitions=(m.Partition(number=1, start_mib=1, size_mib=512, label="root"),),
        ),
        m.Disk(
            device="/dev/sdc",
            partitions=(
                m.Partition(
                    number=2,
                    start_mib=600,
                    size_mib=0,
                    wipe_partition_entry=True,
                    should_exist=True,
                ),
            ),
        ),
        m.Disk(device="/dev/sdb", partitions=(m.Partition(number=9, should_exist=False),)),
    )


def test_raid() -> None:
    cfg = translate(
        v2(
            storage={
                "raid": [
                    {
                        "name": "md",
                        "level": "raid1",
                        "devices": ["/dev/a"],
                        "spares": 0,
                        "options": ["-x"],
                    }
                ]
            }
        )
    )
    assert cfg.storage.raid == (
        m.Raid(name="md", level="raid1", devices=("/dev/a",), options=("-x",)),
    )


# --------------------------------------------------------------------------- units, passwd


def test_units_enable_and_enabled() -> None:
    cfg = translate(
        v2(
            systemd={
                "units": [
                    {"name": "a.service", "enable": True},
                    {"name": "b.service", "enable": True, "enabled": False},
                    {"name": "c.service", "enabled": True, "contents": "[Install]\nWantedBy=x\n"},
                    {
                        "name": "d.service",
                        "mask": False,
                        "contents": "",
                        "dropins": [{"name": "e.conf", "contents": ""}],
                    },
                    {"name": "f.service", "mask": True},
                ]
            }
        )
    )
    assert cfg.systemd.units == (
        m.Unit(name="a.service", enabled=True),
        m.Unit(name="b.service", enabled=False),  # enabled wins over enable
        m.Unit(name="c.service", enabled=True, contents="[Install]\nWantedBy=x\n"),
        m.Unit(name="d.service", dropins=(m.Dropin(name="e.conf"),)),
        m.Unit(name="f.service", mask=True),
    )


def test_networkd_units_become_files() -> None:
    text = "[Match]\nName=eth0\n\n[Network]\nDHCP=yes # 100%\n"
    cfg = translate(
        v2(
            networkd={
                "units": [
                    {
                        "name": "10-eth0.network",
                        "contents": text,
                        "dropins": [{"name": "mtu.conf", "contents": "[Link]\nMTUBytes=9000\n"}],
                    }
                ]
            }
        )
    )
    unit, dropin = cfg.storage.files
    assert (unit.path, unit.mode, unit.overwrite) == (
        "/etc/systemd/network/10-eth0.network",
        0o644,
        True,
    )
    assert data(unit.contents.source) == text
    assert dropin.path == "/etc/systemd/network/10-eth0.network.d/mtu.conf"
    assert data(dropin.contents.source) == "[Link]\nMTUBytes=9000\n"


def test_users_create_object_and_groups() -> None:
    cfg = translate(
        v2(
            "2.1.0",
            passwd={
                "users": [
                    {
                        "name": "a",
                        "create": {
                            "uid": 7,
                            "shell": "/bin/sh",
                            "groups": ["wheel"],
                            "system": True,
                            "gecos": "",
                        },
                    },
                    {
                        "name": "b",
                        "uid": 8,
                        "homeDir": "",
                        "noCreateHome": False,
                        "groups": [],
                        "passwordHash": "h",
                        "sshAuthorizedKeys": ["k"],
                    },
                ],
                "groups": [{"name": "g", "gid": 9, "passwordHash": "", "system": False}],
            },
        )
    )
    assert cfg.passwd.users == (
        m.PasswdUser(name="a", uid=7, shell="/bin/sh", groups=("wheel",), system=True),
        m.PasswdUser(name="b", uid=8, password_hash="h", ssh_authorized_keys=("k",)),
    )
    assert cfg.passwd.groups == (m.PasswdGroup(name="g", gid=9),)


def test_spec1() -> None:
    cfg = translate(
        {
            "ignitionVersion": 1,
            "storage": {
                "filesystems": [
                    {
                        "device": "/dev/sdb",
                        "format": "ext4",
                        "create": {"force": True, "options": ["-L", "X"]},
                        "files": [
                            {
                                "path": "/motd",
                                "contents": "hi there\n",
                                "mode": 420,
                                "uid": 1,
                                "gid": 2,
                            }
                        ],
                    }
                ]
            },
            "systemd": {"units": [{"name": "a.service", "enable": True}]},
        }
    )
    assert cfg.storage.filesystems == (
        m.Filesystem(
            device="/dev/sdb",
            format="ext4",
            options=("-L", "X"),
            wipe_filesystem=True,
            path="/tmp/_translate-filesystem-0-ign0",
        ),
    )
    [f] = cfg.storage.files
    assert (f.path, f.mode, f.user, f.group) == (
        "/tmp/_translate-filesystem-0-ign0/motd",
        420,
        m.NodeUser(id=1),
        m.NodeGroup(id=2),
    )
    assert data(f.contents.source) == "hi there\n"
    assert cfg.systemd.units == (m.Unit(name="a.service", enabled=True),)


# --------------------------------------------------------------------------- path maps


def test_translated_config_errors_are_located_in_the_2x_document() -> None:
    text = (
        '{"ignition": {"version": "2.2.0"},\n'
        ' "storage": {\n'
        '  "filesystems": [{"name": "d", "mount": {"device": "/dev/sdb/", "format": "ext4"}}],\n'
        '  "files": [{"filesystem": "d", "path": "/x/../y", "mode": 420},\n'
        '            {"filesystem": "root", "path": "/b", "mode": 420, "append": true,\n'
        '             "contents": {"source": "data:,1", "verification": {"hash": "sha512-x"}}}]},\n'
        ' "networkd": {"units": [{"name": "../x.network"}]}}\n'
    )
    result = parse(text.encode(), legacy=True)
    assert result.config is None
    assert [located(d) for d in result.report] == [
        ("error", "$.storage.filesystems.0.mount.device", 3, 53, "path is not fully simplified"),
        ("error", "$.storage.files.0.path", 4, 41, "path is not fully simplified"),
        (
            "error",
            "$.storage.files.1.contents.verification.hash",
            6,
            73,
            "incorrect size for hash sum",
        ),
        ("error", "$.networkd.units.0.name", 7, 34, "path is not fully simplified"),
    ]


def test_spec1_errors_are_located_in_the_spec1_document() -> None:
    text = (
        '{"ignitionVersion": 1, "storage": {"filesystems": [{"device": "/dev/sda/",\n'
        '  "format": "ext4", "files": [{"path": "/a/../b", "contents": "x", "mode": 420}]}]}}'
    )
    assert [located(d) for d in parse(text.encode(), legacy=True).report] == [
        (
            "warning",
            "$",
            1,
            2,
            "deprecated: config format deprecated (spec 1); translated to spec 3",
        ),
        ("error", "$.storage.filesystems.0.device", 1, 63, "path is not fully simplified"),
        ("error", "$.storage.filesystems.0.files.0.path", 2, 40, "path is not fully simplified"),
    ]


def test_path_map() -> None:
    pm = PathMap()
    pm.add(("storage", "files", 0), ("storage", "filesystems", 1, "files", 2))
    pm.add(("storage", "files", 0, "user"), ("storage", "filesystems", 1, "files", 2, "uid"))
    assert pm(("storage", "files", 0, "path")) == ("storage", "filesystems", 1, "files", 2, "path")
    assert pm(("storage", "files", 0, "user", "id")) == (
        "storage",
        "filesystems",
        1,
        "files",
        2,
        "uid",
        "id",
    )
    assert pm(("storage", "files", 1)) == ("storage", "files", 1)  # unmapped: itself


def test_convert_records_translation_errors_and_continues() -> None:
    tree = {
        "ignition": {"version": "2.2.0"},
        "storage": {
            "files": [{"filesystem": "x", "path": "/a"}, {"filesystem": "root", "path": "/b"}]
        },
    }
    r = Report()
    out = convert(tree, "2.2.0", r, PathMap())
    assert [(d.path, d.message) for d in r] == [
        (
            ("storage", "files", 0, "filesystem"),
            'unable to translate 2.x ignition to 3.1: filesystem "x" is not defined in this config',
        )
    ]
    assert out["storage"]["files"] == [
        {"path": "/b", "overwrite": True, "contents": {"source": ""}}
    ]


# --------------------------------------------------------------------------- 2.x append


def test_append_concatenates_lists_and_keeps_the_parent_version() -> None:
    parent = {
        "ignition": {
            "version": "2.2.0",
            "config": {"append": [{"source": "a"}]},
            "timeouts": {"httpTotal": 5},
        },
        "storage": {"files": [{"path": "/a"}], "disks": [{"device": "/dev/a"}]},
        "systemd": {"units": [{"name": "a.service", "enable": True}]},
    }
    child = {
        "ignition": {
            "version": "2.4.0",
            "config": {"replace": {"source": "r"}},
            "timeouts": {"httpResponseHeaders": 1},
        },
        "storage": {"files": [{"path": "/a", "mode": 1}], "disks": [{"device": "/dev/a"}]},
        "systemd": {"units": [{"name": "a.service", "mask": True}]},
        "passwd": {"users": [{"name": "u"}]},
    }
    out = append(parent, child)
    assert out == {
        "ignition": {
            "version": "2.2.0",
            "config": {"replace": {"source": "r"}},
            "timeouts": {"httpTotal": 5, "httpResponseHeaders": 1},
        },
        "storage": {
            "files": [{"path": "/a"}, {"path": "/a", "mode": 1}],  # no keys: both entries
            "disks": [{"device": "/dev/a"}, {"device": "/dev/a"}],
        },
        "systemd": {
            "units": [{"name": "a.service", "enable": True}, {"name": "a.service", "mask": True}]
        },
        "passwd": {"users": [{"name": "u"}]},
    }


def test_append_scalars_and_config() -> None:
    parent = {
        "ignition": {
            "version": "2.4.0",
            "config": {"replace": {"source": "p"}},
            "proxy": {"httpProxy": "http://p", "httpsProxy": "https://p", "noProxy": ["a"]},
        }
    }
    child = {
        "ignition": {"version": "2.4.0", "proxy": {"noProxy": ["b"]}},
        "storage": {"files": []},
    }
    out = append(parent, child)
    # the child's ignition.config replaces the parent's, even when absent
    assert "config" not in out["ignition"]
    # plain strings take the child's value, even unset
    assert out["ignition"]["proxy"] == {"httpProxy": "", "httpsProxy": "", "noProxy": ["a", "b"]}
    assert out["storage"] == {"files": []}
    # optional values are replaced only when the child sets them
    parent2 = {
        "storage": {"files": [{"path": "/a"}]},
        "passwd": {"users": [{"name": "u", "uid": 1}]},
    }
    child2: dict[str, Any] = {"passwd": None, "storage": {"files": None}}
    out2 = append(parent2, child2)
    assert out2["passwd"] == {"users": [{"name": "u", "uid": 1}]}
    assert out2["storage"] == {"files": [{"path": "/a"}]}
    assert out2["ignition"] == {"version": None}
