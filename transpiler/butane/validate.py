"""Butane-level checks of the YAML structs (before desugaring), base layer."""

from __future__ import annotations

from typing import Any

from ignition.config.report import Path
from transpiler.butane.context import Ctx
from transpiler.butane.modes import DECIMAL_MODE, decimal_mode_warning
from transpiler.butane.sugar import QUADLET_EXTS

TOO_MANY = "only one of the following can be set: inline, local, source"
TOO_MANY_UNIT = "only one of the following can be set: contents, contents_local"


def source(ctx: Ctx, cfg: dict[str, Any]) -> None:
    r = ctx.report
    ign = cfg.get("ignition", {})
    for i, ref in enumerate(ign.get("config", {}).get("merge", [])):
        _resource(ctx, ref, ("ignition", "config", "merge", i))
    if "replace" in ign.get("config", {}):
        _resource(ctx, ign["config"]["replace"], ("ignition", "config", "replace"))
    for i, ca in enumerate(
        ign.get("security", {}).get("tls", {}).get("certificate_authorities", [])
    ):
        _resource(ctx, ca, ("ignition", "security", "tls", "certificate_authorities", i))
    st = cfg.get("storage", {})
    for i, f in enumerate(st.get("files", [])):
        p: Path = ("storage", "files", i)
        if "contents" in f:
            _resource(ctx, f["contents"], (*p, "contents"))
        for k, a in enumerate(f.get("append", [])):
            _resource(ctx, a, (*p, "append", k))
        _mode(ctx, f.get("mode"), (*p, "mode"), directory=False)
    for i, d in enumerate(st.get("directories", [])):
        _mode(ctx, d.get("mode"), ("storage", "directories", i, "mode"), directory=True)
    for i, lk in enumerate(st.get("luks", [])):
        if "key_file" in lk:
            _resource(ctx, lk["key_file"], ("storage", "luks", i, "key_file"))
    for i, fs in enumerate(st.get("filesystems", [])):
        if fs.get("with_mount_unit"):
            p = ("storage", "filesystems", i)
            if not fs.get("format"):
                r.error((*p, "format"), "format is required if with_mount_unit is true")
            elif fs.get("format") != "swap" and not fs.get("path"):
                r.error(
                    (*p, "path"),
                    "path is required if with_mount_unit is true and format is not swap",
                )
            elif (
                ctx.spec.fcos >= 6
                and fs.get("format") != "swap"
                and not _under(fs.get("path", ""), ("/etc", "/var"))
            ):
                r.error((*p, "path"), "path must be under /etc or /var if with_mount_unit is true")
    for i, t in enumerate(st.get("trees", [])):
        p = ("storage", "trees", i)
        if not t.get("local"):
            r.error((*p, "local"), "local is required")
        if "file_mode" in t:
            _mode(ctx, t["file_mode"], (*p, "file_mode"), directory=False)
        if "dir_mode" in t:
            _mode(ctx, t["dir_mode"], (*p, "dir_mode"), directory=True)
    sd = cfg.get("systemd", {})
    for i, u in enumerate(sd.get("units", [])):
        p = ("systemd", "units", i)
        if "contents" in u and "contents_local" in u:
            r.error((*p, "contents_local"), TOO_MANY_UNIT)
        for k, d in enumerate(u.get("dropins", [])):
            if "contents" in d and "contents_local" in d:
                r.error((*p, "dropins", k, "contents_local"), TOO_MANY_UNIT)
    for i, q in enumerate(sd.get("quadlets", [])):
        _quadlet(ctx, q, ("systemd", "quadlets", i))


def _under(path: str, roots: tuple[str, ...]) -> bool:
    import posixpath

    clean = posixpath.normpath(path) if path else ""
    return any(clean == root or clean.startswith(root + "/") for root in roots)


def _resource(ctx: Ctx, res: dict[str, Any], p: Path) -> None:
    field = ""
    n = 0
    for key in ("local", "inline", "source"):
        if key in res:
            n += 1
            field = key
    if n > 1:
        ctx.report.error((*p, field), TOO_MANY)


def _mode(ctx: Ctx, mode: int | None, p: Path, *, directory: bool) -> None:
    if mode is not None and decimal_mode_warning(mode, directory=directory):
        ctx.report.warning(p, DECIMAL_MODE)


def _quadlet(ctx: Ctx, q: dict[str, Any], p: Path) -> None:
    r = ctx.report
    name = q.get("name", "")
    if not name.endswith(QUADLET_EXTS):
        r.error(
            (*p, "name"),
            "unsupported file extension for quadlet: must be one of "
            ".container, .volume, .network, .kube, .image, .build, .pod, or .artifact",
        )
    stem = name.rsplit(".", 1)[0]
    if "@" in stem and not stem.endswith("@"):
        for key in ("contents", "contents_local"):
            if key in q:
                r.error((*p, key), "template instances cannot have contents or contents_local")
                break
    if "contents" in q and "contents_local" in q:
        r.error((*p, "contents_local"), TOO_MANY_UNIT)
    for k, d in enumerate(q.get("dropins", [])):
        if "contents" in d and "contents_local" in d:
            r.error((*p, "dropins", k, "contents_local"), TOO_MANY_UNIT)
