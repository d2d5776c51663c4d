"""Storage rules: disks and partitions, RAID, LUKS, filesystems, files/links cross checks."""

from __future__ import annotations

from typing import Any

from tests.unit.config.helpers import Case, E, W, cases_param, check_case, positions

V30, V31, V32, V33, V34, V35, V36, V37 = (
    "3.0.0",
    "3.1.0",
    "3.2.0",
    "3.3.0",
    "3.4.0",
    "3.5.0",
    "3.6.0",
    "3.7.0-experimental",
)
GUID = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"


def storage(**lists: Any) -> dict[str, Any]:
    return {"storage": lists}


def disk(*parts: dict[str, Any], **fields: Any) -> dict[str, Any]:
    d: dict[str, Any] = {"device": "/dev/vda", **fields}
    if parts:
        d["partitions"] = list(parts)
    return storage(disks=[d])


D0 = "$.storage.disks.0"
P = f"{D0}.partitions"

# --------------------------------------------------------------------------- disks / partitions

DISK_CASES = [
    Case("plain disk", V30, disk(wipeTable=True)),
    Case(
        "partitions",
        V32,
        disk(
            {"number": 1, "label": "boot", "sizeMiB": 100, "startMiB": 1, "typeGuid": GUID},
            {"label": "root", "sizeMiB": 0, "guid": GUID.lower(), "resize": True},
            {"number": 4, "shouldExist": True, "label": "x", "wipePartitionEntry": True},
        ),
    ),
    Case(
        "partition to delete next to fully placed ones",
        V36,
        disk(
            {"number": 3, "shouldExist": False},
            {"number": 4, "startMiB": 10, "sizeMiB": 10},
        ),
    ),
    Case(
        "partition to delete next to one without number, start or size (valid since 2.27)",
        V36,
        disk({"number": 3, "shouldExist": False}, {"label": "x"}),
    ),
    Case(
        "device missing",
        V36,
        storage(disks=[{"partitions": [{}]}]),
        [(E, f"{D0}.device", "disk device is required")],
    ),
    Case(
        "device empty stops further checks",
        V36,
        storage(disks=[{"device": "", "partitions": [{}]}]),
        [(E, f"{D0}.device", "disk device is required")],
    ),
    Case(
        "device relative",
        V36,
        storage(disks=[{"device": "vda"}]),
        [(E, f"{D0}.device", "path not absolute")],
    ),
    Case(
        "device unclean",
        V36,
        storage(disks=[{"device": "/dev//vda"}]),
        [(E, f"{D0}.device", "path is not fully simplified")],
    ),
    Case(
        "numbers collide",
        V36,
        disk({"number": 1}, {"number": 2}, {"number": 1}),
        [
            (E, f"{P}.2", "partition numbers collide"),
            (E, f"{P}.2", "duplicate entry defined"),
        ],
    ),
    Case(
        "overlap: reported at the other partition",
        V36,
        disk(
            {"number": 1, "startMiB": 10, "sizeMiB": 10},
            {"number": 2, "startMiB": 19, "sizeMiB": 10},
        ),
        [(E, f"{P}.1", "partitions overlap")],
    ),
    Case(
        "adjacent ranges do not overlap",
        V36,
        disk(
            {"number": 1, "startMiB": 10, "sizeMiB": 10},
            {"number": 2, "startMiB": 20, "sizeMiB": 10},
        ),
    ),
    Case(
        "size 0 counts as one MiB at the start",
        V36,
        disk(
            {"number": 1, "startMiB": 10, "sizeMiB": 0},
            {"number": 2, "startMiB": 10, "sizeMiB": 5},
        ),
        [(E, f"{P}.1", "partitions overlap")],
    ),
    Case(
        "start 0 is never checked for overlap",
        V36,
        disk(
            {"number": 1, "startMiB": 0, "sizeMiB": 10}, {"number": 2, "startMiB": 1, "sizeMiB": 5}
        ),
    ),
    Case(
        "same label twice",
        V36,
        disk({"label": "data"}, {"label": "data"}),
        [
            (E, f"{P}.1", "cannot use the same partition label twice"),
            (E, f"{P}.1", "duplicate entry defined"),
        ],
    ),
    Case(
        "same label with different numbers",
        V36,
        disk({"number": 1, "label": "data"}, {"number": 2, "label": "data"}),
        [(E, f"{P}.1", "cannot use the same partition label twice")],
    ),
    *[
        Case(
            f"shouldExist false with {key}",
            V36,
            disk({"number": 1, "shouldExist": False, key: value}),
            [(E, f"{P}.0", "shouldExist specified false with other options also specified")],
        )
        for key, value in (
            ("label", ""),
            ("typeGuid", GUID),
            ("guid", GUID),
            ("startMiB", 0),
            ("sizeMiB", 0),
        )
    ],
    Case(
        "shouldExist false with empty guid",
        V36,
        disk({"number": 1, "shouldExist": False, "guid": "", "wipePartitionEntry": True}),
    ),
    Case(
        "no number and no label",
        V36,
        disk({"sizeMiB": 10}),
        [(E, f"{P}.0", "a partition number >= 1 or a label must be specified")],
    ),
    Case("label of 36 bytes", V36, disk({"label": "é" * 18})),
    Case(
        "label of 37 bytes",
        V36,
        disk({"label": "a" + "é" * 18}),
        [(E, f"{P}.0.label", "partition labels may not exceed 36 characters")],
    ),
    Case(
        "label with colon",
        V36,
        disk({"label": "a:b"}),
        [(E, f"{P}.0.label", "partition label will be truncated to text before the colon")],
    ),
    Case(
        "bad typeGuid",
        V36,
        disk({"number": 1, "typeGuid": "linux"}),
        [(E, f"{P}.0.typeGuid", 'doesn\'t match the form "01234567-89AB-CDEF-EDCB-A98765432101"')],
    ),
    Case(
        "bad guid",
        V30,
        disk({"number": 1, "guid": GUID + "0"}),
        [(E, f"{P}.0.guid", 'doesn\'t match the form "01234567-89AB-CDEF-EDCB-A98765432101"')],
    ),
    Case(
        "empty guid is unset",
        V30,
        disk({"number": 1, "guid": "", "typeGuid": ""}),
    ),
    Case(
        "resize is not a 3.1 field",
        V31,
        disk({"number": 1, "resize": True}),
        [(W, f"{P}.0.resize", "unused key resize")],
    ),
    Case(
        "duplicate disks",
        V36,
        storage(disks=[{"device": "/dev/vda"}, {"device": "/dev/vdb"}, {"device": "/dev/vda"}]),
        [(E, "$.storage.disks.2", "duplicate entry defined")],
    ),
]


@cases_param(DISK_CASES)
def test_disks(case: Case) -> None:
    check_case(case)


# Ignition 2.27 dropped partitionsMixZeroesAndNonexistence from the 3.x specs (the 2.x rules and
# Butane keep it): deleting a partition next to number-0 or unplaced ones is valid in 3.x.


def test_deleted_partition_next_to_numbered_one_without_start() -> None:
    check_case(Case("", V36, disk({"number": 3, "shouldExist": False}, {"number": 4})))


def test_deleted_partition_next_to_one_without_number() -> None:
    check_case(
        Case(
            "",
            V36,
            disk({"number": 3, "shouldExist": False}, {"label": "x", "startMiB": 5, "sizeMiB": 5}),
        )
    )
    check_case(Case("", V30, disk({"number": 3, "shouldExist": False}, {"label": "y"})))


# --------------------------------------------------------------------------- RAID


def raid(**fields: Any) -> dict[str, Any]:
    return storage(raid=[{"name": "md0", "devices": ["/dev/vda1", "/dev/vdb1"], **fields}])


R = "$.storage.raid.0"

RAID_CASES = [
    *[Case(f"level {lvl}", V36, raid(level=lvl)) for lvl in ("raid1", "mirror", "10", "linear")],
    Case("spares with raid5", V30, raid(level="raid5", spares=1)),
    Case("spares 0 with raid0", V36, raid(level="raid0", spares=0)),
    Case("level missing in 3.3", V33, raid(), [(E, f"{R}.level", "raid level is required")]),
    Case("level empty in 3.6", V36, raid(level=""), [(E, f"{R}.level", "raid level is required")]),
    Case("level missing in 3.2", V32, raid(), [(E, f"{R}.level", "unrecognized raid level")]),
    Case("level empty in 3.0", V30, raid(level=""), [(E, f"{R}.level", "unrecognized raid level")]),
    Case("unknown level", V36, raid(level="raid7"), [(E, f"{R}.level", "unrecognized raid level")]),
    *[
        Case(
            f"spares with {lvl}",
            V36,
            raid(level=lvl, spares=1),
            [(E, f"{R}.level", "spares unsupported for linear and raid0 arrays")],
        )
        for lvl in ("linear", "raid0", "0", "stripe")
    ],
    Case(
        "no devices",
        V36,
        storage(raid=[{"name": "md0", "level": "raid1"}]),
        [(E, f"{R}.devices", "raid devices required")],
    ),
    Case(
        "device paths",
        V36,
        raid(level="raid1", devices=["vda", "/dev/vdb/", ""]),
        [
            (E, f"{R}.devices.0", "path not absolute"),
            (E, f"{R}.devices.1", "path is not fully simplified"),
            (E, f"{R}.devices.2", "path not specified"),
        ],
    ),
    Case(
        "duplicate device",
        V36,
        raid(level="raid1", devices=["/dev/a", "/dev/a"]),
        [(E, f"{R}.devices.1", "duplicate entry defined")],
    ),
    Case("repeated options are allowed", V36, raid(level="raid1", options=["--x", "--x"])),
    Case(
        "duplicate arrays",
        V36,
        storage(
            raid=[
                {"name": "md0", "level": "1", "devices": ["/dev/a"]},
                {"name": "md0", "level": "1", "devices": ["/dev/b"]},
            ]
        ),
        [(E, "$.storage.raid.1", "duplicate entry defined")],
    ),
]


@cases_param(RAID_CASES)
def test_raid(case: Case) -> None:
    check_case(case)


# --------------------------------------------------------------------------- LUKS


def luks(**fields: Any) -> dict[str, Any]:
    return storage(luks=[{"name": "data", "device": "/dev/vdb", **fields}])


L0 = "$.storage.luks.0"
C0 = f"{L0}.clevis"
CUSTOM_EXCL = "cannot use custom clevis config with tpm2, tang, or threshold"
TANG = {"url": "https://tang.example", "thumbprint": "abc"}

LUKS_CASES = [
    Case("plain", V32, luks()),
    Case(
        "all fields of 3.5",
        V35,
        luks(
            label="l",
            uuid="u",
            options=["--a", "--a"],
            openOptions=["--b"],
            discard=True,
            wipeVolume=True,
            keyFile={"source": "data:,secret"},
            clevis={"tang": [TANG], "tpm2": True, "threshold": 2},
        ),
    ),
    Case("luks is not a 3.1 field", V31, luks(), [(W, "$.storage.luks", "unused key luks")]),
    Case(
        "name with slash",
        V36,
        luks(name="a/b"),
        [(E, f"{L0}.name", "device names cannot contain slashes")],
    ),
    Case("label of 47 bytes", V36, luks(label="x" * 47)),
    Case(
        "label of 48 bytes",
        V36,
        luks(label="x" * 46 + "é"),
        [(E, f"{L0}.label", "luks device labels cannot be longer than 47 characters")],
    ),
    Case(
        "device missing",
        V36,
        storage(luks=[{"name": "data"}]),
        [(E, f"{L0}.device", "disk device is required")],
    ),
    Case("device relative", V36, luks(device="vdb"), [(E, f"{L0}.device", "path not absolute")]),
    Case(
        "key file with bad scheme",
        V36,
        luks(keyFile={"source": "ftp://h/k"}),
        [
            (E, f"{L0}.keyFile.source", "invalid url scheme"),
            (E, f"{L0}.keys", "invalid key-file source"),
        ],
    ),
    Case(
        "custom with tpm2 in 3.6",
        V36,
        luks(clevis={"custom": {"pin": "tpm2", "config": "{}"}, "tpm2": True}),
        [(E, C0, CUSTOM_EXCL)],
    ),
    Case(
        "custom with tang",
        V33,
        luks(clevis={"custom": {"pin": "tang", "config": "{}"}, "tang": [TANG]}),
        [(E, C0, CUSTOM_EXCL)],
    ),
    Case(
        "custom with threshold",
        V34,
        luks(clevis={"custom": {"pin": "sss", "config": "{}"}, "threshold": 1}),
        [(E, C0, CUSTOM_EXCL)],
    ),
    Case(
        "custom with threshold 0",
        V34,
        luks(clevis={"custom": {"pin": "sss", "config": "{}"}, "threshold": 0}),
    ),
    Case("empty custom with tpm2 in 3.3", V33, luks(clevis={"custom": {}, "tpm2": True})),
    # 3.2: custom is a pointer: any given object counts as set
    Case(
        "empty custom with tpm2 in 3.2",
        V32,
        luks(clevis={"custom": {}, "tpm2": True}),
        [(E, C0, CUSTOM_EXCL)],
    ),
    Case("null custom with tpm2 in 3.2", V32, luks(clevis={"custom": None, "tpm2": True})),
    Case(
        "null custom in 3.3 is a null object",
        V33,
        luks(clevis={"custom": None, "tpm2": True}),
        [(W, f"{C0}.custom", "custom is null: treated as empty")],
    ),
    Case(
        "custom needsNetwork only in 3.2 is not checked",
        V32,
        luks(clevis={"custom": {"needsNetwork": True}}),
    ),
    Case(
        "custom needsNetwork only in 3.3",
        V33,
        luks(clevis={"custom": {"needsNetwork": True}}),
        [
            (E, f"{C0}.custom.pin", "missing required custom clevis pin"),
            (E, f"{C0}.custom.config", "missing required custom clevis config"),
        ],
    ),
    Case(
        "custom without pin in 3.2",
        V32,
        luks(clevis={"custom": {"config": "{}"}}),
        [(E, f"{C0}.custom.pin", "unsupported clevis pin")],
    ),
    Case(
        "custom without pin in 3.3",
        V33,
        luks(clevis={"custom": {"config": "{}"}}),
        [(E, f"{C0}.custom.pin", "missing required custom clevis pin")],
    ),
    Case(
        "custom without config",
        V32,
        luks(clevis={"custom": {"pin": "tpm2"}}),
        [(E, f"{C0}.custom.config", "missing required custom clevis config")],
    ),
    Case(
        "custom with unknown pin in 3.5",
        V35,
        luks(clevis={"custom": {"pin": "yubikey", "config": "{}"}}),
        [(E, f"{C0}.custom.pin", "unsupported clevis pin")],
    ),
    Case(
        "custom with unknown pin in 3.6",
        V36,
        luks(clevis={"custom": {"pin": "yubikey", "config": "{}", "needsNetwork": False}}),
    ),
    Case(
        "tang with bad scheme",
        V36,
        luks(clevis={"tang": [{"url": "ftp://t", "thumbprint": "x"}]}),
        [(E, f"{C0}.tang.0.url", "invalid url scheme")],
    ),
    Case(
        "tang unparsable",
        V36,
        luks(clevis={"tang": [{"url": "http://t/%", "thumbprint": "x"}]}),
        [(E, f"{C0}.tang.0.url", "unable to parse url")],
    ),
    Case(
        "tang without thumbprint",
        V36,
        luks(clevis={"tang": [{"url": "http://t"}]}),
        [(E, f"{C0}.tang.0.thumbprint", "thumbprint is required")],
    ),
    Case(
        "tang advertisement",
        V34,
        luks(clevis={"tang": [{**TANG, "advertisement": '{"payload": "x"}'}]}),
    ),
    Case(
        "tang advertisement not JSON",
        V34,
        luks(clevis={"tang": [{**TANG, "advertisement": "{payload"}]}),
        [(E, f"{C0}.tang.0.advertisement", "advertisement is not valid JSON")],
    ),
    Case(
        "tang advertisement nested past the decoder's depth",
        V34,
        luks(clevis={"tang": [{**TANG, "advertisement": "[" * 100_000}]}),
        [(E, f"{C0}.tang.0.advertisement", "advertisement is not valid JSON")],
    ),
    Case(
        "advertisement is not a 3.3 field",
        V33,
        luks(clevis={"tang": [{**TANG, "advertisement": "{}"}]}),
        [(W, f"{C0}.tang.0.advertisement", "unused key advertisement")],
    ),
    Case(
        "duplicate tang servers",
        V36,
        luks(clevis={"tang": [TANG, TANG]}),
        [(E, f"{C0}.tang.1", "duplicate entry defined")],
    ),
    Case("cex", V35, luks(cex={"enabled": True})),
    Case(
        "cex with tpm2",
        V35,
        luks(cex={"enabled": True}, clevis={"tpm2": True}),
        [(E, f"{L0}.cex", "cannot use cex with clevis")],
    ),
    Case(
        "cex with custom",
        V36,
        luks(cex={"enabled": True}, clevis={"custom": {"pin": "tpm2", "config": "{}"}}),
        [(E, f"{L0}.cex", "cannot use cex with clevis")],
    ),
    Case(
        "cex with key file",
        V35,
        luks(cex={"enabled": True}, keyFile={"source": "data:,k"}),
        [(E, f"{L0}.cex", "cannot use key file with cex")],
    ),
    Case("cex disabled with tpm2", V35, luks(cex={"enabled": False}, clevis={"tpm2": True})),
    Case("cex is not a 3.4 field", V34, luks(cex={}), [(W, f"{L0}.cex", "unused key cex")]),
    Case(
        "duplicate openOptions",
        V34,
        luks(openOptions=["--x", "--x"]),
        [(E, f"{L0}.openOptions.1", "duplicate entry defined")],
    ),
    Case(
        "duplicate names",
        V36,
        storage(luks=[{"name": "a", "device": "/dev/x"}, {"name": "a", "device": "/dev/y"}]),
        [(E, "$.storage.luks.1", "duplicate entry defined")],
    ),
]


@cases_param(LUKS_CASES)
def test_luks(case: Case) -> None:
    check_case(case)


# --------------------------------------------------------------------------- filesystems


def fs(**fields: Any) -> dict[str, Any]:
    return storage(filesystems=[{"device": "/dev/vdb1", **fields}])


FS = "$.storage.filesystems.0"
FORMAT_REQUIRED = (
    "format cannot be empty when path, label, uuid, wipeFilesystem, options, or mountOptions "
    "is specified"
)
NON_BLOCK = "for non-block-device filesystems"

FS_CASES = [
    Case("device only", V30, fs()),
    Case(
        "every field",
        V31,
        fs(
            format="xfs",
            path="/var",
            label="var",
            uuid="u",
            wipeFilesystem=True,
            options=["-f", "-f"],
            mountOptions=["ro", "ro"],
        ),
    ),
    *[
        Case(
            f"{key} without format",
            V36,
            fs(**{key: value}),
            [(E, f"{FS}.format", FORMAT_REQUIRED)],
        )
        for key, value in (
            ("path", "/var"),
            ("uuid", "u"),
            ("wipeFilesystem", True),
            ("options", ["-f"]),
            ("mountOptions", ["ro"]),
        )
    ],
    Case(
        "label without format",
        V36,
        fs(label="x", format=""),
        [
            (E, f"{FS}.format", FORMAT_REQUIRED),
            (E, f"{FS}.label", "filesystem must specify format if label is specified"),
        ],
    ),
    Case("wipeFilesystem false without format", V36, fs(wipeFilesystem=False, options=[])),
    Case(
        "unknown format", V36, fs(format="zfs"), [(E, f"{FS}.format", "invalid filesystem format")]
    ),
    Case("none in 3.2", V32, fs(format="none"), [(E, f"{FS}.format", "invalid filesystem format")]),
    Case("none in 3.3", V33, fs(format="none")),
    *[
        Case(f"label of {n} bytes for {fmt}", V36, fs(format=fmt, label="L" * n))
        for fmt, n in (("ext4", 16), ("btrfs", 256), ("xfs", 12), ("swap", 15), ("vfat", 11))
    ],
    *[
        Case(
            f"label of {n + 1} bytes for {fmt}",
            V36,
            fs(format=fmt, label="L" * (n + 1)),
            [
                (
                    E,
                    f"{FS}.label",
                    f"filesystem labels cannot be longer than {n} characters when using {fmt}",
                )
            ],
        )
        for fmt, n in (("ext4", 16), ("btrfs", 256), ("xfs", 12), ("swap", 15), ("vfat", 11))
    ],
    Case("any label length for none", V36, fs(format="none", label="L" * 300)),
    Case("device relative", V36, fs(device="vdb1"), [(E, f"{FS}.device", "path not absolute")]),
    Case(
        "device missing",
        V36,
        storage(filesystems=[{"format": "ext4"}]),
        [(E, f"{FS}.device", "path not specified")],
    ),
    Case(
        "path relative",
        V36,
        fs(format="ext4", path="var"),
        [(E, f"{FS}.path", "path not absolute")],
    ),
    Case("virtiofs tag", V37, fs(device="shared", format="virtiofs", path="/mnt")),
    Case(
        "virtiofs before 3.7",
        V36,
        fs(device="shared", format="virtiofs"),
        [
            (E, f"{FS}.device", "path not absolute"),
            (E, f"{FS}.format", "invalid filesystem format"),
        ],
    ),
    Case(
        "virtiofs without tag",
        V37,
        fs(device="", format="virtiofs"),
        [(E, f"{FS}.device", "device not specified")],
    ),
    Case("virtiofs tag of 36 bytes", V37, fs(device="t" * 36, format="virtiofs")),
    Case(
        "virtiofs tag of 37 bytes",
        V37,
        fs(device="t" * 35 + "é", format="virtiofs"),
        [(E, f"{FS}.device", "virtiofs device tag cannot be longer than 36 bytes")],
    ),
    Case(
        "virtiofs with label, uuid, wipe and options",
        V37,
        fs(
            device="shared",
            format="virtiofs",
            label="x",
            uuid="u",
            wipeFilesystem=True,
            options=["-x"],
            mountOptions=["ro"],
        ),
        [
            (E, f"{FS}.label", "filesystem labels cannot be set when using virtiofs"),
            (E, f"{FS}.uuid", f"filesystem uuid cannot be set {NON_BLOCK}"),
            (E, f"{FS}.wipeFilesystem", f"wipeFilesystem cannot be set {NON_BLOCK}"),
            (E, f"{FS}.options", f"filesystem options (mkfs) cannot be set {NON_BLOCK}"),
        ],
    ),
    Case(
        "mountOptions is not a 3.0 field",
        V30,
        fs(format="ext4", mountOptions=[]),
        [(W, f"{FS}.mountOptions", "unused key mountOptions")],
    ),
    Case(
        "filesystem on a partitioned disk",
        V36,
        storage(
            disks=[{"device": "/dev/vdb", "partitions": [{"number": 1}]}],
            filesystems=[{"device": "/dev/vdb", "format": "ext4"}],
        ),
        [(W, f"{FS}.device", "filesystem overwrites partitioned device")],
    ),
    Case(
        "filesystem on a wiped disk",
        V36,
        storage(
            disks=[{"device": "/dev/vdb", "wipeTable": True}],
            filesystems=[{"device": "/dev/vdb", "format": "ext4"}],
        ),
        [
            (
                W,
                f"{FS}.device",
                "device matches disk with wipeTable enabled; filesystem will be wiped",
            )
        ],
    ),
    Case(
        "filesystem on a wiped disk, wiped itself",
        V36,
        storage(
            disks=[{"device": "/dev/vdb", "wipeTable": True}],
            filesystems=[{"device": "/dev/vdb", "format": "ext4", "wipeFilesystem": True}],
        ),
    ),
    Case(
        "filesystem on another partition of the disk",
        V36,
        storage(
            disks=[{"device": "/dev/vdb", "wipeTable": True, "partitions": [{"number": 1}]}],
            filesystems=[{"device": "/dev/vdb1", "format": "ext4"}],
        ),
    ),
    Case(
        "duplicate devices",
        V36,
        storage(filesystems=[{"device": "/dev/a"}, {"device": "/dev/a"}]),
        [(E, "$.storage.filesystems.1", "duplicate entry defined")],
    ),
]


@cases_param(FS_CASES)
def test_filesystems(case: Case) -> None:
    check_case(case)


# --------------------------------------------------------------------------- files, links


NODE_CASES = [
    Case(
        "file with contents and overwrite",
        V36,
        storage(files=[{"path": "/f", "overwrite": True, "contents": {"source": "data:,x"}}]),
    ),
    Case(
        "overwrite with empty source",
        V36,
        storage(files=[{"path": "/f", "overwrite": True, "contents": {"source": ""}}]),
    ),
    Case(
        "overwrite without source",
        V36,
        storage(files=[{"path": "/f", "overwrite": True}]),
        [(E, "$.storage.files.0.overwrite", "overwrite must be false if source is unspecified")],
    ),
    Case(
        "overwrite false without source", V36, storage(files=[{"path": "/f", "overwrite": False}])
    ),
    Case(
        "repeated append sources are allowed",
        V36,
        storage(files=[{"path": "/f", "append": [{"source": "data:,a"}, {"source": "data:,a"}]}]),
    ),
    Case(
        "nodes below a link",
        V36,
        storage(
            links=[{"path": "/l", "target": "/t"}, {"path": "/l/m", "target": "/t"}],
            files=[{"path": "/l/f"}, {"path": "/lf"}],
            directories=[{"path": "/l/d/e"}, {"path": "/l"}],
        ),
        [
            (E, "$.storage.links.1", "link path includes link in config"),
            (E, "$.storage.files.0", "file path includes link in config"),
            (E, "$.storage.directories.0", "directory path includes link in config"),
            (E, "$.storage.links.0", "duplicate entry defined"),
        ],
    ),
    Case("link without target in 3.2", V32, storage(links=[{"path": "/l"}])),
    Case(
        "link without target in 3.3",
        V33,
        storage(links=[{"path": "/l"}]),
        [(E, "$.storage.links.0.target", "link target is required")],
    ),
    Case(
        "link with empty target in 3.6",
        V36,
        storage(links=[{"path": "/l", "target": ""}]),
        [(E, "$.storage.links.0.target", "link target is required")],
    ),
    Case(
        "hard link to a directory",
        V36,
        storage(
            directories=[{"path": "/d"}],
            links=[{"path": "/l", "target": "/d/", "hard": True}],
        ),
        [(E, "$.storage.links.0", "hard link target is a directory")],
    ),
    Case(
        "relative hard link target joins the link path",
        V36,
        storage(
            directories=[{"path": "/x/d"}],
            links=[{"path": "/x/l", "target": "../d", "hard": True}],
        ),
        [(E, "$.storage.links.0", "hard link target is a directory")],
    ),
    Case(
        "symlink to a directory",
        V36,
        storage(directories=[{"path": "/d"}], links=[{"path": "/l", "target": "/d"}]),
    ),
    Case(
        "hard link owner",
        V36,
        storage(
            links=[
                {
                    "path": "/l",
                    "target": "/t",
                    "hard": True,
                    "user": {"id": 1},
                    "group": {"name": "g"},
                }
            ]
        ),
        [
            (W, "$.storage.links.0.user.id", "user/group ignored for hard link"),
            (W, "$.storage.links.0.group.name", "user/group ignored for hard link"),
        ],
    ),
    Case(
        "symlink owner",
        V36,
        storage(links=[{"path": "/l", "target": "/t", "hard": False, "user": {"id": 1}}]),
    ),
    Case(
        "unit path conflict",
        V36,
        {
            "storage": {
                "files": [{"path": "/etc/systemd/system/a.service"}],
                "directories": [{"path": "/etc/systemd/system/a.service.d/o.conf"}],
                "links": [{"path": "/etc/systemd/system/b.service", "target": "/dev/null"}],
            },
            "systemd": {
                "units": [
                    {
                        "name": "a.service",
                        "contents": "[Unit]",
                        "dropins": [{"name": "o.conf", "contents": "[Unit]"}],
                    },
                    {"name": "b.service", "mask": True, "dropins": [{"name": "p.conf"}]},
                ]
            },
        },
        [
            (E, "$.storage.files.0.path", "path conflicts with systemd unit or dropin"),
            (E, "$.storage.directories.0.path", "path conflicts with systemd unit or dropin"),
        ],
    ),
    Case(
        "one key space for directories, files and links",
        V36,
        storage(
            directories=[{"path": "/a"}],
            files=[{"path": "/b"}, {"path": "/a"}],
            links=[{"path": "/b", "target": "/t"}],
        ),
        [
            (E, "$.storage.files.1", "duplicate entry defined"),
            (E, "$.storage.links.0", "duplicate entry defined"),
        ],
    ),
]


@cases_param(NODE_CASES)
def test_nodes(case: Case) -> None:
    check_case(case)


def test_positions_of_storage_rules() -> None:
    text = (
        '{"ignition": {"version": "3.6.0"}, "storage": {\n'
        '  "disks": [{"device": "/dev/vda", "partitions": [{"number": 1}, {"number": 1}]}],\n'
        '  "luks": [{"name": "a", "device": "/dev/x", "keyFile": {"source": "gopher://x"}}],\n'
        '  "raid": [{"name": "md", "level": "raid9", "devices": []}]\n'
        "}}"
    )
    assert positions(text) == [
        ("error", "$.storage.disks.0.partitions.1", 2, 67, "partition numbers collide"),
        ("error", "$.storage.disks.0.partitions.1", 2, 67, "duplicate entry defined"),
        ("error", "$.storage.luks.0.keys", 3, 13, "invalid key-file source"),  # not in the JSON
        ("error", "$.storage.luks.0.keyFile.source", 3, 68, "invalid url scheme"),
        ("error", "$.storage.raid.0.level", 4, 36, "unrecognized raid level"),
        ("error", "$.storage.raid.0.devices", 4, 57, "raid devices required"),
    ]
