"""``write_files`` and the files coreos-cloudinit generates (update.conf, oem-release, hosts,
flannel options), as Ignition file entries."""

from __future__ import annotations

from cloudinit import services
from cloudinit.builder import Builder, Doc, Origin, Shared
from cloudinit.goyaml import go_base64
from cloudinit.model import CloudConfig, File
from cloudinit.userdata import gunzip
from ignition.config import model
from ignition.config.rules.common import go_clean

_VOLATILE = {
    "/run": "a memory file system, empty at every boot",
    "/proc": "the kernel's process file system",
    "/sys": "the kernel's sysfs",
    "/dev": "the device file system",
}


def decode_content(content: str, encoding: str) -> bytes:
    """A write_files content decoded completely; raises ValueError with the reason."""
    data = content.encode("utf-8", "surrogateescape")
    if encoding == "":
        return data
    if encoding in ("b64", "base64"):
        return go_base64(content)
    if encoding in ("gz", "gzip"):
        return _gunzip_all(data)
    if encoding in ("gz+base64", "gzip+base64", "gz+b64", "gzip+b64"):
        return _gunzip_all(go_base64(content))
    raise ValueError(f"unknown encoding {encoding!r}")


def _gunzip_all(data: bytes) -> bytes:
    if data[:2] != b"\x1f\x8b":
        raise ValueError("not gzip data")
    return gunzip(data)


def clean_path(b: Builder, raw: str, origin: Origin) -> str | None:
    """The absolute, clean path coreos-cloudinit writes to (it joins the path to /)."""
    if not raw:
        b.error(origin, "path is missing")
        return None
    path = go_clean("/" + raw)
    if not raw.startswith("/"):
        b.warning(origin, f"relative path: written as {path} (coreos-cloudinit joins it to /)")
    elif path != raw:
        b.warning(origin, f"path written as {path}")
    top = "/" + path.split("/")[1]
    if top in _VOLATILE:
        b.error(
            origin,
            f"{path} cannot be written at first boot: {top} is {_VOLATILE[top]} "
            "(coreos-cloudinit wrote it again at every boot)",
        )
        return None
    return path


def _owner(b: Builder, raw: str, origin: Origin) -> tuple[model.NodeUser, model.NodeGroup] | None:
    """``chown`` syntax: ``user``, ``user:group``, ``:group``, numeric ids."""
    user, sep, group = raw.partition(":")
    if not sep and "." in raw:
        user, sep, group = raw.partition(".")
    if sep and not group and user:
        b.error(
            origin,
            f"owner {raw!r} means the user's login group, which cannot be "
            f"expressed here; name the group ({user}:{user} for example)",
        )
        return None
    nu = (
        model.NodeUser(id=int(user))
        if user.isdigit()
        else model.NodeUser(name=user)
        if user
        else model.NodeUser()
    )
    ng = (
        model.NodeGroup(id=int(group))
        if group.isdigit()
        else model.NodeGroup(name=group)
        if group
        else model.NodeGroup()
    )
    return nu, ng


def write_file(b: Builder, doc: Doc, f: File) -> None:
    def fo(key: str) -> Origin:
        return doc.origin((*f.at, key))

    entry = doc.origin(f.at)
    path = clean_path(b, f.path, fo("path") if f.path else entry)
    if path is None:
        return
    if b.has_error(fo("encoding")) or b.has_error(fo("content")):
        return  # already reported: the content cannot be decoded
    try:
        data = decode_content(f.content, f.encoding)
    except ValueError as exc:
        b.error(fo("content"), f"content cannot be decoded as {f.encoding!r}: {exc}")
        return
    mode = 0o644
    if f.permissions and not b.has_error(fo("permissions")):
        mode = int(f.permissions, 8)
        if mode & 0o7000:
            b.warning(
                fo("permissions"),
                f"mode {f.permissions}: coreos-cloudinit dropped the "
                "setuid, setgid and sticky bits; they are kept",
            )
    owner = _owner(b, f.owner, fo("owner")) if f.owner else None
    origins = {
        "": entry,
        "path": fo("path"),
        "contents": fo("content"),
        "contents.source": fo("content"),
        "mode": fo("permissions"),
    }
    if owner is not None:
        origins["user"] = origins["group"] = fo("owner")
        b.add_file(path, data, mode, origins, user=owner[0], group=owner[1])
    else:
        b.add_file(path, data, mode, origins)


def generated(b: Builder, sh: Shared, doc: Doc, cfg: CloudConfig) -> None:
    oem = cfg.coreos.oem
    if oem.id:
        o = doc.origin(oem.at)
        b.add_file(
            services.OEM_RELEASE,
            services.oem_release(oem).encode("utf-8", "surrogateescape"),
            0o644,
            {"": o},
        )
    elif any((oem.name, oem.version_id, oem.home_url, oem.bug_report_url)):
        b.warning(doc.origin(oem.at), "oem without id: ignored, as coreos-cloudinit does")
    upd = cfg.coreos.update
    if upd.is_set and not b.has_error(doc.origin((*upd.at, "reboot_strategy"))):
        o = doc.origin(upd.at)
        b.add_file(
            services.UPDATE_CONF,
            services.update_conf(upd).encode("utf-8", "surrogateescape"),
            0o644,
            {"": o},
        )
    hosts = cfg.manage_etc_hosts
    if hosts:
        o = doc.origin(("manage_etc_hosts",))
        if hosts != "localhost":
            b.error(
                o,
                f"{hosts!r} is not supported: the only value is localhost "
                "(coreos-cloudinit fails on any other at boot)",
            )
        else:
            sh.etc_hosts = o
    fl = cfg.coreos.flannel
    if fl.values:
        o = doc.origin(fl.at)
        text = services.flannel_env(fl)
        if any("\n" in str(v) for _, v in fl.values):
            b.error(
                o, "a flannel value contains a line break, which its environment file cannot hold"
            )
            return
        b.add_file(services.FLANNEL_ENV, text.encode("utf-8", "surrogateescape"), 0o644, {"": o})
        b.add_dropin(
            b.unit(services.FLANNEL_UNIT, o), services.DROPIN, services.flannel_dropin(), o
        )
