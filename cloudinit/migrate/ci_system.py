"""Host name, time, locale, DNS, SSH and CA settings of canonical cloud-init, as files."""

from __future__ import annotations

import re

from cloudinit.migrate import values as v
from cloudinit.migrate.out import Out, Variant
from cloudinit.migrate.units import FILES, add_file
from ignition.config.report import Path, Severity, printable

_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?")
_TZ = re.compile(r"[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*")


def hostname(out: Out, variant: Variant, cfg: dict[str, object]) -> None:
    """``hostname``, ``fqdn``, ``prefer_fqdn_over_hostname``, ``preserve_hostname``,
    ``create_hostname_file`` and ``manage_etc_hosts`` together, as cloud-init reads them."""
    if not ("hostname" in cfg or "fqdn" in cfg or "manage_etc_hosts" in cfg):
        return
    fqdn = v.text(out, ("fqdn",), cfg["fqdn"]) if "fqdn" in cfg else None
    short = v.text(out, ("hostname",), cfg["hostname"]) if "hostname" in cfg else None
    if fqdn is None and short is not None and "." in short:
        fqdn = short
    if short is None and fqdn is not None:
        short = fqdn.split(".", 1)[0]
    if short is not None and fqdn is not None and short == fqdn:
        short = fqdn.split(".", 1)[0]
    name = fqdn if cfg.get("prefer_fqdn_over_hostname") is True and fqdn else short
    at: Path = ("fqdn",) if name == fqdn and "fqdn" in cfg else ("hostname",)
    if name is not None and (not _HOST.fullmatch(name) or len(name) > 253):
        out.error(at, "not a valid host name: not carried over")
        return
    if name is not None:
        _hostname_file(out, cfg, name)
    _etc_hosts(out, cfg.get("manage_etc_hosts"), short, fqdn)


def _hostname_file(out: Out, cfg: dict[str, object], name: str) -> None:
    keys = [k for k in ("hostname", "fqdn") if k in cfg]
    if cfg.get("preserve_hostname") is True:
        for k in keys:
            out.info((k,), f"{k}: not set as the host name: preserve_hostname is true")
    elif cfg.get("create_hostname_file") is False:
        out.error(
            ("create_hostname_file",),
            "create_hostname_file: false (a transient host name) cannot be expressed: "
            "/etc/hostname is how the host name is given",
        )
    else:
        add_file(out, "/etc/hostname", name + "\n", "; ".join(out.source((k,)) for k in keys))


def _etc_hosts(out: Out, mode: object, short: str | None, fqdn: str | None) -> None:
    at: Path = ("manage_etc_hosts",)
    if mode in (None, False):
        return
    if mode not in (True, "template", "localhost"):
        out.error(at, "manage_etc_hosts must be true, false or localhost: not carried over")
        return
    if short is None:
        out.warning(
            at,
            "manage_etc_hosts without hostname or fqdn (cloud-init took the name from the "
            "cloud's metadata): /etc/hosts is left as the OS makes it; the OS resolves its own "
            "host name without it (nss-myhostname)",
        )
        return
    names = " ".join(dict.fromkeys(n for n in (fqdn, short) if n))
    line = f"127.0.1.1 {names}\n"
    if mode == "localhost":
        entry: dict[str, object] = {"path": "/etc/hosts", "append": [{"inline": line}]}
        out.add(FILES, "/etc/hosts", entry, out.source(at, "appended"))
        return
    text = (
        f"127.0.0.1 localhost\n{line}::1 localhost ip6-localhost ip6-loopback\n"
        "ff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n"
    )
    add_file(out, "/etc/hosts", text, out.source(at))
    out.warning(
        at,
        "manage_etc_hosts: /etc/hosts is written once; cloud-init rewrote it from its "
        "template at every boot",
    )


def timezone(out: Out, variant: Variant, at: Path, value: object) -> None:
    tz = v.text(out, at, value)
    if tz is None:
        return
    if not _TZ.fullmatch(tz) or ".." in tz:
        out.error(at, "not a time zone name (such as Europe/Berlin): not carried over")
        return
    entry: dict[str, object] = {
        "path": "/etc/localtime",
        "target": f"../usr/share/zoneinfo/{tz}",
        "overwrite": True,
    }
    out.add(("storage", "links"), "/etc/localtime", entry, out.source(at))


def locale(out: Out, variant: Variant, cfg: dict[str, object]) -> None:
    if "locale" not in cfg:
        if "locale_configfile" in cfg:
            out.info(("locale_configfile",), "locale_configfile without locale: nothing to do")
        return
    at: Path = ("locale",)
    if cfg["locale"] is False:
        out.info(at, "locale: false, nothing to carry over")
        return
    name = v.text(out, at, cfg["locale"])
    path = cfg.get("locale_configfile", "/etc/locale.conf")
    conf = v.text(out, ("locale_configfile",), path)
    if name is None or conf is None:
        return
    add_file(out, conf, f"LANG={name}\n", out.source(at))
    out.warning(at, f"locale: written to {conf}; the OS image may not carry this locale's data")
    if conf != "/etc/locale.conf":
        out.warning(
            ("locale_configfile",),
            f"locale_configfile: the OS reads its locale from /etc/locale.conf, not {conf}",
        )


def ntp(out: Out, variant: Variant, at: Path, value: object) -> None:
    cfg = v.mapping(out, at, value)
    if cfg is None:
        return
    if cfg.get("enabled", True) is False:
        out.info((*at, "enabled"), "ntp: not enabled, nothing to carry over")
        return
    servers = v.names(out, (*at, "servers"), cfg.get("servers", [])) or []
    pools = v.names(out, (*at, "pools"), cfg.get("pools", [])) or []
    client = cfg.get("ntp_client", "auto")
    if client not in ("auto", variant.ntp):
        out.warning(
            (*at, "ntp_client"),
            f"ntp_client: {variant.label} uses {variant.ntp}; it gets the servers instead",
        )
    for key in ("config",):
        if key in cfg:
            out.error((*at, key), f"ntp.{key}: a client configuration template is not carried over")
    if variant.ntp == "chrony":
        _chrony(out, at, cfg, servers, pools)
    else:
        for key in ("peers", "allow"):
            if cfg.get(key):
                out.error((*at, key), f"ntp.{key}: systemd-timesyncd has no such setting")
        if servers or pools:
            text = "[Time]\nNTP=" + " ".join(servers + pools) + "\n"
            add_file(out, "/etc/systemd/timesyncd.conf.d/50-cloud-init.conf", text, out.source(at))
    if not servers and not pools:
        out.info(at, "ntp: no servers or pools: the OS's defaults stay")


def _chrony(
    out: Out, at: Path, cfg: dict[str, object], servers: list[str], pools: list[str]
) -> None:
    peers = v.names(out, (*at, "peers"), cfg.get("peers", [])) or []
    allow = v.names(out, (*at, "allow"), cfg.get("allow", [])) or []
    if not (servers or pools or peers or allow):
        return
    lines = [f"server {s} iburst" for s in servers] + [f"pool {p} iburst" for p in pools]
    lines += [f"peer {p}" for p in peers] + [f"allow {a}" for a in allow]
    # The rest of Fedora CoreOS's own chrony.conf, which this file replaces.
    lines += [
        "sourcedir /run/chrony-dhcp",
        "driftfile /var/lib/chrony/drift",
        "makestep 1.0 3",
        "rtcsync",
        "ntsdumpdir /var/lib/chrony",
        "leapsectz right/UTC",
        "logdir /var/log/chrony",
    ]
    add_file(out, "/etc/chrony.conf", "\n".join(lines) + "\n", out.source(at))
    out.warning(at, "ntp: /etc/chrony.conf is replaced (servers, pools and the usual defaults)")


def resolv_conf(out: Out, variant: Variant, cfg: dict[str, object]) -> None:
    if "resolv_conf" not in cfg:
        if "manage_resolv_conf" in cfg:
            out.info(("manage_resolv_conf",), "manage_resolv_conf without resolv_conf: no-op")
        return
    at: Path = ("resolv_conf",)
    if cfg.get("manage_resolv_conf") is not True:
        out.info(at, "resolv_conf: ignored by cloud-init without manage_resolv_conf: true")
        return
    rc = v.mapping(out, at, cfg["resolv_conf"])
    if rc is None:
        return
    dns = v.names(out, (*at, "nameservers"), rc.get("nameservers", [])) or []
    search = v.names(out, (*at, "searchdomains"), rc.get("searchdomains", [])) or []
    if isinstance(rc.get("domain"), str):
        search = [str(rc["domain"]), *search]
    lines = ["[Resolve]"]
    if dns:
        lines.append("DNS=" + " ".join(dns))
    if search:
        lines.append("Domains=" + " ".join(search))
    for key in ("options", "sortlist"):
        if rc.get(key):
            out.error((*at, key), f"resolv_conf.{key}: systemd-resolved has no such setting")
    path = "/etc/systemd/resolved.conf.d/50-cloud-init.conf"
    add_file(out, path, "\n".join(lines) + "\n", out.source(at))
    out.warning(at, f"resolv_conf: given to systemd-resolved ({path}), which writes resolv.conf")


def ssh_pwauth(out: Out, variant: Variant, at: Path, value: object) -> None:
    if value == "unchanged":
        out.info(at, "ssh_pwauth: unchanged, nothing to carry over")
        return
    on = {True: "yes", False: "no", "yes": "yes", "no": "no"}.get(value)
    if on is None:
        out.error(at, "ssh_pwauth must be true, false or unchanged: not carried over")
        return
    # sshd takes the first value it reads: this file sorts before the OS's own 40-*.conf.
    text = f"PasswordAuthentication {on}\nKbdInteractiveAuthentication {on}\n"
    add_file(out, "/etc/ssh/sshd_config.d/20-cloud-init-pwauth.conf", text, out.source(at))


_HOST_KEY = re.compile(r"(rsa|dsa|ecdsa|ed25519)_(private|public|certificate)")


def ssh_keys(out: Out, variant: Variant, at: Path, value: object) -> None:
    keys = v.mapping(out, at, value)
    certificates: list[str] = []
    for k, key in (keys or {}).items():
        m = _HOST_KEY.fullmatch(k)
        text = v.text(out, (*at, k), key)
        if m is None or text is None:
            if m is None:
                out.error((*at, k), f"ssh_keys.{k}: not a host key name: not carried over")
            continue
        kind, part = m[1], m[2]
        suffix = {"private": "", "public": ".pub", "certificate": "-cert.pub"}[part]
        path = f"/etc/ssh/ssh_host_{kind}_key{suffix}"
        add_file(out, path, text if text.endswith("\n") else text + "\n",
                 out.source((*at, k)), mode=0o600 if part == "private" else 0o644)  # fmt: skip
        if part == "certificate":
            certificates.append(path)
        if kind == "dsa" and part == "private":
            out.warning((*at, k), "the OS's sshd no longer takes DSA host keys")
    if certificates:
        # cloud-init names the certificates in sshd_config; a drop-in does it here
        text = "".join(f"HostCertificate {c}\n" for c in certificates)
        add_file(out, "/etc/ssh/sshd_config.d/20-cloud-init-host-certificates.conf", text,
                 out.source(at, "sshd presents the host certificates"))  # fmt: skip


# The OS's agent that writes the cloud's SSH keys for core at boot.
_KEY_AGENT = {
    "fcos": "afterburn-sshkeys@core.service",
    "flatcar": "coreos-metadata-sshkeys@core.service",
}


def allow_public_ssh_keys(out: Out, variant: Variant, at: Path, value: object) -> None:
    allowed = v.flag(out, at, value)
    if allowed is None:
        return
    if allowed:
        out.info(at, "allow_public_ssh_keys: not needed: core gets the cloud's keys")
        return
    unit = _KEY_AGENT[variant.name]
    out.add(("systemd", "units"), unit, {"name": unit, "mask": True},
            out.source(at, "the cloud's SSH keys are not used"))  # fmt: skip
    out.warning(at, f"allow_public_ssh_keys: false: {unit} is masked, so core gets no keys "
                "from the cloud's metadata")  # fmt: skip


def ca_certs(out: Out, variant: Variant, at: Path, value: object) -> None:
    cfg = v.mapping(out, at, value)
    if cfg is None:
        return
    for key in ("remove_defaults", "remove-defaults"):
        if cfg.get(key):
            out.error(
                (*at, key),
                f"ca_certs.{key}: the OS's trusted certificates cannot be removed by config",
            )
    certs = v.items(out, (*at, "trusted"), cfg.get("trusted", [])) or []
    for i, cert in enumerate(certs):
        text = v.text(out, (*at, "trusted", i), cert)
        if text is None:
            continue
        path = f"{variant.ca_dir}/cloud-init-ca-{i + 1}{variant.ca_suffix}"
        add_file(out, path, text if text.endswith("\n") else text + "\n",
                 out.source((*at, "trusted", i)))  # fmt: skip
    if certs:
        out.info(
            (*at, "trusted"),
            f"ca_certs: written to {variant.ca_dir}, where {variant.label} adds them to the "
            "trust store at boot",
        )


_REPO_ID = re.compile(r"[A-Za-z0-9_.:-]+")


def yum_repos(out: Out, variant: Variant, cfg: dict[str, object]) -> None:
    """``yum_repos`` (written to ``yum_repo_dir``), as cloud-init writes them: ids with
    spaces turned into dashes, option names lowercased with ``_`` for ``-``, booleans as
    1/0, lists one value a line; a repository without a URL is skipped."""
    at: Path = ("yum_repos",)
    if "yum_repos" not in cfg:
        return
    if variant.name != "fcos":
        out.error(at, f"yum_repos: {variant.label} has no package manager: not carried over")
        return
    folder = v.text(out, ("yum_repo_dir",), cfg.get("yum_repo_dir", "/etc/yum.repos.d"))
    repos = v.mapping(out, at, cfg["yum_repos"])
    if folder is None or repos is None:
        return
    folder = folder.rstrip("/") or "/"
    if folder != "/etc/yum.repos.d":
        out.warning(
            ("yum_repo_dir",), f"yum_repo_dir: rpm-ostree reads /etc/yum.repos.d, not {folder}"
        )
    written: set[str] = set()
    for name, repo in repos.items():
        here = (*at, name)
        fields = v.mapping(out, here, repo or {})
        repo_id = name.replace(" ", "-")
        if fields is None:
            continue
        if not _REPO_ID.fullmatch(repo_id):
            out.error(here, "not a repository id usable as a file name: not carried over")
            continue
        if repo_id in written:  # cloud-init keeps the first repository of an id
            out.error(here, f"the id {repo_id} is an earlier repository's (cloud-init skips it)")
            continue
        options = {k.lower().strip().replace("-", "_"): val for k, val in fields.items()}
        if not {"baseurl", "metalink", "mirrorlist"} & set(options):
            out.error(
                here, "a repository needs baseurl, metalink or mirrorlist (cloud-init skips it)"
            )
            continue
        lines = [f"[{repo_id}]"] + [f"{k}={_repo_value(val)}" for k, val in options.items() if k]
        add_file(out, f"{folder}/{repo_id}.repo", "\n".join(lines) + "\n", out.source(here))
        written.add(repo_id)
    out.warning(
        at,
        "yum_repos: rpm-ostree reads these repositories, but nothing is installed from them "
        "(packages are not carried over)",
    )


def _repo_value(val: object) -> str:
    if isinstance(val, bool):
        return str(int(val))
    if isinstance(val, list):
        return "\n    ".join(_repo_value(x) for x in val)
    return str(val)


def packages(out: Out, variant: Variant, at: Path, value: object) -> None:
    """``packages``: not carried; the report names them, and how the OS adds software."""
    found = v.items(out, at, value) or []
    names: list[str] = []
    for item in found:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, list):
            names.append("=".join(str(x) for x in item))
        elif isinstance(item, dict):
            names += [f"{k}: {', '.join(str(x) for x in val or [])}" for k, val in item.items()]
    shown = "; ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    out.note(
        Severity.ERROR,
        at,
        f"packages: not carried over ({printable(shown, 200)}): there is no package manager: "
        f"{variant.software}",
        key=True,
    )
