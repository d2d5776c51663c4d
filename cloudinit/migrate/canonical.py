"""Canonical cloud-init's ``#cloud-config`` → Butane (Fedora CoreOS or Flatcar).

Each key of cloud-init's schema that has a meaning on an Ignition system becomes the Butane a
user would write for it (files, links, units, users, disks); each entry is commented with the
line it comes from. Every other key is reported, located, with the reason: never a silent
drop. See docs/migration.md for the table.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from cloudinit.migrate import ci_commands, ci_disks, ci_files, ci_services, ci_system
from cloudinit.migrate.ci_users import Users
from cloudinit.migrate.located import LoadError, load
from cloudinit.migrate.out import Out, Variant
from cloudinit.migrate.result import Migration, header
from cloudinit.yamlout import dump
from ignition.config.report import Diagnostic, Path, Severity

MAX_INPUT = 16 * 1024 * 1024
DIALECT = "cloud-init"

Handler = Callable[[Out, Variant, Path, object], None]
SIMPLE: dict[str, Handler] = {
    "write_files": ci_files.write_files,
    "runcmd": ci_commands.runcmd,
    "bootcmd": ci_commands.bootcmd,
    "power_state": ci_commands.power_state,
    "final_message": ci_commands.final_message,
    "swap": ci_commands.swap,
    "timezone": ci_system.timezone,
    "ntp": ci_system.ntp,
    "ssh_pwauth": ci_system.ssh_pwauth,
    "ssh_keys": ci_system.ssh_keys,
    "ca_certs": ci_system.ca_certs,
    "ca-certs": ci_system.ca_certs,
    "growpart": ci_disks.growpart,
    "resize_rootfs": ci_disks.resize_rootfs,
    "packages": ci_system.packages,
    "phone_home": ci_services.phone_home,
    "wireguard": ci_services.wireguard,
    "bootc": ci_services.bootc,
    "keyboard": ci_services.keyboard,
    "disable_ec2_metadata": ci_services.disable_ec2_metadata,
    "allow_public_ssh_keys": ci_system.allow_public_ssh_keys,
    "fips": ci_services.fips,
    "rhel": ci_services.rhel,
}
# Keys read together by a handler below (not dispatched one by one).
GROUPED = frozenset(
    [
        "hostname",
        "fqdn",
        "prefer_fqdn_over_hostname",
        "preserve_hostname",
        "create_hostname_file",
        "manage_etc_hosts",
        "locale",
        "locale_configfile",
        "manage_resolv_conf",
        "resolv_conf",
        "users",
        "user",
        "groups",
        "chpasswd",
        "password",
        "ssh_authorized_keys",
        "disable_root",
        "yum_repos",
        "yum_repo_dir",
        "disk_setup",
        "fs_setup",
        "mounts",
        "mount_default_fields",
        "device_aliases",
    ]
)
# What a grouped key did, when nothing else was said about it.
USED_WITH = {
    "manage_etc_hosts": "/etc/hosts is left as the OS makes it",
    "preserve_hostname": "read with hostname and fqdn (without them, the OS names itself)",
    "prefer_fqdn_over_hostname": "decides whether /etc/hostname holds the FQDN",
    "create_hostname_file": "read with hostname and fqdn (without them, nothing is written)",
    "device_aliases": "resolved in the device names of disk_setup, fs_setup and mounts",
    "mount_default_fields": "fills in the fields that mounts entries leave out",
    "manage_resolv_conf": "read with resolv_conf",
    "locale_configfile": "the file the locale is written to",
    "yum_repo_dir": "the directory yum_repos are written to",
}
# Package manager settings: reported with the variant's way of adding software.
PACKAGE_KEYS = frozenset(
    [
        "package_update",
        "package_upgrade",
        "package_reboot_if_required",
        "apt",
        "apt_pipelining",
        "apt_update",
        "apt_upgrade",
        "apt_reboot_if_required",
        "apt_sources",
        "apt_mirror",
        "apt_mirror_search",
        "apt_mirror_search_dns",
        "apt_proxy",
        "apt_http_proxy",
        "apt_https_proxy",
        "apt_ftp_proxy",
        "apt_preserve_sources_list",
        "apt_custom_sources_list",
        "add_apt_repo_match",
        "debconf_selections",
        "apk",
        "apk_repos",
        "zypper",
        "snap",
    ]
)
_OS_DOES = "the OS does this itself"
_AGENTS = "configuration management agents are not part of the OS"
_RPI = "a Raspberry Pi OS setting (raspi-config)"
_MODULES = "cloud-init's own module lists (which modules run)"
# Keys that are reported, never carried: the reason for each.
NOT_CARRIED = {
    "ssh_import_id": "keys are fetched from Launchpad or GitHub by cloud-init at boot; list "
    "them in ssh_authorized_keys",
    "ansible": _AGENTS,
    "chef": _AGENTS,
    "puppet": _AGENTS,
    "salt_minion": _AGENTS,
    "mcollective": _AGENTS,
    "landscape": "Ubuntu's management service",
    "ubuntu_advantage": "Ubuntu's subscription service",
    "ubuntu_pro": "Ubuntu's subscription service",
    "drivers": "Ubuntu's driver installer",
    "ubuntu_autoinstall": "Ubuntu's installer",
    "autoinstall": "Ubuntu's installer",
    "byobu_by_default": "byobu is not part of the OS",
    "fan": "Ubuntu's fan networking",
    "lxd": "LXD is not part of the OS",
    "rh_subscription": "Red Hat's subscription service",
    "spacewalk": "Spacewalk's agent is not part of the OS",
    "rsyslog": "rsyslog is not part of the OS (the journal is): forward the journal with a "
    "log shipper in a container, or systemd-journal-upload",
    "syslog": "rsyslog is not part of the OS (the journal is)",
    "random_seed": "the OS seeds its random generator itself; seed commands and data are not run",
    "seed_random": "the OS seeds its random generator itself",
    "grub_dpkg": "Debian's boot loader settings",
    "grub-dpkg": "Debian's boot loader settings",
    "reporting": "cloud-init's own event reporting",
    "cloud_init_modules": _MODULES,
    "cloud_config_modules": _MODULES,
    "cloud_final_modules": _MODULES,
    "unverified_modules": _MODULES,
    "launch-index": "cloud-init used this document only on the machine of that launch "
    "index; the converted config applies to every machine it is given to",
    "system_info": "cloud-init's distribution settings (default user, paths, package manager)",
    "version": "a cloud-init setting with no Ignition meaning",
    "rpi": _RPI,
    "rpi_interfaces": _RPI,
    "rpi_userconf": _RPI,
    "enable_rpi_connect": _RPI,
    "disable_piwiz": _RPI,
    "ssh_redirect_user": "the login redirect message needs cloud-init",
    "migrate": "cloud-init's own state",
    "datasource": "cloud-init's own data sources",
    "network": "give network settings as networkd files (write_files)",
    "runcmd_user": "not a cloud-init key",
}
# Keys whose work the OS does anyway, or that only tune cloud-init itself: an info entry.
NOT_NEEDED = {
    "disable_root_opts": "root's key options: cloud-init's own",
    "ssh_deletekeys": "the OS image carries no host keys: they are made at first boot",
    "ssh_genkeytypes": "sshd makes its host keys at first boot",
    "ssh_quiet_keygen": _OS_DOES,
    "ssh_publish_hostkeys": "cloud-init's report of host keys to the cloud",
    "ssh_fp_console_blacklist": "cloud-init's console output",
    "ssh_key_console_blacklist": "cloud-init's console output",
    "no_ssh_fingerprints": "cloud-init's console output",
    "authkey_hash": "cloud-init's console output",
    "ssh": "cloud-init's console output",
    "merge_how": "one document: nothing to merge",
    "merge_type": "one document: nothing to merge",
    "vendor_data": "Ignition reads no vendor data",
    "updates": "the OS's network stack configures hot-plugged interfaces itself",
    "output": "cloud-init's own output: the converted units log to the journal",
    "def_log_file": "cloud-init's own log file",
    "syslog_fix_perms": "cloud-init's own log file",
    "manual_cache_clean": "cloud-init's own instance cache",
}


KNOWN_KEYS = frozenset([*SIMPLE, *GROUPED, *PACKAGE_KEYS, *NOT_CARRIED, *NOT_NEEDED])


def convert(raw: bytes, *, name: str, variant: Variant) -> Migration:
    out = Out(name, {})
    if len(raw) > MAX_INPUT:
        out.note(Severity.ERROR, (), f"the input is larger than {MAX_INPUT} bytes")
        return Migration(DIALECT, None, out.report)
    text = raw.decode("utf-8", "replace").replace("\r\n", "\n")
    try:
        loaded = load(text)
    except LoadError as exc:
        out.report.entries.append(_at(out, exc.message, exc.pos))
        return Migration(DIALECT, None, out.report)
    out = Out(name, loaded.positions, loaded.keys)
    for dup in loaded.duplicates:
        out.note(Severity.WARNING, dup, "key given twice: the last value is used", key=True)
    cfg = loaded.value
    if cfg is None:
        cfg = {}
    if not isinstance(cfg, dict):
        out.error((), "a #cloud-config document must be a mapping of keys")
        return Migration(DIALECT, None, out.report)
    _convert(out, variant, cfg)
    out.report.sort()
    title = (
        f"# Butane config for {variant.label}, converted from the canonical cloud-init "
        f"cloud-config {name} by pyignition's ignition-convert."
    )
    return Migration(DIALECT, header(title, out.report, name) + dump(out.document(variant)),
                     out.report)  # fmt: skip


def _unknown(key: str) -> str:
    close = difflib.get_close_matches(key[:64], sorted(KNOWN_KEYS), n=1, cutoff=0.8)
    return "not a cloud-init key" + (f" (did you mean {close[0]}?)" if close else "")


def _at(out: Out, message: str, pos: tuple[int, int]) -> Diagnostic:
    return Diagnostic(Severity.ERROR, None, message, pos[0], pos[1], out.file)


def _convert(out: Out, variant: Variant, cfg: dict[str, object]) -> None:
    users = Users(out, variant)
    if "user" in cfg:
        users.default_user(("user",), cfg["user"])
    if "users" in cfg:
        users.users(("users",), cfg["users"])
    if "groups" in cfg:
        users.groups(("groups",), cfg["groups"])
    keys: list[str] = []
    if "ssh_authorized_keys" in cfg:
        keys = users.top_keys(("ssh_authorized_keys",), cfg["ssh_authorized_keys"])
    if "disable_root" in cfg:
        users.disable_root(cfg["disable_root"], keys)
    if "chpasswd" in cfg or "password" in cfg:
        users.chpasswd(cfg.get("chpasswd"), cfg.get("password"))
    ci_system.hostname(out, variant, cfg)
    ci_system.locale(out, variant, cfg)
    ci_system.resolv_conf(out, variant, cfg)
    ci_system.yum_repos(out, variant, cfg)
    devices = ci_disks.Devices(out, cfg.get("device_aliases"))
    if "disk_setup" in cfg:
        ci_disks.disk_setup(out, devices, ("disk_setup",), cfg["disk_setup"])
    if "fs_setup" in cfg:
        ci_disks.fs_setup(out, devices, ("fs_setup",), cfg["fs_setup"])
    if "mounts" in cfg or "mount_default_fields" in cfg:
        ci_disks.mounts(out, devices, variant, cfg)
    for key, value in cfg.items():
        at: Path = (key,)
        if key in GROUPED:
            continue
        if value is None:
            out.info(at, f"{key}: null, nothing to carry over")
        elif key in SIMPLE:
            SIMPLE[key](out, variant, at, value)
        elif key in PACKAGE_KEYS:
            out.note(Severity.ERROR, at, f"{key}: not carried over: there is no package "
                     f"manager: {variant.software}", key=True)  # fmt: skip
        elif key in NOT_CARRIED:
            out.note(Severity.ERROR, at, f"{key}: not carried over: {NOT_CARRIED[key]}", key=True)
        elif key in NOT_NEEDED:
            out.note(Severity.INFO, at, f"{key}: not needed: {NOT_NEEDED[key]}", key=True)
        elif key == "coreos":
            out.note(
                Severity.ERROR,
                at,
                "coreos: a coreos-cloudinit key, which canonical cloud-init ignores; "
                "convert with -from coreos-cloudinit to carry it over",
                key=True,
            )
        else:
            out.note(Severity.ERROR, at, f"{key}: {_unknown(key)}: not carried over", key=True)
    users.finish()
    reported = {d.path[0] for d in out.report if d.path}
    for key in sorted(set(USED_WITH) & set(cfg) - reported):
        out.note(Severity.INFO, (key,), USED_WITH[key], key=True)
