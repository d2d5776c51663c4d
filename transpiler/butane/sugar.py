"""Base-layer sugar that generates new entries: trees, mount units and quadlets."""

from __future__ import annotations

import posixpath
from typing import Any

from ignition.config.report import Path
from ignition.config.rules.units import systemd_escape_path
from transpiler.butane.context import Ctx
from transpiler.butane.merge import merge
from transpiler.dataurl import butane_encode
from transpiler.localfiles import LocalFileError
from transpiler.translations import TranslationSet

COLLISION = "matching filesystem node has existing contents or different type"
QUADLET_EXTS = (
    ".container",
    ".volume",
    ".network",
    ".kube",
    ".image",
    ".build",
    ".pod",
    ".artifact",
)


def apply(ctx: Ctx, cfg: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    storage = cfg.get("storage", {})
    if storage.get("trees"):
        _trees(ctx, storage["trees"], out)
    quadlets = cfg.get("systemd", {}).get("quadlets")
    if quadlets:
        _quadlets(ctx, quadlets, out)
    if ctx.mount_units:
        out = _mount_units(ctx, cfg, out)
    return out


# ------------------------------------------------------------------------------ data helpers


def _data_contents(ctx: Ctx, data: bytes, j: Path, y: Path) -> dict[str, Any]:
    url, gz = butane_encode(data, compress=ctx.auto_compress)
    ctx.ts.add((*j, "contents"), y)
    ctx.ts.add((*j, "contents", "source"), y)
    ctx.ts.add((*j, "contents", "compression"), y)
    return {"compression": "gzip" if gz else "", "source": url}


def _nodes(out: dict[str, Any]) -> dict[str, tuple[str, int]]:
    st = out.get("storage", {})
    found: dict[str, tuple[str, int]] = {}
    for kind in ("files", "directories", "links"):
        for i, n in enumerate(st.get(kind, [])):
            found[n.get("path", "")] = (kind, i)
    return found


def _append(ctx: Ctx, out: dict[str, Any], kind: str, entry: dict[str, Any], y: Path) -> int:
    lst = out.setdefault("storage", {}).setdefault(kind, [])
    j: Path = ("storage", kind, len(lst))
    lst.append(entry)
    ctx.ts.add(("storage",), ctx.ts.entries.get(("storage",), ("storage",)))
    ctx.ts.add(("storage", kind), ctx.ts.entries.get(("storage", kind), y))
    ctx.ts.add(j, y)
    for k in entry:
        ctx.ts.add((*j, k), y)
        if isinstance(entry[k], dict):
            for kk in entry[k]:
                ctx.ts.add((*j, k, kk), y)
    return len(lst) - 1


# ------------------------------------------------------------------------------ trees


def _trees(ctx: Ctx, trees: list[dict[str, Any]], out: dict[str, Any]) -> None:
    nodes = _nodes(out)
    for t, tree in enumerate(trees):
        y: Path = ("storage", "trees", t)
        local = tree.get("local", "")
        try:
            entries = ctx.files.walk(local)
        except LocalFileError as exc:
            ctx.report.error((*y, "local"), str(exc))
            continue
        dest = tree.get("path") or "/"
        owner = {k: tree[k] for k in ("user", "group") if tree.get(k)}
        want_dirs = bool(owner) or "dir_mode" in tree
        for e in entries:
            path = posixpath.join(dest, e.rel) if e.rel else dest
            if path != "/" and path.endswith("/"):
                path = path.rstrip("/")
            if e.kind == "other":
                ctx.report.error(y, "trees may only contain files, directories, and symlinks")
                continue
            if e.kind == "dir":
                if not want_dirs:
                    continue
                if path in nodes:
                    ctx.report.error(y, COLLISION)
                    continue
                entry: dict[str, Any] = {"path": path, **owner, "mode": tree.get("dir_mode", 0o755)}
                nodes[path] = ("directories", _append(ctx, out, "directories", entry, y))
                continue
            if e.kind == "link":
                if path in nodes:
                    ctx.report.error(y, COLLISION)
                    continue
                entry = {"path": path, **owner, "target": e.target}
                nodes[path] = ("links", _append(ctx, out, "links", entry, y))
                continue
            rel = posixpath.join(local, e.rel)
            try:
                data = ctx.files.read(rel)
            except LocalFileError as exc:
                ctx.report.error((*y, "local"), str(exc))
                continue
            mode = tree.get("file_mode", 0o755 if e.executable else 0o644)
            hit = nodes.get(path)
            if hit is not None:
                kind, i = hit
                existing = out["storage"][kind][i]
                if kind != "files" or existing.get("contents", {}).get("source") is not None:
                    ctx.report.error(y, COLLISION)
                    continue
                j: Path = ("storage", "files", i)
                existing["contents"] = {
                    **existing.get("contents", {}),
                    **_data_contents(ctx, data, j, y),
                }
                if "mode" not in existing:
                    existing["mode"] = mode
                    ctx.ts.add((*j, "mode"), y)
                for k, v in owner.items():
                    existing.setdefault(k, v)
                continue
            entry = {"path": path, **owner}
            lst = out.setdefault("storage", {}).setdefault("files", [])
            j = ("storage", "files", len(lst))
            entry["contents"] = _data_contents(ctx, data, j, y)
            entry["mode"] = mode
            nodes[path] = ("files", _append(ctx, out, "files", entry, y))


# ------------------------------------------------------------------------------ quadlets


def _quadlets(ctx: Ctx, quadlets: list[dict[str, Any]], out: dict[str, Any]) -> None:
    nodes = _nodes(out)
    for q, ql in enumerate(quadlets):
        y: Path = ("systemd", "quadlets", q)
        name = ql.get("name", "")
        base = "/etc/containers/systemd/" + ("" if ql.get("rootful") else "users/")
        path = base + name
        stem = name.rsplit(".", 1)[0]
        if "@" in stem and not stem.endswith("@"):
            if path in nodes:
                ctx.report.error(y, COLLISION)
                continue
            template = stem.split("@", 1)[0] + "@." + name.rsplit(".", 1)[1]
            nodes[path] = (
                "links",
                _append(ctx, out, "links", {"path": path, "target": template}, y),
            )
        else:
            data = _content(ctx, ql, y)
            if path in nodes:
                ctx.report.error(y, COLLISION)
                continue
            lst = out.setdefault("storage", {}).setdefault("files", [])
            jf: Path = ("storage", "files", len(lst))
            entry: dict[str, Any] = {"path": path}
            if data is not None:
                entry["contents"] = _data_contents(ctx, data, jf, y)
            entry["mode"] = 0o644
            nodes[path] = ("files", _append(ctx, out, "files", entry, y))
        for d, drop in enumerate(ql.get("dropins", [])):
            yd: Path = (*y, "dropins", d)
            dpath = f"{path}.d/{drop.get('name', '')}"
            data = _content(ctx, drop, yd)
            if dpath in nodes:
                ctx.report.error(yd, COLLISION)
                continue
            lst = out.setdefault("storage", {}).setdefault("files", [])
            jf = ("storage", "files", len(lst))
            entry = {"path": dpath}
            if data is not None:
                entry["contents"] = _data_contents(ctx, data, jf, yd)
            entry["mode"] = 0o644
            nodes[dpath] = ("files", _append(ctx, out, "files", entry, yd))


def _content(ctx: Ctx, item: dict[str, Any], y: Path) -> bytes | None:
    if "contents" in item:
        return str(item["contents"]).encode()
    if "contents_local" in item:
        return ctx.read_local(item["contents_local"], (*y, "contents_local"))
    return None


# ------------------------------------------------------------------------------ mount units


def _mount_units(ctx: Ctx, cfg: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    remote_devs: set[str] = set()
    for luks in cfg.get("storage", {}).get("luks", []):
        if luks.get("clevis", {}).get("tang"):
            name = luks.get("name", "")
            remote_devs |= {f"/dev/mapper/{name}", f"/dev/disk/by-id/dm-name-{name}"}
    units: list[dict[str, Any]] = []
    pts = TranslationSet()
    for y, fs in ctx.mount_units:
        device = fs.get("device", "")
        fmt = fs.get("format", "")
        options = list(fs.get("mount_options", []))
        remote = device in remote_devs
        if remote:
            options.append("_netdev")
        opt_line = f"Options={','.join(options)}\n" if options else ""
        if fmt == "swap":
            name = systemd_escape_path(device) + ".swap"
            contents = (
                f"# Generated by Butane\n[Swap]\nWhat={device}\n{opt_line}\n"
                "[Install]\nRequiredBy=swap.target"
            )
        else:
            path = fs.get("path", "")
            name = systemd_escape_path(path) + ".mount"
            dev = systemd_escape_path(device)
            target = "remote-fs.target" if remote else "local-fs.target"
            contents = (
                f"# Generated by Butane\n[Unit]\nRequires=systemd-fsck@{dev}.service\n"
                f"After=systemd-fsck@{dev}.service\n\n[Mount]\nWhere={path}\nWhat={device}\n"
                f"Type={fmt}\n{opt_line}\n[Install]\nRequiredBy={target}"
            )
        unit = {"contents": contents, "enabled": True, "name": name}
        pts.add_tree(("systemd", "units", len(units)), unit, y)
        units.append(unit)
    pts.add(("systemd",), ("storage", "filesystems"))
    pts.add(("systemd", "units"), ("storage", "filesystems"))
    merged, ctx.ts = merge({"systemd": {"units": units}}, pts, out, ctx.ts)
    return merged
