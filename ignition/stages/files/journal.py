"""All or nothing for the files stage: an undo journal kept in the target root.

Before the stage changes anything it creates ``/.pyignition-txn`` in the root (0700, with a
``journal`` file that starts with a header naming it, and ``stage/`` for fetched bodies).
Before each change, :class:`~ignition.stages.files.fsops.RootFS` appends one line saying what
undoes it (``new``, ``backup``, ``temp``, ``attrs``, ``size``). Then:

- success: a ``commit`` line, the backups and the directory are removed;
- an error: the stage undoes its changes at once, newest first, and removes the directory;
- ``kill -9`` (or a crash) at any moment: the next run finds the directory, undoes what the
  killed run did (or, after ``commit``, only removes its backups), and starts from the root as
  it was. A line is written before its change and never torn in a way that matters: a
  half-written last line belongs to a change that was never started.

Only paths a journal names are ever removed. A ``/.pyignition-txn`` that is not recognisably
ours (a symlink, another owner, unknown entries, no header) is an error, never deleted. A run
holds an exclusive ``flock`` on its journal, so a second run on the same root cannot undo it.

A journal is at most :func:`size_limit` bytes: a run that would write more fails (and undoes
what it did), and a larger one found in a root is refused unread. Recovery keeps the journal's
bytes and parses one record at a time, so it takes about the journal's size in memory.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat

from ignition.stages.files.fsops import At, RootFS, set_owner_mode, write_all
from ignition.system.root import DIR_FLAGS
from ignition.util import leanjson, limits
from ignition.util.errors import StageError

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import Any

    from ignition.system.root import TargetRoot
    from ignition.util.log import Logger

    Body = tuple[bytes, int, int]  # a journal's bytes, and where its records start and end

TXN_DIR = ".pyignition-txn"
JOURNAL = "journal"
STAGE = "stage"
HEADER = "pyignition files-stage journal"
VERSION = 1
# kind -> types of the fields after the kind
RECORDS: dict[str, tuple[type, ...]] = {
    "new": (str,),
    "temp": (str,),
    "backup": (str, str),
    "attrs": (str, int, int, int),
    "size": (str, int),
    "commit": (),
}
# a record costs at most about three times the config text that asks for the change (a
# replaced file: a temporary and a backup, each named after the path)
SIZE_PER_CONFIG_BYTE = 4


def size_limit() -> int:
    """The largest journal a run writes or a recovery reads: four times the config size limit
    (``PYIGNITION_MAX_CONFIG_SIZE``, 64 MiB by default)."""
    return SIZE_PER_CONFIG_BYTE * limits.config_size()


class Journal:
    def __init__(self, root: TargetRoot, fd: int, txn_id: str) -> None:
        self.root = root
        self.records: list[list[Any]] = []
        self._fd = fd
        self._id = txn_id
        self._n = 0
        self._room = size_limit()
        self.deferred = False  # records wait for sync(): no change they describe has begun

    @classmethod
    def begin(cls, root: TargetRoot, config: str | None = None) -> Journal:
        """``config``: a digest of what the run applies (see :func:`recover`)."""
        root_fd = os.open(root.directory, DIR_FLAGS)
        try:
            try:
                os.mkdir(TXN_DIR, 0o700, dir_fd=root_fd)
            except FileExistsError:
                raise StageError(
                    f"{_where(root)} appeared meanwhile: another run is changing this root"
                ) from None
            os.fsync(root_fd)
            dir_fd = os.open(TXN_DIR, DIR_FLAGS, dir_fd=root_fd)
        finally:
            os.close(root_fd)
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_NOFOLLOW
            fd = os.open(JOURNAL, flags | os.O_CLOEXEC, 0o600, dir_fd=dir_fd)
            os.fsync(dir_fd)  # the journal's name, before any record counts on it
        finally:
            os.close(dir_fd)
        try:  # noqa: SIM105 (contextlib costs a stage process ~1 ms: docs/initramfs.md)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pass  # new (O_EXCL): only "no locks here" can fail
        txn_id = os.urandom(4).hex()
        header = {"journal": HEADER, "version": VERSION, "id": txn_id, "pid": os.getpid()}
        if config is not None:
            header["config"] = config
        data = (leanjson.dumps(header) + "\n").encode()
        write_all(fd, data)
        os.fdatasync(fd)
        journal = cls(root, fd, txn_id)
        journal._room -= len(data)
        return journal

    def unique(self) -> str:
        """A name part no other temporary or backup of this run has."""
        self._n += 1
        return f"{self._id}-{self._n}"

    def record(self, *fields: Any) -> None:
        """Append one undo record; it is on the disk before the change it describes: a power
        cut could otherwise keep the change and lose its record (``bench/journal_fsync.py``:
        about 0.1-0.2 ms a record here). A temporary file's record is not synced on its own
        (the next record's sync takes it along): a power cut right after creating one can
        leave a stray hidden ``.<name>.pyignition-*`` file, no change to the config's paths."""
        line = (leanjson.dumps(list(fields), ensure_ascii=False) + "\n").encode(
            "utf-8", "surrogateescape"
        )
        if len(line) > self._room:
            raise StageError(
                f"this config changes more than the undo journal may hold "
                f"({limits.human(size_limit())}, four times {limits.CONFIG_SIZE_VAR}): "
                "raise that limit, or split the config"
            )
        self._room -= len(line)
        write_all(self._fd, line)
        if fields[0] != "temp" and not self.deferred:
            os.fdatasync(self._fd)
        self.records.append(list(fields))

    def sync(self) -> None:
        """Put the records written with :attr:`deferred` set on the disk (one sync for many
        records about changes that have not started yet)."""
        os.fdatasync(self._fd)

    def stage_dir(self) -> str:
        """The private directory for fetched bodies (same file system as the root's top)."""
        path = os.path.join(self.root.directory, TXN_DIR, STAGE)
        try:  # noqa: SIM105 (contextlib costs a stage process ~1 ms: docs/initramfs.md)
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        return path

    def commit(self) -> None:
        self.record("commit")
        _remove_leftovers(self.root, self.records)
        self._close()

    def rollback(self) -> None:
        undo(self.root, reversed(self.records))
        self._close()

    def _close(self) -> None:
        _remove_txn_dir(self.root)
        os.close(self._fd)  # last: the lock is held until the directory is gone


def recover(root: TargetRoot, log: Logger) -> str | None:
    """Undo what an interrupted run left half done; after its ``commit``, only remove its
    leftovers and return the digest of what that run applied (its ``begin``'s ``config``),
    so that a rerun of the same can stop there. Nothing to do (None) when there is no
    ``/.pyignition-txn``."""
    fd = _open_ours(root)
    if fd is None:
        return None
    completed: str | None = None
    try:
        body = _read_journal(root, fd)
        changes, committed = _check_records(root, body)
        if committed:
            log.info("an interrupted run had completed: removing its leftovers")
            _remove_leftovers(root, _records(body))
            completed = _config_of(fd) or ""
        else:
            log.warning(f"an interrupted run left changes: undoing {changes} of them")
            undo(root, _records(body, newest_first=True))
        _remove_txn_dir(root)
    finally:
        os.close(fd)
    return completed


def _config_of(fd: int) -> str | None:
    head = os.pread(fd, 4096, 0).split(b"\n", 1)[0]
    try:
        config = leanjson.loads(head).get("config")
    except (ValueError, AttributeError):
        return None
    return config if isinstance(config, str) else None


def leftover(root: TargetRoot) -> bool:
    return os.path.lexists(_where(root))


def _where(root: TargetRoot) -> str:
    return os.path.join(root.directory, TXN_DIR)


def _open_ours(root: TargetRoot) -> int | None:
    """The locked journal of a leftover transaction directory (-1: ours, but empty)."""
    base = _where(root)
    try:
        st = os.lstat(base)
    except FileNotFoundError:
        return None
    refuse = f"{base} exists but is not a pyignition journal directory; inspect and remove it"
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
        raise StageError(refuse)
    entries = set(os.listdir(base))
    if not entries <= {JOURNAL, STAGE}:
        raise StageError(refuse)
    if JOURNAL not in entries:
        if entries:
            raise StageError(refuse)
        return os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)  # killed right after mkdir
    held = os.path.join(base, JOURNAL)
    fd = os.open(held, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise StageError(refuse)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StageError(
                f"another run is changing this root right now (it holds {held})"
            ) from None
        except OSError:
            pass  # a file system without locks
        head = os.pread(fd, 4096, 0)
        if b"\n" not in head:  # killed while creating it: nothing was changed yet
            if STAGE in entries:
                raise StageError(refuse)
        elif not _is_header(head.split(b"\n", 1)[0]):
            raise StageError(refuse)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _is_header(line: bytes) -> bool:
    try:
        head = leanjson.loads(line)
    except ValueError:
        return False
    return isinstance(head, dict) and head.get("journal") == HEADER


def _read_journal(root: TargetRoot, fd: int) -> Body:
    """The journal's bytes and the bounds of its records: after the header line, up to the
    last newline (what follows it is a torn record of a killed run, whose change never
    started). Bounds rather than a slice: the records may be hundreds of megabytes."""
    limit = size_limit()
    with open(fd, "rb", closefd=False) as stream:
        data = limits.read_capped(stream, limit)
    if data is None:
        raise StageError(
            f"{_where(root)}/{JOURNAL} is larger than {limits.human(limit)} (four times "
            f"{limits.CONFIG_SIZE_VAR}), more than a run writes: the root may be half changed: "
            "inspect it, then remove the directory"
        )
    lo = data.find(b"\n") + 1
    hi = data.rfind(b"\n") + 1
    return (data, lo, hi) if lo and hi > lo else (b"", 0, 0)


def _check_records(root: TargetRoot, body: Body) -> tuple[int, bool]:
    """Every record is well formed (else nothing is undone): the number of changes (records
    that are not about temporary files) and whether the run committed."""
    changes = 0
    committed = False
    for i, rec in enumerate(_records(body)):
        if rec is None:
            raise StageError(
                f"{_where(root)}/{JOURNAL} is damaged (line {i + 2}); the root may be half "
                "changed: inspect it, then remove the directory"
            )
        committed = committed or rec[0] == "commit"
        changes += rec[0] not in ("temp", "commit")
    return changes, committed


def _records(body: Body, *, newest_first: bool = False) -> Iterator[Any]:
    """The records of :func:`_read_journal`'s ``body``, parsed one at a time (None for a
    malformed one: :func:`_check_records` goes through them first)."""
    data, lo, hi = body
    if newest_first:
        end = hi - 1  # the newline that ends the last record
        while end >= lo:
            start = data.rfind(b"\n", lo - 1, end) + 1  # lo - 1: the header's newline
            yield _parse(data[start:end])
            end = start - 1
        return
    start = lo
    while start < hi:
        end = data.index(b"\n", start)
        yield _parse(data[start:end])
        start = end + 1


def _parse(line: bytes) -> list[Any] | None:
    try:
        rec = leanjson.loads(line.decode("utf-8", "surrogateescape"))
    except ValueError:
        return None
    if not isinstance(rec, list) or not rec or rec[0] not in RECORDS:
        return None
    types = RECORDS[rec[0]]
    fields = rec[1:]
    if len(fields) != len(types):
        return None
    for value, kind in zip(fields, types, strict=True):
        if type(value) is not kind:
            return None
        if isinstance(value, str) and not value.startswith("/"):
            return None
    return rec


def undo(root: TargetRoot, records: Iterable[list[Any]]) -> None:
    """Put the root back as it was before ``records``, given newest first."""
    fs = RootFS(root)  # no journal: the undo acts directly
    try:
        for rec in records:
            try:
                _undo_one(fs, rec)
            except OSError as exc:
                if exc.errno != errno.ENAMETOOLONG:
                    raise
                # a name no file system here takes was never created: nothing to undo
    finally:
        fs.close()


def _undo_one(fs: RootFS, rec: list[Any]) -> None:
    kind = rec[0]
    if kind == "commit":
        return
    at = _at(fs, rec[1])
    if at is None:
        return
    if kind in ("new", "temp"):
        fs.remove(at)
    elif kind == "backup":
        _restore(fs, at, rec[2])
    elif kind == "attrs":
        st = at.lstat()
        if st is not None:
            set_owner_mode(at, st, rec[2], rec[3], rec[4])
    elif kind == "size":
        _truncate(at, rec[2])


def _restore(fs: RootFS, at: At, backup: str) -> None:
    name = backup.rsplit("/", 1)[1]
    try:
        st = os.stat(name, dir_fd=at.fd, follow_symlinks=False)
    except FileNotFoundError:
        return  # never moved aside, or already put back
    fs.remove(at)
    os.rename(name, at.name, src_dir_fd=at.fd, dst_dir_fd=at.fd)
    if stat.S_ISDIR(st.st_mode):
        fs.invalidate_below(at)


def _truncate(at: At, size: int) -> None:
    flags = os.O_WRONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(at.name, flags, dir_fd=at.fd)
    except FileNotFoundError:
        return
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.ftruncate(fd, size)
    finally:
        os.close(fd)


def _at(fs: RootFS, logical: str) -> At | None:
    """The node at a recorded (already resolved) path, walked without following symlinks;
    None when a directory above it is gone (so is the node)."""
    try:
        return fs.locate(fs.root.host_of(logical), create_parents=False)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _remove_leftovers(root: TargetRoot, records: Iterable[list[Any]]) -> None:
    """After ``commit``: the backups and any temporary file that is still there."""
    fs = RootFS(root)
    try:
        for rec in records:
            if rec[0] not in ("backup", "temp"):
                continue
            at = _at(fs, rec[2] if rec[0] == "backup" else rec[1])
            if at is not None:
                fs.remove(at)
    finally:
        fs.close()


def _remove_stage_dir(dir_fd: int) -> None:
    try:
        os.rmdir(STAGE, dir_fd=dir_fd)  # absent or empty (no network bodies): without shutil
    except FileNotFoundError:
        return
    except OSError:
        import shutil

        try:  # noqa: SIM105 (contextlib costs a stage process ~1 ms: docs/initramfs.md)
            shutil.rmtree(STAGE, dir_fd=dir_fd)
        except FileNotFoundError:
            pass


def _remove_txn_dir(root: TargetRoot) -> None:
    """Staged bodies first, the journal last but one: killed on the way, what remains is
    still recognisably ours (a journal, or an empty directory)."""
    root_fd = os.open(root.directory, DIR_FLAGS)
    try:
        try:
            dir_fd = os.open(TXN_DIR, DIR_FLAGS, dir_fd=root_fd)
        except FileNotFoundError:
            return
        try:
            _remove_stage_dir(dir_fd)
            try:  # noqa: SIM105 (contextlib costs a stage process ~1 ms: docs/initramfs.md)
                os.unlink(JOURNAL, dir_fd=dir_fd)
            except FileNotFoundError:
                pass
        finally:
            os.close(dir_fd)
        os.rmdir(TXN_DIR, dir_fd=root_fd)
    finally:
        os.close(root_fd)
