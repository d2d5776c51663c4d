"""Semantic rules of spec 3.x: everything JSON Schema cannot express (§1.4, §1.5).

:func:`check` walks a decoded config of a given spec version and reports with paths; the
caller attaches positions. Rules depend on the version the user wrote, not on the model.
"""

from __future__ import annotations

from collections.abc import Iterable

from ignition.config import model
from ignition.config.rules.common import check_path, check_resource, url_error
from ignition.config.rules.storage import check_storage
from ignition.config.rules.units import check_units
from ignition.config.versions import at_least
from ignition.report import Path, Report

__all__ = ["check", "check_path", "url_error"]


def check(cfg: model.Config, version: str) -> Report:
    r = Report()
    _systemd_conflicts(r, cfg)
    _ignition(r, cfg.ignition, version)
    check_storage(r, cfg.storage, version)
    check_units(r, cfg.systemd.units)
    _passwd(r, cfg.passwd)
    _duplicates(r, cfg, version)
    return r


def _systemd_conflicts(r: Report, cfg: model.Config) -> None:
    base = "/etc/systemd/system/"
    taken: set[str] = set()
    for u in cfg.systemd.units:
        if u.contents:
            taken.add(base + u.name)
        for d in u.dropins:
            if d.contents:
                taken.add(f"{base}{u.name}.d/{d.name}")
    if not taken:
        return
    for kind in ("files", "directories", "links"):
        for i, n in enumerate(getattr(cfg.storage, kind)):
            if n.path in taken:
                r.error(("storage", kind, i, "path"), "path conflicts with systemd unit or dropin")


def _ignition(r: Report, ign: model.Ignition, version: str) -> None:
    base: Path = ("ignition",)
    refs_compress = at_least(version, "3.1.0")
    for i, ref in enumerate(ign.config.merge):
        p = (*base, "config", "merge", i)
        if refs_compress:
            _required_source(r, p, ref, version)
        check_resource(r, p, ref, version, has_compression=refs_compress)
    check_resource(r, (*base, "config", "replace"), ign.config.replace, version,
                   has_compression=refs_compress)  # fmt: skip
    for i, ca in enumerate(ign.security.tls.certificate_authorities):
        p = (*base, "security", "tls", "certificateAuthorities", i)
        if refs_compress:
            _required_source(r, p, ca, version)
        elif ca.source is None:
            ca = model.Resource(source="", verification=ca.verification)  # a plain string in 3.0
        check_resource(r, p, ca, version, has_compression=refs_compress)
    proxy = ign.proxy
    for key, value, http_ok in (
        ("httpProxy", proxy.http_proxy, True),
        ("httpsProxy", proxy.https_proxy, False),
    ):
        if value is None:
            continue
        from ignition import urls

        path = (*base, "proxy", key)
        try:
            scheme = urls.parse_url(value).scheme
        except urls.URLError:
            r.error(path, "unable to parse url")
            continue
        if scheme not in ("http", "https"):
            r.error(path, "proxies must be http(s)")
        elif scheme == "http" and not http_ok:
            r.warning(path, "insecure plaintext HTTP proxy specified for HTTPS resources")


def _required_source(r: Report, p: Path, res: model.Resource, version: str) -> None:
    if not res.source:
        r.error(p, "source is required")
        return
    err = url_error(res.source, version)
    if err is not None:
        r.error(p, err)


def _passwd(r: Report, pw: model.Passwd) -> None:
    # Not checked by the reference; useradd/groupadd fail on them at boot.
    for i, u in enumerate(pw.users):
        if u.name == "":
            r.warning(("passwd", "users", i, "name"), "user name is empty: useradd will fail")
    for i, g in enumerate(pw.groups):
        if g.name == "":
            r.warning(("passwd", "groups", i, "name"), "group name is empty: groupadd will fail")


def _dups(r: Report, entries: Iterable[tuple[Path, str]]) -> None:
    seen: set[str] = set()
    for path, key in entries:
        if key in seen:
            r.error(path, "duplicate entry defined")
        seen.add(key)


def _values(base: Path, values: tuple[str, ...]) -> list[tuple[Path, str]]:
    return [((*base, i), v) for i, v in enumerate(values)]


def _headers(base: Path, res: model.Resource) -> list[tuple[Path, str]]:
    return [((*base, "httpHeaders", i), h.name) for i, h in enumerate(res.http_headers)]


def _duplicates(r: Report, cfg: model.Config, version: str) -> None:
    ign = cfg.ignition
    merge_base: Path = ("ignition", "config", "merge")
    _dups(r, [((*merge_base, i), ref.source or "") for i, ref in enumerate(ign.config.merge)])
    ca_base: Path = ("ignition", "security", "tls", "certificateAuthorities")
    cas = ign.security.tls.certificate_authorities
    _dups(r, [((*ca_base, i), ca.source or "") for i, ca in enumerate(cas)])
    _dups(r, _values(("ignition", "proxy", "noProxy"), ign.proxy.no_proxy))
    resources: list[tuple[Path, model.Resource]] = [
        ((*merge_base, i), ref) for i, ref in enumerate(ign.config.merge)
    ]
    resources.append((("ignition", "config", "replace"), ign.config.replace))
    resources += [((*ca_base, i), ca) for i, ca in enumerate(cas)]
    st = cfg.storage
    for i, f in enumerate(st.files):
        resources.append((("storage", "files", i, "contents"), f.contents))
        resources += [(("storage", "files", i, "append", j), a) for j, a in enumerate(f.append)]
    for i, lk in enumerate(st.luks):
        resources.append((("storage", "luks", i, "keyFile"), lk.key_file))
    for path, res in resources:
        _dups(r, _headers(path, res))

    _dups(r, [(("storage", "disks", i), d.device) for i, d in enumerate(st.disks)])
    for i, d in enumerate(st.disks):
        keys = []
        for j, part in enumerate(d.partitions):
            if part.number != 0:
                key = f"number:{part.number}"
            elif part.label is not None:
                key = f"label:{part.label}"
            else:
                key = ""
            keys.append((("storage", "disks", i, "partitions", j), key))
        _dups(r, keys)
    _dups(r, [(("storage", "raid", i), a.name) for i, a in enumerate(st.raid)])
    for i, a in enumerate(st.raid):
        _dups(r, _values(("storage", "raid", i, "devices"), a.devices))
    _dups(r, [(("storage", "luks", i), lk.name) for i, lk in enumerate(st.luks)])
    for i, lk in enumerate(st.luks):
        _dups(r, _values(("storage", "luks", i, "openOptions"), lk.open_options))
        tang_base = ("storage", "luks", i, "clevis", "tang")
        _dups(r, [((*tang_base, j), t.url) for j, t in enumerate(lk.clevis.tang)])
    _dups(r, [(("storage", "filesystems", i), fs.device) for i, fs in enumerate(st.filesystems)])
    nodes: list[tuple[Path, str]] = []
    for kind in ("directories", "files", "links"):
        nodes += [(("storage", kind, i), n.path) for i, n in enumerate(getattr(st, kind))]
    _dups(r, nodes)

    units = cfg.systemd.units
    _dups(r, [(("systemd", "units", i), u.name) for i, u in enumerate(units)])
    for i, u in enumerate(units):
        _dups(r, [(("systemd", "units", i, "dropins", j), d.name) for j, d in enumerate(u.dropins)])

    pw = cfg.passwd
    _dups(r, [(("passwd", "users", i), u.name) for i, u in enumerate(pw.users)])
    _dups(r, [(("passwd", "groups", i), g.name) for i, g in enumerate(pw.groups)])
    for i, user in enumerate(pw.users):
        _dups(r, _values(("passwd", "users", i, "groups"), user.groups))
        _dups(r, _values(("passwd", "users", i, "sshAuthorizedKeys"), user.ssh_authorized_keys))

    ka = cfg.kernel_arguments
    _dups(
        r,
        _values(("kernelArguments", "shouldExist"), ka.should_exist)
        + _values(("kernelArguments", "shouldNotExist"), ka.should_not_exist),
    )
