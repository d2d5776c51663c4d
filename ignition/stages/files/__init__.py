"""The files stage (docs/engine.md): accounts, files, directories, links, units, results.

Order as the reference: groups, users, then files/directories/symlinks (by depth) and hard
links, then units and the preset file, cloud-config's ``COREOS_*`` lines in
``/etc/environment`` (also live), ``/etc/crypttab`` (disks engineer's module), provider
output files, the result file, relabelling. ``ignition-apply`` (``ctx.live``) runs only the
parts that make sense on a running system: nodes and units (and accounts for
``coreos-cloudinit``: ``ctx.accounts``). ``ignition plan`` / ``--dry-run`` print the plan.

All or nothing: first an interrupted earlier run is undone (:mod:`.journal`). Then everything
is planned against a :class:`~.view.View` of the root as the plan will leave it (paths
resolved; conflicts with the root and between entries, missing owners): any conflict fails the
stage, every one reported, before anything is written. Then every body is fetched and verified
into private staging files, and only then does the stage act, each change journaled; an error
undoes them all.
"""

from __future__ import annotations

from ignition.config.model import File
from ignition.stages import StageContext
from ignition.stages.files import accounts, environment, journal, nodes, relabel, result, units
from ignition.stages.files.fsops import RootFS
from ignition.stages.files.plan import Action, Plan
from ignition.stages.files.staging import Staged, Staging
from ignition.stages.files.view import View
from ignition.util.errors import StageError

PASSWD_STEPS = ("ensureGroups", "ensureUsers")
MAX_LOGGED_CONFLICTS = 100


def build_plan(
    ctx: StageContext, fs: RootFS, staged: dict[int, Staged]
) -> tuple[Plan, nodes.Owners]:
    plan = Plan()
    view = View(ctx.system.root.directory.rstrip("/"))
    if not ctx.live or ctx.accounts:
        accounts.plan_groups(ctx, plan, view)
        accounts.plan_users(ctx, plan, view)
    owners = nodes.Owners(ctx)
    entries = nodes.ordered_entries(ctx)
    nodes.plan_nodes(ctx, plan, fs, owners, entries, staged, view)
    units.plan_units(ctx, plan, fs, view)
    environment.plan_environment(ctx, plan, fs, view)
    if not ctx.live:
        if ctx.config.storage.luks:
            plan.add("createCrypttabEntries", "write /etc/crypttab entries and key files",
                     lambda: _crypttab(ctx, fs))  # fmt: skip
        result.plan_provider_files(ctx, plan, fs, view)
        result.plan_result(ctx, plan, fs, view)
    _fail_on_conflicts(ctx, view)
    return plan, owners


def _fail_on_conflicts(ctx: StageContext, view: View) -> None:
    found = view.conflicts
    if not found:
        return
    if len(found) == 1:
        raise StageError(f"{found[0]} (nothing was written)")
    for c in found[:MAX_LOGGED_CONFLICTS]:
        ctx.system.log.err(c)
    if len(found) > MAX_LOGGED_CONFLICTS:
        ctx.system.log.err(f"... and {len(found) - MAX_LOGGED_CONFLICTS} more conflicts")
    raise StageError(f"{len(found)} conflicts, nothing was written; the first: {found[0]}")


def _crypttab(ctx: StageContext, fs: RootFS) -> None:
    from ignition.stages.files.crypttab import write_crypttab  # only configs with LUKS

    write_crypttab(ctx, fs)


def run(ctx: StageContext) -> None:
    root = ctx.system.root
    log = ctx.system.log
    if ctx.dry_run:
        if journal.leftover(root):
            log.warning("an interrupted run left changes: a real run undoes them first")
    elif (done := journal.recover(root, log)) is not None and done == run_digest(ctx):
        # killed after its commit: it applied this very config, and a rerun must converge
        # rather than fail on its own files ("exists there already")
        log.info("the interrupted run had applied this same config completely: nothing to do")
        ctx.state.luks_persist_key_files.clear()
        return
    fs = RootFS(root)
    staged: dict[int, Staged] = {}
    try:
        with log.prefixed("createFilesystemsFiles"):
            plan, owners = build_plan(ctx, fs, staged)
        files = list(ctx.config.storage.files)
        if ctx.dry_run:
            staged.update({id(f): Staged() for f in files})
            ctx.plan.extend(a.describe() for a in plan.actions)
            return
        if not plan.actions:
            return  # nothing to write: no journal either
        fs.journal = txn = journal.Journal.begin(root, run_digest(ctx))
        try:
            with log.prefixed("fetching"):
                staged.update(Staging(ctx, txn).fetch_all(_with_bodies(files)))
            for f in files:
                staged.setdefault(id(f), Staged())
            if any(a.step in PASSWD_STEPS for a in plan.actions):
                accounts.journal_accounts(ctx, fs)
            execute(ctx, plan, owners)
            fs.close()
            # before the commit: nothing of the stage is left to do once it is recorded
            relabel.relabel(ctx, [*fs.created_dirs, units.PRESET_FILE, result.RESULT_FILE])
        except BaseException:
            _undo(ctx, fs, txn)
            raise
        txn.commit()
    finally:
        fs.close()


def run_digest(ctx: StageContext) -> str:
    """What a run applies: the config and the state and options the stage reads. Two runs
    with the same digest leave the same root."""
    from ignition.config import codec
    from ignition.util import leanjson

    try:  # the interpreter's own SHA-256: hashlib would load OpenSSL's library for it
        from _sha256 import sha256  # type: ignore[import-not-found]
    except ImportError:  # an interpreter without it (3.12 names it _sha2)
        from hashlib import sha256

    st = ctx.state
    what = {
        "config": codec.encode(ctx.config),
        "state": [st.cloud_config_environment, st.luks_persist_key_files, st.provider_output_files],
        "mode": [ctx.platform, ctx.live, ctx.accounts, ctx.ssh_key_name],
    }
    text = leanjson.dumps(what, sort_keys=True, ensure_ascii=False, default=str)
    hexdigest: str = sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return hexdigest


def _undo(ctx: StageContext, fs: RootFS, txn: journal.Journal) -> None:
    log = ctx.system.log
    fs.close()
    if txn.records:
        log.info(f"undoing the {len(txn.records)} changes made before the failure")
    try:
        txn.rollback()
    except Exception as exc:  # the next run retries from the journal
        log.crit(
            f"could not undo every change ({exc}); the next run will, from "
            f"{journal.TXN_DIR} in the root"
        )


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
