"""Translate a valid spec 2.x config (clean tree) into a spec 3.1.0 tree, as Flatcar does.

Every produced node records the 2.x path it came from, so 3.x validation of the result is
reported in the user's own document. Beyond Flatcar's converter (documented in
docs/deviations.md): partitions given in 512-byte sectors are converted to MiB when aligned,
several ``append:true`` entries for one file become one 3.x ``append`` list, and a filesystem
given only by ``path`` just prefixes its nodes instead of failing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ignition.config.legacy.rules import ALIGN, lst, obj
from ignition.config.report import Path, Report

Tree = dict[str, Any]
SECTORS_PER_MIB = 2048
NETWORKD_DIR = "/etc/systemd/network/"


class PathMap:
    """3.x output path → 2.x input path (longest recorded prefix wins)."""

    def __init__(self) -> None:
        self.map: dict[Path, Path] = {}

    def add(self, out: Path, src: Path) -> None:
        self.map[out] = src

    def __call__(self, path: Path) -> Path:
        for n in range(len(path), -1, -1):
            src = self.map.get(path[:n])
            if src is not None:
                return src + path[n:]
        return path


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    """Drop unset values (3.x encodes them as absent)."""
    return {k: v for k, v in d.items() if v is not None and v != [] and v != {}}


def _resource(src: Tree | None, *, headers: bool = True) -> Tree:
    src = src or {}
    out: Tree = {"source": src.get("source"), "verification": _clean(obj(src, "verification"))}
    if headers and src.get("httpHeaders"):
        out["httpHeaders"] = [
            _clean({"name": h.get("name"), "value": h.get("value")})
            for h in lst(src, "httpHeaders")
        ]
    return _clean(out)


def convert(tree: Tree, version: str, r: Report, pm: PathMap) -> Tree:
    """2.x tree → 3.1.0 tree; what cannot be translated is an error in ``r`` (at its 2.x
    path) and left out of the result."""
    out: Tree = {"ignition": {"version": "3.1.0"}}
    ign = obj(tree, "ignition")
    _ignition(ign, out["ignition"], pm)
    storage_in = obj(tree, "storage")
    storage: Tree = {}
    fs_paths = _filesystems(storage_in, storage, r, pm)
    _disks(storage_in, storage, r, pm)
    _raid(storage_in, storage, pm)
    _nodes(storage_in, storage, fs_paths, version, r, pm)
    _networkd(tree, storage, pm)
    if storage:
        out["storage"] = storage
    units = _units(tree, r, pm)
    if units:
        out["systemd"] = {"units": units}
    passwd = _passwd(tree, pm)
    if passwd:
        out["passwd"] = passwd
    return out


def _ignition(ign: Tree, out: Tree, pm: PathMap) -> None:
    cfg = obj(ign, "config")
    config: Tree = {}
    appends = lst(cfg, "append")
    if appends:
        config["merge"] = [_resource(a) for a in appends]
        for i in range(len(appends)):
            pm.add(("ignition", "config", "merge", i), ("ignition", "config", "append", i))
    if cfg.get("replace"):
        config["replace"] = _resource(obj(cfg, "replace"))
        pm.add(("ignition", "config", "replace"), ("ignition", "config", "replace"))
    if config:
        out["config"] = config
    if ign.get("timeouts"):
        out["timeouts"] = _clean(obj(ign, "timeouts"))
    cas = lst(obj(obj(ign, "security"), "tls"), "certificateAuthorities")
    if cas:
        out["security"] = {"tls": {"certificateAuthorities": [_resource(c) for c in cas]}}
    if ign.get("proxy"):
        proxy = obj(ign, "proxy")
        out["proxy"] = _clean(
            {
                "httpProxy": proxy.get("httpProxy") or None,
                "httpsProxy": proxy.get("httpsProxy") or None,
                "noProxy": proxy.get("noProxy") or None,
            }
        )
    pm.add(("ignition",), ("ignition",))


def _filesystems(storage: Tree, out: Tree, r: Report, pm: PathMap) -> dict[str, str]:
    """Emit 3.x filesystems; return filesystem name → mount path for the nodes."""
    paths = {"root": "/"}
    result: list[Tree] = []
    for i, fs in enumerate(lst(storage, "filesystems")):
        src: Path = ("storage", "filesystems", i)
        name = fs.get("name") or ""
        mount = fs.get("mount")
        if mount is None:
            if name and fs.get("path"):
                paths[name] = fs["path"]  # an already-mounted tree: nodes are just prefixed
            continue
        if name == "root":
            r.error(
                (*src, "name"),
                'unable to translate 2.x ignition to 3.1: filesystem "root" cannot be redefined',
            )
            continue
        create = mount.get("create")
        if create is not None and not create.get("force"):
            r.error(
                (*src, "mount", "create"),
                "unable to translate 2.x ignition to 3.1: a create object without force:true "
                "has no spec 3 equivalent",
            )
            continue
        mount_path = "/usr/share/oem" if name == "oem" else f"/tmp/{name or 'ignition'}-ign{i}"
        if name:
            paths[name] = mount_path
        fmt = mount.get("format")
        wipe = bool(mount.get("wipeFilesystem")) or (create is not None and create.get("force"))
        if name == "oem" and not wipe:
            fmt = "btrfs"  # Flatcar's OEM partition
        options = list(mount.get("options") or [])
        if create is not None:
            options += create.get("options") or []
        pm.add(("storage", "filesystems", len(result)), src)
        pm.add(("storage", "filesystems", len(result), "device"), (*src, "mount", "device"))
        pm.add(("storage", "filesystems", len(result), "format"), (*src, "mount", "format"))
        result.append(
            _clean(
                {
                    "device": mount.get("device"),
                    "format": fmt,
                    "label": mount.get("label"),
                    "uuid": mount.get("uuid"),
                    "options": options or None,
                    "wipeFilesystem": True if wipe else None,
                    "path": mount_path if name else None,
                }
            )
        )
    if result:
        out["filesystems"] = result
    return paths


def _disks(storage: Tree, out: Tree, r: Report, pm: PathMap) -> None:
    disks = []
    for i, disk in enumerate(lst(storage, "disks")):
        src: Path = ("storage", "disks", i)
        pm.add(("storage", "disks", i), src)
        parts = []
        for j, p in enumerate(lst(disk, "partitions")):
            psrc: Path = (*src, "partitions", j)
            size_mib, start_mib = p.get("sizeMiB"), p.get("startMiB")
            for key, value in (("size", p.get("size")), ("start", p.get("start"))):
                if value is None:
                    continue
                if value % ALIGN:
                    r.error(
                        (*psrc, key),
                        f"unable to translate 2.x ignition to 3.1: {key} {value} is not a whole "
                        "number of MiB (2048 sectors of 512 bytes); give it as "
                        f"{key}MiB",
                    )
                elif key == "size":
                    size_mib = value // SECTORS_PER_MIB
                else:
                    start_mib = value // SECTORS_PER_MIB
            parts.append(
                _clean(
                    {
                        "label": p.get("label"),
                        "number": p.get("number") or None,
                        "sizeMiB": size_mib,
                        "startMiB": start_mib,
                        "typeGuid": p.get("typeGuid") or None,
                        "guid": p.get("guid") or None,
                        "wipePartitionEntry": p.get("wipePartitionEntry"),
                        "shouldExist": p.get("shouldExist"),
                    }
                )
            )
            if p.get("size") is not None:
                pm.add((*src, "partitions", j, "sizeMiB"), (*psrc, "size"))
            if p.get("start") is not None:
                pm.add((*src, "partitions", j, "startMiB"), (*psrc, "start"))
        disks.append(
            _clean(
                {
                    "device": disk.get("device"),
                    "wipeTable": disk.get("wipeTable"),
                    "partitions": parts,
                }
            )
        )
    if disks:
        out["disks"] = disks


def _raid(storage: Tree, out: Tree, pm: PathMap) -> None:
    arrays = []
    for i, raid in enumerate(lst(storage, "raid")):
        pm.add(("storage", "raid", i), ("storage", "raid", i))
        arrays.append(
            _clean(
                {
                    "name": raid.get("name"),
                    "level": raid.get("level"),
                    "devices": raid.get("devices"),
                    "spares": raid.get("spares") or None,
                    "options": raid.get("options"),
                }
            )
        )
    if arrays:
        out["raid"] = arrays


def _join(mount: str, path: str) -> str:
    if mount == "/":
        return path
    return mount.rstrip("/") + "/" + path.lstrip("/")


def _owner(node: Tree, key: str, version: str) -> Tree | None:
    owner = obj(node, key)
    ident = owner.get("id")
    if version == "2.0.0" and ident is None:
        ident = 0  # 2.0's ids were plain ints: unset meant root, explicitly
    return _clean({"id": ident, "name": owner.get("name") or None}) or None


def _nodes(
    storage: Tree, out: Tree, fs_paths: dict[str, str], version: str, r: Report, pm: PathMap
) -> None:
    seen: dict[str, tuple[str, int]] = {}  # 3.x path -> (kind, index in its output list)
    for kind in ("files", "directories", "links"):
        result: list[Tree] = []
        for i, node in enumerate(lst(storage, kind)):
            src: Path = ("storage", kind, i)
            if not node.get("filesystem"):
                continue  # "no filesystem specified" (a 2.x rule): nothing to translate
            mount = fs_paths.get(node["filesystem"])
            if mount is None:
                r.error(
                    (*src, "filesystem"),
                    "unable to translate 2.x ignition to 3.1: filesystem "
                    f'"{node.get("filesystem")}" is not defined in this config',
                )
                continue
            path = _join(mount, node.get("path") or "")
            entry: Tree = {
                "path": path,
                "user": _owner(node, "user", version),
                "group": _owner(node, "group", version),
            }
            if kind == "files":
                contents = _resource(obj(node, "contents"))
                contents.setdefault("source", "")
                comp = obj(node, "contents").get("compression")
                if comp:
                    contents["compression"] = comp
                entry["mode"] = node.get("mode")
                if node.get("append"):
                    prior = seen.get(path)
                    if prior is not None and prior[0] == "files" and "append" in result[prior[1]]:
                        # 2.x's idiom of several append entries: one 3.x append list
                        appends = result[prior[1]]["append"]
                        pm.add(("storage", "files", prior[1], "append", len(appends)),
                               (*src, "contents"))  # fmt: skip
                        appends.append(contents)
                        continue
                    entry["overwrite"] = False
                    entry["append"] = [contents]
                    pm.add(("storage", "files", len(result), "append", 0), (*src, "contents"))
                else:
                    entry["overwrite"] = node.get("overwrite", True) is not False
                    entry["contents"] = contents
            elif kind == "directories":
                entry["mode"] = node.get("mode")
                entry["overwrite"] = node.get("overwrite")
            else:
                entry["target"] = node.get("target")
                entry["hard"] = node.get("hard") or None
                entry["overwrite"] = node.get("overwrite")
            if path in seen:
                r.error(
                    src,
                    f'unable to translate 2.x ignition to 3.1: duplicate path "{path}" '
                    "(spec 3 allows one entry per path)",
                )
                continue
            seen[path] = (kind, len(result))
            pm.add(("storage", kind, len(result)), src)
            result.append(_clean(entry))
        if result:
            out[kind] = result


def _networkd(tree: Tree, storage: Tree, pm: PathMap) -> None:
    files = storage.setdefault("files", [])
    for i, unit in enumerate(lst(obj(tree, "networkd"), "units")):
        src: Path = ("networkd", "units", i)
        name = unit.get("name") or ""
        entries = [(NETWORKD_DIR + name, unit.get("contents") or "", src)]
        for j, d in enumerate(lst(unit, "dropins")):
            entries.append(
                (
                    f"{NETWORKD_DIR}{name}.d/{d.get('name') or ''}",
                    d.get("contents") or "",
                    (*src, "dropins", j),
                )
            )
        for path, text, origin in entries:
            pm.add(("storage", "files", len(files)), origin)
            pm.add(("storage", "files", len(files), "path"), (*origin, "name"))
            files.append(
                {
                    "path": path,
                    "mode": 0o644,
                    "overwrite": True,
                    "contents": {"source": "data:," + quote(text, safe="")},
                }
            )
    if not files:
        del storage["files"]


def _units(tree: Tree, r: Report, pm: PathMap) -> list[Tree]:
    units: list[Tree] = []
    seen: set[str] = set()
    for i, unit in enumerate(lst(obj(tree, "systemd"), "units")):
        src: Path = ("systemd", "units", i)
        name = unit.get("name") or ""
        if name in seen:
            r.error(src, f'unable to translate 2.x ignition to 3.1: duplicate unit "{name}"')
            continue
        seen.add(name)
        enabled = unit.get("enabled")
        if enabled is None and unit.get("enable"):
            enabled = True
        dropins = [
            _clean({"name": d.get("name"), "contents": d.get("contents") or None})
            for d in lst(unit, "dropins")
        ]
        pm.add(("systemd", "units", len(units)), src)
        units.append(
            _clean(
                {
                    "name": name,
                    "enabled": enabled,
                    "mask": True if unit.get("mask") else None,
                    "contents": unit.get("contents") or None,
                    "dropins": dropins,
                }
            )
        )
    return units


USER_FIELDS = ("uid", "gecos", "homeDir", "noCreateHome", "primaryGroup", "groups",
               "noUserGroup", "noLogInit", "shell", "system")  # fmt: skip


def _passwd(tree: Tree, pm: PathMap) -> Tree:
    pw = obj(tree, "passwd")
    users = []
    for i, user in enumerate(lst(pw, "users")):
        create = obj(user, "create")
        entry: Tree = {
            "name": user.get("name"),
            "passwordHash": user.get("passwordHash"),
            "sshAuthorizedKeys": user.get("sshAuthorizedKeys"),
        }
        for key in USER_FIELDS:
            value = (
                create.get(key) if create.get(key) not in (None, "", False, []) else user.get(key)
            )
            entry[key] = None if value in ("", False, []) else value
        pm.add(("passwd", "users", i), ("passwd", "users", i))
        users.append(_clean(entry))
    groups = []
    for i, group in enumerate(lst(pw, "groups")):
        pm.add(("passwd", "groups", i), ("passwd", "groups", i))
        groups.append(
            _clean(
                {
                    "name": group.get("name"),
                    "gid": group.get("gid"),
                    "passwordHash": group.get("passwordHash") or None,
                    "system": group.get("system") or None,
                }
            )
        )
    return _clean({"users": users, "groups": groups})
