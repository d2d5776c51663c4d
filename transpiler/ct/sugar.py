"""ct's sugar sections: etcd, flannel, docker, update/locksmith, platform units, templating."""

from __future__ import annotations

import json
import re
from typing import Any

from transpiler.ct.schema import CLI_NAMES, ETCD_SETS, FLANNEL_SETS
from transpiler.ct.semver import Semver

PLATFORMS = (
    "azure",
    "digitalocean",
    "ec2",
    "gce",
    "packet",
    "openstack-metadata",
    "vagrant-virtualbox",
    "cloudstack-configdrive",
    "custom",
)
_FIELDS = ("HOSTNAME", "PRIVATE_IPV4", "PUBLIC_IPV4", "PRIVATE_IPV6", "PUBLIC_IPV6")
_VARS: dict[str, tuple[str, ...]] = {
    "azure": ("", "COREOS_AZURE_IPV4_DYNAMIC", "COREOS_AZURE_IPV4_VIRTUAL", "", ""),
    "digitalocean": (
        "COREOS_DIGITALOCEAN_HOSTNAME",
        "COREOS_DIGITALOCEAN_IPV4_PRIVATE_0",
        "COREOS_DIGITALOCEAN_IPV4_PUBLIC_0",
        "COREOS_DIGITALOCEAN_IPV6_PRIVATE_0",
        "COREOS_DIGITALOCEAN_IPV6_PUBLIC_0",
    ),
    "ec2": ("COREOS_EC2_HOSTNAME", "COREOS_EC2_IPV4_LOCAL", "COREOS_EC2_IPV4_PUBLIC", "", ""),
    "gce": ("COREOS_GCE_HOSTNAME", "COREOS_GCE_IP_LOCAL_0", "COREOS_GCE_IP_EXTERNAL_0", "", ""),
    "packet": (
        "COREOS_PACKET_HOSTNAME",
        "COREOS_PACKET_IPV4_PRIVATE_0",
        "COREOS_PACKET_IPV4_PUBLIC_0",
        "",
        "COREOS_PACKET_IPV6_PUBLIC_0",
    ),
    "openstack-metadata": (
        "COREOS_OPENSTACK_HOSTNAME",
        "COREOS_OPENSTACK_IPV4_LOCAL",
        "COREOS_OPENSTACK_IPV4_PUBLIC",
        "",
        "",
    ),
    "vagrant-virtualbox": (
        "COREOS_VAGRANT_VIRTUALBOX_HOSTNAME",
        "COREOS_VAGRANT_VIRTUALBOX_PRIVATE_IPV4",
        "",
        "",
        "",
    ),
    "cloudstack-configdrive": ("CLOUDSTACK_LOCAL_HOSTNAME", "", "", "", ""),
    "custom": (
        "COREOS_CUSTOM_HOSTNAME",
        "COREOS_CUSTOM_PRIVATE_IPV4",
        "COREOS_CUSTOM_PUBLIC_IPV4",
        "COREOS_CUSTOM_PRIVATE_IPV6",
        "COREOS_CUSTOM_PUBLIC_IPV6",
    ),
}


class SugarError(Exception):
    """A conversion error the reference reports without a position; ``path`` (the templated
    value) and ``snippet`` (the text at fault in it) let the command line show where it is,
    and ``help`` what to do."""

    def __init__(
        self, message: str, *, path: tuple[str, ...] = (), snippet: str = "", help: str = ""
    ) -> None:
        super().__init__(message)
        self.path = path
        self.snippet = snippet
        self.help = help


def etcd_set(version: Semver | None) -> str | None:
    """The option set ct picks by major and minor version (3.0 when none is given)."""
    if version is None:
        return "3.0"
    if version.major == 2 and version.minor >= 3:
        return "2"
    if version.major == 3:
        return {0: "3.0", 1: "3.1", 2: "3.2"}.get(version.minor, "3.3")
    return None


def flannel_set(version: Semver | None) -> str | None:
    """The option set ct picks by major and minor version (0.6 when none is given)."""
    if version is None:
        return "0.6"
    if version.major != 0:
        return None
    return {5: "0.5", 6: "0.6"}.get(version.minor, "0.7" if version.minor >= 7 else None)


def _templated(value: str, platform: str) -> tuple[str, bool]:
    if "{" not in value and "}" not in value:
        return value, False
    if not platform:
        brace = min(i for i in (value.find("{"), value.find("}")) if i >= 0)
        raise SugarError(
            "platform must be specified to use templating",
            snippet=value[brace:],
            help="{HOSTNAME}, {PRIVATE_IPV4} and the like are filled in at boot from the "
            f"platform's metadata: give -platform ({', '.join(PLATFORMS)})",
        )
    names = _VARS.get(platform, ("",) * 5)

    def sub(m: re.Match[str]) -> str:
        field = m.group(1)
        if field not in _FIELDS or not names[_FIELDS.index(field)]:
            known = [f for f, n in zip(_FIELDS, names, strict=True) if n]
            raise SugarError(
                "unknown field",
                snippet=m.group(),
                help=f"on {platform} the fields are {', '.join('{' + f + '}' for f in known)}"
                if known
                else f"{platform} has no fields",
            )
        return "${" + names[_FIELDS.index(field)] + "}"

    # like the reference: substitute while a "{" comes before the next "}"
    out, rest = [], value
    while True:
        op, cl = rest.find("{"), rest.find("}")
        if op < 0 or cl < 0 or cl < op:
            break
        m = re.match(r"\{([^{}]*)\}", rest[op:])
        if m is None:
            break
        out.append(rest[:op] + sub(m))
        rest = rest[op + m.end() :]
    return "".join(out) + rest, True


def _unit_body(
    section: str,
    exec_start: str,
    opts: list[tuple[str, Any, str]],
    env: list[str],
    platform: str,
) -> str:
    from ignition.config.gofmt import quote  # loads unicodedata: only when quoting

    args = []
    templated = False
    for key, value, kind in opts:
        flag = CLI_NAMES.get(key, key.replace("_", "-"))
        if kind == "string":
            try:
                text, t = _templated(value, platform)
            except SugarError as exc:
                exc.path = (section, key)
                raise
            templated |= t
            args.append(f"--{flag}={quote(text)}")
        elif kind == "bool":
            args.append(f"--{flag}={'true' if value else 'false'}")
        else:
            args.append(f"--{flag}={value}")
    lines = []
    if templated:
        lines += ["[Unit]", "Requires=coreos-metadata.service", "After=coreos-metadata.service", ""]
    lines.append("[Service]")
    if templated:
        lines.append("EnvironmentFile=/run/metadata/coreos")
    lines += [f'Environment="{e}"' for e in env]
    lines += ["ExecStart=", f"ExecStart={exec_start}" + "".join(f" \\\n  {a}" for a in args)]
    return "\n".join(lines)


def etcd_dropin(etcd: dict[str, Any], version: Semver | None, platform: str) -> str:
    opts = ETCD_SETS.get(etcd_set(version) or "", [])
    given = [(k, etcd[k], t.value) for k, t in opts if k in etcd]
    env = [f"ETCD_IMAGE_TAG=v{version}"] if version is not None else []
    return _unit_body("etcd", "/usr/lib/coreos/etcd-wrapper $ETCD_OPTS", given, env, platform)


def flannel_dropin(fl: dict[str, Any], version: Semver | None, platform: str) -> str:
    from ignition.config.gofmt import quote

    opts = FLANNEL_SETS.get(flannel_set(version) or "", [])
    given = [(k, fl[k], t.value) for k, t in opts if k in fl]
    env = [f"FLANNEL_IMAGE_TAG=v{version}"] if version is not None else []
    body = _unit_body(
        "flannel", "/usr/lib/coreos/flannel-wrapper $FLANNEL_OPTS", given, env, platform
    )
    if "network_config" in fl:
        parts = ["ExecStartPre=/usr/bin/etcdctl"]
        for key, flag in (
            ("etcd_endpoints", "endpoints"),
            ("etcd_cafile", "ca-file"),
            ("etcd_certfile", "cert-file"),
            ("etcd_keyfile", "key-file"),
        ):
            if fl.get(key):
                parts.append(f"--{flag}={quote(fl[key])}")
        parts += ["set", "/coreos.com/network/config", quote(fl["network_config"])]
        body += "\n" + " ".join(parts)
    return body


def network_config_error(fl: dict[str, Any]) -> str | None:
    if "network_config" not in fl:
        return None
    try:
        json.loads(fl["network_config"])
    except ValueError:
        return "flannel network config doesn't appear to be valid JSON"
    if fl.get("kube_subnet_mgr"):
        return "flannel network config cannot be specified when kube_subnet_mgr is true"
    return None


def update_conf(update: dict[str, Any] | None, lock: dict[str, Any] | None) -> str:
    """``/etc/coreos/update.conf`` as the reference writes it: each line after the group is
    *prefixed* with a newline, so a config without a group starts with an empty line."""
    from ignition.config.gofmt import quote

    text = ""
    if update is not None:
        if update.get("group"):
            text = f"GROUP={update['group'].lower()}"
        if update.get("server"):
            text += f"\nSERVER={update['server']}"
    if lock:
        keys = (
            ("reboot_strategy", "REBOOT_STRATEGY"),
            ("window_start", "LOCKSMITHD_REBOOT_WINDOW_START"),
            ("window_length", "LOCKSMITHD_REBOOT_WINDOW_LENGTH"),
            ("group", "LOCKSMITHD_GROUP"),
            ("etcd_endpoints", "LOCKSMITHD_ENDPOINT"),
            ("etcd_cafile", "LOCKSMITHD_ETCD_CAFILE"),
            ("etcd_certfile", "LOCKSMITHD_ETCD_CERTFILE"),
            ("etcd_keyfile", "LOCKSMITHD_ETCD_KEYFILE"),
        )
        text += "".join(f"\n{var}={quote(lock[k])}" for k, var in keys if lock.get(k))
    return text


_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_DURATION = re.compile(r"[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|ms|s|m|h))+|0")


def locksmith_errors(lock: dict[str, Any]) -> list[tuple[str, str]]:
    errs: list[tuple[str, str]] = []
    strategy = lock.get("reboot_strategy")
    if strategy and strategy.lower() not in ("reboot", "etcd-lock", "off"):
        errs.append(("reboot_strategy", "unknown reboot strategy"))
    start, length = lock.get("window_start"), lock.get("window_length")
    if start:
        parts = start.split()
        if len(parts) == 2 and parts[0].lower() not in _DAYS:
            errs.append(("window_start", "unknown day in window start"))
        elif (
            len(parts) not in (1, 2)
            or not re.fullmatch(r"\d{1,2}:\d{2}", parts[-1])
            or not (int(parts[-1].split(":")[0]) < 24 and int(parts[-1].split(":")[1]) < 60)
        ):
            errs.append(("window_start", "couldn't parse window start"))
    if length and not _DURATION.fullmatch(length):
        errs.append(("window_length", "couldn't parse window length"))
    if bool(start) != bool(length):
        errs.append(
            (
                "window_start" if start else "window_length",
                "window-start and window-length must both be specified",
            )
        )
    return errs
