"""Semantic rules of spec 3.x: everything the schema's shape check cannot express.

:func:`check` walks a decoded config of a given spec version and reports with paths; the
caller attaches positions. Rules depend on the version the user wrote, not on the model.
"""

from __future__ import annotations

from ignition.config import model
from ignition.config.report import Path, Report
from ignition.config.rules.common import check_path, check_resource, url_error
from ignition.config.rules.storage import check_storage
from ignition.config.rules.units import check_units
from ignition.config.rules.values import (
    check_kernel_arguments,
    check_passwd,
    check_storage_devices,
)
from ignition.config.versions import at_least

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["check", "check_path", "url_error"]


def check(cfg: model.Config, version: str) -> Report:
    r = Report()
    _systemd_conflicts(r, cfg)
    _ignition(r, cfg.ignition, version)
    check_storage(r, cfg.storage, version)
    check_units(r, cfg.systemd.units)
    _passwd(r, cfg.passwd)
    check_passwd(r, cfg.passwd)
    check_kernel_arguments(r, cfg.kernel_arguments)
    check_storage_devices(r, cfg.storage)
    _duplicates(r, cfg)
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
        from ignition.config import urls

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


def _dups(r: Report, keys: Sequence[str], path: Callable[[int], Path]) -> None:
    """``duplicate entry defined`` at every repeated key after its first occurrence."""
    if len(keys) < 2 or len(set(keys)) == len(keys):
        return  # the common case: no path tuples built at all
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if key in seen:
            r.error(path(i), "duplicate entry defined")
        seen.add(key)


def _under(base: Path) -> Callable[[int], Path]:
    return lambda i: (*base, i)


def _headers(r: Report, base: Path, res: model.Resource) -> None:
    if len(res.http_headers) > 1:
        names = [h.name for h in res.http_headers]
        _dups(r, names, _under((*base, "httpHeaders")))


def _duplicates(r: Report, cfg: model.Config) -> None:
    ign = cfg.ignition
    merge_base: Path = ("ignition", "config", "merge")
    merges = ign.config.merge
    _dups(r, [ref.source or "" for ref in merges], _under(merge_base))
    ca_base: Path = ("ignition", "security", "tls", "certificateAuthorities")
    cas = ign.security.tls.certificate_authorities
    _dups(r, [ca.source or "" for ca in cas], _under(ca_base))
    _dups(r, ign.proxy.no_proxy, _under(("ignition", "proxy", "noProxy")))
    for i, ref in enumerate(merges):
        _headers(r, (*merge_base, i), ref)
    _headers(r, ("ignition", "config", "replace"), ign.config.replace)
    for i, ca in enumerate(cas):
        _headers(r, (*ca_base, i), ca)
    st = cfg.storage
    for i, f in enumerate(st.files):
        if f.contents.http_headers:
            _headers(r, ("storage", "files", i, "contents"), f.contents)
        for j, extra in enumerate(f.append):
            _headers(r, ("storage", "files", i, "append", j), extra)
    for i, lk in enumerate(st.luks):
        _headers(r, ("storage", "luks", i, "keyFile"), lk.key_file)

    _dups(r, [d.device for d in st.disks], _under(("storage", "disks")))
    for i, d in enumerate(st.disks):
        keys = [
            f"number:{p.number}" if p.number else f"label:{p.label}" if p.label is not None else ""
            for p in d.partitions
        ]
        _dups(r, keys, _under(("storage", "disks", i, "partitions")))
    _dups(r, [a.name for a in st.raid], _under(("storage", "raid")))
    for i, array in enumerate(st.raid):
        _dups(r, array.devices, _under(("storage", "raid", i, "devices")))
    _dups(r, [lk.name for lk in st.luks], _under(("storage", "luks")))
    for i, lk in enumerate(st.luks):
        _dups(r, lk.open_options, _under(("storage", "luks", i, "openOptions")))
        tangs = [t.url for t in lk.clevis.tang]
        _dups(r, tangs, _under(("storage", "luks", i, "clevis", "tang")))
    _dups(r, [fs.device for fs in st.filesystems], _under(("storage", "filesystems")))
    # directories, files and links share one key space (in that order)
    spans = [("directories", len(st.directories)), ("files", len(st.files)),
             ("links", len(st.links))]  # fmt: skip

    def node_path(i: int) -> Path:
        for kind, n in spans:
            if i < n:
                return ("storage", kind, i)
            i -= n
        raise IndexError(i)

    node_keys = [n.path for n in st.directories] + [n.path for n in st.files]
    node_keys += [n.path for n in st.links]
    _dups(r, node_keys, node_path)

    units = cfg.systemd.units
    _dups(r, [u.name for u in units], _under(("systemd", "units")))
    for i, u in enumerate(units):
        _dups(r, [d.name for d in u.dropins], _under(("systemd", "units", i, "dropins")))

    pw = cfg.passwd
    _dups(r, [u.name for u in pw.users], _under(("passwd", "users")))
    _dups(r, [g.name for g in pw.groups], _under(("passwd", "groups")))
    for i, user in enumerate(pw.users):
        _dups(r, user.groups, _under(("passwd", "users", i, "groups")))
        _dups(r, user.ssh_authorized_keys, _under(("passwd", "users", i, "sshAuthorizedKeys")))

    ka = cfg.kernel_arguments
    n_exist = len(ka.should_exist)

    def karg_path(i: int) -> Path:
        if i < n_exist:
            return ("kernelArguments", "shouldExist", i)
        return ("kernelArguments", "shouldNotExist", i - n_exist)

    _dups(r, ka.should_exist + ka.should_not_exist, karg_path)
