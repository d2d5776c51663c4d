"""The files and drop-ins coreos-cloudinit generates from ``coreos.*`` sections.

Same contents as the reference (``system/env.go``, ``update.go``, ``oem.go``, ``flannel.go``,
``etc_hosts.go``), with two corrections: values in ``Environment="KEY=value"`` lines are escaped
for systemd (the reference wrote them raw, so a ``%`` or ``"`` in a password broke the unit),
and what the reference wrote under ``/run`` (gone at the next boot, since it re-ran on every
boot) is written where first-boot provisioning can keep it.
"""

from __future__ import annotations

from cloudinit.model import OEM, EnvSection, Update
from ignition.config import gofmt

DROPIN = "20-cloudinit.conf"
SERVICE_OF = {
    "Etcd": "etcd.service",
    "Etcd2": "etcd2.service",
    "Fleet": "fleet.service",
    "Locksmith": "locksmithd.service",
}
UPDATE_CONF = "/etc/coreos/update.conf"
OEM_RELEASE = "/etc/oem-release"
ETC_HOSTS = "/etc/hosts"
FLANNEL_ENV = "/etc/flannel/options.env"
FLANNEL_RUN = "/run/flannel/options.env"
FLANNEL_UNIT = "flanneld.service"


def env_value(v: object) -> str:
    return gofmt.format_value(v)


def systemd_quote(s: str) -> str:
    """A value inside ``Environment="..."``: C escapes and ``%%`` for systemd's specifiers."""
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "%":
            out.append("%%")
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


def service_dropin(section: EnvSection) -> str:
    """``[Service]`` and one ``Environment=`` line per non-zero field, in struct order."""
    if not section.values:
        return ""
    lines = ["[Service]"]
    for f, v in section.values:
        lines.append(f'Environment="{systemd_quote(f"{f.env}={env_value(v)}")}"')
    return "\n".join(lines) + "\n"


def update_conf(u: Update) -> str:
    """The keys set, sorted, as the reference appends keys missing from the base file."""
    pairs = {"REBOOT_STRATEGY": u.reboot_strategy, "GROUP": u.group, "SERVER": u.server}
    return "".join(f"{k}={v}\n" for k, v in sorted(pairs.items()) if v)


def oem_release(o: OEM) -> str:
    return (
        f"ID={o.id}\nVERSION_ID={o.version_id}\nNAME={gofmt.quote(o.name)}\n"
        f"HOME_URL={gofmt.quote(o.home_url)}\n"
        f"BUG_REPORT_URL={gofmt.quote(o.bug_report_url)}\n"
    )


def etc_hosts(hostname: str) -> str:
    return f"127.0.0.1 {hostname}\n"


def flannel_env(section: EnvSection) -> str:
    """``KEY=value`` lines (the reference writes no final newline)."""
    return "\n".join(f"{f.env}={env_value(v)}" for f, v in section.values)


def flannel_dropin() -> str:
    """flanneld reads /run/flannel/options.env, which is empty at every boot: link it to the
    persistent copy before flanneld starts (ct's approach for the same file)."""
    return (
        "[Service]\n"
        "ExecStartPre=/usr/bin/mkdir -p /run/flannel\n"
        f"ExecStartPre=/usr/bin/ln -sf {FLANNEL_ENV} {FLANNEL_RUN}\n"
    )
