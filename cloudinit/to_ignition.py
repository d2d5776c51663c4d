"""A decoded cloud-config document → the pieces of an Ignition config (files, units, users).

What coreos-cloudinit did at run time is declared instead, for the engine to apply at first
boot: ``hostname`` becomes ``/etc/hostname``; ``write_files`` become files (decoded, with
their mode and owner); ``coreos.units`` become units (network units become files under
``/etc/systemd/network``), and their ``command`` a oneshot unit that issues the same
``systemctl`` commands at every boot, as coreos-cloudinit did; the service sections become the
same drop-ins; ``users`` and ``ssh_authorized_keys`` become passwd users. What cannot be
expressed is an error at its place in the document, never a silent skip.
"""

from __future__ import annotations

import re

from cloudinit import services
from cloudinit.builder import Builder, Doc, Origin
from cloudinit.goyaml import go_base64
from cloudinit.model import CloudConfig, File, Unit, User
from cloudinit.userdata import gunzip
from ignition.config import model
from ignition.config.rules.common import go_clean
from ignition.record import field, record, replace
from ignition.report import Path

NETWORK_UNITS = (".network", ".netdev", ".link")
COMMANDS_UNIT = "coreos-cloudinit-commands.service"
SCRIPTS_DIR = "/var/lib/coreos-cloudinit/scripts"
SYSTEMCTL = "/usr/bin/systemctl"
_UNIT_NAME = re.compile(r"[A-Za-z0-9:_.\\@-]+")
_HOSTNAME = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?")
_VOLATILE = {
    "/run": "a memory file system, empty at every boot",
    "/proc": "the kernel's process file system",
    "/sys": "the kernel's sysfs",
    "/dev": "the device file system",
}


@record(frozen=False)
class Shared:
    """What crosses documents: coreos-cloudinit takes the hostname from the first document
    that sets one, merges the SSH keys for ``core`` and runs unit commands after all units."""

    hostname: tuple[str, Origin] | None = None
    core_keys: list[tuple[str, Origin]] = field(default_factory=list)
    etc_hosts: Origin | None = None
    commands: list[tuple[str, str, Origin]] = field(default_factory=list)
    scripts: int = 0


def add_document(b: Builder, sh: Shared, doc: Doc, cfg: CloudConfig) -> None:
    """Add one document, in coreos-cloudinit's order of application."""
    if cfg.hostname and sh.hostname is None:
        sh.hostname = (cfg.hostname, doc.origin(("hostname",)))
    _users(b, sh, doc, cfg.users)
    for i, key in enumerate(cfg.ssh_authorized_keys):
        for k in _keys(key):
            sh.core_keys.append((k, doc.origin(("ssh_authorized_keys", i))))
    for f in cfg.write_files:
        _write_file(b, doc, f)
    _generated_files(b, sh, doc, cfg)
    for u in cfg.coreos.units:
        _unit(b, sh, doc, u)
    for section in (cfg.coreos.etcd, cfg.coreos.etcd2, cfg.coreos.fleet, cfg.coreos.locksmith):
        text = services.service_dropin(section)
        if text:
            o = doc.origin(section.at)
            b.add_dropin(b.unit(services.SERVICE_OF[section.struct], o), services.DROPIN, text, o)
    if cfg.coreos.update.reboot_strategy == "off":
        o = doc.origin((*cfg.coreos.update.at, "reboot_strategy"))
        locksmith = b.unit("locksmithd.service", o)
        locksmith.mask, locksmith.mask_origin = True, o


def finish(b: Builder, sh: Shared, *, hostname: str, ssh_keys: tuple[str, ...]) -> None:
    """What depends on every document: hostname, /etc/hosts, core's keys, unit commands."""
    name, origin = sh.hostname if sh.hostname else (hostname, None)
    if name:
        if len(name) > 64 or not _HOSTNAME.fullmatch(name):
            b.error(
                origin,
                f"{name!r} is not a valid host name (letters, digits, '-', '_' and "
                "dots between labels; at most 64 characters)",
            )
        else:
            b.add_file(
                "/etc/hostname",
                (name + "\n").encode(),
                0o644,
                {"": origin or Origin(("hostname",))},
            )
    if sh.etc_hosts is not None:
        if not name:
            b.error(
                sh.etc_hosts,
                "manage_etc_hosts: localhost needs the host name, and neither "
                "the user data nor the metadata gives one",
            )
        else:
            b.add_file(
                services.ETC_HOSTS, services.etc_hosts(name).encode(), 0o644, {"": sh.etc_hosts}
            )
    _core_keys(b, sh, ssh_keys)
    if sh.commands:
        lines = [f"ExecStart={SYSTEMCTL} --no-block {cmd} {unit}" for cmd, unit, _ in sh.commands]
        text = (
            "[Unit]\nDescription=Unit commands of the cloud-config user data "
            "(coreos.units[].command)\n\n[Service]\nType=oneshot\n"
            + "\n".join(lines)
            + "\n\n[Install]\nWantedBy=multi-user.target\n"
        )
        o = sh.commands[0][2]
        u = b.unit(COMMANDS_UNIT, o)
        b.set_contents(u, text, o)
        u.enabled, u.enabled_origin = True, o


def add_script(b: Builder, sh: Shared, doc: Doc, script: bytes, name: str) -> None:
    """A ``#!`` script: coreos-cloudinit ran it with bash in a transient unit on every boot;
    here it is saved and run by an enabled oneshot unit."""
    sh.scripts += 1
    base = re.sub(r"[^A-Za-z0-9_.-]", "-", name) or "user-data"
    if sh.scripts > 1 and base == "user-data":
        base = f"user-data-{sh.scripts}"
    path = f"{SCRIPTS_DIR}/{base}"
    o = doc.origin(())
    b.add_file(path, script, 0o744, {"": o, "contents": o})
    unit = f"coreos-cloudinit-{base}.service"
    text = (
        f"[Unit]\nDescription=User data script {base}\nWants=network-online.target\n"
        "After=network-online.target\n\n[Service]\nType=oneshot\n"
        f"ExecStart=/bin/bash {path}\n\n[Install]\nWantedBy=multi-user.target\n"
    )
    u = b.unit(unit, o)
    b.set_contents(u, text, o)
    u.enabled, u.enabled_origin = True, o


# ------------------------------------------------------------------------------- users


def _keys(text: str) -> list[str]:
    """One entry may hold several keys, one per line (the reference joins entries by lines)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _users(b: Builder, sh: Shared, doc: Doc, users: tuple[User, ...]) -> None:
    for u in users:
        o = doc.origin(u.at)

        def fo(key: str, at: Path = u.at) -> Origin:
            return doc.origin((*at, key))

        if not u.name:
            b.error(o, "user has no name: coreos-cloudinit skips such an entry")
            continue
        for key in (
            "coreos_ssh_import_github",
            "coreos_ssh_import_github_users",
            "coreos_ssh_import_url",
        ):
            if getattr(u, key):
                b.error(
                    fo(key),
                    f"{key} cannot be applied: it fetches keys from the network "
                    "at every boot; list the keys in ssh_authorized_keys",
                )
        keys: list[str] = []
        key_origins: list[Origin] = []
        for i, entry in enumerate(u.ssh_authorized_keys):
            for k in _keys(entry):
                if k not in keys:
                    keys.append(k)
                    key_origins.append(doc.origin((*u.at, "ssh_authorized_keys", i)))
        user = model.PasswdUser(
            name=u.name,
            password_hash=u.passwd or None,
            gecos=u.gecos or None,
            home_dir=u.homedir or None,
            no_create_home=True if u.no_create_home else None,
            primary_group=u.primary_group or None,
            groups=tuple(g for g in u.groups if g),
            no_user_group=True if u.no_user_group else None,
            system=True if u.system else None,
            no_log_init=True if u.no_log_init else None,
            shell=u.shell or None,
            ssh_authorized_keys=tuple(keys),
        )
        origins = {
            "": o,
            "name": fo("name"),
            "passwordHash": fo("passwd"),
            "gecos": fo("gecos"),
            "homeDir": fo("homedir"),
            "noCreateHome": fo("no_create_home"),
            "primaryGroup": fo("primary_group"),
            "groups": fo("groups"),
            "noUserGroup": fo("no_user_group"),
            "system": fo("system"),
            "noLogInit": fo("no_log_init"),
            "shell": fo("shell"),
        }
        b.add_user(user, origins, key_origins)


def _core_keys(b: Builder, sh: Shared, metadata_keys: tuple[str, ...]) -> None:
    extra = list(sh.core_keys)
    extra += [(k, Origin(("(metadata)",))) for key in metadata_keys for k in _keys(key)]
    if not extra:
        return
    core = b.users.get("core")
    if core is None:
        b.add_user(model.PasswdUser(name="core"), {"": extra[0][1], "name": extra[0][1]}, [])
        core = b.users["core"]
    keys = list(core.user.ssh_authorized_keys)
    for k, o in extra:
        if k not in keys:
            keys.append(k)
            core.key_origins.append(o)
    core.user = replace(core.user, ssh_authorized_keys=tuple(keys))


# ------------------------------------------------------------------------------- files


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


def _write_file(b: Builder, doc: Doc, f: File) -> None:
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


def _generated_files(b: Builder, sh: Shared, doc: Doc, cfg: CloudConfig) -> None:
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


# ------------------------------------------------------------------------------- units


def _unit(b: Builder, sh: Shared, doc: Doc, u: Unit) -> None:
    def fo(key: str) -> Origin:
        return doc.origin((*u.at, key))

    entry = doc.origin(u.at)
    if not u.name:
        b.error(entry, "unit has no name: coreos-cloudinit skips such an entry")
        return
    if u.runtime:
        b.info(
            fo("runtime"),
            "runtime: written under /etc, as first-boot provisioning keeps it "
            "(coreos-cloudinit wrote /run at every boot)",
        )
    if u.name.endswith(NETWORK_UNITS):
        _network_unit(b, doc, u)
        return
    if u.mask and u.enable:
        b.error(fo("enable"), "a masked unit cannot be enabled (coreos-cloudinit fails here)")
        return
    unit = b.unit(u.name, fo("name"))
    if u.content:
        if u.mask:
            b.warning(
                fo("content"),
                "the content is not written: the unit is masked, and a mask "
                "replaces it (as with coreos-cloudinit)",
            )
        else:
            b.set_contents(unit, u.content, fo("content"))
    if u.mask:
        unit.mask, unit.mask_origin = True, fo("mask")
    if u.enable:
        unit.enabled, unit.enabled_origin = True, fo("enable")
    for d in u.drop_ins:
        if not d.name:
            b.error(doc.origin(d.at), "drop-in has no name: coreos-cloudinit skips it")
        elif not d.content:
            b.warning(
                doc.origin(d.at), "drop-in has no content: not written, as with coreos-cloudinit"
            )
        else:
            b.add_dropin(unit, d.name, d.content, doc.origin((*d.at, "content")))
    if u.command and not b.has_error(fo("command")):
        if not _UNIT_NAME.fullmatch(u.name):
            b.error(fo("name"), f"{u.name!r} is not a valid unit name for systemctl")
            return
        sh.commands.append((u.command, u.name, fo("command")))


def _network_unit(b: Builder, doc: Doc, u: Unit) -> None:
    def fo(key: str) -> Origin:
        return doc.origin((*u.at, key))

    base = f"/etc/systemd/network/{u.name}"
    if "/" in u.name:
        b.error(fo("name"), f"{u.name!r} is not a valid network unit name")
        return
    if u.enable:
        b.warning(fo("enable"), "enable is ignored for network units, as coreos-cloudinit does")
    if u.command:
        b.warning(
            fo("command"),
            "command is ignored for network units, as coreos-cloudinit "
            "does: networkd reads the file when it starts",
        )
    if u.mask:
        if u.content:
            b.warning(fo("content"), "the content is not written: the unit is masked")
        b.add_link(base, "/dev/null", fo("mask"))
    elif u.content:
        b.add_file(
            base,
            u.content.encode("utf-8", "surrogateescape"),
            0o644,
            {"": fo("name"), "contents": fo("content"), "contents.source": fo("content")},
        )
    for d in u.drop_ins:
        if d.name and d.content:
            o = doc.origin((*d.at, "content"))
            b.add_file(
                f"{base}.d/{d.name}",
                d.content.encode("utf-8", "surrogateescape"),
                0o644,
                {"": doc.origin(d.at), "contents": o, "contents.source": o},
            )
        elif not d.name:
            b.error(doc.origin(d.at), "drop-in has no name: coreos-cloudinit skips it")
