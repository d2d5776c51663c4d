"""cloud-config → Butane (Flatcar variant), for users migrating off coreos-cloudinit.

The Butane is written from the same conversion the engine applies (:mod:`cloudinit.convert`),
so what it declares is what pyignition would do with the cloud-config. Every entry carries a
comment naming the cloud-config line it comes from, and the head of the file lists whatever
could not be carried over (errors) or changed on the way (warnings); those are returned as a
report as well.
"""

from __future__ import annotations

from cloudinit import render
from cloudinit.builder import Origin
from cloudinit.convert import Conversion
from cloudinit.yamlout import Commented, Octal, dump
from ignition.config import model
from ignition.config.report import Path, Report
from ignition.config.urls import URLError, decode_data_url
from ignition.util.record import record

VARIANT = "flatcar"
VERSION = "1.1.0"  # Butane's Flatcar 1.1.0 emits Ignition 3.4.0


@record
class ButaneResult:
    text: str
    report: Report  # errors: not carried over; warnings: carried differently

    @property
    def complete(self) -> bool:
        return not self.report.is_fatal


def to_butane(conv: Conversion, *, source: str | None = None) -> ButaneResult:
    cfg = conv.draft
    doc: dict[str, object] = {"variant": VARIANT, "version": VERSION}
    passwd = [_user(conv, i, u) for i, u in enumerate(cfg.passwd.users)]
    if passwd:
        doc["passwd"] = {"users": passwd}
    storage: dict[str, object] = {}
    files = [_file(conv, i, f) for i, f in enumerate(cfg.storage.files)]
    if files:
        storage["files"] = files
    links = [
        _commented(
            conv,
            ("storage", "links", i),
            {"path": ln.path, "target": ln.target or "", "overwrite": True},
        )
        for i, ln in enumerate(cfg.storage.links)
    ]
    if links:
        storage["links"] = links
    if storage:
        doc["storage"] = storage
    units = [_unit(conv, i, u) for i, u in enumerate(cfg.systemd.units)]
    if units:
        doc["systemd"] = {"units": units}
    return ButaneResult(_header(conv, source) + dump(doc), conv.report)


def _header(conv: Conversion, source: str | None) -> str:
    lines = [
        f"# Butane config converted from the cloud-config {source or 'user data'} by "
        "pyignition's ignition-convert."
    ]
    problems = [d for d in conv.report if d.severity != "info"]
    errors = [d for d in problems if d.is_error]
    if errors:
        lines.append(f"# NOT CARRIED OVER ({len(errors)}); edit this file before using it:")
        lines += [f"#   {render.diagnostic(d, source)}" for d in errors]
    warnings = [d for d in problems if not d.is_error]
    if warnings:
        lines.append("# Carried over with a difference, or worth a look:")
        lines += [f"#   {render.diagnostic(d, source)}" for d in warnings]
    return "\n".join(line.replace("\n", " ") for line in lines) + "\n"


def _from(o: Origin | None) -> str:
    if o is None:
        return "generated"
    where = render.yaml_path(o.path)
    return f"from {where}" + (f" (line {o.line})" if o.line is not None else "")


def _commented(conv: Conversion, path: Path, value: dict[str, object]) -> Commented:
    return Commented(value, _from(conv.origin(path)))


def _user(conv: Conversion, i: int, u: model.PasswdUser) -> Commented:
    out: dict[str, object] = {"name": u.name}
    for attr, key in (
        ("password_hash", "password_hash"),
        ("gecos", "gecos"),
        ("home_dir", "home_dir"),
        ("primary_group", "primary_group"),
        ("shell", "shell"),
    ):
        v = getattr(u, attr)
        if v is not None:
            out[key] = v
    for attr in ("no_create_home", "no_user_group", "no_log_init", "system"):
        if getattr(u, attr):
            out[attr] = True
    if u.groups:
        out["groups"] = list(u.groups)
    if u.ssh_authorized_keys:
        out["ssh_authorized_keys"] = list(u.ssh_authorized_keys)
    return _commented(conv, ("passwd", "users", i), out)


def _file(conv: Conversion, i: int, f: model.File) -> Commented:
    out: dict[str, object] = {"path": f.path}
    if f.append:
        out["append"] = [_contents(a.source or "data:,") for a in f.append]
        return _commented(conv, ("storage", "files", i), out)
    out["overwrite"] = True
    if f.mode is not None:
        out["mode"] = Octal(f.mode)
    for key, node in (("user", f.user), ("group", f.group)):
        if node.id is not None:
            out[key] = {"id": node.id}
        elif node.name is not None:
            out[key] = {"name": node.name}
    out["contents"] = _contents(f.contents.source or "data:,")
    return _commented(conv, ("storage", "files", i), out)


def _contents(source: str) -> dict[str, object]:
    """Text inline (readable, editable); anything else stays a data: URL."""
    try:
        data = decode_data_url(source).data
        return {"inline": data.decode("utf-8")}
    except (URLError, UnicodeDecodeError):
        return {"source": source}


def _unit(conv: Conversion, i: int, u: model.Unit) -> Commented:
    out: dict[str, object] = {"name": u.name}
    if u.enabled:
        out["enabled"] = True
    if u.mask:
        out["mask"] = True
    if u.contents is not None:
        out["contents"] = u.contents
    if u.dropins:
        out["dropins"] = [{"name": d.name, "contents": d.contents or ""} for d in u.dropins]
    return _commented(conv, ("systemd", "units", i), out)
