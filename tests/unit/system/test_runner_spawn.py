"""The runner starts real processes without ``subprocess``: exit statuses, signals, pipes in
both directions, bounded output, deadlines, the ``PATH`` search, what the child inherits."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ignition.system import hostroot
from ignition.system.runner import CAPTURE_LIMIT, CommandError, Runner, spawn
from ignition.util.log import Logger

MiB = 1 << 20
REPO = Path(__file__).resolve().parents[3]


def run(logger: Logger, argv: list[str], **kw: object) -> tuple[int, bytes, bytes]:
    done = Runner(logger).run(argv, check=False, **kw)  # type: ignore[arg-type]
    return done.returncode, done.stdout, done.stderr


def test_exit_status_and_separate_streams(logger: Logger) -> None:
    assert run(logger, ["sh", "-c", "echo out; echo err >&2; exit 7"]) == (7, b"out\n", b"err\n")
    with pytest.raises(CommandError) as exc:
        Runner(logger).run(["sh", "-c", "exit 3"])
    assert exc.value.returncode == 3


def test_a_child_killed_by_a_signal_has_its_negative_number(logger: Logger) -> None:
    assert run(logger, ["sh", "-c", "kill -TERM $$"])[0] == -15
    assert run(logger, ["sh", "-c", "kill -KILL $$"])[0] == -9


def test_input_larger_than_a_pipe_round_trips_through_cat() -> None:
    data = os.urandom(6 * MiB)
    done = spawn(["cat"], dict(os.environ), input=data, timeout=60, limit=len(data))
    assert done.returncode == 0
    assert done.stdout == data


def test_all_the_input_is_written_and_output_is_kept_to_the_bound(logger: Logger) -> None:
    data = os.urandom(3 * MiB)
    assert run(logger, ["wc", "-c"], input=data)[1].strip() == str(len(data)).encode()
    code, out, _ = run(logger, ["cat"], input=data, timeout=60)
    assert (code, out) == (0, data[:CAPTURE_LIMIT])


def test_a_child_that_prints_much_before_reading_does_not_deadlock(logger: Logger) -> None:
    script = "head -c 4M /dev/zero; head -c 4M /dev/zero >&2; wc -c >&2"
    code, out, err = run(logger, ["sh", "-c", script], input=b"x" * (4 * MiB), timeout=60)
    assert code == 0
    assert len(out) == CAPTURE_LIMIT
    assert len(err) == CAPTURE_LIMIT  # the count came after the bound: dropped


def test_a_child_that_reads_some_then_prints_much_does_not_deadlock(logger: Logger) -> None:
    script = "head -c 100000 >/dev/null; head -c 4M /dev/zero; wc -c >&2"
    # coreutils' timeout ends the child (a broken runner blocks in a write, past any deadline)
    argv = ["timeout", "-s", "KILL", "20", "sh", "-c", script]
    code, out, err = run(logger, argv, input=b"x" * MiB, timeout=30)
    assert (code, len(out), err.strip()) == (0, CAPTURE_LIMIT, str(MiB - 100000).encode())


def test_ten_mib_of_output_is_bounded_to_one_mib_on_each_stream(logger: Logger) -> None:
    script = "head -c 10M /dev/zero; head -c 10M /dev/zero | tr '\\0' e >&2"
    start = time.monotonic()
    code, out, err = run(logger, ["sh", "-c", script], timeout=60)
    assert time.monotonic() - start < 30
    assert (code, out, err) == (0, b"\0" * CAPTURE_LIMIT, b"e" * CAPTURE_LIMIT)


def test_a_child_that_closes_its_stdin_early_is_no_error(logger: Logger) -> None:
    script = "exec <&-; echo done"
    assert run(logger, ["sh", "-c", script], input=b"x" * (8 * MiB), timeout=60)[:2] == (
        0,
        b"done\n",
    )
    assert run(logger, ["head", "-c", "1"], input=b"y" * (8 * MiB), timeout=60)[:2] == (0, b"y")


def test_empty_input_is_an_empty_pipe_and_no_input_is_dev_null(logger: Logger) -> None:
    assert run(logger, ["wc", "-c"], input=b"")[1].strip() == b"0"
    assert run(logger, ["readlink", "/proc/self/fd/0"])[1] == b"/dev/null\n"
    assert run(logger, ["readlink", "/proc/self/fd/0"], input=b"")[1].startswith(b"pipe:")


def _gone(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return not os.path.exists(f"/proc/{pid}")
    return False


def test_a_timeout_kills_and_reaps_the_child_and_keeps_its_output(
    logger: Logger, tmp_path: Path
) -> None:
    pidfile = tmp_path / "pid"
    script = f"echo $$ > {pidfile}; echo partial; exec sleep 30"
    start = time.monotonic()
    with pytest.raises(CommandError) as exc:
        Runner(logger).run(["sh", "-c", script], timeout=0.5)
    assert time.monotonic() - start < 10
    assert (exc.value.returncode, exc.value.stdout) == (-1, "partial\n")
    assert exc.value.stderr == "timed out after 0.5s"
    assert _gone(int(pidfile.read_text()))


def test_a_timeout_kills_what_the_child_started(logger: Logger, tmp_path: Path) -> None:
    """A tool that forks a helper and hangs: the helper does not outlive the timeout (its
    own process group is killed), nor does a helper that closed the tool's pipes."""
    pidfile = tmp_path / "pids"
    script = (
        f"sleep 30 & echo $! >> {pidfile}; "
        f"sleep 30 >/dev/null 2>&1 & echo $! >> {pidfile}; "
        "echo started; wait"
    )
    with pytest.raises(CommandError, match=r"timed out after 0\.5s"):
        Runner(logger).run(["sh", "-c", script], timeout=0.5)
    pids = [int(p) for p in pidfile.read_text().split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.01)  # killed at once; init reaps the orphans a moment later
    assert not any(_alive(p) for p in pids)


def test_a_helper_left_running_by_a_tool_that_ends_survives(logger: Logger, tmp_path: Path) -> None:
    """Only a timeout kills the group: a daemon a tool starts (``mdadm`` starting ``mdmon``)
    keeps running after the tool ends normally."""
    pidfile = tmp_path / "pid"
    script = f"sleep 30 >/dev/null 2>&1 & echo $! > {pidfile}"
    assert run(logger, ["sh", "-c", script])[0] == 0
    pid = int(pidfile.read_text())
    try:
        assert _alive(pid)
    finally:
        os.kill(pid, 9)


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize(
    ("script", "data"),
    [
        ("exec >&- 2>&-; exec sleep 30", None),  # closes its pipes, then goes on
        ("exec yes", None),  # never stops printing
        ("exec sleep 30", b"z" * (4 * MiB)),  # never reads its input
    ],
)
def test_the_deadline_covers_the_whole_run(logger: Logger, script: str, data: bytes | None) -> None:
    start = time.monotonic()
    with pytest.raises(CommandError, match=r"timed out after 0\.5s"):
        Runner(logger).run(["sh", "-c", script], input=data, timeout=0.5)
    assert time.monotonic() - start < 10


def test_the_command_is_looked_up_on_the_path_given_to_the_child(
    logger: Logger, tmp_path: Path
) -> None:
    tool = tmp_path / "bin" / "stand-in-tool"
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\necho stand-in\n")
    tool.chmod(0o755)
    runner = Runner(logger, env={"PATH": f"/nonexistent:{tool.parent}"})
    assert runner.run(["stand-in-tool"]).stdout == b"stand-in\n"
    with pytest.raises(CommandError) as exc:
        runner.run(["sh", "-c", "true"])  # on this process's PATH, not the child's
    assert (exc.value.returncode, exc.value.missing) == (127, True)
    assert str(exc.value) == 'sh: command not found (needed for "sh" "-c" "true")'
    with pytest.raises(CommandError) as exc:
        Runner(logger).run(["/nonexistent/tool"])
    assert exc.value.missing


def test_a_file_that_cannot_be_executed_is_the_error_subprocess_gave(
    logger: Logger, tmp_path: Path
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for d in (first, second):
        d.mkdir()
    (first / "tool").write_text("#!/bin/sh\necho first\n")  # not executable
    path = f"{first}:{second}"
    with pytest.raises(PermissionError) as theirs:
        subprocess.run(["tool"], env={"PATH": path}, check=False)
    with pytest.raises(PermissionError) as ours:
        Runner(logger, env={"PATH": path}).run(["tool"])
    assert str(ours.value) == str(theirs.value) == "[Errno 13] Permission denied: 'tool'"
    (second / "tool").write_text("#!/bin/sh\necho second\n")
    (second / "tool").chmod(0o755)
    assert Runner(logger, env={"PATH": path}).run(["tool"]).stdout == b"second\n"


def test_sigpipe_and_sigxfsz_are_default_in_the_child(logger: Logger) -> None:
    code, out, _ = run(logger, ["sh", "-c", "yes | head -1"], timeout=10)
    assert (code, out) == (0, b"y\n")
    status = run(logger, ["cat", "/proc/self/status"])[1].decode()
    ignored = int(status.split("SigIgn:")[1].split()[0], 16)
    for signum in (13, 25):  # SIGPIPE, SIGXFSZ: ignored in this (Python) process
        assert not ignored & (1 << (signum - 1))


def test_no_descriptor_but_stdio_is_inherited(logger: Logger, tmp_path: Path) -> None:
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        os.set_inheritable(fd, True)  # as one inherited from this process's parent
        code, out, _ = run(logger, ["sh", "-c", "ls /proc/$$/fd"])
    finally:
        os.close(fd)
    assert code == 0
    assert out.split() == [b"0", b"1", b"2"]


def test_the_environment_is_passed_with_lc_all_by_default(logger: Logger) -> None:
    runner = Runner(logger, env={"PATH": os.environ["PATH"], "KEPT": "v"})
    assert runner.run(["env"]).text.splitlines() == [
        "PATH=" + os.environ["PATH"],
        "KEPT=v",
        "LC_ALL=C.UTF-8",
    ]
    assert runner.run(["sh", "-c", "echo $LC_ALL"], env={"LC_ALL": "C"}).text == "C\n"


def test_a_nul_in_an_argument_is_refused_before_anything_runs(
    logger: Logger, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    with pytest.raises(CommandError) as exc:
        Runner(logger).run(["sh", "-c", f"touch {marker}", "a\0b"])
    assert exc.value.stderr == "not run: an argument contains a NUL character"
    assert not marker.exists()


def _python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """``code`` in a fresh isolated interpreter that imports this repository's packages."""
    argv = [sys.executable, "-I", "-S", "-B", "-c", code, str(REPO)]
    return subprocess.run(argv, capture_output=True, check=True, env=env)


def test_a_parent_without_stdio_descriptors_still_wires_the_child() -> None:
    code = (
        "import os, sys; sys.path.insert(0, sys.argv[1]); os.close(0); os.close(1);"
        "from ignition.system.runner import spawn;"
        "d = spawn(['sh', '-c', 'cat; echo err >&2'], {'PATH': os.environ['PATH']}, input=b'in');"
        "os.write(2, repr((d.returncode, d.stdout, d.stderr)).encode())"
    )
    done = _python(code, env={"PATH": os.environ["PATH"]})
    assert done.stderr == b"(0, b'in', b'err\\n')"


def test_running_a_tool_imports_no_subprocess_machinery() -> None:
    """A stage that runs ``useradd`` pays for no ``subprocess``, ``signal``, ``selectors``,
    ``threading``: several milliseconds of CPU per process, far more under emulation."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from ignition.system.runner import Runner; from ignition.util.log import Logger;"
        "assert Runner(Logger(debug=False)).run(['true']).returncode == 0;"
        "heavy = ('subprocess', 'signal', 'selectors', 'threading', 'contextlib', 'locale');"
        "print(' '.join(sorted(m for m in heavy if m in sys.modules)))"
    )
    done = _python(code)
    assert done.stdout.split() == []


@pytest.fixture
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "usr/bin").mkdir(parents=True)
    monkeypatch.setenv(hostroot.ENV, str(tmp_path))
    return tmp_path / "usr/bin"


def _tool(bindir: Path, name: str, script: str) -> None:
    (bindir / name).write_text(f"#!/bin/sh\n{script}\n")
    (bindir / name).chmod(0o755)


def test_host_tools_fail_as_os_errors(host: Path) -> None:
    _tool(host, "helper", "echo answer; exit 2")
    assert hostroot.run(["helper"], check=False).stdout == b"answer\n"
    with pytest.raises(hostroot.ToolFailed, match=r"^helper exited with status 2$"):
        hostroot.run(["helper"])
    _tool(host, "slow", "exec sleep 30")
    with pytest.raises(TimeoutError):
        hostroot.run(["slow"], timeout=0.3)
    with pytest.raises(FileNotFoundError):
        hostroot.run(["absent"])
    hostroot.modprobe("anything")  # no modprobe in the tree: best effort, no error


def test_host_tool_output_is_bounded(host: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYIGNITION_MAX_CONFIG_SIZE", "1K")
    _tool(host, "chatty", "head -c 2048 /dev/zero")
    assert len(hostroot.run(["chatty"]).stdout) == 2048
    _tool(host, "chatty", "head -c 10M /dev/zero")
    with pytest.raises(hostroot.TooLarge, match="chatty: more than 2048 bytes of output"):
        hostroot.run(["chatty"])


@pytest.mark.skipif(shutil.which("true") is None, reason="needs true")
def test_many_runs_leave_no_descriptor_open(logger: Logger) -> None:
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(50):
        Runner(logger).run(["true"])
        Runner(logger).run(["cat"], input=b"x")
    with pytest.raises(CommandError):
        Runner(logger).run(["sleep", "5"], timeout=0.1)
    assert len(os.listdir("/proc/self/fd")) == before
