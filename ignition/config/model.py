"""The newest Ignition spec (3.7.0-experimental) as immutable records (:mod:`ignition.util.record`).

Every accepted config, whatever its version, is decoded into these types; the engine only ever
sees them. Fields that are pointers in the reference (nullable, "unset" distinct from zero) are
``X | None``; plain fields default to their zero value. Lists are tuples (the model is frozen).
JSON names are camelCase; attribute names are the snake_case form (see :func:`json_name`).
"""

from __future__ import annotations

from ignition.util.record import field, record

LATEST_VERSION = "3.7.0-experimental"


@record
class Verification:
    hash: str | None = None


@record
class HTTPHeader:
    name: str = ""
    value: str | None = None


@record
class Resource:
    compression: str | None = None
    http_headers: tuple[HTTPHeader, ...] = ()
    source: str | None = None
    verification: Verification = field(default_factory=Verification)


@record
class IgnitionConfig:
    merge: tuple[Resource, ...] = ()
    replace: Resource = field(default_factory=Resource)


@record
class Proxy:
    http_proxy: str | None = None
    https_proxy: str | None = None
    no_proxy: tuple[str, ...] = ()


@record
class TLS:
    certificate_authorities: tuple[Resource, ...] = ()


@record
class Security:
    tls: TLS = field(default_factory=TLS)


@record
class Timeouts:
    http_response_headers: int | None = None
    http_total: int | None = None


@record
class Ignition:
    config: IgnitionConfig = field(default_factory=IgnitionConfig)
    proxy: Proxy = field(default_factory=Proxy)
    security: Security = field(default_factory=Security)
    timeouts: Timeouts = field(default_factory=Timeouts)
    version: str = ""


@record
class KernelArguments:
    should_exist: tuple[str, ...] = ()
    should_not_exist: tuple[str, ...] = ()


@record
class PasswdGroup:
    gid: int | None = None
    name: str = ""
    password_hash: str | None = None
    should_exist: bool | None = None
    system: bool | None = None


@record
class PasswdUser:
    gecos: str | None = None
    groups: tuple[str, ...] = ()
    home_dir: str | None = None
    name: str = ""
    no_create_home: bool | None = None
    no_log_init: bool | None = None
    no_user_group: bool | None = None
    password_hash: str | None = None
    primary_group: str | None = None
    shell: str | None = None
    should_exist: bool | None = None
    ssh_authorized_keys: tuple[str, ...] = ()
    system: bool | None = None
    uid: int | None = None


@record
class Passwd:
    groups: tuple[PasswdGroup, ...] = ()
    users: tuple[PasswdUser, ...] = ()


@record
class NodeUser:
    id: int | None = None
    name: str | None = None


@record
class NodeGroup:
    id: int | None = None
    name: str | None = None


@record
class Directory:
    group: NodeGroup = field(default_factory=NodeGroup)
    overwrite: bool | None = None
    path: str = ""
    user: NodeUser = field(default_factory=NodeUser)
    mode: int | None = None


@record
class File:
    group: NodeGroup = field(default_factory=NodeGroup)
    overwrite: bool | None = None
    path: str = ""
    user: NodeUser = field(default_factory=NodeUser)
    append: tuple[Resource, ...] = ()
    contents: Resource = field(default_factory=Resource)
    mode: int | None = None


@record
class Link:
    group: NodeGroup = field(default_factory=NodeGroup)
    overwrite: bool | None = None
    path: str = ""
    user: NodeUser = field(default_factory=NodeUser)
    hard: bool | None = None
    target: str | None = None


Node = File | Directory | Link


@record
class Partition:
    guid: str | None = None
    label: str | None = None
    number: int = 0
    resize: bool | None = None
    should_exist: bool | None = None
    size_mib: int | None = None
    start_mib: int | None = None
    type_guid: str | None = None
    wipe_partition_entry: bool | None = None


@record
class Disk:
    device: str = ""
    partitions: tuple[Partition, ...] = ()
    wipe_table: bool | None = None


@record
class Raid:
    devices: tuple[str, ...] = ()
    level: str | None = None
    name: str = ""
    options: tuple[str, ...] = ()
    spares: int | None = None


@record
class Cex:
    enabled: bool | None = None


@record
class ClevisCustom:
    config: str | None = None
    needs_network: bool | None = None
    pin: str | None = None


@record
class Tang:
    advertisement: str | None = None
    thumbprint: str | None = None
    url: str = ""


@record
class Clevis:
    # None when absent: spec 3.2 treats any given custom object as set, later specs only
    # one with a field set (see ClevisCustom semantics in semantics.py).
    custom: ClevisCustom | None = None
    tang: tuple[Tang, ...] = ()
    threshold: int | None = None
    tpm2: bool | None = None

    def custom_is_present(self) -> bool:
        c = self.custom
        return c is not None and (
            c.pin is not None or c.config is not None or c.needs_network is not None
        )

    def is_present(self) -> bool:
        return (
            self.custom_is_present()
            or bool(self.tang)
            or bool(self.tpm2)
            or (self.threshold is not None and self.threshold != 0)
        )


@record
class Luks:
    cex: Cex = field(default_factory=Cex)
    clevis: Clevis = field(default_factory=Clevis)
    device: str | None = None
    discard: bool | None = None
    key_file: Resource = field(default_factory=Resource)
    label: str | None = None
    name: str = ""
    open_options: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    uuid: str | None = None
    wipe_volume: bool | None = None


@record
class Filesystem:
    device: str = ""
    format: str | None = None
    label: str | None = None
    mount_options: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    path: str | None = None
    uuid: str | None = None
    wipe_filesystem: bool | None = None


@record
class Storage:
    directories: tuple[Directory, ...] = ()
    disks: tuple[Disk, ...] = ()
    files: tuple[File, ...] = ()
    filesystems: tuple[Filesystem, ...] = ()
    links: tuple[Link, ...] = ()
    luks: tuple[Luks, ...] = ()
    raid: tuple[Raid, ...] = ()


@record
class Dropin:
    contents: str | None = None
    name: str = ""


@record
class Unit:
    contents: str | None = None
    dropins: tuple[Dropin, ...] = ()
    enabled: bool | None = None
    mask: bool | None = None
    name: str = ""


@record
class Systemd:
    units: tuple[Unit, ...] = ()


@record
class Config:
    ignition: Ignition = field(default_factory=Ignition)
    kernel_arguments: KernelArguments = field(default_factory=KernelArguments)
    passwd: Passwd = field(default_factory=Passwd)
    storage: Storage = field(default_factory=Storage)
    systemd: Systemd = field(default_factory=Systemd)


def empty_config(version: str = LATEST_VERSION) -> Config:
    return Config(ignition=Ignition(version=version))


_ODD_NAMES = {"sizeMiB": "size_mib", "startMiB": "start_mib"}


def attr_name(json_key: str) -> str:
    """camelCase JSON key → attribute name (``wipePartitionEntry`` → ``wipe_partition_entry``)."""
    odd = _ODD_NAMES.get(json_key)
    if odd is not None:
        return odd
    out = []
    for ch in json_key:
        if ch.isupper():
            out.append("_")
            out.append(ch.lower())
        else:
            out.append(ch)
    return "".join(out)


def json_name(attr: str) -> str:
    """Attribute name → camelCase JSON key (inverse of :func:`attr_name`)."""
    for k, v in _ODD_NAMES.items():
        if v == attr:
            return k
    head, *rest = attr.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)
