"""``coreos-cloudinit`` without ``-validate``: fetch, convert, apply through the engine.

The user data and the metadata come from the first source that answers; the user data is
converted exactly as the engine converts it at first boot (:mod:`ignition.engine.cloudconfig`,
with the ``COREOS_*`` variables as the reference's address fallback), then applied by
``ignition-apply``'s machinery (the files stage on a running system) with users and groups
too. ``-root DIR`` applies to an image or scratch tree; ``/`` needs root, and then what
coreos-cloudinit did at once over D-Bus follows (:mod:`ignition.engine.coreos_cloudinit.activate`).

Exit status as the reference: 0 done, or an Ignition config detected (not applied); 1 when
no source answers or the metadata cannot be read; 1 when the user data cannot be applied,
unless ``-ignore-failure`` (then 0, the errors still logged).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

from ignition.engine.coreos_cloudinit import sources
from ignition.util.log import Logger

if TYPE_CHECKING:
    from providers.base import InstanceMetadata


def apply_user_data(
    chosen: list[sources.Source],
    log: Logger,
    *,
    root: str,
    ignore_failure: bool,
    env: Mapping[str, str],
    netconf: str = "",
    ssh_key_name: str = "",
    workspace: str | None = None,
) -> int:
    root = root or "/"
    if os.path.abspath(root) == "/" and os.geteuid() != 0:
        log.crit("applying to the running system (/) needs root; use -root DIR for a tree")
        return 1
    try:
        source, user_data = _first(chosen)
    except sources.SourceError as exc:
        log.crit(f"Failed fetching user-data from datasource: {exc}")
        return 1
    log.info(f"fetched user-data from datasource of type {source.kind!r}")
    try:
        instance = source.metadata()
    except sources.SourceError as exc:
        log.crit(f"Failed fetching meta-data from datasource: {exc}")
        return 1
    how = _How(netconf, ssh_key_name, workspace)
    failed = _apply(user_data, instance, log, root=root, env=env, how=how)
    if failed is None:
        return 0
    log.crit(failed)
    if ignore_failure:
        log.warning("-ignore-failure: exiting with status 0")
        return 0
    return 1


class _How(NamedTuple):
    """coreos-cloudinit's -convert-netconf, -ssh-key-name and -workspace."""

    netconf: str
    ssh_key_name: str
    workspace: str | None


def _first(chosen: list[sources.Source]) -> tuple[sources.Source, sources.UserData]:
    errors: list[str] = []
    for s in chosen:
        try:
            return s, s.fetch()
        except sources.SourceError as exc:
            errors.append(str(exc))
    raise sources.SourceError("; ".join(errors))


def _apply(
    user_data: sources.UserData,
    instance: InstanceMetadata | None,
    log: Logger,
    *,
    root: str,
    env: Mapping[str, str],
    how: _How,
) -> str | None:
    """None when applied (or nothing to apply), else why not."""
    from cloudinit.validate import is_ignition
    from ignition.config.detect import DecompressionError, Kind, detect
    from ignition.engine import cloudconfig
    from ignition.engine.apply import apply
    from ignition.util.errors import IgnitionError

    try:
        ud = detect(user_data.data)
    except DecompressionError as exc:
        return f"Failed decompressing user-data from datasource: {exc}"
    if ud.kind in (Kind.IGNITION, Kind.BUTANE):
        if is_ignition(ud.data):
            log.info("Detected an Ignition config. Exiting...")
            return None
        return "Failed to parse user-data: Unrecognized user-data format"
    use = cloudconfig.CloudConfigUse(
        metadata=lambda: instance, env=env, netconf=how.netconf, workspace=how.workspace
    )
    try:
        cfg = cloudconfig.to_config(ud, source=user_data.name, log=log, use=use)
        apply(
            cfg,
            log,
            root=root,
            accounts=True,
            environment=use.environment,
            ssh_key_name=how.ssh_key_name,
        )
    except (IgnitionError, OSError) as exc:
        return f"coreos-cloudinit failed: {exc}"
    if os.path.abspath(root) == "/":
        from ignition.engine.coreos_cloudinit.activate import activate

        try:
            activate(cfg, log)
        except IgnitionError as exc:
            return f"coreos-cloudinit failed: {exc}"
    return None
