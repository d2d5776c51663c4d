"""Spec 2.x rules (``legacy/rules.py``) as ``--legacy`` reports them: each finding once,
at the 2.x path, whether it comes from a 2.x rule, the translation or the 3.x rules."""

from __future__ import annotations

from typing import Any

from tests.unit.config.helpers import Case, E, W, cases_param, check_case, positions

V20, V21, V22, V23, V24 = "2.0.0", "2.1.0", "2.2.0", "2.3.0", "2.4.0"
SHA512 = "sha512-" + "0" * 128
TRANSLATE = "unable to translate 2.x ignition to 3.1: "


def check(case: Case) -> None:
    check_case(case, legacy=True)


def file(**fields: Any) -> dict[str, Any]:
    return {"filesystem": "root", "path": "/etc/a", "mode": 0o644, **fields}


def files(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"storage": {"files": list(entries)}}


def ign(version: str, **fields: Any) -> dict[str, Any]:
    return {"ignition": {"version": version, **fields}}


F0 = "$.storage.files.0"
A0 = "$.ignition.config.append.0"

REFERENCE_CASES = [
    Case(
        "append http with hash",
        V20,
        ign(V20, config={"append": [{"source": "http://h/c", "verification": {"hash": SHA512}}]}),
    ),
    Case("data in 2.0", V20, files(file(contents={"source": "data:,x"}))),
    Case(
        "tftp and s3 in 2.1",
        V21,
        ign(V21, config={"append": [{"source": "tftp://h/c"}, {"source": "s3://b/c"}]}),
    ),
    Case(
        "tftp in 2.0",
        V20,
        ign(V20, config={"replace": {"source": "tftp://h/c"}}),
        [(E, "$.ignition.config.replace.source", "invalid url scheme")],
    ),
    Case(
        "ftp",
        V22,
        ign(V22, config={"append": [{"source": "ftp://h/c"}]}),
        [(E, f"{A0}.source", "invalid url scheme"), (E, A0, "invalid url scheme")],
    ),
    Case(
        "unparsable",
        V22,
        files(file(contents={"source": "http://h/%%"})),
        [(E, f"{F0}.contents.source", "unable to parse url")],
    ),
    Case(
        "bad data URL",
        V22,
        files(file(contents={"source": "data:text,x"})),
        [(E, f"{F0}.contents.source", "missing media type slash")],
    ),
    # Flatcar's 3.x accepts oem://, we do not after translation (V17)
    Case(
        "oem after translation (V17)",
        V22,
        ign(V22, config={"append": [{"source": "oem:///base.ign"}]}),
        [(E, A0, "invalid url scheme"), (E, f"{A0}.source", "invalid url scheme")],
    ),
    Case(
        "sha256",
        V24,
        files(file(contents={"source": "data:,x", "verification": {"hash": "sha256-" + "0" * 64}})),
        [(E, f"{F0}.contents.verification.hash", "unrecognized hash function")],
    ),
    Case(
        "short hash",
        V22,
        ign(V22, config={"replace": {"source": "http://h", "verification": {"hash": "sha512-00"}}}),
        [(E, "$.ignition.config.replace.verification.hash", "incorrect size for hash sum")],
    ),
    Case(
        "malformed hash",
        V22,
        ign(
            V22,
            security={
                "tls": {
                    "certificateAuthorities": [
                        {"source": "http://h", "verification": {"hash": "x"}}
                    ]
                }
            },
        ),
        [
            (
                E,
                "$.ignition.security.tls.certificateAuthorities.0.verification.hash",
                "malformed hash specifier",
            )
        ],
    ),
    Case(
        "headers",
        V24,
        files(
            file(contents={"source": "https://h/f", "httpHeaders": [{"name": "A", "value": "1"}]})
        ),
    ),
    Case(
        "headers with data source, duplicate and empty names",
        V24,
        files(
            file(
                contents={
                    "source": "data:,x",
                    "httpHeaders": [
                        {"name": "A", "value": "1"},
                        {"name": "A", "value": "2"},
                        {"name": ""},
                    ],
                }
            )
        ),
        [
            (E, f"{F0}.contents.httpHeaders", "cannot use HTTP headers with this source scheme"),
            (E, f"{F0}.contents.httpHeaders.1", 'Found duplicate HTTP header: "A"'),
            (E, f"{F0}.contents.httpHeaders.1", "duplicate entry defined"),
            (E, f"{F0}.contents.httpHeaders.2.name", "HTTP header name can't be empty"),
        ],
    ),
    Case(
        "headers are not a 2.3 field",
        V23,
        files(file(contents={"source": "https://h/f", "httpHeaders": []})),
        [(W, f"{F0}.contents.httpHeaders", "Config has unrecognized key: httpHeaders")],
    ),
    Case(
        "proxy",
        V24,
        ign(V24, proxy={"httpProxy": "http://p", "httpsProxy": "https://p", "noProxy": ["x"]}),
    ),
    Case(
        "bad proxies",
        V24,
        ign(V24, proxy={"httpProxy": "ftp://p", "httpsProxy": "http://p/%z"}),
        [
            (E, "$.ignition.proxy.httpProxy", "proxies must be http(s)"),
            (E, "$.ignition.proxy.httpsProxy", "unable to parse url"),
        ],
    ),
]


@cases_param(REFERENCE_CASES)
def test_references(case: Case) -> None:
    check(case)


# --------------------------------------------------------------------------- disks, raid

D0 = "$.storage.disks.0"
P0 = f"{D0}.partitions.0"
SIZE = "deprecated: size is deprecated; use sizeMiB instead"
START = "deprecated: start is deprecated; use startMiB instead"
GUID = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"
ZEROES = "shouldExist is false for a partition and other partition(s) has start or size 0"


def disk(version: str, *parts: dict[str, Any], device: str = "/dev/sda") -> dict[str, Any]:
    return {"storage": {"disks": [{"device": device, "partitions": list(parts)}]}}


DISK_CASES = [
    Case(
        "MiB partitions",
        V23,
        disk(V23, {"number": 1, "sizeMiB": 100, "startMiB": 1, "label": "x", "guid": GUID}),
    ),
    Case(
        "aligned sectors",
        V22,
        disk(V22, {"number": 1, "size": 4096, "start": 2048}),
        [(W, f"{P0}.size", SIZE), (W, f"{P0}.start", START)],
    ),
    Case(
        "relative device", V22, disk(V22, device="sda"), [(E, f"{D0}.device", "path not absolute")]
    ),
    Case(
        "unclean device: a 3.x rule after translation",
        V22,
        disk(V22, device="/dev//sda"),
        [(E, f"{D0}.device", "path is not fully simplified")],
    ),
    Case(
        "sectors and MiB in one partition and one disk",
        V23,
        disk(V23, {"number": 1, "size": 2048, "sizeMiB": 1}, {"number": 2, "start": 4096}),
        [
            (E, f"{D0}.partitions", "cannot mix MBs and sectors within a disk"),
            (E, P0, "cannot mix MBs and sectors within a disk"),
            (W, f"{P0}.size", SIZE),
            (W, f"{D0}.partitions.1.start", START),
        ],
    ),
    Case(
        "misaligned start",
        V22,
        disk(V22, {"number": 1, "start": 100}),
        [
            (W, f"{P0}.start", START),
            (E, f"{P0}.start", "partitions misaligned"),
            (
                E,
                f"{P0}.start",
                TRANSLATE + "start 100 is not a whole number of MiB (2048 sectors of 512 bytes); "
                "give it as startMiB",
            ),
        ],
    ),
    Case(
        "size not a whole MiB",
        V21,
        disk(V21, {"number": 1, "size": 1000}),
        [
            (W, f"{P0}.size", SIZE),
            (
                E,
                f"{P0}.size",
                TRANSLATE + "size 1000 is not a whole number of MiB (2048 sectors of 512 bytes); "
                "give it as sizeMiB",
            ),
        ],
    ),
    Case(
        "long label",
        V23,
        disk(V23, {"number": 1, "label": "x" * 37}),
        [(E, f"{P0}.label", "partition labels may not exceed 36 characters")],
    ),
    # a warning in 2.x, but an error of the translated 3.x config (as Flatcar's converter)
    Case(
        "label with colon",
        V23,
        disk(V23, {"number": 1, "label": "a:b"}),
        [
            (W, f"{P0}.label", "partition label will be truncated to text before the colon"),
            (E, f"{P0}.label", "partition label will be truncated to text before the colon"),
        ],
    ),
    Case(
        "bad guids",
        V23,
        disk(V23, {"number": 1, "guid": "x", "typeGuid": "y"}),
        [
            (E, f"{P0}.guid", 'doesn\'t match the form "01234567-89AB-CDEF-EDCB-A98765432101"'),
            (E, f"{P0}.typeGuid", 'doesn\'t match the form "01234567-89AB-CDEF-EDCB-A98765432101"'),
        ],
    ),
    Case(
        "numbers collide",
        V23,
        disk(V23, {"number": 1}, {"number": 1}),
        [
            (E, f"{D0}.partitions.1", "partition numbers collide"),
            (E, f"{D0}.partitions.1", "duplicate entry defined"),
        ],
    ),
    Case(
        "partition to delete next to a number-0 one",
        V23,
        disk(V23, {"number": 1, "shouldExist": False}, {"label": "x"}),
        [(E, f"{D0}.partitions", ZEROES)],
    ),
    Case(
        "partition to delete next to numbered ones",
        V23,
        disk(V23, {"number": 1, "shouldExist": False}, {"number": 2, "startMiB": 1, "sizeMiB": 1}),
    ),
]


@cases_param(DISK_CASES)
def test_disks(case: Case) -> None:
    check(case)


R0 = "$.storage.raid.0"

RAID_CASES = [
    Case(
        "raid1 with spares",
        V22,
        {
            "storage": {
                "raid": [
                    {"name": "md", "level": "raid1", "devices": ["/dev/a", "/dev/b"], "spares": 1}
                ]
            }
        },
    ),
    Case(
        "unknown level, relative device",
        V22,
        {"storage": {"raid": [{"name": "md", "level": "raid9", "devices": ["sdb"]}]}},
        [
            (E, f"{R0}.level", "unrecognized raid level"),
            (E, f"{R0}.devices.0", "path not absolute"),
        ],
    ),
    Case(
        "spares with raid0: the 2.x and the 3.x message",
        V22,
        {
            "storage": {
                "raid": [{"name": "md", "level": "raid0", "devices": ["/dev/a"], "spares": 1}]
            }
        },
        [
            (E, f"{R0}.spares", "spares unsupported for arrays with a level greater than 0"),
            (E, f"{R0}.level", "spares unsupported for linear and raid0 arrays"),
        ],
    ),
]


@cases_param(RAID_CASES)
def test_raid(case: Case) -> None:
    check(case)


# --------------------------------------------------------------------------- filesystems

FS = "$.storage.filesystems"
CREATE_DEPRECATED = "the create object has been deprecated in favor of mount-level options"


def filesystems(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"storage": {"filesystems": list(entries)}}


FS_CASES = [
    Case(
        "mount and path filesystems",
        V21,
        filesystems(
            {
                "name": "data",
                "mount": {"device": "/dev/sdb", "format": "xfs", "wipeFilesystem": True},
            },
            {"name": "host", "path": "/mnt/host"},
        ),
    ),
    Case(
        "redefining root",
        V22,
        filesystems({"name": "root", "mount": {"device": "/dev/sdb", "format": "ext4"}}),
        [
            (W, f"{FS}.0.name", 'Filesystem "root" shadows exising filesystem definition'),
            (E, f"{FS}.0.name", TRANSLATE + 'filesystem "root" cannot be redefined'),
        ],
    ),
    Case(
        "a name twice",
        V22,
        filesystems({"name": "d", "path": "/mnt/a"}, {"name": "d", "path": "/mnt/b"}),
        [(W, f"{FS}.1.name", 'Filesystem "d" shadows exising filesystem definition')],
    ),
    Case(
        "neither mount nor path",
        V22,
        filesystems({"name": "a"}),
        [(E, f"{FS}.0", "filesystem is missing mount or path")],
    ),
    Case(
        "mount and path, bad device and format",
        V22,
        filesystems({"name": "b", "path": "/x", "mount": {"device": "sdc", "format": "zfs"}}),
        [
            (E, f"{FS}.0", "filesystem has both mount and path defined"),
            (E, f"{FS}.0.mount.device", "path not absolute"),
            (E, f"{FS}.0.mount.format", "invalid filesystem format"),
        ],
    ),
    Case(
        "relative path",
        V22,
        filesystems({"name": "b", "path": "x"}),
        [(E, f"{FS}.0.path", "path not absolute")],
    ),
    Case(
        "create with force",
        V20,
        filesystems(
            {
                "name": "s",
                "mount": {
                    "device": "/dev/sdb",
                    "format": "ext4",
                    "create": {"force": True, "options": ["-q"]},
                },
            }
        ),
        [(W, f"{FS}.0.mount.create", CREATE_DEPRECATED)],
    ),
    Case(
        "create without force, with wipeFilesystem and options",
        V21,
        filesystems(
            {
                "name": "d",
                "mount": {
                    "device": "/dev/sdb",
                    "format": "ext4",
                    "wipeFilesystem": True,
                    "options": ["-x"],
                    "create": {"force": False},
                },
            }
        ),
        [
            (W, f"{FS}.0.mount.create", CREATE_DEPRECATED),
            (E, f"{FS}.0.mount.create", "cannot use both create object and wipeFilesystem"),
            (E, f"{FS}.0.mount.create", "cannot use both create object and mount-level options"),
            (
                E,
                f"{FS}.0.mount.create",
                TRANSLATE + "a create object without force:true has no spec 3 equivalent",
            ),
        ],
    ),
]


@cases_param(FS_CASES)
def test_filesystems(case: Case) -> None:
    check(case)


# --------------------------------------------------------------------------- nodes

NODE_CASES = [
    Case(
        "file, directory, link",
        V21,
        {
            "storage": {
                "files": [file()],
                "directories": [{"filesystem": "root", "path": "/d", "mode": 0o755}],
                "links": [{"filesystem": "root", "path": "/l", "target": "/d"}],
            }
        },
    ),
    Case(
        "no filesystem",
        V22,
        files({"path": "/a", "mode": 0o644}),
        [(E, f"{F0}.filesystem", "no filesystem specified")],
    ),
    Case(
        "undefined filesystem: fine in 2.x, not translatable",
        V22,
        files(file(filesystem="nope")),
        [
            (
                W,
                f"{F0}.filesystem",
                'File "/etc/a" references nonexistent filesystem "nope". '
                "(This is ok if it is defined in a referenced config)",
            ),
            (E, f"{F0}.filesystem", TRANSLATE + 'filesystem "nope" is not defined in this config'),
        ],
    ),
    Case("relative path", V22, files(file(path="a")), [(E, f"{F0}.path", "path not absolute")]),
    Case(
        "unclean path: a 3.x rule after translation",
        V22,
        files(file(path="/a/../b")),
        [(E, f"{F0}.path", "path is not fully simplified")],
    ),
    Case(
        "mode unset (V15)",
        V22,
        {
            "storage": {
                "files": [file(mode=None)],
                "directories": [{"filesystem": "root", "path": "/d"}],
            }
        },
        [
            (
                W,
                f"{F0}.mode",
                "permissions unset, defaulting to 0644 (the spec 2.x runtime used 0000)",
            ),
            (
                W,
                "$.storage.directories.0.mode",
                "permissions unset, defaulting to 0644 (the spec 2.x runtime used 0000)",
            ),
        ],
    ),
    Case(
        "append and overwrite",
        V22,
        files(file(append=True, overwrite=True, contents={"source": "data:,x"})),
        [(E, F0, "cannot set both append and overwrite to true")],
    ),
    Case(
        "compression",
        V22,
        files(file(contents={"source": "data:,x", "compression": "xz"})),
        [(E, f"{F0}.contents.compression", "invalid compression method")],
    ),
    Case(
        "two entries for one path",
        V22,
        files(file(), file(mode=0o600)),
        [
            (
                E,
                "$.storage.files.1",
                TRANSLATE + 'duplicate path "/etc/a" (spec 3 allows one entry per path)',
            )
        ],
    ),
    Case(
        "hard link owner: a 3.x warning after translation",
        V21,
        {
            "storage": {
                "links": [
                    {
                        "filesystem": "root",
                        "path": "/l",
                        "target": "/t",
                        "hard": True,
                        "user": {"id": 0},
                    }
                ]
            }
        },
        [(W, "$.storage.links.0.user.id", "user/group ignored for hard link")],
    ),
]


@cases_param(NODE_CASES)
def test_nodes(case: Case) -> None:
    check(case)


# --------------------------------------------------------------------------- units, passwd

U0 = "$.systemd.units.0"

UNIT_CASES = [
    Case(
        "units and network units",
        V22,
        {
            "systemd": {
                "units": [
                    {"name": "a.service", "enabled": True, "contents": "[Install]\nWantedBy=x\n"}
                ]
            },
            "networkd": {"units": [{"name": "a.network", "dropins": [{"name": "b.conf"}]}]},
        },
    ),
    Case(
        "bad unit",
        V22,
        {
            "systemd": {
                "units": [
                    {
                        "name": "a.txt",
                        "enable": True,
                        "contents": "[Unit",
                        "dropins": [{"name": "x", "contents": "[S"}],
                    }
                ]
            },
            "networkd": {"units": [{"name": "eth0.service"}]},
        },
        [
            (E, f"{U0}.name", "invalid systemd unit extension"),
            (W, f"{U0}.enable", "deprecated: enable is deprecated; use enabled instead"),
            (E, f"{U0}.contents", "invalid unit content: unable to find end of section"),
            (E, f"{U0}.dropins.0.name", "invalid systemd drop-in extension"),
            (E, f"{U0}.dropins.0.contents", "invalid unit content: unable to find end of section"),
            (E, "$.networkd.units.0.name", "invalid networkd unit extension"),
        ],
    ),
    Case(
        "a unit twice",
        V22,
        {"systemd": {"units": [{"name": "a.service"}, {"name": "a.service", "mask": True}]}},
        [(E, "$.systemd.units.1", TRANSLATE + 'duplicate unit "a.service"')],
    ),
]


@cases_param(UNIT_CASES)
def test_units(case: Case) -> None:
    check(case)


PASSWD_CASES = [
    Case("flat user", V21, {"passwd": {"users": [{"name": "u", "uid": 5, "groups": ["a"]}]}}),
    Case(
        "create and flat fields",
        V21,
        {
            "passwd": {
                "users": [
                    {
                        "name": "u",
                        "create": {"uid": 1},
                        "uid": 2,
                        "groups": ["a"],
                        "noCreateHome": False,
                    }
                ]
            }
        },
        [
            (
                W,
                "$.passwd.users.0.create",
                "the create object has been deprecated in favor of user-level options",
            ),
            (
                E,
                "$.passwd.users.0.uid",
                "cannot use both the create object and the user-level uid field",
            ),
            (
                E,
                "$.passwd.users.0.groups",
                "cannot use both the create object and the user-level groups field",
            ),
        ],
    ),
    Case(
        "unknown keys",
        V22,
        {"storage": {"filez": []}, "Passwd": {}},
        [
            (W, "$.storage.filez", "Config has unrecognized key: filez"),
            (W, "$.Passwd", "Config has unrecognized key: Passwd"),
        ],
    ),
]


@cases_param(PASSWD_CASES)
def test_passwd_and_unknown_keys(case: Case) -> None:
    check(case)


def test_type_errors_use_the_2x_go_types() -> None:
    raw = '{"ignition": {"version": "2.2.0"}, "storage": {"files": [{"mode": "644"}]}}'
    assert positions(raw, legacy=True) == [
        (
            "error",
            "-",
            1,
            72,
            "json: cannot unmarshal string into Go struct field Config.storage.files.0.mode "
            "of type int",
        )
    ]
