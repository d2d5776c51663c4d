"""Users and groups in the target root (docs/engine.md), with shadow-utils' ``--root``.

Existence is read from the root's ``/etc/passwd`` and ``/etc/group`` (what NSS ``files``
answers in the reference's chroot lookup). Tools and arguments are the reference's:
``groupadd``/``groupmod``/``groupdel`` and ``useradd``/``usermod``/``userdel``, each with
``--root <root>``; password hashes go through ``--password`` verbatim and are redacted from
every log line and error (the reference logs them at DEBUG). SSH keys are written as
the user (effective ids switched in a child process, umask 077), so a home directory the user
controls cannot redirect the write.

The tools are outside the stage's undo journal, so before the first of them runs,
:func:`journal_accounts` records what undoes them: the account databases they rewrite by
renaming (kept as hard links) and the home directories and mail spools ``useradd`` is about
to create (recorded as new).
"""

from __future__ import annotations

import os

from ignition.config.model import PasswdGroup, PasswdUser
from ignition.stages.files.fsops import read_regular, read_small
from ignition.stages.files.plan import bind
from ignition.stages.files.view import shown
from ignition.system.runner import CommandError, operand
from ignition.util.errors import StageError
from ignition.util.record import record

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ignition.stages import StageContext
    from ignition.stages.files.fsops import RootFS
    from ignition.stages.files.plan import Plan
    from ignition.stages.files.view import View
    from ignition.system import System


@record
class Account:
    name: str
    uid: int
    gid: int
    home: str


def _read_db(system: System, path: str) -> Iterator[list[str]]:
    """The entries of a passwd-style file, read inside the root only (:func:`read_regular`:
    a FIFO or a huge file planted there is an error)."""
    try:
        fd = system.root.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except (FileNotFoundError, NotADirectoryError):
        return
    data = read_regular(fd, f"{path} in the root")
    for line in data.decode("utf-8", "replace").split("\n"):  # NSS: lines end at a newline only
        if line and not line.startswith(("#", "+", "-")):
            yield line.split(":")


def users(system: System) -> dict[str, Account]:
    out: dict[str, Account] = {}
    for f in _read_db(system, "/etc/passwd"):
        if len(f) >= 6 and f[2].isdigit() and f[3].isdigit():
            out.setdefault(f[0], Account(f[0], int(f[2]), int(f[3]), f[5]))
    return out


def groups(system: System) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in _read_db(system, "/etc/group"):
        if len(f) >= 3 and f[2].isdigit():
            out.setdefault(f[0], int(f[2]))
    return out


def group_argv(root: str, g: PasswdGroup, *, exists: bool) -> list[str]:
    if g.should_exist is False:
        return ["groupdel", "--root", root, "--", operand(g.name, "group name")]
    argv = ["groupmod" if exists else "groupadd", "--root", root]
    if g.gid is not None:
        argv += ["--gid", str(g.gid)]
    if g.password_hash:
        argv += ["--password", g.password_hash]
    if g.system and not exists:
        argv.append("--system")
    return [*argv, "--", operand(g.name, "group name")]


def useradd_argv(root: str, u: PasswdUser) -> list[str]:
    argv = ["useradd", "--root", root]
    if u.home_dir:
        argv += ["--home-dir", u.home_dir]
    argv.append("--no-create-home" if u.no_create_home else "--create-home")
    if u.no_user_group:
        argv.append("--no-user-group")
    if u.system:
        argv.append("--system")
    if u.no_log_init:
        argv.append("--no-log-init")
    argv += ["--password", u.password_hash or "*"]
    return [*argv, *_common_user_args(u), "--", operand(u.name, "user name")]


def usermod_argv(root: str, u: PasswdUser) -> list[str]:
    argv = ["usermod", "--root", root]
    if u.home_dir:
        argv += ["--home", u.home_dir, "--move-home"]
    if u.password_hash is not None:
        argv += ["--password", u.password_hash or "*"]
    return [*argv, *_common_user_args(u), "--", operand(u.name, "user name")]


def _common_user_args(u: PasswdUser) -> list[str]:
    argv: list[str] = []
    if u.uid is not None:
        argv += ["--uid", str(u.uid)]
    if u.gecos:
        argv += ["--comment", u.gecos]
    if u.primary_group:
        argv += ["--gid", u.primary_group]
    if u.groups:
        argv += ["--groups", ",".join(u.groups)]
    if u.shell:
        argv += ["--shell", u.shell]
    return argv


def _secrets(*hashes: str | None) -> tuple[str, ...]:
    return tuple(h for h in hashes if h and h != "*")


# shadow-utils ends in well under a second (a lock it waits for: 15 s at most); a FIFO or a
# lock planted in the root would otherwise hold the stage forever. Generous for a userdel
# --remove of a very large home.
TOOL_TIMEOUT = 600.0


def _run(ctx: StageContext, argv: list[str], secrets: tuple[str, ...], what: str) -> None:
    try:
        ctx.system.runner.run(argv, secrets=secrets, timeout=TOOL_TIMEOUT)
    except CommandError as exc:
        raise StageError(f"{what}: {exc}") from None


def _bad_argv(view: View, where: str, kind: str, name: str, argv: list[str]) -> bool:
    """Values that must not reach a tool: a NUL byte, a name read as an option."""
    if any("\0" in a for a in argv):
        view.conflict(where, f"{kind} {shown(name)}: a value contains a NUL byte")
        return True
    if name.startswith("-") or not name:
        view.conflict(f"{where}.name", f"invalid {kind} name {shown(name)}")
        return True
    return False


def plan_groups(ctx: StageContext, plan: Plan, view: View) -> None:
    root = ctx.system.root.directory
    existing = groups(ctx.system)
    for i, g in enumerate(ctx.config.passwd.groups):
        exists = g.name in existing
        if g.should_exist is False and not exists:
            continue
        argv = group_argv(root, g, exists=exists)
        if _bad_argv(view, f"$.passwd.groups.{i}", "group", g.name, argv):
            continue
        secrets = _secrets(g.password_hash)
        verb = {"groupdel": "delete", "groupmod": "modify", "groupadd": "create"}[argv[0]]

        def act(
            argv: list[str] = argv, secrets: tuple[str, ...] = secrets, n: str = g.name
        ) -> None:
            _run(ctx, argv, secrets, f'failed to {argv[0]} group "{n}"')

        plan.add("ensureGroups", f'{verb} group "{g.name}"', act, destructive=verb == "delete")


def plan_users(ctx: StageContext, plan: Plan, view: View) -> None:
    root = ctx.system.root.directory
    existing = users(ctx.system)
    for i, u in enumerate(ctx.config.passwd.users):
        exists = u.name in existing
        where = f"$.passwd.users.{i}"
        if _bad_argv(view, where, "user", u.name, [*useradd_argv(root, u), *u.ssh_authorized_keys]):
            continue
        if u.should_exist is False:
            if exists:
                argv = ["userdel", "--remove", "--root", root, "--", operand(u.name, "user name")]
                plan.add(
                    "ensureUsers",
                    f'delete user "{u.name}" and its home directory',
                    bind(_run, ctx, argv, (), f'failed to delete user "{u.name}"'),
                    destructive=True,
                )
            continue
        argv = usermod_argv(root, u) if exists else useradd_argv(root, u)
        verb = "modify" if exists else "create"
        plan.add(
            "ensureUsers",
            f'{verb} user "{u.name}"',
            bind(_ensure_user, ctx, u, argv),
            destructive=exists and bool(u.home_dir),
        )
        if u.ssh_authorized_keys:
            plan.add(
                "ensureUsers",
                f'write {len(u.ssh_authorized_keys)} SSH keys for user "{u.name}"',
                bind(write_ssh_keys, ctx, u),
            )


# what shadow-utils rewrites (write a new file, rename it over) when accounts change, the "-"
# copy it keeps of each, and the lock file it creates
DATABASES = (
    *(
        f"/etc/{name}{suffix}"
        for name in ("passwd", "shadow", "group", "gshadow", "subuid", "subgid")
        for suffix in ("", "-")
    ),
    "/etc/.pwd.lock",
)
MAIL_DIRS = ("/var/mail", "/var/spool/mail")  # useradd's spool, when CREATE_MAIL_SPOOL=yes


def journal_accounts(ctx: StageContext, fs: RootFS) -> None:
    """Before the account tools run: record in the journal what undoes their changes (see the
    module's text). Not undone: a home ``userdel --remove`` deletes or ``usermod --move-home``
    moves, and the ``lastlog``/``faillog`` slots of a new user."""
    txn = fs.journal
    assert txn is not None
    txn.deferred = True  # one sync below: no tool has run yet
    try:
        for path in DATABASES:
            _keep(fs, path)
        existing = users(ctx.system)
        base = _home_base(fs)
        for u in ctx.config.passwd.users:
            if u.should_exist is False or u.name in existing:
                continue
            for mail in MAIL_DIRS:
                _keep(fs, f"{mail}/{u.name}")
            if not u.no_create_home:
                _keep_new_tree(fs, u.home_dir or f"{base}/{u.name}")
    finally:
        txn.deferred = False
    txn.sync()


def _keep(fs: RootFS, path: str) -> None:
    try:
        at = fs.at(path, create_parents=False)
    except (FileNotFoundError, NotADirectoryError):
        return  # no such directory: the tool creates nothing there either
    fs.keep(at)


def _keep_new_tree(fs: RootFS, path: str) -> None:
    """The first directory on ``path`` that does not exist yet (``useradd`` creates it and
    what is below), recorded as new."""
    parts = [c for c in path.split("/") if c]
    for i in range(1, len(parts) + 1):
        try:
            at = fs.at("/" + "/".join(parts[:i]), create_parents=False)
        except (FileNotFoundError, NotADirectoryError):
            return
        if at.lstat() is None:
            fs.keep(at)
            return


def _home_base(fs: RootFS) -> str:
    """``HOME=`` of the root's ``/etc/default/useradd``: where ``useradd`` puts a home."""
    try:
        text = read_small(fs.at("/etc/default/useradd", create_parents=False))
    except (OSError, StageError):
        return "/home"
    for line in text.decode("utf-8", "replace").splitlines():
        key, eq, value = line.strip().partition("=")
        home = value.strip().strip("\"'")
        if key == "HOME" and eq and home.startswith("/"):
            return home.rstrip("/") or "/"
    return "/home"


def _ensure_user(ctx: StageContext, u: PasswdUser, argv: list[str]) -> None:
    root = ctx.system.root.directory
    _run(ctx, argv, _secrets(u.password_hash), f'failed to {argv[0]} user "{u.name}"')
    if not u.no_create_home:
        _own_notated_dirs(ctx, u.name)
    if u.password_hash is not None:
        pw = u.password_hash or "*"
        _run(
            ctx,
            ["usermod", "--root", root, "--password", pw, "--", operand(u.name, "user name")],
            _secrets(u.password_hash),
            f'failed to set password for user "{u.name}"',
        )


def _own_notated_dirs(ctx: StageContext, name: str) -> None:
    """Directories the mount stage created inside the home belong to the user (0700)."""
    acct = users(ctx.system).get(name)
    if acct is None or not ctx.state.notated_directories:
        return
    home = acct.home.rstrip("/") or "/"
    for d in ctx.state.notated_directories:
        if d == home or d.startswith(home + "/"):
            fd = ctx.system.root.open(d, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fchown(fd, acct.uid, acct.gid)
                os.fchmod(fd, 0o700)
            finally:
                os.close(fd)


def write_ssh_keys(ctx: StageContext, u: PasswdUser) -> None:
    acct = users(ctx.system).get(u.name)
    if acct is None:
        raise StageError(f"cannot write SSH keys: user {shown(u.name)} does not exist in the root")
    home = ctx.system.root.follow(acct.home or "/")
    home_fd = ctx.system.root.open(acct.home or "/", os.O_RDONLY | os.O_DIRECTORY)
    data = "\n".join(u.ssh_authorized_keys)
    if not data.endswith("\n"):
        data += "\n"
    writer = _write_keys
    if ctx.ssh_key_name:  # coreos-cloudinit: its key set, merged into authorized_keys
        from ignition.stages.files.sshkeys import update_ssh_keys

        rel: tuple[str, ...] = (".ssh", "authorized_keys.d", ctx.ssh_key_name)
        writer = update_ssh_keys
    elif ctx.system.paths.write_authorized_keys_fragment:
        rel = (".ssh", "authorized_keys.d", "ignition")
    else:
        rel = (".ssh", "authorized_keys")
    try:
        with ctx.system.log.op(f"adding ssh keys to user {shown(u.name)}"):
            _write_as(acct.uid, acct.gid, home_fd, rel, data.encode(), writer)
    finally:
        os.close(home_fd)
    logical = ctx.system.root.relative(os.path.join(home, *rel))
    ctx.system.log.structured(
        f"wrote ssh authorized keys file for user: {u.name}",
        {
            "MESSAGE_ID": "225067b87bbd4a0cb6ab151f82fa364b",
            "IGNITION_USER_NAME": u.name,
            "IGNITION_PATH": logical,
        },
    )


def _write_as(
    uid: int,
    gid: int,
    home_fd: int,
    rel: tuple[str, ...],
    data: bytes,
    writer: Callable[[int, tuple[str, ...], bytes], None] | None = None,
) -> None:
    """Create the key file's directories (0700) and the file (0600) with the user's ids.

    The home directory is opened as root (it may sit below directories the user cannot
    traverse, like ``/sysroot`` in some layouts); the child works from its descriptor and
    drops to the user first, so everything below the home is done with the user's rights.
    """
    write = writer or _write_keys
    if os.geteuid() != 0 or uid == 0:
        write(home_fd, rel, data)  # unprivileged (tests) or root's own keys
        return
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: drop to the user, write, report
        code = 0
        try:
            os.close(r)
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
            write(home_fd, rel, data)
        except BaseException as exc:
            try:
                reason = getattr(exc, "strerror", "") or exc
                os.write(w, f"{type(exc).__name__}: {reason}".encode())
            except BaseException:
                pass  # the child exits 1 either way
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        msg = fh.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise StageError(f"writing SSH keys to {rel[-1]}: {msg or 'failed'}")


def _write_keys(home_fd: int, rel: tuple[str, ...], data: bytes) -> None:
    old = os.umask(0o077)
    try:
        fd = os.dup(home_fd)
        for comp in rel[:-1]:
            try:  # noqa: SIM105 (contextlib costs a stage process ~1 ms: docs/initramfs.md)
                os.mkdir(comp, 0o700, dir_fd=fd)
            except FileExistsError:
                pass
            nfd = os.open(comp, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = nfd
        try:
            out = os.open(
                rel[-1],
                os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW,
                0o600,
                dir_fd=fd,
            )
        finally:
            os.close(fd)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(out, view) :]
        finally:
            os.close(out)
    finally:
        os.umask(old)
