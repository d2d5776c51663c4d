"""After applying to the running system: what coreos-cloudinit did at once over D-Bus.

Files, units and users are in place; on a booted systemd the units take effect now, as they
did with coreos-cloudinit: systemd reloads, enabled units are enabled, the host name is set,
networkd restarts when network units were written, and the units that carry ``coreos.units``
commands and ``#!`` scripts start. Without a running systemd (a container, a chroot) all of
that waits for the next boot, which says so.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from cloudinit.to_ignition import COMMANDS_UNIT, SCRIPTS_DIR
from ignition.config.model import Config, Unit
from ignition.log import Logger

SYSTEMD_RUNNING = "/run/systemd/system"  # systemd's own test (sd_booted)
NETWORK_DIR = "/etc/systemd/network/"
HOSTNAME = "/etc/hostname"

Run = Callable[[list[str]], object]


def activate(cfg: Config, log: Logger, run: Run | None = None) -> None:
    if not os.path.isdir(SYSTEMD_RUNNING):
        log.info("systemd is not running here: the units take effect at the next boot")
        return
    if run is None:
        from ignition.system.runner import Runner

        run = Runner(log).run
    wrote_hostname = any(f.path == HOSTNAME for f in cfg.storage.files)
    for argv in commands(cfg, hostname() if wrote_hostname else ""):
        run(argv)


def commands(cfg: Config, name: str) -> list[list[str]]:
    """The commands, in order, for the config just applied and the host name it wrote."""
    out = [["systemctl", "daemon-reload"]]
    enabled = [u.name for u in cfg.systemd.units if u.enabled]
    if enabled:
        out.append(["systemctl", "enable", *enabled])
    if name:
        out.append(["hostnamectl", "set-hostname", name])
    paths = [n.path for n in cfg.storage.files] + [n.path for n in cfg.storage.links]
    if any(p.startswith(NETWORK_DIR) for p in paths):
        out.append(["systemctl", "restart", "systemd-networkd.service"])
    start = [u.name for u in cfg.systemd.units if u.name == COMMANDS_UNIT or runs_script(u)]
    if start:
        out.append(["systemctl", "start", "--no-block", *start])
    return out


def runs_script(u: Unit) -> bool:
    """The unit a ``#!`` script became (see :func:`cloudinit.to_ignition.add_script`)."""
    return f"ExecStart=/bin/bash {SCRIPTS_DIR}/" in (u.contents or "")


def hostname(path: str = HOSTNAME) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read().strip()
    except OSError:
        return ""
