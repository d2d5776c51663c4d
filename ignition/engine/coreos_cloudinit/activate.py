"""After applying to the running system: what coreos-cloudinit did at once over D-Bus.

Files, units and users are in place; on a booted systemd the units take effect now, as they
did with coreos-cloudinit: systemd reloads, enabled units are enabled, the host name is set,
networkd restarts when network units were written (after loading ``8021q`` and ``bonding``
for the VLANs and bonds among them), update-engine and locksmithd restart when
``coreos.update`` asks (locksmithd stops when masked), and the units that carry
``coreos.units`` commands and ``#!`` scripts start. Without a running systemd (a container, a
chroot) all of that waits for the next boot, which says so.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from cloudinit.to_ignition import BONDING_OPTIONS, COMMANDS_UNIT
from ignition.config.model import Config, Unit
from ignition.util.log import Logger

SYSTEMD_RUNNING = "/run/systemd/system"  # systemd's own test (sd_booted)
NETWORK_DIR = "/etc/systemd/network/"
HOSTNAME = "/etc/hostname"
UPDATE_CONF = "/etc/coreos/update.conf"
LOCKSMITH = "locksmithd.service"

Run = Callable[[list[str]], object]


def activate(cfg: Config, log: Logger, run: Run | None = None) -> None:
    if not os.path.isdir(SYSTEMD_RUNNING):
        log.info("systemd is not running here: the units take effect at the next boot")
        return
    if run is None:
        from ignition.system.runner import Runner

        run = Runner(log).run
    written = {f.path for f in cfg.storage.files}
    name = read(HOSTNAME).strip() if HOSTNAME in written else ""
    update = read(UPDATE_CONF) if UPDATE_CONF in written else ""
    for argv in commands(cfg, name, {ln.partition("=")[0] for ln in update.splitlines()}):
        run(argv)


def commands(cfg: Config, name: str, update_keys: set[str]) -> list[list[str]]:
    """The commands, in order, for the config just applied, the host name and the
    update.conf keys it wrote."""
    out = [["systemctl", "daemon-reload"]]
    enabled = [u.name for u in cfg.systemd.units if u.enabled]
    if enabled:
        out.append(["systemctl", "enable", "--", *enabled])  # "-.mount" is a unit name
    if name:
        out.append(["hostnamectl", "set-hostname", "--", name])
    paths = [n.path for n in cfg.storage.files] + [n.path for n in cfg.storage.links]
    if any(p.startswith(NETWORK_DIR) for p in paths):
        out += [["modprobe", module] for module in kernel_modules(cfg)]
        out.append(["systemctl", "restart", "systemd-networkd.service"])
    if update_keys & {"GROUP", "SERVER"}:
        out.append(["systemctl", "restart", "--no-block", "update-engine.service"])
    if "REBOOT_STRATEGY" in update_keys:
        masked = any(u.name == LOCKSMITH and u.mask for u in cfg.systemd.units)
        out.append(["systemctl", "stop" if masked else "restart", "--no-block", LOCKSMITH])
    start = [u.name for u in cfg.systemd.units if u.name == COMMANDS_UNIT or runs_script(u)]
    if start:
        out.append(["systemctl", "start", "--no-block", "--", *start])
    return out


def kernel_modules(cfg: Config) -> list[str]:
    """What coreos-cloudinit loaded before restarting networkd: 8021q for VLANs, bonding for
    bonds (its options come from the ``modprobe.d`` file the conversion wrote)."""
    from ignition.config.urls import URLError, decode_data_url

    kinds = set()
    for f in cfg.storage.files:
        if f.path.startswith(NETWORK_DIR) and f.path.endswith(".netdev") and f.contents.source:
            try:
                text = decode_data_url(f.contents.source).data.decode("utf-8", "replace")
            except URLError:
                continue
            kinds |= {ln.strip() for ln in text.splitlines() if ln.strip().startswith("Kind=")}
    modules = ["8021q"] if "Kind=vlan" in kinds else []
    if "Kind=bond" in kinds or any(f.path == BONDING_OPTIONS for f in cfg.storage.files):
        modules.append("bonding")
    return modules


def runs_script(u: Unit) -> bool:
    """The unit a ``#!`` script became (see :func:`cloudinit.to_ignition.add_script`; its
    path depends on ``-workspace``)."""
    return (
        u.name.startswith("coreos-cloudinit-")
        and u.name != COMMANDS_UNIT
        and "\nExecStart=/bin/bash /" in (u.contents or "")
    )


def read(path: str) -> str:
    """A file the config just wrote to the running system ("" if it cannot be read)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return ""
