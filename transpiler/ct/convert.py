"""ct: Container Linux Config YAML -> Ignition 2.3.0, with ct's two report phases.

Parse phase: YAML decoding, unknown keys, ct-level checks ("Failed to parse config" when
fatal). Convert phase: sugar sections, local files, then checks of the generated 2.3 config,
each mapped back to YAML through the TranslationSet.
"""

from __future__ import annotations

import difflib
from typing import Any

from ignition.config.report import Path, Report
from ignition.config.yamldoc import (
    MappingNode,
    Node,
    ScalarNode,
    YamlSyntaxError,
    compose_first_located,
    resolve_null,
)
from ignition.util.record import field, record, replace
from transpiler.ct import semver, sugar
from transpiler.ct.schema import root
from transpiler.ct.semver import Semver, SemverError
from transpiler.dataurl import percent
from transpiler.localfiles import FilesDir, LocalFileError
from transpiler.shapes import Decoded, Shape, decode
from transpiler.translations import TranslationSet

TOO_NEW = (
    "{} minor version specified is too new, only options available in the previous minor "
    "version will be accepted"
)
NO_FILES_DIR = (
    "local files require setting the --files-dir flag to the directory that contains the file"
)
DEPRECATED_ETCD = {
    "ca_file": "etcd's ca_file is deprecated and dropped; use trusted_ca_file and client_cert_auth",
    "peer_ca_file": "etcd's peer_ca_file is deprecated and dropped; use peer_trusted_ca_file and "
    "peer_client_cert_auth",
}
TYPE_GUIDS = {
    "raid_containing_root": "be9067b9-ea49-4f15-b4f6-f36f8c9e1818",
    "linux_filesystem_data": "0fc63daf-8483-4772-8e79-3d69d8477de4",
    "swap_partition": "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f",
    "raid_partition": "a19d880f-05fc-4d3b-a006-743f0f84911e",
}


@record(frozen=False)
class CtResult:
    output: dict[str, Any] | None = None
    parse: Report = field(default_factory=Report)
    convert: Report = field(default_factory=Report)
    parse_failed: bool = False
    error: str | None = None  # a one-line error without position ("error: ...")
    error_pos: tuple[int, int] | None = None
    error_help: str | None = None  # what to do about ``error``
    hints: dict[int, str] = field(default_factory=dict)  # parse entry index -> help
    translations: TranslationSet = field(default_factory=TranslationSet)


def _versions(
    node: MappingNode,
) -> tuple[dict[str, Semver | None], SemverError | None, Node | None]:
    """The etcd and flannel versions, parsed in document order as the reference decodes them:
    the first bad one stops everything. A null version is no version."""
    found: dict[str, Semver | None] = {"etcd": None, "flannel": None}
    for k, v in node.value:
        if not (isinstance(k, ScalarNode) and k.value in found and isinstance(v, MappingNode)):
            continue
        for k2, v2 in v.value:
            if not (isinstance(k2, ScalarNode) and k2.value == "version"):
                continue
            if isinstance(v2, ScalarNode) and not resolve_null(v2):
                try:
                    found[k.value] = semver.parse(v2.value)
                except SemverError as exc:
                    return found, exc, v2
            else:
                found[k.value] = None
    return found, None, None


def translate(raw: bytes, *, files: FilesDir | None, platform: str = "") -> CtResult:
    res = CtResult()
    text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n")
    try:
        node = compose_first_located(text)
    except YamlSyntaxError as exc:
        res.parse_failed = True
        res.error = f"yaml: line {exc.line}: {exc.message}"
        res.error_pos = (exc.line, exc.column)
        return res
    if node is None or (isinstance(node, ScalarNode) and node.value == "" and not node.style):
        res.parse.warning(None, "Configuration is empty")
        res.output = _empty()
        return res
    if not isinstance(node, MappingNode):
        res.parse_failed = True
        kind = "!!seq" if not isinstance(node, ScalarNode) else "!!str"
        line = node.start_mark.line + 1
        res.error = (
            f"yaml: unmarshal errors:\n  line {line}: cannot unmarshal {kind} into types.Config"
        )
        res.error_pos = (node.start_mark.line + 1, node.start_mark.column + 1)
        return res
    versions, bad, vnode = _versions(node)
    if bad is not None:
        assert vnode is not None
        res.parse_failed = True
        res.error = str(bad)
        res.error_pos = (vnode.start_mark.line + 1, vnode.start_mark.column + 1)
        return res
    shape = root(sugar.etcd_set(versions["etcd"]), sugar.flannel_set(versions["flannel"]))
    d = decode(node, shape)
    if d.errors:
        res.parse_failed = True
        res.error = "yaml: unmarshal errors:" + "".join(
            f"\n  line {e.line}: {e.text}" for e in d.errors
        )
        res.error_pos = (d.errors[0].line, d.errors[0].column)
        return res
    _parse_checks(res, d, shape, versions)
    _locate(res.parse, d, set(d.unused) | {e.path for e in d.duplicates})
    if res.parse.is_fatal:
        res.parse_failed = True
        return res
    cfg = d.value
    try:
        out, ts = _convert(res, cfg, files, platform, versions)
    except sugar.SugarError as exc:
        res.error = str(exc)
        res.error_help = exc.help or None
        res.error_pos = _sugar_position(text, d, exc)
        return res
    from transpiler.ct.validate import check

    check(res.convert, out, ts)
    _locate(res.convert, d, set())
    res.output = out
    res.translations = ts
    return res


def _sugar_position(text: str, d: Decoded, exc: sugar.SugarError) -> tuple[int, int] | None:
    """Where a templating error is: the faulty text within the value when it is on the
    value's first line as written (it may be escaped or folded), else the value."""
    if not exc.path:
        return None
    found = d.pos.get(exc.path)
    if found is None:
        return None
    line, col = found
    lines = text.split("\n")
    source = lines[line - 1] if line <= len(lines) else ""
    at = source.find(exc.snippet[:20], col - 1) if exc.snippet else -1
    return (line, at + 1) if at >= 0 else (line, col)


def _empty() -> dict[str, Any]:
    return {
        "ignition": {"config": {}, "security": {"tls": {}}, "timeouts": {}, "version": "2.3.0"},
        "networkd": {},
        "passwd": {},
        "storage": {},
        "systemd": {},
    }


def _fields_of(shape: Shape, path: Path) -> dict[str, Shape]:
    s: Shape | None = shape
    for p in path:
        if s is None:
            return {}
        s = s.items if isinstance(p, int) else s.fields.get(p)
    return s.fields if s is not None else {}


def _parse_checks(
    res: CtResult, d: Decoded, shape: Shape, versions: dict[str, Semver | None]
) -> None:
    r = res.parse
    for dup in d.duplicates:
        r.error(dup.path, f"duplicate key: {dup.text}")
    for up in sorted(d.unused, key=lambda q: d.key_pos.get(q, (0, 0))):
        key = str(up[-1])
        r.warning(up, f"Config has unrecognized key: {key}")
        known = _fields_of(shape, up[:-1])
        folded = [k for k in known if k.lower() == key.lower()]
        if folded:
            r.info(up, f"Did you mean {folded[0]} instead of {key}")
        elif up[:-1] == ("etcd",) and key in DEPRECATED_ETCD:
            res.hints[len(r.entries) - 1] = DEPRECATED_ETCD[key]
        else:
            close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.75)
            if close:
                res.hints[len(r.entries) - 1] = f'did you mean "{close[0]}"?'
    cfg = d.value
    if cfg.get("version", 0) != 0:
        r.error(("version",), "Invalid version. Only version 0 is supported")
    st = cfg.get("storage", {})
    for i, f in enumerate(st.get("files", [])):
        p: Path = ("storage", "files", i)
        c = f.get("contents", {})
        if sum(k in c for k in ("inline", "local")) + bool(c.get("remote", {}).get("url")) > 1:
            r.error(
                (*p, "contents"), "only one of the following can be set: local, inline, remote.url"
            )
        if "mode" not in f:
            if f.get("append"):
                r.info(
                    p, "mode unspecified for file, defaulting to 0644 if the file does not exist"
                )
            else:
                r.warning(p, "mode unspecified for file, defaulting to 0644")
    for i, dr in enumerate(st.get("directories", [])):
        if "mode" not in dr:
            r.warning(
                ("storage", "directories", i), "mode unspecified for directory, defaulting to 0755"
            )
    for i, fs in enumerate(st.get("filesystems", [])):
        if "create" in fs.get("mount", {}):
            r.warning(
                ("storage", "filesystems", i, "mount"),
                "the create object has been deprecated in favor of mount-level options",
            )
    for i, disk in enumerate(st.get("disks", [])):
        for j, part in enumerate(disk.get("partitions", [])):
            for key in ("size", "start"):
                if key in part:
                    _, err = mib(part[key])
                    if err:
                        r.error(("storage", "disks", i, "partitions", j, key), err)
    for i, u in enumerate(cfg.get("passwd", {}).get("users", [])):
        if "create" in u:
            r.warning(
                ("passwd", "users", i),
                "the create object has been deprecated in favor of user-level options",
            )
    _sections(r, cfg, versions)


def _sections(r: Report, cfg: dict[str, Any], versions: dict[str, Semver | None]) -> None:
    etcd, v = cfg.get("etcd"), versions["etcd"]
    if etcd is not None and v is not None:
        at: Path = ("etcd", "version")
        if v.older_than(2, 3, 0):
            r.error(at, "Etcd version specified is not valid (too old)")
        elif (v.major == 2 and v.minor > 3) or (v.major == 3 and v.minor > 3):
            r.warning(at, TOO_NEW.format("Etcd"))
        elif v.major > 3:
            r.error(at, "Etcd version is not valid (too new)")
    fl, v = cfg.get("flannel"), versions["flannel"]
    if fl is not None:
        if v is not None:
            at = ("flannel", "version")
            if v.older_than(0, 5, 0):
                r.error(at, "Flannel version specified is not valid (too old)")
            elif v.major == 0 and v.minor > 7:
                r.warning(at, TOO_NEW.format("Flannel"))
        err = sugar.network_config_error(fl)
        if err:
            r.error(("flannel", "network_config"), err)
    upd = cfg.get("update")
    if upd is not None:
        group = upd.get("group", "")
        if group.lower() not in ("stable", "beta", "alpha") and not upd.get("server"):
            r.warning(("update", "group"), "unknown update group")
    lock = cfg.get("locksmith")
    if lock is not None:
        for key, msg in sugar.locksmith_errors(lock):
            r.error(("locksmith", key), msg)


_UNITS = {
    "KiB": 1 / 1024,
    "KB": 1 / 1024,
    "MiB": 1,
    "MB": 1,
    "GiB": 1024,
    "GB": 1024,
    "TiB": 1 << 20,
    "TB": 1 << 20,
    "PiB": 1 << 30,
    "PB": 1 << 30,
}


def mib(text: str) -> tuple[int, str | None]:
    """A partition dimension (``10GiB``; MB/GB are base 2, as ct's units library) in MiB."""
    import re

    m = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*([A-Za-z]*)", text.strip())
    if not m:
        return 0, f"units: invalid dimension in {text}"
    num, unit = float(m[1]), m[2]
    if unit not in _UNITS:
        return 0, f"units: unknown unit {unit} in {text}"
    if num < 0:
        return 0, f'invalid dimension (negative): "{text}"'
    value = num * _UNITS[unit]
    if value != int(value):
        return 0, "invalid dimension (finest granularity is 1MiB)"
    return int(value), None


def _convert(
    res: CtResult,
    cfg: dict[str, Any],
    files: FilesDir | None,
    platform: str,
    versions: dict[str, Semver | None],
) -> tuple[dict[str, Any], TranslationSet]:
    """The 2.3 config, section by section in the reference's output order, and the
    TranslationSet that maps each generated field back to its YAML path (for the checks)."""
    ts = TranslationSet()
    out = _empty()
    _ignition(cfg.get("ignition", {}), out["ignition"], ts)
    st = cfg.get("storage", {})
    ost: dict[str, Any] = out["storage"]
    _disks(st.get("disks", []), ost, ts)
    _raids(st.get("raid", []), ost, ts)
    _filesystems(st.get("filesystems", []), ost, ts)
    _files(st.get("files", []), ost, ts, res.convert, files)
    _directories(st.get("directories", []), ost, ts)
    _links(st.get("links", []), ost, ts)
    _units(cfg, out, ts, platform, versions)
    _networkd_units(cfg.get("networkd", {}).get("units", []), out["networkd"], ts)
    _passwd(cfg, out, ts)
    _update_conf(cfg, ost, ts)
    return out, ts


def _ignition(ign: dict[str, Any], out: dict[str, Any], ts: TranslationSet) -> None:
    """Config references, timeouts and certificate authorities of the ``ignition`` section."""
    icfg = ign.get("config", {})
    for i, ref in enumerate(icfg.get("append", [])):
        out["config"].setdefault("append", []).append(_ref(ref))
        ts.add(("ignition", "config", "append", i), ("ignition", "config", "append", i))
        ts.add(
            ("ignition", "config", "append", i, "source"),
            ("ignition", "config", "append", i, "source"),
        )
    if "replace" in icfg:
        out["config"]["replace"] = _ref(icfg["replace"])
        ts.add(
            ("ignition", "config", "replace", "source"), ("ignition", "config", "replace", "source")
        )
    to = ign.get("timeouts", {})
    for k, k2 in (("http_response_headers", "httpResponseHeaders"), ("http_total", "httpTotal")):
        if k in to:
            out["timeouts"][k2] = to[k]
    for i, ca in enumerate(
        ign.get("security", {}).get("tls", {}).get("certificate_authorities", [])
    ):
        out["security"]["tls"].setdefault("certificateAuthorities", []).append(_ref(ca))
        base = ("ignition", "security", "tls", "certificate_authorities", i)
        ts.add(
            ("ignition", "security", "tls", "certificateAuthorities", i, "source"),
            (*base, "source"),
        )


def _disks(disks: list[dict[str, Any]], ost: dict[str, Any], ts: TranslationSet) -> None:
    for i, disk in enumerate(disks):
        parts = [
            _partition(ts, part, ("storage", "disks", i, "partitions", j))
            for j, part in enumerate(disk.get("partitions", []))
        ]
        dd: dict[str, Any] = {"device": disk.get("device", "")}
        if parts:
            dd["partitions"] = parts
        if disk.get("wipe_table"):
            dd["wipeTable"] = True
        ost.setdefault("disks", []).append(dd)
        ts.add(("storage", "disks", i, "device"), ("storage", "disks", i, "device"))


def _partition(ts: TranslationSet, part: dict[str, Any], pp: Path) -> dict[str, Any]:
    """One partition: sizes in MiB, ct's type names as their GUIDs."""
    q: dict[str, Any] = {}
    for k, k2 in (("guid", "guid"), ("label", "label"), ("number", "number")):
        if k in part:
            q[k2] = part[k]
    if "size" in part:
        q["sizeMiB"] = mib(part["size"])[0]
    if "start" in part:
        q["startMiB"] = mib(part["start"])[0]
    if "type_guid" in part:
        q["typeGuid"] = TYPE_GUIDS.get(part["type_guid"], part["type_guid"])
    ts.add_tree(pp, q, pp)
    # Ignition's field checks point at the field itself (ct's type_guid for typeGuid)
    for k, k2 in (("guid", "guid"), ("typeGuid", "type_guid")):
        ts.add((*pp, k), (*pp, k2))
    return q


def _raids(raids: list[dict[str, Any]], ost: dict[str, Any], ts: TranslationSet) -> None:
    for i, raid in enumerate(raids):
        rr = {k: raid[k] for k in ("devices", "level", "name", "options", "spares") if k in raid}
        ost.setdefault("raid", []).append(rr)
        ts.add_tree(("storage", "raid", i), rr, ("storage", "raid", i))
        ts.add(("storage", "raid", i, "level"), ("storage", "raid", i, "level"))


def _filesystems(fss: list[dict[str, Any]], ost: dict[str, Any], ts: TranslationSet) -> None:
    for i, fs in enumerate(fss):
        # Ignition 2.3's field order (mount, name, path); an empty name is omitted, as the
        # reference does for the anonymous filesystems of Flatcar's PXE examples.
        ff: dict[str, Any] = {}
        if "mount" in fs:
            ff["mount"] = _mount(fs["mount"], ts, ("storage", "filesystems", i, "mount"))
        if fs.get("name"):
            ff["name"] = fs["name"]
        if "path" in fs:
            ff["path"] = fs["path"]
        ost.setdefault("filesystems", []).append(ff)
        ts.add(("storage", "filesystems", i), ("storage", "filesystems", i))


def _mount(m: dict[str, Any], ts: TranslationSet, y: Path) -> dict[str, Any]:
    mm: dict[str, Any] = {}
    if "create" in m:
        mm["create"] = {k: m["create"][k] for k in ("force", "options") if k in m["create"]}
    mm["device"] = m.get("device", "")
    mm["format"] = m.get("format", "")
    for k, k2 in (
        ("label", "label"),
        ("options", "options"),
        ("uuid", "uuid"),
        ("wipe_filesystem", "wipeFilesystem"),
    ):
        if k in m:
            mm[k2] = m[k]
    for k in mm:
        ts.add((*y, k), (*y, _snake(k)))
    return mm


def _files(
    fs: list[dict[str, Any]],
    ost: dict[str, Any],
    ts: TranslationSet,
    r: Report,
    files: FilesDir | None,
) -> None:
    for i, f in enumerate(fs):
        y: Path = ("storage", "files", i)
        entry = _node(f)
        contents = _file_contents(f.get("contents", {}), ts, y, r, files)
        if f.get("append"):
            entry["append"] = True
        entry["contents"] = contents
        entry["mode"] = f.get("mode", 0o644)
        ost.setdefault("files", []).append(entry)
        _node_ts(ts, y, entry)


def _file_contents(
    c: dict[str, Any], ts: TranslationSet, y: Path, r: Report, files: FilesDir | None
) -> dict[str, Any]:
    """A file's source (inline or local data as a data URL, or the remote URL) and hash."""
    contents: dict[str, Any] = {}
    remote = c.get("remote", {})
    if "compression" in remote:
        contents["compression"] = remote["compression"]
    if "inline" in c:
        contents["source"] = percent(c["inline"].encode())
        ts.add((*y, "contents", "source"), (*y, "contents", "inline"))
    elif "local" in c:
        data = _read(r, files, c["local"], (*y, "contents", "local"))
        contents["source"] = percent(data or b"")
        ts.add((*y, "contents", "source"), (*y, "contents", "local"))
    elif remote.get("url"):
        contents["source"] = remote["url"]
        ts.add((*y, "contents", "source"), (*y, "contents", "remote", "url"))
    else:
        contents["source"] = "data:,"
    contents["verification"] = _verification(remote.get("verification", {}))
    ts.add(
        (*y, "contents", "verification", "hash"),
        (*y, "contents", "remote", "verification", "hash"),
    )
    return contents


def _directories(dirs: list[dict[str, Any]], ost: dict[str, Any], ts: TranslationSet) -> None:
    for i, dr in enumerate(dirs):
        entry = _node(dr)
        entry["mode"] = dr.get("mode", 0o755)
        ost.setdefault("directories", []).append(entry)
        _node_ts(ts, ("storage", "directories", i), entry)


def _links(links: list[dict[str, Any]], ost: dict[str, Any], ts: TranslationSet) -> None:
    for i, lk in enumerate(links):
        entry = _node(lk)
        if lk.get("hard"):
            entry["hard"] = True
        entry["target"] = lk.get("target", "")
        ost.setdefault("links", []).append(entry)
        _node_ts(ts, ("storage", "links", i), entry)


def _networkd_units(units: list[dict[str, Any]], onw: dict[str, Any], ts: TranslationSet) -> None:
    for i, u in enumerate(units):
        uu: dict[str, Any] = {}
        if "contents" in u:
            uu["contents"] = u["contents"]
        if u.get("dropins"):
            uu["dropins"] = [
                {k: d[k] for k in ("contents", "name") if k in d} for d in u["dropins"]
            ]
        uu["name"] = u.get("name", "")
        onw.setdefault("units", []).append(uu)
        ts.add_tree(("networkd", "units", i), uu, ("networkd", "units", i))


def _update_conf(cfg: dict[str, Any], ost: dict[str, Any], ts: TranslationSet) -> None:
    """The ``update`` and ``locksmith`` sections become one /etc/coreos/update.conf."""
    update, lock = cfg.get("update"), cfg.get("locksmith")
    conf = sugar.update_conf(update, lock)
    if conf:  # sections that set nothing write no file
        entry = {
            "filesystem": "root",
            "path": "/etc/coreos/update.conf",
            "contents": {"source": percent(conf.encode()), "verification": {}},
            "mode": 0o644,
        }
        j = len(ost.setdefault("files", []))
        ost["files"].append(entry)
        ts.add_tree(
            ("storage", "files", j), entry, ("update",) if update is not None else ("locksmith",)
        )


def _snake(k: str) -> str:
    from transpiler.translations import snake

    return snake(k)


def _ref(ref: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": ref.get("source", ""),
        "verification": _verification(ref.get("verification", {})),
    }


def _verification(v: dict[str, Any]) -> dict[str, Any]:
    h = v.get("hash", {})
    if h.get("function") and h.get("sum"):
        return {"hash": f"{h['function']}-{h['sum']}"}
    return {}


def _node(n: dict[str, Any]) -> dict[str, Any]:
    e: dict[str, Any] = {"filesystem": n.get("filesystem") or "root", "path": n.get("path", "")}
    for k in ("user", "group"):
        if n.get(k):
            e[k] = {kk: n[k][kk] for kk in ("id", "name") if kk in n[k]}
    if "overwrite" in n:
        e["overwrite"] = n["overwrite"]
    return e


def _node_ts(ts: TranslationSet, y: Path, entry: dict[str, Any]) -> None:
    ts.add(y, y)
    for k in entry:
        if k not in ("contents",):
            ts.entries.setdefault((*y, k), (*y, k))


def _read(r: Report, files: FilesDir | None, rel: str, at: Path) -> bytes | None:
    if files is None:
        r.error(at, NO_FILES_DIR)
        return None
    try:
        return files.read(rel)
    except LocalFileError as exc:
        r.error(at, str(exc))
        return None


def _sugar_unit(name: str, dropin: str, contents: str) -> dict[str, Any]:
    """An enabled unit with one drop-in: what each of ct's service sections becomes."""
    return {"dropins": [{"contents": contents, "name": dropin}], "enable": True, "name": name}


def _units(
    cfg: dict[str, Any],
    out: dict[str, Any],
    ts: TranslationSet,
    platform: str,
    versions: dict[str, Semver | None],
) -> None:
    units: list[tuple[dict[str, Any], Path]] = []
    if platform in ("openstack-metadata", "cloudstack-configdrive"):
        drop = [
            {
                "contents": "[Service]\nEnvironment=COREOS_METADATA_OPT_PROVIDER=--provider="
                + platform,
                "name": "20-clct-provider-override.conf",
            }
        ]
        units.append(({"dropins": drop, "name": "coreos-metadata.service"}, ()))
        units.append(
            (
                {
                    "dropins": [dict(drop[0])],
                    "enabled": True,
                    "name": "coreos-metadata-sshkeys@.service",
                },
                (),
            )
        )
    if cfg.get("docker") is not None:
        flags = " ".join(cfg["docker"].get("flags", []))
        contents = f'[Service]\nEnvironment="DOCKER_OPTS={flags}"'
        units.append((_sugar_unit("docker.service", "20-clct-docker.conf", contents), ("docker",)))
    if cfg.get("etcd") is not None:
        contents = sugar.etcd_dropin(cfg["etcd"], versions["etcd"], platform)
        unit = _sugar_unit("etcd-member.service", "20-clct-etcd-member.conf", contents)
        units.append((unit, ("etcd",)))
    if cfg.get("flannel") is not None:
        contents = sugar.flannel_dropin(cfg["flannel"], versions["flannel"], platform)
        unit = _sugar_unit("flanneld.service", "20-clct-flannel.conf", contents)
        units.append((unit, ("flannel",)))
    for i, u in enumerate(cfg.get("systemd", {}).get("units", [])):
        uu: dict[str, Any] = {}
        if "contents" in u:
            uu["contents"] = u["contents"]
        if u.get("dropins"):
            uu["dropins"] = [
                {k: d[k] for k in ("contents", "name") if k in d} for d in u["dropins"]
            ]
        if u.get("enable"):
            uu["enable"] = True
        if "enabled" in u:
            uu["enabled"] = u["enabled"]
        if u.get("mask"):
            uu["mask"] = True
        uu["name"] = u.get("name", "")
        units.append((uu, ("systemd", "units", i)))
    for j, (unit, y) in enumerate(units):
        out["systemd"].setdefault("units", []).append(unit)
        ts.add_tree(("systemd", "units", j), unit, y)
        if y[:2] == ("systemd", "units"):
            for k in unit:
                ts.add(("systemd", "units", j, k), (*y, k))
            for n, d in enumerate(unit.get("dropins", [])):
                for kk in d:
                    ts.add(("systemd", "units", j, "dropins", n, kk), (*y, "dropins", n, kk))


def _passwd(cfg: dict[str, Any], out: dict[str, Any], ts: TranslationSet) -> None:
    pw = cfg.get("passwd", {})
    keys = (
        ("gecos", "gecos"),
        ("groups", "groups"),
        ("home_dir", "homeDir"),
        ("name", "name"),
        ("no_create_home", "noCreateHome"),
        ("no_log_init", "noLogInit"),
        ("no_user_group", "noUserGroup"),
        ("password_hash", "passwordHash"),
        ("primary_group", "primaryGroup"),
        ("shell", "shell"),
        ("ssh_authorized_keys", "sshAuthorizedKeys"),
        ("system", "system"),
        ("uid", "uid"),
    )
    for i, u in enumerate(pw.get("users", [])):
        uu: dict[str, Any] = {}
        if "create" in u:
            c = u["create"]
            uu["create"] = {k2: c[k] for k, k2 in keys if k in c and (c[k] or k == "uid")}
        for k, k2 in keys:
            if k in u and (u[k] or k in ("uid", "password_hash")):
                uu[k2] = u[k]
        uu.setdefault("name", "")
        out["passwd"].setdefault("users", []).append(uu)
        y: Path = ("passwd", "users", i)
        ts.add(y, y)
        for k, k2 in keys:
            ts.add((*y, k2), (*y, k))
    for i, g in enumerate(pw.get("groups", [])):
        gg = {
            k2: g[k]
            for k, k2 in (
                ("gid", "gid"),
                ("name", "name"),
                ("password_hash", "passwordHash"),
                ("system", "system"),
            )
            if k in g
        }
        gg.setdefault("name", "")
        out["passwd"].setdefault("groups", []).append(gg)
        ts.add_tree(("passwd", "groups", i), gg, ("passwd", "groups", i))


def _locate(report: Report, d: Decoded, unused: set[Path]) -> None:
    for i, e in enumerate(report.entries):
        if e.path is None or e.line is not None:
            continue
        pos = d.key_pos.get(e.path) if e.path in unused else d.locate(e.path)
        if pos is not None:
            report.entries[i] = replace(e, line=pos[0], column=pos[1])
