"""The Container Linux Config schema (ct), as shapes for the shared YAML decoder."""

from __future__ import annotations

from transpiler.shapes import Kind, Shape

S, N, U, B = Kind.STRING, Kind.INT, Kind.UINT, Kind.BOOL


def _o(go: str, **fields: Shape | Kind) -> Shape:
    out: dict[str, Shape] = {}
    for k, v in fields.items():
        out[k] = (
            v
            if isinstance(v, Shape)
            else Shape(v, {S: "string", N: "int", U: "uint", B: "bool"}[v])
        )
    return Shape(Kind.OBJECT, go, out)


def _l(item: Shape | Kind, go: str) -> Shape:
    it = item if isinstance(item, Shape) else Shape(item, "string")
    return Shape(Kind.ARRAY, go, items=it)


def _hash() -> Shape:
    return _o("types.Verification", hash=_o("types.Hash", function=S, sum=S))


def _cfgref() -> Shape:
    return _o("types.ConfigReference", source=S, verification=_hash())


def _node(go: str, **extra: Shape | Kind) -> Shape:
    owner = {
        "user": _o("types.FileUser", id=N, name=S),
        "group": _o("types.FileGroup", id=N, name=S),
    }
    return _o(go, filesystem=S, path=S, overwrite=B, mode=N, **owner, **extra)


# etcd options per option set, in the reference's struct order: (yaml key, kind). etcd's
# deprecated ca_file and peer_ca_file are in none: the reference drops them with the warning
# every key outside the option set gets.
_E3_0 = [
    ("name", S),
    ("data_dir", S),
    ("wal_dir", S),
    ("snapshot_count", N),
    ("heartbeat_interval", N),
    ("election_timeout", N),
    ("enable_pprof", B),
    ("listen_peer_urls", S),
    ("listen_client_urls", S),
    ("max_snapshots", N),
    ("max_wals", N),
    ("cors", S),
    ("initial_advertise_peer_urls", S),
    ("initial_cluster", S),
    ("initial_cluster_state", S),
    ("initial_cluster_token", S),
    ("advertise_client_urls", S),
    ("discovery", S),
    ("discovery_srv", S),
    ("discovery_fallback", S),
    ("discovery_proxy", S),
    ("strict_reconfig_check", B),
    ("auto_compaction_retention", N),
    ("proxy", S),
    ("proxy_failure_wait", N),
    ("proxy_refresh_interval", N),
    ("proxy_dial_timeout", N),
    ("proxy_write_timeout", N),
    ("proxy_read_timeout", N),
    ("cert_file", S),
    ("key_file", S),
    ("client_cert_auth", B),
    ("trusted_ca_file", S),
    ("auto_tls", B),
    ("peer_cert_file", S),
    ("peer_key_file", S),
    ("peer_client_cert_auth", B),
    ("peer_trusted_ca_file", S),
    ("peer_auto_tls", B),
    ("debug", B),
    ("log_package_levels", S),
    ("force_new_cluster", B),
]
_E3_1 = [*_E3_0, ("metrics", S), ("log_output", S)]
_E3_2 = [*_E3_1, ("enable_v2", B), ("auth_token", S)]
_E3_3 = [
    *_E3_2,
    ("auto_compaction_mode", S),
    ("client_crl_file", S),
    ("experimental_corrupt_check_time", S),
    ("experimental_enable_v2v3", S),
    ("experimental_initial_corrupt_check", B),
    ("grpc_keepalive_interval", S),
    ("grpc_keepalive_min_time", S),
    ("grpc_keepalive_timeout", S),
    ("listen_metrics_urls", S),
    ("max_request_bytes", N),
    ("max_txn_ops", N),
    ("peer_cert_allowed_cn", S),
    ("peer_crl_file", S),
    ("quota_backend_bytes", N),
]
_E2 = sorted(
    [
        (k, t)
        for k, t in _E3_0
        if k
        not in (
            "wal_dir",
            "auto_compaction_retention",
            "auto_tls",
            "peer_auto_tls",
            "strict_reconfig_check",
            "trusted_ca_file",
            "peer_trusted_ca_file",
        )
    ]
    + [
        ("wal_dir", S),
        ("strict_reconfig_check", B),
        ("trusted_ca_file", S),
        ("peer_trusted_ca_file", S),
    ],
)
ETCD_SETS = {"2": _E2, "3.0": _E3_0, "3.1": _E3_1, "3.2": _E3_2, "3.3": _E3_3}

_F_HEAD = [
    ("etcd_endpoints", S),
    ("etcd_cafile", S),
    ("etcd_certfile", S),
    ("etcd_keyfile", S),
    ("etcd_prefix", S),
]
_F_TAIL = [("ip_masq", S), ("subnet_file", S), ("interface", S), ("public_ip", S)]
_F0_5 = _F_HEAD + _F_TAIL
_F0_6 = [*_F_HEAD, ("etcd_username", S), ("etcd_password", S), *_F_TAIL]
_F0_7 = [*_F0_6, ("kube_subnet_mgr", B)]
FLANNEL_SETS = {"0.5": _F0_5, "0.6": _F0_6, "0.7": _F0_7}
CLI_NAMES = {
    "interface": "iface",
    "etcd_cafile": "etcd-cafile",
    "etcd_certfile": "etcd-certfile",
    "etcd_keyfile": "etcd-keyfile",
}


def root(etcd_set: str | None, flannel_set: str | None) -> Shape:
    etcd = _o("types.Etcd", version=S, **dict(ETCD_SETS.get(etcd_set or "", [])))
    flannel = _o(
        "types.Flannel",
        version=S,
        network_config=S,
        **dict(FLANNEL_SETS.get(flannel_set or "", [])),
    )
    files = _node(
        "types.File",
        append=B,
        contents=_o(
            "types.FileContents",
            inline=S,
            local=S,
            remote=_o("types.Remote", url=S, compression=S, verification=_hash()),
        ),
    )
    dropin = _o("types.SystemdUnitDropIn", name=S, contents=S)
    create = _o(
        "types.UserCreate",
        uid=N,
        gecos=S,
        home_dir=S,
        no_create_home=B,
        primary_group=S,
        groups=_l(S, "[]string"),
        no_user_group=B,
        system=B,
        no_log_init=B,
        shell=S,
    )
    return _o(
        "types.Config",
        version=N,
        ignition=_o(
            "types.Ignition",
            config=_o(
                "types.IgnitionConfig",
                append=_l(_cfgref(), "[]types.ConfigReference"),
                replace=_cfgref(),
            ),
            timeouts=_o("types.Timeouts", http_response_headers=N, http_total=N),
            security=_o(
                "types.Security",
                tls=_o("types.TLS", certificate_authorities=_l(_cfgref(), "[]types.CaReference")),
            ),
        ),
        storage=_o(
            "types.Storage",
            disks=_l(
                _o(
                    "types.Disk",
                    device=S,
                    wipe_table=B,
                    partitions=_l(
                        _o(
                            "types.Partition",
                            label=S,
                            number=N,
                            size=S,
                            start=S,
                            guid=S,
                            type_guid=S,
                        ),
                        "[]types.Partition",
                    ),
                ),
                "[]types.Disk",
            ),
            raid=_l(
                _o(
                    "types.Raid",
                    name=S,
                    level=S,
                    devices=_l(S, "[]string"),
                    spares=N,
                    options=_l(S, "[]string"),
                ),
                "[]types.Raid",
            ),
            filesystems=_l(
                _o(
                    "types.Filesystem",
                    name=S,
                    path=S,
                    mount=_o(
                        "types.Mount",
                        device=S,
                        format=S,
                        wipe_filesystem=B,
                        label=S,
                        uuid=S,
                        options=_l(S, "[]string"),
                        create=_o("types.Create", force=B, options=_l(S, "[]string")),
                    ),
                ),
                "[]types.Filesystem",
            ),
            files=_l(files, "[]types.File"),
            directories=_l(_node("types.Directory"), "[]types.Directory"),
            links=_l(_node("types.Link", target=S, hard=B), "[]types.Link"),
        ),
        systemd=_o(
            "types.Systemd",
            units=_l(
                _o(
                    "types.SystemdUnit",
                    name=S,
                    enable=B,
                    enabled=B,
                    mask=B,
                    contents=S,
                    dropins=_l(dropin, "[]types.SystemdUnitDropIn"),
                ),
                "[]types.SystemdUnit",
            ),
        ),
        networkd=_o(
            "types.Networkd",
            units=_l(
                _o(
                    "types.NetworkdUnit",
                    name=S,
                    contents=S,
                    dropins=_l(dropin, "[]types.NetworkdUnitDropIn"),
                ),
                "[]types.NetworkdUnit",
            ),
        ),
        passwd=_o(
            "types.Passwd",
            users=_l(
                _o(
                    "types.User",
                    name=S,
                    password_hash=S,
                    ssh_authorized_keys=_l(S, "[]string"),
                    uid=N,
                    gecos=S,
                    home_dir=S,
                    no_create_home=B,
                    primary_group=S,
                    groups=_l(S, "[]string"),
                    no_user_group=B,
                    system=B,
                    no_log_init=B,
                    shell=S,
                    create=create,
                ),
                "[]types.User",
            ),
            groups=_l(_o("types.Group", name=S, gid=U, password_hash=S, system=B), "[]types.Group"),
        ),
        etcd=etcd,
        flannel=flannel,
        docker=_o("types.Docker", flags=_l(S, "[]string")),
        update=_o("types.Update", group=S, server=S),
        locksmith=_o(
            "types.Locksmith",
            reboot_strategy=S,
            window_start=S,
            window_length=S,
            group=S,
            etcd_endpoints=S,
            etcd_cafile=S,
            etcd_certfile=S,
            etcd_keyfile=S,
        ),
    )
