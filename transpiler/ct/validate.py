"""Checks of the generated Ignition 2.3.0 config that ct reports (its vendored Ignition
validator), with paths into the output for the TranslationSet to map back."""

from __future__ import annotations

import posixpath
import re
from typing import Any

from ignition.config.report import Path, Report
from ignition.config.rules.storage import NO_SPARES, RAID_LEVELS
from ignition.config.rules.units import UNIT_EXTENSIONS, content_error, has_install_section
from ignition.config.urls import URLError, parse_url
from transpiler.translations import TranslationSet

SCHEMES = ("http", "https", "s3", "tftp", "data", "oem", "")
FORMATS = ("ext4", "btrfs", "xfs", "vfat", "swap")
NO_INSTALL = 'unit "{}" is enabled, but has no install section so enable does nothing'
HASHES = {"sha512": 128, "sha256": 64}
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
GUID_FORM = 'doesn\'t match the form "01234567-89AB-CDEF-EDCB-A98765432101"'


def check(r: Report, out: dict[str, Any], ts: TranslationSet) -> None:
    found = Report()
    _check(found, out)
    for d in found:
        path = ts.source(d.path) if d.path is not None else None
        r.entries.append(type(d)(d.severity, path, d.message, d.line, d.column))


def _url(r: Report, p: Path, url: str) -> None:
    if not url:
        return
    try:
        parsed = parse_url(url)
    except URLError as exc:
        r.error(p, f'parse "{url}": {exc}')
        return
    if parsed.scheme not in SCHEMES:
        r.error(p, f'invalid url "{url}": invalid url scheme')


def _hash(r: Report, p: Path, v: dict[str, Any]) -> None:
    h = v.get("hash")
    if not h:
        return
    fn, _, digest = h.partition("-")
    if fn not in HASHES:
        r.error(p, "unrecognized hash function")
    elif len(digest) != HASHES[fn]:
        r.error(p, "incorrect size for hash sum")


def _check(r: Report, out: dict[str, Any]) -> None:
    ign = out["ignition"]
    for i, ref in enumerate(ign["config"].get("append", [])):
        _url(r, ("ignition", "config", "append", i, "source"), ref["source"])
        _hash(r, ("ignition", "config", "append", i, "verification", "hash"), ref["verification"])
    if "replace" in ign["config"]:
        ref = ign["config"]["replace"]
        _url(r, ("ignition", "config", "replace", "source"), ref["source"])
    for i, ca in enumerate(ign["security"]["tls"].get("certificateAuthorities", [])):
        _url(
            r, ("ignition", "security", "tls", "certificateAuthorities", i, "source"), ca["source"]
        )
    st = out["storage"]
    _disks(r, st)
    names = {fs.get("name") for fs in st.get("filesystems", [])} | {"root"}
    for i, fs in enumerate(st.get("filesystems", [])):
        p: Path = ("storage", "filesystems", i)
        if "path" in fs and not posixpath.isabs(fs["path"]):
            r.error((*p, "path"), "path not absolute")
        fmt = fs.get("mount", {}).get("format")
        if "mount" in fs and fmt not in FORMATS:
            r.error((*p, "mount", "format"), "invalid filesystem format")
        if "mount" in fs and "path" in fs:
            r.error(p, "filesystem must use either a path or a mount, not both")
    for kind in ("files", "directories", "links"):
        for i, n in enumerate(st.get(kind, [])):
            p = ("storage", kind, i)
            if not posixpath.isabs(n["path"]):
                r.error((*p, "path"), "path not absolute")
            mode = n.get("mode")
            if mode is not None and not 0 <= mode <= 0o7777:
                r.error((*p, "mode"), "illegal file mode")
            if n["filesystem"] not in names:
                what = {"files": "File", "directories": "Directory", "links": "Link"}[kind]
                r.warning(
                    None,
                    f'{what} "{n["path"]}" references nonexistent filesystem "{n["filesystem"]}". '
                    "(This is ok if it is defined in a referenced config)",
                )
            if kind == "files":
                _url(r, (*p, "contents", "source"), n["contents"]["source"])
                _hash(r, (*p, "contents", "verification", "hash"), n["contents"]["verification"])
                comp = n["contents"].get("compression")
                if comp not in (None, "", "gzip"):
                    r.error((*p, "contents", "compression"), "invalid compression method")
    for i, u in enumerate(out["systemd"].get("units", [])):
        p = ("systemd", "units", i)
        if not u["name"].endswith(UNIT_EXTENSIONS):
            r.error((*p, "name"), "invalid systemd unit extension")
        text = u.get("contents")
        if text:
            err = content_error(text)
            if err:
                r.error((*p, "contents"), err)
            elif (u.get("enable") or u.get("enabled")) and not has_install_section(text):
                r.warning(
                    (*p, "contents"),
                    NO_INSTALL.format(u["name"]),
                )
        for j, d in enumerate(u.get("dropins", [])):
            if not d.get("name", "").endswith(".conf"):
                r.error((*p, "dropins", j, "name"), "invalid systemd drop-in extension")
            if d.get("contents"):
                err = content_error(d["contents"])
                if err:
                    r.error((*p, "dropins", j, "contents"), err)
    for i, u in enumerate(out["networkd"].get("units", [])):
        p = ("networkd", "units", i)
        if not u["name"].endswith((".network", ".netdev", ".link")):
            r.error((*p, "name"), "invalid networkd unit extension")
        if u.get("contents"):
            err = content_error(u["contents"])
            if err:
                r.error((*p, "contents"), err)


def _disks(r: Report, st: dict[str, Any]) -> None:
    """Ignition 2.3's partition GUID and RAID level checks (after ct's type_guid aliases)."""
    for i, disk in enumerate(st.get("disks", [])):
        for j, part in enumerate(disk.get("partitions", [])):
            for key in ("guid", "typeGuid"):
                if part.get(key) and not GUID.fullmatch(part[key]):
                    r.error(("storage", "disks", i, "partitions", j, key), GUID_FORM)
    for i, raid in enumerate(st.get("raid", [])):
        level = raid.get("level", "")
        if level not in RAID_LEVELS:
            r.error(("storage", "raid", i, "level"), "unrecognized raid level")
        elif level in NO_SPARES and raid.get("spares"):
            r.error(
                ("storage", "raid", i, "level"),
                "spares unsupported for arrays with a level greater than 0",
            )
