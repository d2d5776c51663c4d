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

from cloudinit import files, services, units
from cloudinit.builder import Builder, Doc, Origin, Shared
from cloudinit.metadata import VARIABLES, Metadata
from cloudinit.model import CloudConfig, User
from ignition.config import model
from ignition.config.report import Path
from ignition.util.record import replace

COMMANDS_UNIT = "coreos-cloudinit-commands.service"
WORKSPACE = "/var/lib/coreos-cloudinit"  # coreos-cloudinit's -workspace default
SCRIPTS_DIR = f"{WORKSPACE}/scripts"
SYSTEMCTL = "/usr/bin/systemctl"
ENVIRONMENT = "/etc/environment"
NETWORK_DIR = "/etc/systemd/network"
BONDING_OPTIONS = "/etc/modprobe.d/coreos-cloudinit-bonding.conf"
Env = tuple[tuple[str, str], ...]  # (COREOS_NAME, value), sorted by name
_HOSTNAME = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?")


def add_document(b: Builder, sh: Shared, doc: Doc, cfg: CloudConfig) -> None:
    """Add one document, in coreos-cloudinit's order of application."""
    if cfg.hostname and sh.hostname is None:
        sh.hostname = (cfg.hostname, doc.origin(("hostname",)))
    _users(b, sh, doc, cfg.users)
    for i, key in enumerate(cfg.ssh_authorized_keys):
        for k in _keys(key):
            sh.core_keys.append((k, doc.origin(("ssh_authorized_keys", i))))
    for f in cfg.write_files:
        files.write_file(b, doc, f)
    files.generated(b, sh, doc, cfg)
    for u in cfg.coreos.units:
        units.unit(b, sh, doc, u)
    for section in (cfg.coreos.etcd, cfg.coreos.etcd2, cfg.coreos.fleet, cfg.coreos.locksmith):
        text = services.service_dropin(section)
        if text:
            o = doc.origin(section.at)
            b.add_dropin(b.unit(services.SERVICE_OF[section.struct], o), services.DROPIN, text, o)
    if cfg.coreos.update.reboot_strategy == "off":
        o = doc.origin((*cfg.coreos.update.at, "reboot_strategy"))
        locksmith = b.unit("locksmithd.service", o)
        locksmith.mask, locksmith.mask_origin = True, o


def finish(b: Builder, sh: Shared, md: Metadata, *, environment_file: bool = True) -> Env:
    """What depends on every document: hostname, /etc/hosts, core's keys, unit commands,
    /etc/environment (returned: the ``COREOS_*`` variables; also as an appended file when
    ``environment_file``)."""
    name, origin = sh.hostname if sh.hostname else (md.hostname, None)
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
    _core_keys(b, sh, md.ssh_public_keys)
    env = _environment(b, md, as_file=environment_file)
    if sh.commands:
        # "--": "-.mount" is a unit name, not options; a backslash doubled, or systemd
        # would unescape "\x2d" in the name before systemctl sees it
        lines = [
            f"ExecStart={SYSTEMCTL} --no-block {cmd} -- {unit.replace(chr(92), chr(92) * 2)}"
            for cmd, unit, _ in sh.commands
        ]
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
    return env


def _environment(b: Builder, md: Metadata, *, as_file: bool) -> Env:
    """The addresses as ``COREOS_*`` variables for /etc/environment, unless the user data
    writes that file itself (coreos-cloudinit's default environment file). The engine
    merges them in place at apply time (re-runs stay idempotent); as a file (Butane output,
    applied once) they are appended: the lines a file holds stay, a later line wins."""
    if ENVIRONMENT in b.files:
        return ()
    env = tuple((f"COREOS_{v.upper()}", md.address(v)) for v in sorted(VARIABLES) if md.address(v))
    if env and as_file:
        text = "".join(f"{n}={v}\n" for n, v in env)
        o = Origin(("(metadata)",))
        b.add_file(ENVIRONMENT, text.encode(), 0o644, {"": o}, append=True)
    return env


def add_network(b: Builder, md: Metadata) -> None:
    """``-convert-netconf``'s files: first, so that a unit of the user data with the same
    name replaces one (as coreos-cloudinit wrote the user's units after them). The bonding
    module's options, which coreos-cloudinit passed to ``modprobe bonding`` before restarting
    networkd, go to ``modprobe.d`` where loading the module finds them."""
    o = Origin(("(network config)",))
    for name, text in md.network_files:
        b.add_file(f"{NETWORK_DIR}/{name}", text.encode(), 0o644, {"": o, "contents": o})
    if md.bonding_options:
        text = f"options bonding {md.bonding_options}\n"
        b.add_file(BONDING_OPTIONS, text.encode(), 0o644, {"": o, "contents": o})


def add_script(b: Builder, sh: Shared, doc: Doc, script: bytes, name: str) -> None:
    """A ``#!`` script: coreos-cloudinit ran it with bash in a transient unit on every boot;
    here it is saved and run by an enabled oneshot unit."""
    sh.scripts += 1
    base = re.sub(r"[^A-Za-z0-9_.-]", "-", name) or "user-data"
    if sh.scripts > 1 and base == "user-data":
        base = f"user-data-{sh.scripts}"
    path = f"{sh.workspace}/scripts/{base}"
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
