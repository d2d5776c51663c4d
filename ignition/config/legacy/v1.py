"""Spec 1 (``"ignitionVersion": 1``) → spec 2.0.0, as Flatcar's v1 translation does.

Spec 1 nests files inside filesystems and gives file contents inline; 2.0 names filesystems
and references them from files, with contents as ``data:`` URLs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ignition.config.legacy.convert import PathMap
from ignition.config.legacy.rules import lst, obj

Tree = dict[str, Any]


def to_v20(tree: Tree, pm: PathMap) -> Tree:
    storage = obj(tree, "storage")
    filesystems: list[Tree] = []
    files: list[Tree] = []
    for i, fs in enumerate(lst(storage, "filesystems")):
        name = f"_translate-filesystem-{i}"
        pm.add(("storage", "filesystems", i), ("storage", "filesystems", i))
        pm.add(
            ("storage", "filesystems", i, "mount", "device"),
            ("storage", "filesystems", i, "device"),
        )
        pm.add(
            ("storage", "filesystems", i, "mount", "format"),
            ("storage", "filesystems", i, "format"),
        )
        mount: Tree = {"device": fs.get("device"), "format": fs.get("format")}
        if fs.get("create") is not None:
            mount["create"] = fs["create"]
            pm.add(
                ("storage", "filesystems", i, "mount", "create"),
                ("storage", "filesystems", i, "create"),
            )
        filesystems.append({"name": name, "mount": mount})
        for j, f in enumerate(lst(fs, "files")):
            src = ("storage", "filesystems", i, "files", j)
            k = len(files)
            pm.add(("storage", "files", k), src)
            pm.add(("storage", "files", k, "contents"), (*src, "contents"))
            pm.add(("storage", "files", k, "user"), (*src, "uid"))
            pm.add(("storage", "files", k, "group"), (*src, "gid"))
            files.append(
                {
                    "filesystem": name,
                    "path": f.get("path"),
                    "contents": {"source": "data:," + quote(f.get("contents") or "", safe="")},
                    "mode": f.get("mode"),
                    "user": {"id": f.get("uid")},
                    "group": {"id": f.get("gid")},
                }
            )
    out_storage: Tree = {k: storage[k] for k in ("disks", "raid") if storage.get(k)}
    if filesystems:
        out_storage["filesystems"] = filesystems
    if files:
        out_storage["files"] = files
    out: Tree = {"ignition": {"version": "2.0.0"}}
    if out_storage:
        out["storage"] = out_storage
    for key in ("systemd", "networkd", "passwd"):
        if tree.get(key):
            out[key] = tree[key]
            pm.add((key,), (key,))
    return out
