"""Stages with nothing to do: decided once by the fetch stage, honoured before any import.

Most first boots give kargs, disks, mount and umount nothing to do, yet each is a process of its
own that would import the engine, read and check the cache and merge the base configs to find
that out; nor has fetch once fetch-offline cached the config (it only reads the cache: deviation
E32; the reference's unit skips the stage then). So the fetch stage that writes the config cache
also writes a *work summary* beside the state file (``<state-file>.work``, mode 0600): which of
those stages the merged config (base configs + user config) gives nothing to do, and what that
rests on:

* the platform, and that its provider has no per-stage hooks (``init``, ``status``);
* the cache and the state file, by identity (device, inode, size, modification and change
  times, as ``stat`` gives them);
* each base config fragment by identity, and the lines loading them logged (they are
  logged again in every stage, as the reference does).

A stage named there (:func:`run_if_idle`, called by ``ignition`` before it imports the
engine) checks all of that, logs exactly what the full run would log (version, stage, the
base configs' lines, the stage's own "nothing to do", success) and exits 0; the state file is
left as it is, which is what the full run's load and save would leave. When anything differs
— a cache or state file written by someone else, a base config that changed, another platform,
``-dry-run``, no summary at all — the stage runs in full. A stage that saves the state file
records its new identity in the summary (:func:`refresh`), so the stages after it keep the fast
path. The summary is no more trusted than the cache and the state file beside it: whoever can
write one can write the others.

With the summary the fetch stage also writes one empty *marker* per idle stage whose unit can
skip it (``<state dir>/nothing-to-do/{kargs,disks,mount}``; ``mount`` only when umount, the same
unit's ``ExecStop``, is idle too): our units skip those stages by ``ConditionPathExists=!``, so
no process starts at all. A marker exists only while a summary written at the same moment does:
a fetch stage that runs in full drops them first, and whatever drops the summary drops them, so
a missing marker always means "run the stage".

This module imports only ``os`` at run time: it is all an idle stage process loads besides
the command line and the logger.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not typing's: see above
if TYPE_CHECKING:
    from ignition.config.model import Config, Storage
    from ignition.system.paths import Paths
    from ignition.util.log import Logger, Sink

CANDIDATES = ("fetch", "kargs", "disks", "mount", "umount")  # may have nothing to do
FETCH_STAGES = ("fetch-offline", "fetch")  # the stages that write the cache and the summary
MARKED = ("kargs", "disks", "mount")  # the units that skip by a marker (mount: with umount)
MARKER_DIR = "nothing-to-do"
SUFFIX = ".work"
HEADER = "pyignition work summary 1"
MAX_SIZE = 1 << 20  # bytes; a larger summary (base configs logging a lot) is not used
FINISHED = "Ignition finished successfully"
IDLE_LINE = "stages with nothing to do for this config: {}"
NO_DISKS = "no disks, raid, luks or filesystems in the config: nothing to do"
CACHED = "using the config cached at {}: not fetched again"
FETCHED = "fetch complete"  # what the fetch stage logs (ignition/stages/fetch.py)

Identity = tuple[int, int, int, int, int]


def banner(log: Logger, stage: str) -> None:
    """The first two lines of every stage."""
    from ignition import __version__

    log.info(f"Ignition {__version__} (pyignition)")
    log.info(f"Stage: {stage}")


def summary_path(state_file: str) -> str:
    return state_file + SUFFIX


def marker_dir(state_file: str) -> str:
    """Where the markers of idle stages are: ``/run/ignition/nothing-to-do`` by default."""
    return os.path.join(os.path.dirname(state_file), MARKER_DIR)


def identity(path: str) -> Identity | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


# --------------------------------------------------------------------------- what has work


def has_disk_work(storage: Storage) -> bool:
    return bool(storage.disks or storage.raid or storage.luks or storage.filesystems)


def idle_stages(config: Config) -> list[str]:
    """The stages of :data:`CANDIDATES` that ``config`` (merged) gives nothing to do, by the
    same tests the stages themselves make."""
    from ignition.stages.mount import mountable

    ka, storage = config.kernel_arguments, config.storage
    idle = ["fetch"]  # a summary is written with the cache, which the fetch stage then reads
    if not (ka.should_exist or ka.should_not_exist):
        idle.append("kargs")
    if not has_disk_work(storage):
        idle.append("disks")
    if not mountable(storage.filesystems):
        idle += ["mount", "umount"]
    return idle


def marked(idle: list[str]) -> list[str]:
    """The stages of ``idle`` whose units skip them: ``mount`` stands for its unit, which also
    runs umount."""
    return [s for s in MARKED if s in idle and (s != "mount" or "umount" in idle)]


# --------------------------------------------------------------------------- writing


def base_files(paths: Paths, platform: str) -> list[tuple[str, Identity | None]]:
    """The base config fragments the stages load, in order, with their identities."""
    from ignition.engine.base import fragments

    found = fragments(paths, "base.d") + fragments(paths, f"base.platform.d/{platform}")
    return [(p, identity(p)) for p in found]


class Capture:
    """A sink that passes lines on and keeps them (the base configs' lines, to replay)."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.lines: list[tuple[int, str]] = []
        self.replayable = True

    def write(self, level: int, message: str, fields: object = None) -> None:
        if fields:
            self.replayable = False  # a journal entry with fields: not replayed
        self.lines.append((int(level), message))
        self.sink.write(level, message, fields)  # type: ignore[arg-type]


class Summary:
    """What a fetch stage learnt, written once the cache and the state file are final."""

    def __init__(self, platform: str, idle: list[str], base: list[tuple[str, Identity | None]],
                 lines: list[tuple[int, str]]) -> None:  # fmt: skip
        self.platform, self.idle, self.base, self.lines = platform, idle, base, lines

    def write(self, config_cache: str, state_file: str) -> None:
        cache, state = identity(config_cache), identity(state_file)
        if cache is None or state is None or any(i is None for _, i in self.base):
            remove(state_file)
            return
        out = [HEADER, f"platform {_hex(self.platform)}",
               f"cache {_hex(config_cache)} {_ints(cache)}", f"state {_ints(state)}"]  # fmt: skip
        out += [f"base {_hex(p)} {_ints(i)}" for p, i in self.base if i is not None]
        out += [f"log {level} {_hex(message)}" for level, message in self.lines]
        out.append(" ".join(["idle", *self.idle]))
        _write(summary_path(state_file), "\n".join(out) + "\n")
        _mark(state_file, marked(self.idle))


def idle_line(idle: list[str]) -> str:
    """What the stage that writes the summary logs (a fetch stage on the fast path too)."""
    return IDLE_LINE.format(", ".join(s for s in idle if s != "fetch") or "none")


def refresh(config_cache: str, state_file: str) -> None:
    """After a stage saved the state file: the summary (if it is about this cache) records the
    state file's new identity."""
    path = summary_path(state_file)
    lines = _read(path)
    if lines is None:
        return
    parsed = _parse(lines)
    state = identity(state_file)
    if parsed is None or state is None or not _same_cache(parsed, config_cache):
        remove(state_file)
        return
    _write(path, "".join(f"state {_ints(state)}\n" if ln.startswith("state ") else ln + "\n"
                         for ln in lines))  # fmt: skip


def remove(state_file: str) -> None:
    """Drop the summary and the markers: every stage runs (in full)."""
    _unlink(summary_path(state_file))
    _mark(state_file, [])


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_MARKER_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def _mark(state_file: str, stages: list[str]) -> None:
    """Make the markers exactly ``stages``: the others' are removed first."""
    fd = _marker_dir(marker_dir(state_file), create=bool(stages))
    if fd is None:
        return
    try:
        for name in MARKED:
            _unmark(name, fd)
        for name in stages:
            os.close(os.open(name, _MARKER_FLAGS, 0o600, dir_fd=fd))
    finally:
        os.close(fd)


def _unmark(name: str, dir_fd: int) -> None:
    """Remove a marker, or an empty directory planted in its place: systemd's condition
    would take either for the marker."""
    try:
        _unlink(name, dir_fd)
    except IsADirectoryError:
        os.rmdir(name, dir_fd=dir_fd)  # not empty: an error, and the stage fails


def _unlink(path: str, dir_fd: int | None = None) -> None:
    try:
        os.unlink(path, dir_fd=dir_fd)
    except FileNotFoundError:
        return


def _marker_dir(path: str, create: bool) -> int | None:
    """The marker directory, opened without following a symlink, mode 0700; anything else at
    its path (a planted symlink, a file) is removed, never followed (systemd's condition would
    follow it). None when there is none and ``create`` is false."""
    try:
        fd = os.open(path, _DIR_FLAGS)
    except FileNotFoundError:
        fd = None
    except OSError as exc:
        import errno  # built in, and only here

        if exc.errno not in (errno.ELOOP, errno.ENOTDIR):  # a symlink, a file: not ours
            raise
        os.unlink(path)
        fd = None
    if fd is None:
        if not create:
            return None
        os.mkdir(path, 0o700)
        fd = os.open(path, _DIR_FLAGS)
    try:
        if os.fstat(fd).st_mode & 0o7777 != 0o700:
            os.fchmod(fd, 0o700)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _write(path: str, text: str) -> None:
    tmp = f"{path}.{os.getpid()}-{os.urandom(4).hex()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _hex(text: str) -> str:
    return os.fsencode(text).hex() or "-"


def _unhex(word: str) -> str:
    return "" if word == "-" else os.fsdecode(bytes.fromhex(word))


def _ints(values: Identity) -> str:
    return " ".join(map(str, values))


# --------------------------------------------------------------------------- reading


def _read(path: str) -> list[str] | None:
    try:  # non-blocking and no link followed: a FIFO planted here must not stall the stage
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        data = os.read(fd, MAX_SIZE + 1)
    except OSError:  # a FIFO with a writer that has written nothing, a directory
        return None
    finally:
        os.close(fd)
    if len(data) > MAX_SIZE:
        return None
    try:
        return data.decode("ascii").splitlines()
    except UnicodeDecodeError:
        return None


class _Parsed:
    def __init__(self) -> None:
        self.platform = ""
        self.cache: tuple[str, tuple[int, ...]] = ("", ())
        self.state: tuple[int, ...] = ()
        self.base: list[tuple[str, tuple[int, ...]]] = []  # compared with Identity lists
        self.lines: list[tuple[int, str]] = []
        self.idle: list[str] = []


def _parse(lines: list[str]) -> _Parsed | None:
    """The summary's content, or None when it is not one (never an error: the full run)."""
    if not lines or lines[0] != HEADER:
        return None
    p = _Parsed()
    try:
        for line in lines[1:]:
            key, *words = line.split(" ")
            if key == "platform" and len(words) == 1:
                p.platform = _unhex(words[0])
            elif key == "cache" and len(words) == 6:
                p.cache = (_unhex(words[0]), tuple(map(int, words[1:])))
            elif key == "state" and len(words) == 5:
                p.state = tuple(map(int, words))
            elif key == "base" and len(words) == 6:
                p.base.append((_unhex(words[0]), tuple(map(int, words[1:]))))
            elif key == "log" and len(words) == 2 and len(words[0]) == 1 and words[0] < "8":
                p.lines.append((int(words[0]), _unhex(words[1])))
            elif key == "idle":
                p.idle = words
            else:
                return None
    except ValueError:  # not a number, not hex, not UTF-8
        return None
    return p


def _same_cache(p: _Parsed, config_cache: str) -> bool:
    return p.cache[0] == config_cache and p.cache[1] == identity(config_cache)


def run_if_idle(stage: str, platform: str, config_cache: str, state_file: str,
                sink: Sink) -> int | None:  # fmt: skip
    """Run ``stage`` on the fast path if the summary says it has nothing to do and everything
    it rests on is unchanged: returns the exit code (0), or None for "run it in full"."""
    code = _fast_path(stage, platform, config_cache, state_file, sink)
    if code is None and stage in FETCH_STAGES:
        # the cache is about to be written again: until its new summary, every stage runs
        # (failing here is no error: the summary's write removes them again, or fails the stage)
        try:
            remove(state_file)
        except OSError:
            return None
    return code


def _fast_path(stage: str, platform: str, config_cache: str, state_file: str,
               sink: Sink) -> int | None:  # fmt: skip
    if stage not in CANDIDATES or platform == "auto":
        return None
    lines = _read(summary_path(state_file))
    p = None if lines is None else _parse(lines)
    if (
        p is None
        or stage not in p.idle
        or p.platform != platform
        or not _same_cache(p, config_cache)
        or p.state != identity(state_file)
        or p.base != _current_base(platform)
    ):
        return None
    from ignition.util.log import LEVELS, Logger

    log = Logger(sink)
    banner(log, stage)
    for level, message in p.lines:
        sink.write(LEVELS[level], message)
    if stage == "fetch":
        log.info(CACHED.format(config_cache))
    if stage in ("fetch", "disks"):
        with log.prefixed(stage):
            log.info(FETCHED if stage == "fetch" else NO_DISKS)
    if stage == "fetch":  # the full run rewrites the summary
        log.info(idle_line(p.idle))
    log.info(FINISHED)
    return 0


def _current_base(platform: str) -> list[tuple[str, Identity]] | None:
    from ignition.system.paths import Paths
    from ignition.util.errors import ConfigError

    try:
        found = base_files(Paths.from_env(), platform)
    except ConfigError:
        return None
    known = [(path, ident) for path, ident in found if ident is not None]
    return known if len(known) == len(found) else None
