"""Running external tools: the one place the engine starts processes.

Commands are argument lists (never a shell). Each run is logged at DEBUG as the reference does
(``executing: "sgdisk" "--zap-all" ...``) with secrets replaced; a failure raises
:class:`CommandError` carrying the exit status and the (redacted, truncated) output.
Tests point a :class:`Runner` at stand-in tools through ``PATH`` or record calls with a
subclass.

Processes start with :func:`os.posix_spawn` and are fed and drained with :mod:`select`,
not :mod:`subprocess`: that module (with ``signal``, ``selectors``, ``threading``,
``locale`` and ``contextlib``) costs every stage process that runs a tool several
milliseconds of CPU, far more under emulation. :func:`spawn` keeps what ``subprocess.run``
gave the engine: the ``PATH`` search of the child's environment, signal dispositions
reset in the child, no inherited descriptors but 0, 1 and 2, a deadline over the whole run.
"""

from __future__ import annotations

import os
import select
import time

from ignition.util import redact
from ignition.util.errors import StageError
from ignition.util.log import Logger
from ignition.util.record import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    import signal as _signal
    from collections.abc import Collection, Mapping, Sequence
else:
    import _signal  # the C module, loaded at start: ``signal`` would import ``enum``

OUTPUT_LIMIT = 4096  # bytes of stdout/stderr kept in an error message
OUTPUT_LINES = 20  # lines of each shown
OUTPUT_LINE_WIDTH = 300  # characters of each line shown
CAPTURE_LIMIT = 1 << 20  # bytes of each of stdout and stderr kept from a run (docs/limits.md)
CHUNK = 1 << 16  # bytes read or written per call
# Python ignores these; a fresh process must not (``yes | head -1`` would never end)
DEFAULT_SIGNALS = (_signal.SIGPIPE, _signal.SIGXFSZ)


def operand(value: str, what: str) -> str:
    """``value`` (from the config) as a positional argument of a tool. A leading ``-`` would
    make the tool read it as an option (``useradd --help`` "succeeds" and creates nothing),
    so it is refused here even where the validator already refused it (the cache is input
    too). Where a tool takes ``--``, callers pass that as well."""
    if value.startswith("-"):
        raise StageError(f"refusing to pass a {what} that starts with '-' to a tool")
    return value


@record
class Completed:
    argv: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8", "replace")


@record(frozen=False)
class CommandError(Exception):
    display: list[str]  # argv with secrets redacted
    returncode: int
    stdout: str
    stderr: str
    missing: bool = False

    def __str__(self) -> str:
        from ignition.config.report import printable  # only when a failure is shown

        cmd = " ".join(f'"{printable(a, OUTPUT_LIMIT)}"' for a in self.display)
        if self.missing:
            return f"{printable(self.display[0])}: command not found (needed for {cmd})"
        out = f"Cmd: {cmd} failed with exit status {self.returncode}"
        for label, text in (("Stdout", self.stdout), ("Stderr", self.stderr)):
            if text.strip():
                out += f"\n  {label}:\n{_indented(text)}"
        return out


def _indented(text: str) -> str:
    """A tool's output as it printed it, for a person: its own lines, indented under the
    command, control characters escaped (the output may echo config values), bounded."""
    from ignition.config.report import printable  # only when a failure is shown

    lines = [line.rstrip() for line in text.strip("\n").split("\n")]
    shown = [f"    {printable(line, OUTPUT_LINE_WIDTH)}" for line in lines[:OUTPUT_LINES]]
    if len(lines) > OUTPUT_LINES:
        shown.append(f"    ... ({len(lines) - OUTPUT_LINES} more lines)")
    return "\n".join(shown)


@record(frozen=False)
class Runner:
    log: Logger
    env: Mapping[str, str] | None = None
    calls: list[tuple[str, ...]] = field(default_factory=list)  # for plans and tests

    def run(
        self,
        argv: Sequence[str],
        *,
        input: bytes | None = None,
        check: bool = True,
        timeout: float | None = None,
        secrets: Collection[str] = (),
        env: Mapping[str, str] | None = None,
    ) -> Completed:
        args = [str(a) for a in argv]
        hidden = frozenset(s for s in secrets if s)
        display = redact.argv(args, hidden)
        if any("\0" in a for a in args):  # execve cannot pass it; Python would raise
            shown = [a.replace("\0", "\\0") for a in display]
            raise CommandError(shown, -1, "", "not run: an argument contains a NUL character")
        self.log.debug("executing: " + " ".join(f'"{a}"' for a in display))
        self.calls.append(tuple(display))
        full_env = dict(os.environ if self.env is None else self.env)
        full_env.setdefault("LC_ALL", "C.UTF-8")
        if env:
            full_env.update(env)
        try:
            done = spawn(args, full_env, input=input, timeout=timeout)
        except FileNotFoundError:
            raise CommandError(display, 127, "", "", missing=True) from None
        except TimedOut as exc:
            out = _clip(exc.stdout, hidden)
            raise CommandError(display, -1, out, f"timed out after {timeout}s") from None
        if check and done.returncode != 0:
            raise CommandError(
                display, done.returncode, _clip(done.stdout, hidden), _clip(done.stderr, hidden)
            )
        return done


class TimedOut(TimeoutError):
    """The command ran past its deadline; it was killed and reaped."""

    def __init__(self, stdout: bytes) -> None:
        super().__init__("timed out")
        self.stdout = stdout  # what it printed until then


def spawn(
    args: Sequence[str],
    env: Mapping[str, str],
    *,
    input: bytes | None = None,
    timeout: float | None = None,
    limit: int = CAPTURE_LIMIT,
) -> Completed:
    """Run ``args`` with ``env``, ``input`` on its stdin (else ``/dev/null``), and wait for
    it. At most ``limit`` bytes of each of stdout and stderr are kept; the rest is read
    and dropped, so the tool never blocks on a full pipe. Raises what ``subprocess`` did:
    :class:`FileNotFoundError` when ``args[0]`` is on no ``PATH`` entry, another
    :class:`OSError` when it cannot be executed, :class:`TimedOut` after ``timeout``
    seconds (the deadline covers the whole run)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    ours = [out_r, err_r]  # the parent's ends, closed when done
    stdin: tuple[int | str, ...]
    if input is None:
        stdin = (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDWR, 0)
        theirs = [out_w, err_w]
    else:
        in_r, in_w = os.pipe()
        stdin = (os.POSIX_SPAWN_DUP2, in_r, 0)
        theirs = [out_w, err_w, in_r]
        ours.append(in_w)
    actions: list[tuple[int | str, ...]] = [
        stdin,
        (os.POSIX_SPAWN_DUP2, out_w, 1),
        (os.POSIX_SPAWN_DUP2, err_w, 2),
    ]
    actions += [(os.POSIX_SPAWN_CLOSE, fd) for fd in _inheritable()]
    try:
        try:
            pid = _start(list(args), env, actions)
        finally:
            for fd in theirs:
                os.close(fd)
        try:
            out, err = _communicate(ours, input, deadline, limit)
            status = _reap(pid, deadline, out)
        except BaseException:  # timed out, or interrupted: leave no process behind
            _kill(pid)
            raise
    finally:
        for fd in ours:
            os.close(fd)
    return Completed(tuple(args), os.waitstatus_to_exitcode(status), out, err)


def _inheritable() -> list[int]:
    """Descriptors above 2 that exec would pass on (inherited by this process, or made
    inheritable): the child closes them, as ``subprocess`` (``close_fds``) did."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return []
    found = []
    for name in names:
        fd = int(name)
        try:
            if fd > 2 and os.get_inheritable(fd):
                found.append(fd)
        except OSError:
            continue  # the listing's own descriptor, closed by now
    return found


def _start(args: list[str], env: Mapping[str, str], actions: list[tuple[int | str, ...]]) -> int:
    """Spawn the first executable ``args[0]`` on the child's ``PATH``, as ``subprocess``
    searched: every entry is tried; the first error other than "no such file" wins."""
    name = args[0]
    # os.get_exec_path(env) for a str mapping, without the ``warnings`` it imports
    dirs = [""] if "/" in name else env.get("PATH", os.defpath).split(os.pathsep)
    first: OSError | None = None
    last: OSError = FileNotFoundError(2, os.strerror(2), name)
    for d in dirs:
        try:
            return os.posix_spawn(
                os.path.join(d, name),
                args,
                env,
                file_actions=actions,
                setsigdef=DEFAULT_SIGNALS,
                setpgroup=0,  # its own process group: a timeout kills what it started too
            )
        except (FileNotFoundError, NotADirectoryError) as exc:
            last = exc
        except OSError as exc:
            first = first or exc
    err = (first or last).errno or 2
    raise OSError(err, os.strerror(err), name)


def _communicate(
    fds: list[int], data: bytes | None, deadline: float | None, limit: int
) -> tuple[bytes, bytes]:
    """Write ``data`` to the child's stdin and read its stdout and stderr at the same time
    (a tool that prints much before it reads would otherwise deadlock against us)."""
    out_r, err_r = fds[0], fds[1]
    kept = {out_r: bytearray(), err_r: bytearray()}
    poller = select.poll()
    for fd in kept:
        poller.register(fd, select.POLLIN)
    pending = memoryview(data or b"")
    stdin = fds[2] if data is not None else -1
    if pending:
        os.set_blocking(stdin, False)
        poller.register(stdin, select.POLLOUT)
    elif stdin >= 0:
        _close_early(fds, stdin)  # empty input: the child reads EOF at once
    open_fds = len(kept) + bool(pending)
    while open_fds:
        ready = poller.poll(_milliseconds_left(deadline, kept[out_r]))
        for fd, _ in ready:
            if fd == stdin:
                try:
                    pending = pending[os.write(fd, pending[:CHUNK]) :]
                except BlockingIOError:
                    continue
                except BrokenPipeError:  # it stopped reading: not an error, as before
                    pending = pending[:0]
                if pending:
                    continue
            else:
                chunk = os.read(fd, CHUNK)
                if chunk:
                    room = limit - len(kept[fd])
                    if room > 0:
                        kept[fd] += chunk[:room]
                    continue
            poller.unregister(fd)
            _close_early(fds, fd)
            open_fds -= 1
    return bytes(kept[out_r]), bytes(kept[err_r])


def _close_early(fds: list[int], fd: int) -> None:
    fds.remove(fd)
    os.close(fd)


def _milliseconds_left(deadline: float | None, stdout: bytearray) -> int | None:
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimedOut(bytes(stdout))
    return int(left * 1000) + 1


def _reap(pid: int, deadline: float | None, stdout: bytes) -> int:
    """The child's wait status; it may outlive its pipes (closed, or passed to a daemon)."""
    if deadline is None:
        return os.waitpid(pid, 0)[1]
    delay = 0.0005
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimedOut(stdout)
        time.sleep(min(delay, left))
        delay = min(delay * 2, 0.05)


def _kill(pid: int) -> None:
    """Kill the child and every process of its group (what it started and left running),
    then reap the child."""
    try:
        os.killpg(pid, _signal.SIGKILL)
    except OSError:  # the group is gone: the child was reaped
        return
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        return


def _clip(data: bytes, secrets: frozenset[str]) -> str:
    text = data.decode("utf-8", "replace")
    if len(text) > OUTPUT_LIMIT:
        text = text[:OUTPUT_LIMIT] + "..."
    return redact.text(text, secrets)
