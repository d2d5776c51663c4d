"""Apply a config to a running system or a directory: what ``ignition-apply`` and
``coreos-cloudinit`` share. The parts that make sense on a live system (files, directories,
links, units; users and groups when asked) go through the files stage; the other sections are
an error unless ignored."""

from __future__ import annotations

from collections.abc import Mapping

from ignition.config.model import Config, empty_config
from ignition.engine.cloudconfig import CloudConfigUse
from ignition.engine.render import render
from ignition.engine.state import State
from ignition.engine.userdata import to_config
from ignition.fetch.fetcher import ResourceFetcher
from ignition.stages import StageContext
from ignition.system import System
from ignition.util import limits
from ignition.util.errors import IgnitionError
from ignition.util.log import Logger


def unsupported(cfg: Config, *, accounts: bool = False) -> list[str]:
    out = []
    st = cfg.storage
    for name, present in (
        ("passwd.users", bool(cfg.passwd.users) and not accounts),
        ("passwd.groups", bool(cfg.passwd.groups) and not accounts),
        ("storage.disks", bool(st.disks)),
        ("storage.raid", bool(st.raid)),
        ("storage.luks", bool(st.luks)),
        ("storage.filesystems", bool(st.filesystems)),
        (
            "kernelArguments",
            bool(cfg.kernel_arguments.should_exist or cfg.kernel_arguments.should_not_exist),
        ),
    ):
        if present:
            out.append(name)
    return out


def apply_config(
    path: str, log: Logger, *, root: str, offline: bool, ignore_unsupported: bool
) -> None:
    raw = limits.read_path(path)
    use = CloudConfigUse()
    cfg = to_config(raw, source=path, log=log, cloud_config=use) or empty_config()
    apply(
        cfg,
        log,
        root=root,
        offline=offline,
        ignore_unsupported=ignore_unsupported,
        environment=use.environment,
    )


def apply(
    cfg: Config,
    log: Logger,
    *,
    root: str,
    offline: bool = False,
    ignore_unsupported: bool = False,
    accounts: bool = False,
    environment: Mapping[str, str] | None = None,
    ssh_key_name: str = "",
) -> None:
    """Render ``cfg`` and apply what a running system takes (``accounts``: users and groups
    too) to ``root`` through the files stage. Shared by ``coreos-cloudinit``. ``environment``:
    cloud-config's ``COREOS_*`` variables, merged into ``/etc/environment``;
    ``ssh_key_name``: SSH keys as ``update-ssh-keys`` stored them under that name."""
    fetcher = ResourceFetcher(log, offline=offline)
    state = State(cloud_config_environment=dict(environment or {}))
    fetcher.apply_config(cfg)
    cfg = render(cfg, fetcher, state, log)
    fetcher.apply_config(cfg)
    skipped = unsupported(cfg, accounts=accounts)
    if skipped and not ignore_unsupported:
        raise IgnitionError(
            f"config has sections ignition-apply cannot apply: {', '.join(skipped)} "
            "(use -ignore-unsupported to apply the rest)"
        )
    for name in skipped:
        log.warning(f"ignoring unsupported section {name}")
    from ignition.stages.files import run

    system = System.create(root, log)
    ctx = StageContext(
        system, cfg, state, fetcher, "", live=True, accounts=accounts, ssh_key_name=ssh_key_name
    )
    with log.prefixed("files"):
        run(ctx)
