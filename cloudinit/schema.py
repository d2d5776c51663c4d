"""Every key of coreos-cloudinit's cloud-config, as its Go structs declare them.

One table per struct, fields in struct order (the order of ``Environment=`` lines in the drop-ins
it generates), each with its YAML key, Go type, environment variable, ``valid:`` regular
expression and ``deprecated:`` reason, from the reference's struct tags. The validator walks these
tables as the reference walks its structs; the typed decoder and the converter read them too.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cache

from ignition.util.record import record


class FieldType(StrEnum):
    STRING = "string"
    BOOL = "bool"
    INT = "int"
    FLOAT = "float64"
    STRING_LIST = "[]string"
    STRUCT = "struct"
    STRUCT_LIST = "[]struct"


@record
class Field:
    key: str
    type: FieldType
    struct: str = ""  # for STRUCT / STRUCT_LIST: the struct's name
    env: str = ""
    valid: str = ""  # Go regexp the value's %v must match (empty values always pass)
    deprecated: str = ""

    @property
    def valid_re(self) -> re.Pattern[str] | None:
        return _compiled(self.valid) if self.valid else None


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    # Go's "$" (no multi-line flag) only matches at the very end; Python's also before a
    # final newline, so "reboot\n" would pass. \Z is Go's meaning.
    return re.compile(pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern)


S, B, N, F = FieldType.STRING, FieldType.BOOL, FieldType.INT, FieldType.FLOAT
_GONE = "{} is no longer shipped in Container Linux"
_FETCH = "trying to fetch from a remote endpoint introduces too many intermittent errors"
_ETCD2_ONLY = "etcd2 options no longer work for etcd"


def _env(
    prefix: str, *specs: tuple[str, FieldType] | tuple[str, FieldType, str]
) -> tuple[Field, ...]:
    out = []
    for spec in specs:
        key, typ = spec[0], spec[1]
        env = spec[2] if len(spec) == 3 else prefix + key.upper()
        out.append(Field(key, typ, env=env))
    return tuple(out)


STRUCTS: dict[str, tuple[Field, ...]] = {
    "CloudConfig": (
        Field("ssh_authorized_keys", FieldType.STRING_LIST),
        Field("coreos", FieldType.STRUCT, "CoreOS"),
        Field("write_files", FieldType.STRUCT_LIST, "File"),
        Field("hostname", S),
        Field("users", FieldType.STRUCT_LIST, "User"),
        Field("manage_etc_hosts", S),
    ),
    "CoreOS": (
        Field("etcd", FieldType.STRUCT, "Etcd", deprecated=_GONE.format("etcd")),
        Field("etcd2", FieldType.STRUCT, "Etcd2", deprecated=_GONE.format("etcd2")),
        Field("flannel", FieldType.STRUCT, "Flannel"),
        Field("fleet", FieldType.STRUCT, "Fleet", deprecated=_GONE.format("fleet")),
        Field("locksmith", FieldType.STRUCT, "Locksmith"),
        Field("oem", FieldType.STRUCT, "OEM"),
        Field("update", FieldType.STRUCT, "Update"),
        Field("units", FieldType.STRUCT_LIST, "Unit"),
    ),
    "User": (
        Field("name", S),
        Field("passwd", S),
        Field("ssh_authorized_keys", FieldType.STRING_LIST),
        Field("coreos_ssh_import_github", S, deprecated=_FETCH),
        Field("coreos_ssh_import_github_users", FieldType.STRING_LIST, deprecated=_FETCH),
        Field("coreos_ssh_import_url", S, deprecated=_FETCH),
        Field("gecos", S),
        Field("homedir", S),
        Field("no_create_home", B),
        Field("primary_group", S),
        Field("groups", FieldType.STRING_LIST),
        Field("no_user_group", B),
        Field("system", B),
        Field("no_log_init", B),
        Field("shell", S),
    ),
    "File": (
        Field(
            "encoding", S, valid=r"^(base64|b64|gz|gzip|gz\+base64|gzip\+base64|gz\+b64|gzip\+b64)$"
        ),
        Field("content", S),
        Field("owner", S),
        Field("path", S),
        Field("permissions", S, valid=r"^0?[0-7]{3,4}$"),
    ),
    "Unit": (
        Field("name", S),
        Field("mask", B),
        Field("enable", B),
        Field("runtime", B),
        Field("content", S),
        Field(
            "command",
            S,
            valid=r"^(start|stop|restart|reload|try-restart|reload-or-restart"
            r"|reload-or-try-restart)$",
        ),
        Field("drop_ins", FieldType.STRUCT_LIST, "UnitDropIn"),
    ),
    "UnitDropIn": (Field("name", S), Field("content", S)),
    "Update": (
        Field("reboot_strategy", S, env="REBOOT_STRATEGY", valid=r"^(etcd-lock|reboot|off)$"),
        Field("group", S, env="GROUP"),
        Field("server", S, env="SERVER"),
    ),
    "Locksmith": (
        *_env(
            "LOCKSMITHD_",
            ("endpoint", S),
            ("etcd_cafile", S),
            ("etcd_certfile", S),
            ("etcd_keyfile", S),
            ("etcd_username", S),
            ("etcd_password", S),
            ("group", S),
        ),
        Field(
            "window_start",
            S,
            env="REBOOT_WINDOW_START",
            valid=r"^((?i:sun|mon|tue|wed|thu|fri|sat|sun) )?"
            r"0*([0-9]|1[0-9]|2[0-3]):0*([0-9]|[1-5][0-9])$",
        ),
        Field(
            "window_length",
            S,
            env="REBOOT_WINDOW_LENGTH",
            valid=r"^[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+$",
        ),
    ),
    "Flannel": _env(
        "FLANNELD_",
        ("etcd_endpoints", S),
        ("etcd_cafile", S),
        ("etcd_certfile", S),
        ("etcd_keyfile", S),
        ("etcd_prefix", S),
        ("etcd_username", S),
        ("etcd_password", S),
        ("ip_masq", S),
        ("subnet_file", S),
        ("interface", S, "FLANNELD_IFACE"),
        ("public_ip", S),
    ),
    "OEM": (
        Field("id", S),
        Field("name", S),
        Field("version_id", S),
        Field("home_url", S),
        Field("bug_report_url", S),
    ),
    "Etcd2": (
        *_env("ETCD_", ("advertise_client_urls", S)),
        Field(
            "ca_file",
            S,
            env="ETCD_CA_FILE",
            deprecated="ca_file obsoleted by trusted_ca_file and client_cert_auth",
        ),
        *_env(
            "ETCD_",
            ("cert_file", S),
            ("client_cert_auth", B),
            ("cors", S),
            ("data_dir", S),
            ("debug", B),
            ("discovery", S),
            ("discovery_fallback", S),
            ("discovery_srv", S),
            ("discovery_proxy", S),
            ("election_timeout", N),
            ("enable_pprof", B),
            ("force_new_cluster", B),
            ("heartbeat_interval", N),
            ("initial_advertise_peer_urls", S),
            ("initial_cluster", S),
            ("initial_cluster_state", S),
            ("initial_cluster_token", S),
            ("key_file", S),
            ("listen_client_urls", S),
            ("listen_peer_urls", S),
            ("log_package_levels", S),
            ("max_snapshots", N),
            ("max_wals", N),
            ("name", S),
        ),
        Field(
            "peer_ca_file",
            S,
            env="ETCD_PEER_CA_FILE",
            deprecated="peer_ca_file obsoleted peer_trusted_ca_file and peer_client_cert_auth",
        ),
        *_env(
            "ETCD_",
            ("peer_cert_file", S),
            ("peer_key_file", S),
            ("peer_client_cert_auth", B),
            ("peer_trusted_ca_file", S),
        ),
        Field("proxy", S, env="ETCD_PROXY", valid=r"^(on|off|readonly)$"),
        *_env(
            "ETCD_",
            ("proxy_dial_timeout", N),
            ("proxy_failure_wait", N),
            ("proxy_read_timeout", N),
            ("proxy_refresh_interval", N),
            ("proxy_write_timeout", N),
            ("snapshot_count", N),
            ("strict_reconfig_check", B),
            ("trusted_ca_file", S),
            ("wal_dir", S),
        ),
    ),
    "Etcd": (
        *_env("ETCD_", ("addr", S)),
        Field("advertise_client_urls", S, env="ETCD_ADVERTISE_CLIENT_URLS", deprecated=_ETCD2_ONLY),
        *_env(
            "ETCD_",
            ("bind_addr", S),
            ("ca_file", S),
            ("cert_file", S),
            ("cluster_active_size", N),
            ("cluster_remove_delay", F),
            ("cluster_sync_interval", F),
            ("cors", S),
            ("data_dir", S),
            ("discovery", S),
        ),
        *(
            Field(k, t, env="ETCD_" + k.upper(), deprecated=_ETCD2_ONLY)
            for k, t in (
                ("discovery_fallback", S),
                ("discovery_srv", S),
                ("discovery_proxy", S),
                ("election_timeout", N),
                ("force_new_cluster", B),
            )
        ),
        *_env("ETCD_", ("graphite_host", S)),
        Field("heartbeat_interval", N, env="ETCD_HEARTBEAT_INTERVAL", deprecated=_ETCD2_ONLY),
        *_env("ETCD_", ("http_read_timeout", F), ("http_write_timeout", F)),
        *(
            Field(k, S, env="ETCD_" + k.upper(), deprecated=_ETCD2_ONLY)
            for k in (
                "initial_advertise_peer_urls",
                "initial_cluster",
                "initial_cluster_state",
                "initial_cluster_token",
            )
        ),
        *_env("ETCD_", ("key_file", S)),
        *(
            Field(k, S, env="ETCD_" + k.upper(), deprecated=_ETCD2_ONLY)
            for k in ("listen_client_urls", "listen_peer_urls")
        ),
        *_env("ETCD_", ("max_result_buffer", N), ("max_retry_attempts", N)),
        *(
            Field(k, N, env="ETCD_" + k.upper(), deprecated=_ETCD2_ONLY)
            for k in ("max_snapshots", "max_wals")
        ),
        *_env(
            "ETCD_",
            ("name", S),
            ("peer_addr", S),
            ("peer_bind_addr", S),
            ("peer_ca_file", S),
            ("peer_cert_file", S),
            ("peer_election_timeout", N),
            ("peer_heartbeat_interval", N),
            ("peer_key_file", S),
            ("peers", S),
            ("peers_file", S),
        ),
        Field("proxy", S, env="ETCD_PROXY", deprecated=_ETCD2_ONLY),
        *_env(
            "ETCD_",
            ("retry_interval", F),
            ("snapshot", B),
            ("snapshot_count", N, "ETCD_SNAPSHOTCOUNT"),
            ("trace", S),
            ("verbose", B),
            ("very_verbose", B),
            ("very_very_verbose", B),
        ),
    ),
    "Fleet": _env(
        "FLEET_",
        ("agent_ttl", S),
        ("authorized_keys_file", S),
        ("disable_engine", B),
        ("engine_reconcile_interval", F),
        ("etcd_cafile", S),
        ("etcd_certfile", S),
        ("etcd_keyfile", S),
        ("etcd_key_prefix", S),
        ("etcd_request_timeout", F),
        ("etcd_servers", S),
        ("etcd_username", S),
        ("etcd_password", S),
        ("metadata", S),
        ("public_ip", S),
        ("token_limit", N),
        ("verbosity", N),
        ("verify_units", B),
    ),
}


def fields(struct: str) -> tuple[Field, ...]:
    return STRUCTS[struct]


@cache
def field_map(struct: str) -> dict[str, Field]:
    return {f.key: f for f in STRUCTS[struct]}


def human_type(f: Field) -> str:
    """How the reference names a type in ``incorrect type for "k" (want T)``."""
    return str(f.type)
