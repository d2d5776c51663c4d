"""A decoded cloud-config document: what coreos-cloudinit would apply, as immutable records.

Values are those of the reference's typed decode (:func:`cloudinit.typed.strong_tree`); every
entry remembers ``at``, its path in the YAML document, so the converter can locate whatever it
reports. Strings are Go strings: bytes that are not UTF-8 (``!!binary``) are kept as surrogate
escapes and come back unchanged with ``encode("utf-8", "surrogateescape")``.

The service sections (etcd, etcd2, fleet, locksmith, flannel) are only ever turned into
``KEY=value`` lines, so they are kept as the ordered list of their non-zero fields.
"""

from __future__ import annotations

from cloudinit.schema import Field, field_map, fields
from cloudinit.typed import SVal
from ignition.config.report import Path
from ignition.util.record import field, record


@record
class File:
    path: str = ""
    content: str = ""
    encoding: str = ""
    owner: str = ""
    permissions: str = ""
    at: Path = ()


@record
class DropIn:
    name: str = ""
    content: str = ""
    at: Path = ()


@record
class Unit:
    name: str = ""
    mask: bool = False
    enable: bool = False
    runtime: bool = False
    content: str = ""
    command: str = ""
    drop_ins: tuple[DropIn, ...] = ()
    at: Path = ()


@record
class User:
    name: str = ""
    passwd: str = ""
    ssh_authorized_keys: tuple[str, ...] = ()
    coreos_ssh_import_github: str = ""
    coreos_ssh_import_github_users: tuple[str, ...] = ()
    coreos_ssh_import_url: str = ""
    gecos: str = ""
    homedir: str = ""
    no_create_home: bool = False
    primary_group: str = ""
    groups: tuple[str, ...] = ()
    no_user_group: bool = False
    system: bool = False
    no_log_init: bool = False
    shell: str = ""
    at: Path = ()


@record
class Update:
    reboot_strategy: str = ""
    group: str = ""
    server: str = ""
    at: Path = ()

    @property
    def is_set(self) -> bool:
        return bool(self.reboot_strategy or self.group or self.server)


@record
class OEM:
    id: str = ""
    name: str = ""
    version_id: str = ""
    home_url: str = ""
    bug_report_url: str = ""
    at: Path = ()


@record
class EnvSection:
    """etcd, etcd2, fleet, locksmith or flannel: the non-zero fields, in struct order."""

    struct: str = ""
    values: tuple[tuple[Field, object], ...] = ()
    at: Path = ()

    def get(self, key: str) -> object:
        for f, v in self.values:
            if f.key == key:
                return v
        return None


@record
class CoreOS:
    etcd: EnvSection = field(default_factory=lambda: EnvSection("Etcd"))
    etcd2: EnvSection = field(default_factory=lambda: EnvSection("Etcd2"))
    flannel: EnvSection = field(default_factory=lambda: EnvSection("Flannel"))
    fleet: EnvSection = field(default_factory=lambda: EnvSection("Fleet"))
    locksmith: EnvSection = field(default_factory=lambda: EnvSection("Locksmith"))
    oem: OEM = field(default_factory=OEM)
    update: Update = field(default_factory=Update)
    units: tuple[Unit, ...] = ()


@record
class CloudConfig:
    ssh_authorized_keys: tuple[str, ...] = ()
    coreos: CoreOS = field(default_factory=CoreOS)
    write_files: tuple[File, ...] = ()
    hostname: str = ""
    users: tuple[User, ...] = ()
    manage_etc_hosts: str = ""


# ----------------------------------------------------------------------- from the decode


def _s(v: SVal, key: str) -> str:
    x = v.fields[key].value
    assert isinstance(x, str)
    return x


def _b(v: SVal, key: str) -> bool:
    return bool(v.fields[key].value)


def _strings(v: SVal, key: str) -> tuple[str, ...]:
    return tuple(str(i.value) for i in v.fields[key].items)


def _at(v: SVal, fallback: Path) -> Path:
    return v.path if v.path is not None else fallback


def from_strong(top: SVal) -> CloudConfig:
    c = top.fields["coreos"]
    coreos_at = _at(c, ("coreos",))
    return CloudConfig(
        ssh_authorized_keys=_strings(top, "ssh_authorized_keys"),
        coreos=CoreOS(
            etcd=_env(c.fields["etcd"], "Etcd", (*coreos_at, "etcd")),
            etcd2=_env(c.fields["etcd2"], "Etcd2", (*coreos_at, "etcd2")),
            flannel=_env(c.fields["flannel"], "Flannel", (*coreos_at, "flannel")),
            fleet=_env(c.fields["fleet"], "Fleet", (*coreos_at, "fleet")),
            locksmith=_env(c.fields["locksmith"], "Locksmith", (*coreos_at, "locksmith")),
            oem=_oem(c.fields["oem"], (*coreos_at, "oem")),
            update=_update(c.fields["update"], (*coreos_at, "update")),
            units=tuple(_unit(u) for u in c.fields["units"].items),
        ),
        write_files=tuple(_file(f) for f in top.fields["write_files"].items),
        hostname=_s(top, "hostname"),
        users=tuple(_user(u) for u in top.fields["users"].items),
        manage_etc_hosts=_s(top, "manage_etc_hosts"),
    )


def _env(v: SVal, struct: str, at: Path) -> EnvSection:
    values = tuple(
        (f, v.fields[f.key].value)
        for f in fields(struct)
        if v.fields[f.key].value not in ("", 0, False, 0.0)
    )
    return EnvSection(struct, values, _at(v, at))


def _oem(v: SVal, at: Path) -> OEM:
    return OEM(
        _s(v, "id"),
        _s(v, "name"),
        _s(v, "version_id"),
        _s(v, "home_url"),
        _s(v, "bug_report_url"),
        _at(v, at),
    )


def _update(v: SVal, at: Path) -> Update:
    return Update(_s(v, "reboot_strategy"), _s(v, "group"), _s(v, "server"), _at(v, at))


def _file(v: SVal) -> File:
    return File(
        _s(v, "path"),
        _s(v, "content"),
        _s(v, "encoding"),
        _s(v, "owner"),
        _s(v, "permissions"),
        _at(v, ()),
    )


def _unit(v: SVal) -> Unit:
    drop_ins = tuple(
        DropIn(_s(d, "name"), _s(d, "content"), _at(d, ())) for d in v.fields["drop_ins"].items
    )
    return Unit(
        _s(v, "name"),
        _b(v, "mask"),
        _b(v, "enable"),
        _b(v, "runtime"),
        _s(v, "content"),
        _s(v, "command"),
        drop_ins,
        _at(v, ()),
    )


def _user(v: SVal) -> User:
    assert set(v.fields) == set(field_map("User"))
    return User(
        name=_s(v, "name"),
        passwd=_s(v, "passwd"),
        ssh_authorized_keys=_strings(v, "ssh_authorized_keys"),
        coreos_ssh_import_github=_s(v, "coreos_ssh_import_github"),
        coreos_ssh_import_github_users=_strings(v, "coreos_ssh_import_github_users"),
        coreos_ssh_import_url=_s(v, "coreos_ssh_import_url"),
        gecos=_s(v, "gecos"),
        homedir=_s(v, "homedir"),
        no_create_home=_b(v, "no_create_home"),
        primary_group=_s(v, "primary_group"),
        groups=_strings(v, "groups"),
        no_user_group=_b(v, "no_user_group"),
        system=_b(v, "system"),
        no_log_init=_b(v, "no_log_init"),
        shell=_s(v, "shell"),
        at=_at(v, ()),
    )
