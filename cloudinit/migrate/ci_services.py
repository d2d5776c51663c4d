"""``phone_home``, ``wireguard``, ``bootc``, ``keyboard``, ``disable_ec2_metadata``, ``fips``
and ``rhel``: what cloud-init did with a tool of the OS, done by a unit or a file."""

from __future__ import annotations

import re
import shlex

from cloudinit.migrate import values as v
from cloudinit.migrate.out import Out, Variant
from cloudinit.migrate.units import add_file, add_script, add_unit, once_unit
from ignition.config.report import Path

PHONE_HOME = "cloud-init-phone-home"
# What phone_home can post; a host key that is missing is posted as N/A, as cloud-init does.
_HOST_KEYS = {
    "pub_key_rsa": "/etc/ssh/ssh_host_rsa_key.pub",
    "pub_key_ecdsa": "/etc/ssh/ssh_host_ecdsa_key.pub",
    "pub_key_ed25519": "/etc/ssh/ssh_host_ed25519_key.pub",
    "pub_key_dsa": "/etc/ssh/ssh_host_dsa_key.pub",
}
_NAMES = {
    "instance_id": '"$iid"',
    "hostname": '"${node%%.*}"',
    "fqdn": '"$node"',
}
_INSTANCE_ID = re.compile(r"\$\{?INSTANCE_ID\}?")


def phone_home(out: Out, variant: Variant, at: Path, value: object) -> None:
    cfg = v.mapping(out, at, value)
    url = v.text(out, (*at, "url"), (cfg or {}).get("url"))
    if cfg is None or url is None:
        return
    if not url.startswith(("http://", "https://")):
        out.error((*at, "url"), "phone_home.url: not an http(s) URL: not carried over")
        return
    post = cfg.get("post", "all")
    every = [*list(_HOST_KEYS)[:3], *_NAMES]
    fields = every if post == "all" else v.names(out, (*at, "post"), post)
    tries = cfg.get("tries", 10)
    if not isinstance(tries, int) or isinstance(tries, bool) or not 1 <= tries <= 100:
        out.error((*at, "tries"), "phone_home.tries: a number of tries from 1 to 100")
        return
    args: list[str] = []
    for name in fields or []:
        if name in _HOST_KEYS:
            path = _HOST_KEYS[name]
            args.append(
                f'if [ -r {path} ]; then set -- "$@" --data-urlencode {name}@{path}; '
                f'else set -- "$@" --data-urlencode {name}=N/A; fi'
            )
        elif name in _NAMES:
            args.append(f'set -- "$@" --data-urlencode {name}={_NAMES[name]}')
        else:
            out.warning((*at, "post"), f"phone_home.post: {name} is not a value cloud-init posts")
    target = '"$iid"'.join(shlex.quote(part) for part in _INSTANCE_ID.split(url))
    lines = [
        "iid=$(cat /etc/machine-id)",
        "node=$(uname -n)",
        "set --",
        *args,
        f'exec curl -fsS -o /dev/null --retry {tries - 1} --retry-all-errors "$@" {target}',
    ]
    script = add_script(out, variant, at, PHONE_HOME, lines)
    unit = once_unit(
        "Post this machine's host keys and names (cloud-init phone_home)",
        PHONE_HOME,
        [script],
        after="sshd-keygen.target sshd-keygen.service sshd.service",
    )
    add_unit(out, f"{PHONE_HOME}.service", unit, out.source(at, f"runs {script} once"))
    out.warning(
        at,
        f"phone_home: posted once by {PHONE_HOME}.service with curl; the instance id is the "
        "machine id (/etc/machine-id), and hostname and fqdn come from the kernel's host name",
    )


_WG_NAME = re.compile(r"[A-Za-z0-9_=+.-]{1,15}")
WG_PROBE = "cloud-init-wireguard-probe"


def wireguard(out: Out, variant: Variant, at: Path, value: object) -> None:
    cfg = v.mapping(out, at, value)
    if cfg is None:
        return
    units: list[str] = []
    for i, iface in enumerate(v.items(out, (*at, "interfaces"), cfg.get("interfaces", [])) or []):
        here = (*at, "interfaces", i)
        entry = v.mapping(out, here, iface)
        if entry is None:
            continue
        name = v.text(out, (*here, "name"), entry.get("name"))
        path = v.text(out, (*here, "config_path"), entry.get("config_path"))
        content = v.text(out, (*here, "content"), entry.get("content"))
        if name is None or path is None or content is None:
            continue
        if not _WG_NAME.fullmatch(name):
            out.error((*here, "name"), "not an interface name: not carried over")
            continue
        if path != f"/etc/wireguard/{name}.conf":
            out.warning(
                (*here, "config_path"),
                f"wg-quick@{name}.service reads /etc/wireguard/{name}.conf only (as it did "
                "under cloud-init): the interface does not come up from this file",
            )
        add_file(out, path, content, out.source(here, "its configuration"), mode=0o600)
        unit = f"wg-quick@{name}.service"
        out.add(("systemd", "units"), unit, {"name": unit, "enabled": True},
                out.source(here, "brings the interface up at every boot"))  # fmt: skip
        units.append(unit)
    probes = cfg.get("readinessprobe")
    if probes is not None:
        found = v.items(out, (*at, "readinessprobe"), probes) or []
        lines = [v.command_line(out, (*at, "readinessprobe", i), c) for i, c in enumerate(found)]
        commands = [line for line in lines if line is not None]
        if commands:
            here = (*at, "readinessprobe")
            script = add_script(out, variant, here, WG_PROBE, ["set -e", *commands])
            text = once_unit("cloud-init's wireguard readiness probes", WG_PROBE, [script],
                             after=" ".join(units))  # fmt: skip
            add_unit(out, f"{WG_PROBE}.service", text, out.source(here, f"runs {script} once"))
    if units and variant.name == "flatcar":
        out.warning(
            at,
            "wireguard: the interfaces come up with wg-quick; where the Flatcar release has no "
            "wg-quick, give them as systemd-networkd .netdev and .network files instead",
        )


BOOTC = "cloud-init-bootc"
_IMAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:@+-]*")


def bootc(out: Out, variant: Variant, at: Path, value: object) -> None:
    cfg = v.mapping(out, at, value)
    image = v.text(out, (*at, "image"), (cfg or {}).get("image"))
    if image is None:
        return
    if variant.name != "fcos":
        out.error(at, f"bootc: {variant.label} does not boot container images: not carried over")
        return
    if not _IMAGE.fullmatch(image):
        out.error((*at, "image"), "not a container image reference: not carried over")
        return
    command = f"/usr/bin/rpm-ostree rebase --reboot ostree-unverified-registry:{image}"
    text = once_unit(f"Switch to the image {image} (cloud-init bootc)", BOOTC, [command],
                     stamp_first=True)  # fmt: skip
    add_unit(out, f"{BOOTC}.service", text, out.source(at, "rebases once, then reboots"))
    out.warning(
        at,
        f"bootc: {BOOTC}.service rebases to the image once, at first boot, and reboots into it; "
        "the image's signature is not checked (as an unverified registry)",
    )


_GB = {"gb": "uk"}  # X11 layouts whose console keymap has another name


def keyboard(out: Out, variant: Variant, at: Path, value: object) -> None:
    cfg = v.mapping(out, at, value)
    layout = v.text(out, (*at, "layout"), (cfg or {}).get("layout"))
    if cfg is None or layout is None:
        return
    xkb = {"XKBLAYOUT": layout}
    for key, field in (("model", "XKBMODEL"), ("variant", "XKBVARIANT"), ("options", "XKBOPTIONS")):
        if cfg.get(key) is not None:
            text = v.text(out, (*at, key), cfg[key])
            if text is not None:
                xkb[field] = text
    if any(not re.fullmatch(r"[A-Za-z0-9_:,.+-]+", val) for val in xkb.values()):
        out.error(at, "keyboard: a value that is not a keyboard name: not carried over")
        return
    keymap = _GB.get(layout, layout)
    if "XKBVARIANT" in xkb:
        keymap += "-" + xkb["XKBVARIANT"].removeprefix(layout + "-")
    lines = [f"KEYMAP={keymap}", *(f"{k}={val}" for k, val in xkb.items())]
    add_file(out, "/etc/vconsole.conf", "\n".join(lines) + "\n", out.source(at))
    out.warning(
        at,
        f"keyboard: /etc/vconsole.conf with the console keymap {keymap}, named after the X11 "
        "layout (check that the OS has it: localectl list-keymaps)",
    )


METADATA_BLOCK = "cloud-init-disable-ec2-metadata"


def disable_ec2_metadata(out: Out, variant: Variant, at: Path, value: object) -> None:
    if v.flag(out, at, value) is not True:
        return
    lines = [
        "[Unit]",
        "Description=Block the instance metadata service (cloud-init disable_ec2_metadata)",
        "Wants=network-online.target",
        "After=network-online.target afterburn.service afterburn-checkin.service "
        "afterburn-sshkeys.target",
        "",
        "[Service]",
        "Type=oneshot",
        "RemainAfterExit=yes",
        "ExecStart=/usr/sbin/ip route replace prohibit 169.254.169.254",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ]
    add_unit(out, f"{METADATA_BLOCK}.service", "\n".join(lines), out.source(at, "every boot"))
    out.warning(
        at,
        f"disable_ec2_metadata: {METADATA_BLOCK}.service blocks 169.254.169.254 at every boot, "
        "after the OS's own agents (afterburn) have read it",
    )


def fips(out: Out, variant: Variant, at: Path, value: object) -> None:
    if value is False:
        out.info(at, "fips: false, nothing to carry over")
        return
    _no_fips(out, variant, at)


def rhel(out: Out, variant: Variant, at: Path, value: object) -> None:
    cfg = v.mapping(out, at, value)
    for key, val in (cfg or {}).items():
        if key == "fips_mode" and val is not False:
            _no_fips(out, variant, (*at, key))
        elif key != "fips_mode":
            out.error((*at, key), f"rhel.{key}: a RHEL setting: not carried over")


def _no_fips(out: Out, variant: Variant, at: Path) -> None:
    hint = (
        "Fedora CoreOS enables it when it is installed (the fips=1 kernel argument and the "
        "FIPS crypto policy)"
        if variant.name == "fcos"
        else "Flatcar has no FIPS mode"
    )
    out.error(at, f"FIPS mode is not switched on by a first-boot config: {hint}")
