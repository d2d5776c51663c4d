"""The files stage (§3.6): accounts, files, directories, links, units, results.

Order as the reference: groups, users, then files/directories/symlinks (by depth) and hard
links, then units and the preset file, cloud-config's ``COREOS_*`` lines in
``/etc/environment`` (also live), ``/etc/crypttab`` (disks engineer's module), provider
output files, the result file, relabelling. Everything is planned first (paths resolved,
conflicts and existing nodes checked, owner names known) and every body fetched and verified
into private staging files; only then does the stage act. ``ignition plan`` / ``--dry-run``
print the plan instead. ``ignition-apply`` (``ctx.live``) runs only the parts that make sense on
a running system: nodes and units (and accounts for ``coreos-cloudinit``: ``ctx.accounts``).
"""

from __future__ import annotations

import importlib

from ignition.config.model import File
from ignition.errors import StageError
from ignition.stages import StageContext
from ignition.stages.files import accounts, environment, nodes, relabel, result, units
from ignition.stages.files.fsops import RootFS
from ignition.stages.files.plan import Action, Plan
from ignition.stages.files.staging import Staged, Staging

PASSWD_STEPS = ("ensureGroups", "ensureUsers")


def build_plan(
    ctx: StageContext, fs: RootFS, staged: dict[int, Staged]
) -> tuple[Plan, nodes.Owners]:
    plan = Plan()
    if not ctx.live or ctx.accounts:
        accounts.plan_groups(ctx, plan)
        accounts.plan_users(ctx, plan)
    owners = nodes.Owners(ctx)
    entries = nodes.ordered_entries(ctx)
    nodes.check_names(ctx, entries)
    nodes.plan_nodes(ctx, plan, fs, owners, entries, staged)
    units.plan_units(ctx, plan, fs)
    environment.plan_environment(ctx, plan, fs)
    if not ctx.live:
        if ctx.config.storage.luks:
            plan.add("createCrypttabEntries", "write /etc/crypttab entries and key files",
                     lambda: _crypttab(ctx))  # fmt: skip
        result.plan_provider_files(ctx, plan, fs)
        result.plan_result(ctx, plan, fs)
    return plan, owners


def _crypttab(ctx: StageContext) -> None:
    try:
        module = importlib.import_module("ignition.stages.disks.crypttab")
        write_crypttab = module.write_crypttab
    except (ImportError, AttributeError):
        raise StageError(
            "the config has storage.luks, but this build lacks the disks stage that writes "
            "/etc/crypttab"
        ) from None
    write_crypttab(ctx)


def run(ctx: StageContext) -> None:
    fs = RootFS(ctx.system.root)
    staged: dict[int, Staged] = {}
    log = ctx.system.log
    with log.prefixed("createFilesystemsFiles"):
        plan, owners = build_plan(ctx, fs, staged)
    files = list(ctx.config.storage.files)
    if ctx.dry_run:
        staged.update({id(f): Staged() for f in files})
        ctx.plan.extend(a.describe() for a in plan.actions)
        return
    staging = Staging(ctx)
    try:
        with log.prefixed("fetching"):
            staged.update(staging.fetch_all(_with_bodies(files)))
        for f in files:
            staged.setdefault(id(f), Staged())
        execute(ctx, plan, owners)
    finally:
        staging.cleanup()
        fs.close()
    relabel.relabel(ctx, [*fs.created_dirs, units.PRESET_FILE, result.RESULT_FILE])


def _with_bodies(files: list[File]) -> list[File]:
    return [f for f in files if f.contents.source is not None or f.append]


def execute(ctx: StageContext, plan: Plan, owners: nodes.Owners) -> None:
    log = ctx.system.log
    for a in plan.actions:
        with log.prefixed(a.step):
            _run(ctx, a)
        if a.step in PASSWD_STEPS:
            owners.reload()


def _run(ctx: StageContext, a: Action) -> None:
    if not a.op:
        a.run()
        return
    with ctx.system.log.op(a.text):
        a.run()
