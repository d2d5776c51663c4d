"""Validation rules of spec 2.x (Flatcar's Ignition v0.x), on clean 2.x trees.

Messages are the 2.x reference's (``config/shared/errors``). The 2.x report kind "deprecated"
is reported as a warning whose message says so.
"""

from __future__ import annotations

import re
from typing import Any

from ignition.config import urls
from ignition.config.report import Path, Report
from ignition.config.rules.common import HASH_SIZES
from ignition.config.rules.units import UNIT_EXTENSIONS, content_error
from ignition.config.versions import at_least

Tree = dict[str, Any]

NETWORKD_EXTENSIONS = (".link", ".netdev", ".network")
RAID_LEVELS = {"linear", "raid0", "0", "stripe", "raid1", "1", "mirror", "raid4", "4", "raid5",
               "5", "raid6", "6", "raid10", "10"}  # fmt: skip
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ALIGN = 2048  # sectors: 1 MiB with 512-byte sectors
USER_FLAT_FIELDS = ("uid", "gecos", "homeDir", "noCreateHome", "primaryGroup", "groups",
                    "noUserGroup", "noLogInit", "shell", "system")  # fmt: skip


def lst(tree: Tree | None, key: str) -> list[Any]:
    if not tree:
        return []
    return [x if x is not None else {} for x in (tree.get(key) or [])]


def obj(tree: Tree | None, key: str) -> Tree:
    if not tree:
        return {}
    value = tree.get(key)
    return value if isinstance(value, dict) else {}


def check(tree: Tree, version: str) -> Report:
    r = Report()
    ign = obj(tree, "ignition")
    cfg = obj(ign, "config")
    for i, ref in enumerate(lst(cfg, "append")):
        _reference(r, ("ignition", "config", "append", i), ref, version)
    if cfg.get("replace"):
        _reference(r, ("ignition", "config", "replace"), obj(cfg, "replace"), version)
    tls = obj(obj(ign, "security"), "tls")
    for i, ca in enumerate(lst(tls, "certificateAuthorities")):
        _reference(r, ("ignition", "security", "tls", "certificateAuthorities", i), ca, version)
    proxy = obj(ign, "proxy")
    for key in ("httpProxy", "httpsProxy"):
        value = proxy.get(key)
        if value:
            try:
                scheme = urls.parse_url(value).scheme
            except urls.URLError:
                r.error(("ignition", "proxy", key), "unable to parse url")
                continue
            if scheme not in ("http", "https"):
                r.error(("ignition", "proxy", key), "proxies must be http(s)")
    storage = obj(tree, "storage")
    _disks(r, storage)
    _raid(r, storage)
    fs_names = _filesystems(r, storage)
    _nodes(r, storage, fs_names, version)
    _units(r, tree)
    _passwd(r, tree)
    return r


def _url(r: Report, path: Path, source: str, version: str) -> bool:
    allowed = {"http", "https", "data", "oem"}
    if at_least(version, "2.1.0"):
        allowed |= {"tftp", "s3"}
    try:
        u = urls.parse_url(source)
    except urls.URLError:
        r.error(path, "unable to parse url")
        return False
    if u.scheme not in allowed:
        r.error(path, "invalid url scheme")
        return False
    if u.scheme == "data":
        try:
            urls.decode_data_url(source)
        except urls.URLError as exc:
            r.error(path, str(exc))
            return False
    return True


def _hash(r: Report, path: Path, value: str) -> None:
    func, sep, digest = value.partition("-")
    if not sep:
        r.error(path, "malformed hash specifier")
    elif func != "sha512":
        r.error(path, "unrecognized hash function")
    elif len(digest) != HASH_SIZES["sha512"]:
        r.error(path, "incorrect size for hash sum")


def _reference(r: Report, path: Path, ref: Tree, version: str) -> None:
    source = ref.get("source")
    if source:
        _url(r, (*path, "source"), source, version)
    h = obj(ref, "verification").get("hash")
    if h:
        _hash(r, (*path, "verification", "hash"), h)
    _headers(r, path, ref, source)


def _headers(r: Report, path: Path, ref: Tree, source: str | None) -> None:
    headers = lst(ref, "httpHeaders")
    if not headers:
        return
    scheme = ""
    if source:
        try:
            scheme = urls.parse_url(source).scheme
        except urls.URLError:
            scheme = ""
    if scheme not in ("http", "https"):
        r.error((*path, "httpHeaders"), "cannot use HTTP headers with this source scheme")
    seen: set[str] = set()
    for i, h in enumerate(headers):
        name = h.get("name") or ""
        if not name:
            r.error((*path, "httpHeaders", i, "name"), "HTTP header name can't be empty")
        elif name in seen:
            r.error((*path, "httpHeaders", i), f'Found duplicate HTTP header: "{name}"')
        seen.add(name)


def _abs(r: Report, path: Path, value: str | None) -> bool:
    if not value or not value.startswith("/"):
        r.error(path, "path not absolute")
        return False
    return True


def _disks(r: Report, storage: Tree) -> None:
    for i, disk in enumerate(lst(storage, "disks")):
        dp: Path = ("storage", "disks", i)
        _abs(r, (*dp, "device"), disk.get("device"))
        parts = lst(disk, "partitions")
        uses_sectors = uses_mib = False
        has_absent = any(p.get("shouldExist") is False for p in parts)
        numbers: dict[int, int] = {}
        for j, p in enumerate(parts):
            pp: Path = (*dp, "partitions", j)
            sectors = p.get("size") is not None or p.get("start") is not None
            mib = p.get("sizeMiB") is not None or p.get("startMiB") is not None
            uses_sectors |= sectors
            uses_mib |= mib
            if sectors and mib:
                r.error(pp, "cannot mix MBs and sectors within a disk")
            if p.get("size") is not None:
                r.warning((*pp, "size"), "deprecated: size is deprecated; use sizeMiB instead")
            if p.get("start") is not None:
                r.warning((*pp, "start"), "deprecated: start is deprecated; use startMiB instead")
                if p["start"] % ALIGN:
                    r.error((*pp, "start"), "partitions misaligned")
            label = p.get("label")
            if label is not None:
                if len(label.encode()) > 36:
                    r.error((*pp, "label"), "partition labels may not exceed 36 characters")
                elif ":" in label:
                    r.warning(
                        (*pp, "label"), "partition label will be truncated to text before the colon"
                    )
            for key in ("guid", "typeGuid"):
                value = p.get(key)
                if value and not GUID.match(value):
                    r.error(
                        (*pp, key),
                        'doesn\'t match the form "01234567-89AB-CDEF-EDCB-A98765432101"',
                    )
            number = p.get("number") or 0
            if number:
                if number in numbers:
                    r.error(pp, "partition numbers collide")
                numbers[number] = j
        if has_absent and any(not p.get("number") for p in parts):
            # partitionsMixZeroesAndNonexistence: on the disk's partitions, about numbers
            r.error(
                (*dp, "partitions"),
                "shouldExist is false for a partition and other partition(s) has start or size 0",
            )
        if uses_sectors and uses_mib:
            r.error((*dp, "partitions"), "cannot mix MBs and sectors within a disk")


def _raid(r: Report, storage: Tree) -> None:
    for i, raid in enumerate(lst(storage, "raid")):
        rp: Path = ("storage", "raid", i)
        level = raid.get("level") or ""
        if level not in RAID_LEVELS:
            r.error((*rp, "level"), "unrecognized raid level")
        elif level in ("linear", "raid0", "0", "stripe") and raid.get("spares"):
            r.error((*rp, "spares"), "spares unsupported for arrays with a level greater than 0")
        for j, dev in enumerate(raid.get("devices") or []):
            _abs(r, (*rp, "devices", j), dev)


def _filesystems(r: Report, storage: Tree) -> set[str]:
    names = {"root"}
    for i, fs in enumerate(lst(storage, "filesystems")):
        fp: Path = ("storage", "filesystems", i)
        name = fs.get("name")
        if name:
            if name in names:
                r.warning(
                    (*fp, "name"), f'Filesystem "{name}" shadows exising filesystem definition'
                )
            names.add(name)
        mount = fs.get("mount")
        path = fs.get("path")
        if mount is None and not path:
            r.error(fp, "filesystem is missing mount or path")
        elif mount is not None and path:
            r.error(fp, "filesystem has both mount and path defined")
        if path:
            _abs(r, (*fp, "path"), path)
        if mount is None:
            continue
        mp: Path = (*fp, "mount")
        _abs(r, (*mp, "device"), mount.get("device"))
        if mount.get("format") not in ("ext4", "btrfs", "xfs", "vfat", "swap"):
            r.error((*mp, "format"), "invalid filesystem format")
        create = mount.get("create")
        if create is not None:
            r.warning(
                (*mp, "create"),
                "the create object has been deprecated in favor of mount-level options",
            )
            if mount.get("wipeFilesystem"):
                r.error((*mp, "create"), "cannot use both create object and wipeFilesystem")
            if mount.get("options"):
                r.error((*mp, "create"), "cannot use both create object and mount-level options")
    return names


def _nodes(r: Report, storage: Tree, fs_names: set[str], version: str) -> None:
    for kind, label in (("files", "File"), ("directories", "Directory"), ("links", "Link")):
        for i, node in enumerate(lst(storage, kind)):
            np: Path = ("storage", kind, i)
            fs = node.get("filesystem")
            if not fs:
                r.error((*np, "filesystem"), "no filesystem specified")
            elif fs not in fs_names:
                r.warning(
                    (*np, "filesystem"),
                    f'{label} "{node.get("path")}" references nonexistent filesystem "{fs}". '
                    "(This is ok if it is defined in a referenced config)",
                )
            _abs(r, (*np, "path"), node.get("path"))
            if kind != "links" and node.get("mode") is None:
                r.warning(
                    (*np, "mode"),
                    "permissions unset, defaulting to 0644 (the spec 2.x runtime used 0000)",
                )
            if kind == "files":
                if node.get("append") and node.get("overwrite"):
                    r.error(np, "cannot set both append and overwrite to true")
                contents = obj(node, "contents")
                if contents.get("compression") not in (None, "", "gzip"):
                    r.error((*np, "contents", "compression"), "invalid compression method")
                _reference(r, (*np, "contents"), contents, version)


def _units(r: Report, tree: Tree) -> None:
    for section, exts, label in (
        ("systemd", UNIT_EXTENSIONS, "invalid systemd unit extension"),
        ("networkd", NETWORKD_EXTENSIONS, "invalid networkd unit extension"),
    ):
        for i, unit in enumerate(lst(obj(tree, section), "units")):
            up: Path = (section, "units", i)
            if not (unit.get("name") or "").endswith(exts):
                r.error((*up, "name"), label)
            if unit.get("contents"):
                err = content_error(unit["contents"])
                if err:
                    r.error((*up, "contents"), err)
            if section == "systemd" and unit.get("enable"):
                r.warning((*up, "enable"), "deprecated: enable is deprecated; use enabled instead")
            for j, d in enumerate(lst(unit, "dropins")):
                if not (d.get("name") or "").endswith(".conf"):
                    r.error((*up, "dropins", j, "name"), "invalid systemd drop-in extension")
                if d.get("contents"):
                    err = content_error(d["contents"])
                    if err:
                        r.error((*up, "dropins", j, "contents"), err)


def _passwd(r: Report, tree: Tree) -> None:
    for i, user in enumerate(lst(obj(tree, "passwd"), "users")):
        up: Path = ("passwd", "users", i)
        if user.get("create") is None:
            continue
        r.warning(
            (*up, "create"), "the create object has been deprecated in favor of user-level options"
        )
        for key in USER_FLAT_FIELDS:
            if user.get(key) not in (None, "", False, []):
                r.error(
                    (*up, key), f"cannot use both the create object and the user-level {key} field"
                )
