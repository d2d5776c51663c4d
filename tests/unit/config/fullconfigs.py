"""One config per spec version that sets every property of that version's schema, and validates.

The builders are written by hand (this project's own data); :func:`schema_paths` and
:func:`doc_paths` let the tests prove that each config covers its schema file completely.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from ignition.config import schemas
from ignition.config.versions import at_least

Tree = dict[str, Any]

MOTD = b"Welcome to a provisioned machine\n"
MOTD_URL = "data:," + quote(MOTD)
MOTD_SHA512 = "sha512-" + hashlib.sha512(MOTD).hexdigest()
MOTD_SHA256 = "sha256-" + hashlib.sha256(MOTD).hexdigest()
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGr8dW5Wl0LkNlZ2n0b3RhcmVhbGtleQ user@host"
HASH = "$6$rounds=4096$salt$" + "x" * 86
GUID_ROOT = "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709"
GUID_DATA = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"
SERVICE = (
    "[Unit]\nDescription=Say hello\n\n[Service]\nType=oneshot\nExecStart=/usr/bin/echo hello\n\n"
    "[Install]\nWantedBy=multi-user.target\n"
)
DROPIN = "[Service]\nEnvironment=GREETING=hi\n"
NETWORK = "[Match]\nName=eth0\n\n[Network]\nDHCP=yes\n"
ADVERTISEMENT = (
    '{"payload": "eyJrZXlzIjpbXX0", "protected": "eyJhbGciOiJFUzUxMiJ9", "signature": "x"}'
)


# --------------------------------------------------------------------------- coverage


def schema_paths(version: str) -> set[str]:
    """Every property path of a schema file: ``storage.files[].contents.source``; lists of
    scalars as ``kernelArguments.shouldExist[]`` (the list must hold an element)."""
    schema = schemas.load("ignition", version)
    defs = schema.get("definitions", {})
    out: set[str] = set()

    def walk(node: Tree, prefix: str) -> None:
        ref = node.get("$ref")
        if ref is not None:
            node = defs[ref.rsplit("/", 1)[-1]]
        for key, sub in node.get("properties", {}).items():
            path = f"{prefix}.{key}" if prefix else key
            out.add(path)
            if "array" in sub.get("type", ()):
                out.add(path + "[]")
                walk(sub["items"], path + "[]")
            else:
                walk(sub, path)

    walk(schema, "")
    return out


def doc_paths(doc: Any, prefix: str = "") -> set[str]:
    """The paths a document sets, spelled like :func:`schema_paths`."""
    out: set[str] = set()
    if isinstance(doc, dict):
        for key, value in doc.items():
            path = f"{prefix}.{key}" if prefix else key
            out.add(path)
            out |= doc_paths(value, path)
    elif isinstance(doc, list):
        for value in doc:
            out.add(prefix + "[]")
            out |= doc_paths(value, prefix + "[]")
    return out


# --------------------------------------------------------------------------- spec 3.x


def full_v3(version: str) -> Tree:
    """Every field of ``version``, with values that pass every rule of that version."""

    def since(v: str) -> bool:
        return at_least(version, v)

    def resource(source: str, *, compression: bool = True, headers: bool = True) -> Tree:
        res: Tree = {"source": source}
        if compression:
            res["compression"] = "gzip" if source.startswith("http") else ""
        if headers and since("3.1.0"):
            res["httpHeaders"] = [
                {"name": "Authorization", "value": "Bearer token"},
                {"name": "X-Remove-Me"},
            ]
        res["verification"] = {"hash": MOTD_SHA256 if since("3.1.0") else MOTD_SHA512}
        return res

    ref_compression = since("3.1.0")
    ignition: Tree = {
        "version": version,
        "config": {
            "merge": [
                resource("https://configs.example.com/base.ign", compression=ref_compression),
                resource("tftp://10.0.0.1/extra.ign", compression=ref_compression, headers=False),
            ],
            "replace": resource("https://configs.example.com/r.ign", compression=ref_compression),
        },
        "security": {
            "tls": {
                "certificateAuthorities": [
                    resource("https://pki.example.com/ca.pem", compression=ref_compression)
                ]
            }
        },
        "timeouts": {"httpResponseHeaders": 20, "httpTotal": 600},
    }
    if since("3.1.0"):
        ignition["proxy"] = {
            "httpProxy": "http://proxy.example.com:3128",
            "httpsProxy": "https://proxy.example.com:3129",
            "noProxy": ["localhost", ".internal.example.com", "10.0.0.0/8"],
        }
    doc: Tree = {"ignition": ignition}
    if since("3.3.0"):
        doc["kernelArguments"] = {
            "shouldExist": ["console=ttyS0,115200", "quiet"],
            "shouldNotExist": ["splash"],
        }
    user: Tree = {
        "name": "core",
        "gecos": "CoreOS Admin",
        "groups": ["wheel", "docker"],
        "homeDir": "/home/core",
        "noCreateHome": False,
        "noLogInit": True,
        "noUserGroup": False,
        "passwordHash": HASH,
        "primaryGroup": "core",
        "shell": "/bin/bash",
        "sshAuthorizedKeys": [KEY],
        "system": False,
        "uid": 1000,
    }
    group: Tree = {"name": "docker", "gid": 233, "passwordHash": "*", "system": True}
    if since("3.2.0"):
        user["shouldExist"] = True
        group["shouldExist"] = True
    other = {"name": "olduser", "shouldExist": False} if since("3.2.0") else {"name": "guest"}
    doc["passwd"] = {"users": [user, other], "groups": [group]}

    storage: Tree = {
        "disks": [
            {
                "device": "/dev/disk/by-id/virtio-disk1",
                "wipeTable": True,
                "partitions": [
                    {
                        "number": 1,
                        "label": "ROOT",
                        "sizeMiB": 0,
                        "startMiB": 0,
                        "typeGuid": GUID_ROOT,
                        "guid": "8A9C3F9E-2B3C-4C4D-9E5F-6A7B8C9D0E1F",
                        "wipePartitionEntry": True,
                        "shouldExist": True,
                        **({"resize": True} if since("3.2.0") else {}),
                    },
                    {
                        "number": 0,
                        "label": "DATA",
                        "sizeMiB": 1024,
                        "startMiB": 2048,
                        "typeGuid": GUID_DATA,
                    },
                ],
            },
            {
                "device": "/dev/disk/by-id/virtio-disk2",
                "partitions": [{"number": 9, "shouldExist": False}],
            },
        ],
        "raid": [
            {
                "name": "data",
                "level": "raid1",
                "devices": ["/dev/disk/by-partlabel/r1", "/dev/disk/by-partlabel/r2"],
                "spares": 1,
                "options": ["--metadata=1.2", "--assume-clean"],
            }
        ],
        "filesystems": [
            {
                "device": "/dev/md/data",
                "format": "xfs",
                "path": "/var/lib/data",
                "label": "DATA",
                "uuid": "9e1c5a2a-1b7e-4c52-8d1e-0a6b5e1f2c3d",
                "wipeFilesystem": True,
                "options": ["-m", "bigtime=1"],
                **({"mountOptions": ["noatime", "discard"]} if since("3.1.0") else {}),
            },
            {"device": "/dev/disk/by-partlabel/ROOT", "format": "ext4", "label": "root"},
        ],
        "directories": [
            {
                "path": "/var/lib/app",
                "mode": 0o750,
                "overwrite": False,
                "user": {"id": 1000},
                "group": {"name": "docker"},
            },
            {"path": "/var/lib/app/cache", "user": {"name": "core"}, "group": {"id": 1000}},
        ],
        "files": [
            {
                "path": "/etc/motd",
                "mode": 0o644,
                "overwrite": True,
                "user": {"name": "core"},
                "group": {"id": 0},
                "contents": resource("https://files.example.com/motd"),
                "append": [
                    resource(MOTD_URL, headers=False),
                    resource(MOTD_URL, headers=False),
                    resource("http://files.example.com/motd.d/extra"),
                ],
            },
            {
                "path": "/etc/hostname",
                "user": {"id": 0},
                "group": {"name": "root"},
                "contents": {"source": "data:,node1"},
            },
        ],
        "links": [
            {
                "path": "/etc/localtime",
                "target": "/usr/share/zoneinfo/UTC",
                "hard": False,
                "overwrite": True,
                "user": {"id": 0},
                "group": {"name": "root"},
            },
            {"path": "/etc/motd.hard", "target": "/etc/motd", "hard": True},
            {
                "path": "/usr/local/bin/tool",
                "target": "../lib/tool/bin",
                "user": {"name": "core"},
                "group": {"id": 1000},
            },
        ],
    }
    if since("3.2.0"):
        custom: Tree = {"pin": "tpm2", "config": '{"pcr_ids":"7"}', "needsNetwork": False}
        tang: Tree = {"url": "https://tang.example.com", "thumbprint": "r4cf3hmEvRUxw3qBUvlA"}
        if since("3.4.0"):
            tang["advertisement"] = ADVERTISEMENT
        bound: Tree = {
            "name": "secure",
            "device": "/dev/disk/by-partlabel/SECURE",
            "label": "secure",
            "uuid": "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
            "options": ["--cipher", "aes-xts-plain64"],
            "wipeVolume": True,
            "keyFile": resource("https://keys.example.com/secure.key"),
            "clevis": {"tang": [tang], "tpm2": True, "threshold": 2},
        }
        custom_luks: Tree = {
            "name": "custom",
            "device": "/dev/disk/by-partlabel/CUSTOM",
            "clevis": {"custom": custom},
        }
        if since("3.4.0"):
            bound["discard"] = True
            bound["openOptions"] = ["--perf-no_read_workqueue"]
        luks = [bound, custom_luks]
        if since("3.5.0"):
            bound["cex"] = {"enabled": False}
            luks.append({"name": "cex", "device": "/dev/dasdb1", "cex": {"enabled": True}})
        storage["luks"] = luks
    if since("3.7.0-experimental"):
        storage["filesystems"].append(
            {"device": "hostshare", "format": "virtiofs", "path": "/mnt/share"}
        )
    doc["storage"] = storage
    doc["systemd"] = {
        "units": [
            {
                "name": "hello.service",
                "enabled": True,
                "contents": SERVICE,
                "dropins": [{"name": "10-env.conf", "contents": DROPIN}],
            },
            {"name": "getty@tty1.service", "enabled": False},
            {"name": "systemd-resolved.service", "mask": True},
        ]
    }
    return doc


# --------------------------------------------------------------------------- spec 2.x


def full_v2(version: str) -> Tree:
    """Every field of a 2.x ``version``; passes the 2.x rules, its translation and the 3.1 rules
    (deprecated fields give their deprecation warnings)."""

    def since(v: str) -> bool:
        return at_least(version, v)

    def ref(source: str, *, headers: bool = True) -> Tree:
        r: Tree = {"source": source, "verification": {"hash": MOTD_SHA512}}
        if headers and since("2.4.0"):
            r["httpHeaders"] = [{"name": "Authorization", "value": "Bearer t"}]
        return r

    ignition: Tree = {
        "version": version,
        "config": {
            "append": [
                ref("https://configs.example.com/a.ign"),
                ref("http://configs.example.com/b.ign", headers=False),
            ],
            "replace": ref("http://configs.example.com/r.ign"),
        },
    }
    if since("2.1.0"):
        ignition["timeouts"] = {"httpResponseHeaders": 30, "httpTotal": 300}
    if since("2.2.0"):
        ignition["security"] = {
            "tls": {"certificateAuthorities": [ref("https://pki.example.com/ca")]}
        }
    if since("2.4.0"):
        ignition["proxy"] = {
            "httpProxy": "http://proxy:3128",
            "httpsProxy": "https://proxy:3129",
            "noProxy": ["localhost"],
        }

    sector_part: Tree = {
        "label": "BOOT",
        "number": 1,
        "size": 262144,
        "start": 2048,
        "typeGuid": GUID_DATA,
    }
    disks: list[Tree] = [
        {"device": "/dev/sda", "wipeTable": True, "partitions": [sector_part]},
    ]
    if since("2.1.0"):
        sector_part["guid"] = GUID_ROOT
    if since("2.3.0"):
        disks.append(
            {
                "device": "/dev/sdb",
                "wipeTable": False,
                "partitions": [
                    {
                        "label": "DATA",
                        "number": 1,
                        "sizeMiB": 512,
                        "startMiB": 1,
                        "typeGuid": GUID_DATA,
                        "guid": GUID_ROOT,
                        "wipePartitionEntry": True,
                        "shouldExist": True,
                    }
                ],
            }
        )
    raid: Tree = {"name": "md0", "level": "raid1", "devices": ["/dev/sdc", "/dev/sdd"], "spares": 0}
    if since("2.2.0"):
        raid["options"] = ["--metadata=1.2"]

    created: Tree = {
        "name": "scratch",
        "mount": {
            "device": "/dev/sde",
            "format": "ext4",
            "create": {"force": True, "options": ["-L", "SCRATCH"]},
        },
    }
    filesystems: list[Tree] = [created, {"name": "host", "path": "/sysroot/host"}]
    if since("2.1.0"):
        filesystems.append(
            {
                "name": "data",
                "mount": {
                    "device": "/dev/md/md0",
                    "format": "xfs",
                    "wipeFilesystem": True,
                    "label": "DATA",
                    "uuid": "0b2a0f6e-3c1f-4b7c-9f4d-2f9e8d7c6b5a",
                    "options": ["-f"],
                },
            }
        )

    def owner(name: str) -> Tree:
        return {"id": 0, "name": name} if since("2.1.0") else {"id": 0}

    contents: Tree = {"compression": "", "source": MOTD_URL, "verification": {"hash": MOTD_SHA512}}
    if since("2.4.0"):
        contents = {**contents, "source": "https://files.example.com/motd", "compression": "gzip"}
        contents["httpHeaders"] = [{"name": "X-Token", "value": "t"}]
    motd: Tree = {
        "filesystem": "root",
        "path": "/etc/motd",
        "mode": 0o644,
        "user": owner(""),
        "group": owner(""),
        "contents": contents,
    }
    files: list[Tree] = [
        motd,
        {
            "filesystem": "scratch",
            "path": "/hello",
            "mode": 0o600,
            "contents": {"source": "data:,hi"},
        },
    ]
    if since("2.2.0"):
        motd["overwrite"] = True
        files.append(
            {
                "filesystem": "root",
                "path": "/etc/issue",
                "mode": 0o644,
                "append": True,
                "contents": {"source": "data:,more"},
            }
        )
    storage: Tree = {"disks": disks, "raid": [raid], "filesystems": filesystems, "files": files}
    if since("2.1.0"):
        directory: Tree = {
            "filesystem": "root",
            "path": "/var/app",
            "mode": 0o755,
            "user": {"name": "core"},
            "group": {"id": 0},
        }
        link: Tree = {
            "filesystem": "root",
            "path": "/etc/localtime",
            "target": "/usr/share/zoneinfo/UTC",
            "hard": False,
            "user": {"id": 0},
            "group": {"name": "root"},
        }
        if since("2.2.0"):
            directory["overwrite"] = False
            link["overwrite"] = True
        other_dir: Tree = {
            "filesystem": "root",
            "path": "/var/app/cache",
            "mode": 0o700,
            "user": {"id": 500},
            "group": {"name": "core"},
        }
        other_link: Tree = {
            "filesystem": "root",
            "path": "/usr/local/bin/tool",
            "target": "../lib/tool",
            "user": {"name": "core"},
            "group": {"id": 500},
        }
        hard_link: Tree = {
            "filesystem": "root",
            "path": "/etc/hard",
            "target": "/etc/motd",
            "hard": True,
        }
        storage["directories"] = [directory, other_dir]
        storage["links"] = [link, hard_link, other_link]

    unit: Tree = {
        "name": "hello.service",
        "enable": True,
        "mask": False,
        "contents": SERVICE,
        "dropins": [{"name": "10-env.conf", "contents": DROPIN}],
    }
    units = [unit]
    if since("2.1.0"):
        units.append({"name": "other.service", "enabled": True, "contents": SERVICE})
    netunit: Tree = {"name": "10-eth0.network", "contents": NETWORK}
    if since("2.2.0"):
        netunit["dropins"] = [{"name": "mtu.conf", "contents": "[Link]\nMTUBytes=9000\n"}]

    create: Tree = {
        "uid": 1001,
        "gecos": "Created",
        "homeDir": "/home/created",
        "noCreateHome": False,
        "primaryGroup": "users",
        "groups": ["wheel"],
        "noUserGroup": True,
        "system": False,
        "noLogInit": True,
        "shell": "/bin/sh",
    }
    users: list[Tree] = [
        {"name": "created", "passwordHash": HASH, "sshAuthorizedKeys": [KEY], "create": create}
    ]
    if since("2.1.0"):
        users.append(
            {
                "name": "core",
                "passwordHash": HASH,
                "sshAuthorizedKeys": [KEY],
                "uid": 500,
                "gecos": "Core",
                "homeDir": "/home/core",
                "noCreateHome": False,
                "primaryGroup": "core",
                "groups": ["docker"],
                "noUserGroup": False,
                "noLogInit": False,
                "shell": "/bin/bash",
                "system": False,
            }
        )
    return {
        "ignition": ignition,
        "storage": storage,
        "systemd": {"units": units},
        "networkd": {"units": [netunit]},
        "passwd": {
            "users": users,
            "groups": [{"name": "docker", "gid": 233, "passwordHash": "", "system": True}],
        },
    }


def full_v1() -> Tree:
    return {
        "ignitionVersion": 1,
        "storage": {
            "disks": [
                {
                    "device": "/dev/sda",
                    "wipeTable": True,
                    "partitions": [
                        {
                            "label": "DATA",
                            "number": 1,
                            "size": 204800,
                            "start": 2048,
                            "typeGuid": GUID_DATA,
                        }
                    ],
                }
            ],
            "raid": [
                {"name": "md0", "level": "raid0", "devices": ["/dev/sdb", "/dev/sdc"], "spares": 0}
            ],
            "filesystems": [
                {
                    "device": "/dev/sda1",
                    "format": "ext4",
                    "create": {"force": True, "options": ["-L", "DATA"]},
                    "files": [
                        {
                            "path": "/motd",
                            "contents": "hello, world\n",
                            "mode": 420,
                            "uid": 0,
                            "gid": 0,
                        }
                    ],
                }
            ],
        },
        "systemd": {
            "units": [
                {
                    "name": "hello.service",
                    "enable": True,
                    "mask": False,
                    "contents": SERVICE,
                    "dropins": [{"name": "10-env.conf", "contents": DROPIN}],
                }
            ]
        },
        "networkd": {"units": [{"name": "10-eth0.network", "contents": NETWORK}]},
        "passwd": {
            "users": [
                {
                    "name": "core",
                    "passwordHash": HASH,
                    "sshAuthorizedKeys": [KEY],
                    "create": {
                        "uid": 500,
                        "gecos": "Core",
                        "homeDir": "/home/core",
                        "noCreateHome": False,
                        "primaryGroup": "core",
                        "groups": ["wheel"],
                        "noUserGroup": False,
                        "system": False,
                        "noLogInit": False,
                        "shell": "/bin/bash",
                    },
                }
            ],
            "groups": [{"name": "docker", "gid": 233, "passwordHash": "x", "system": True}],
        },
    }
