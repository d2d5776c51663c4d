"""The shared crash handler: one line for a bug, no traceback, no value; the redacted trace only
with ``PYIGNITION_DEBUG=1``; Ctrl-C and a closed output pipe handled quietly."""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from ignition.commands import crash

ROOT = Path(__file__).resolve().parents[3]
SECRET = "hunter2-secret-value"


def scripts() -> dict[str, str]:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        found: dict[str, str] = tomllib.load(fh)["project"]["scripts"]
    return found


def entry(target: str) -> object:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def run_guarded(
    main: crash.Main, capsys: pytest.CaptureFixture[str], argv: list[str] | None = None
) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("prog", sorted(scripts()))
def test_every_console_script_runs_under_the_crash_handler(prog: str) -> None:
    main = entry(scripts()[prog])
    assert getattr(main, "__wrapped__", None) is not None, f"{prog} is not wrapped"
    assert main.__module__ == scripts()[prog].partition(":")[0]


def _buggy(exc: BaseException) -> crash.Main:
    def main(argv: list[str] | None = None) -> int:
        raise exc

    return main


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (KeyError(SECRET), "internal error"),
        (ValueError(f"invalid literal: {SECRET!r}"), "internal error"),
        (RecursionError("maximum recursion depth exceeded"), "internal error"),
        (MemoryError(), "out of memory"),
    ],
)
def test_a_bug_is_one_line_without_values(
    exc: BaseException,
    kind: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(crash.DEBUG_ENV, raising=False)
    monkeypatch.setattr(crash, "_context", [])
    code, out, err = run_guarded(crash.entry_point("tool")(_buggy(exc)), capsys)
    assert code == crash.EXIT_BUG
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"tool: {kind} (a bug in pyignition: please report it): ")
    assert type(exc).__name__ in err
    assert " at test_crash.py:" in err  # where, never what
    assert SECRET not in err
    assert "Traceback" not in err


def test_the_context_names_the_stage(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(crash, "_context", [])
    crash.set_context("the files stage")
    _, _, err = run_guarded(crash.entry_point("ignition")(_buggy(TypeError("x"))), capsys)
    assert err.startswith("ignition: internal error in the files stage (a bug")


def test_debug_flag_prints_a_redacted_trace(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(crash.DEBUG_ENV, "1")
    monkeypatch.setattr(crash, "_context", [])

    def main(argv: list[str] | None = None) -> int:
        table: dict[str, int] = {}
        try:
            table[SECRET]
        except KeyError as exc:
            raise ValueError(SECRET) from exc
        return 0

    code, _, err = run_guarded(crash.entry_point("tool")(main), capsys)
    assert code == crash.EXIT_BUG
    assert "trace (innermost call last" in err
    assert "test_crash.py:" in err
    assert "in main" in err
    assert "KeyError: KeyError (message withheld)" in err
    assert "ValueError: ValueError (message withheld)" in err
    assert "which led to:" in err
    assert SECRET not in err
    assert err.splitlines()[-1].startswith("tool: internal error")


def test_our_own_messages_survive_in_the_debug_trace(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ignition.util.errors import StageError

    monkeypatch.setenv(crash.DEBUG_ENV, "1")
    _, _, err = run_guarded(crash.entry_point("t")(_buggy(StageError("the stage said so"))), capsys)
    assert "StageError: the stage said so" in err


def test_interrupt_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_guarded(crash.entry_point("t")(_buggy(KeyboardInterrupt())), capsys)
    assert (code, err) == (crash.EXIT_INTERRUPTED, "t: interrupted\n")


def test_system_exit_passes_through(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        crash.entry_point("t")(_buggy(SystemExit(4)))(None)


# --------------------------------------------------------------------------- real processes


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != crash.DEBUG_ENV}
    env.update(extra)
    return env


def _inject(target: str, attr: str, prog_main: str, argv: list[str]) -> list[str]:
    """A python command line running ``prog_main`` with ``target.attr`` replaced by a bug."""
    module, _, fn = prog_main.partition(":")
    code = (
        f"import sys, importlib; t = importlib.import_module({target!r})\n"
        f"def bug(*a, **k):\n    raise KeyError({SECRET!r})\n"
        f"setattr(t, {attr!r}, bug)\n"
        f"from {module} import {fn} as main\n"
        f"sys.argv = ['prog', *{argv!r}]\n"
        "sys.exit(main())\n"
    )
    return [sys.executable, "-c", code]


def test_butane_bug_in_a_real_process(tmp_path: Path) -> None:
    src = tmp_path / "c.bu"
    src.write_text("variant: fcos\nversion: 1.5.0\n")
    argv = _inject("ignition.commands.butane", "run", scripts()["butane"], [str(src)])
    p = subprocess.run(argv, capture_output=True, text=True, env=_env(), timeout=60)
    assert p.returncode == 1
    assert "Traceback" not in p.stderr
    assert SECRET not in p.stderr
    assert p.stderr.startswith("butane: internal error (a bug in pyignition")
    debug = subprocess.run(
        argv, capture_output=True, text=True, env=_env(PYIGNITION_DEBUG="1"), timeout=60
    )
    assert "trace (innermost call last" in debug.stderr
    assert "Traceback" not in debug.stderr
    assert SECRET not in debug.stderr


def test_engine_bug_names_the_stage(tmp_path: Path) -> None:
    cache = tmp_path / "ignition.json"
    cache.write_text('{"ignition": {"version": "3.7.0-experimental"}}')
    (tmp_path / "root").mkdir()
    flags = ["-platform", "file", "-stage", "files", "-root", str(tmp_path / "root")]
    flags += ["-log-to-stdout", "-config-cache", str(cache), "-state-file", str(tmp_path / "st")]
    argv = _inject("ignition.stages.files", "run", scripts()["ignition"], flags)
    env = _env(IGNITION_SYSTEM_CONFIG_DIR=str(tmp_path / "sys"))
    p = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 1
    assert "ignition: internal error in the files stage (a bug" in p.stderr
    assert "Traceback" not in p.stdout + p.stderr
    assert SECRET not in p.stdout + p.stderr


def _venv_script(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def test_closed_output_pipe_is_quiet(tmp_path: Path) -> None:
    """``butane x | head -1``: the reader is gone before the output is written."""
    src = tmp_path / "c.bu"
    src.write_text("variant: fcos\nversion: 1.5.0\n")
    bad = tmp_path / "bad.ign"
    bad.write_text('{"ignition": {"version": "3.4.0"}, "storage": {"files": [{"path": "a"}]}}')
    for argv in (
        [_venv_script("butane"), "--pretty", str(src)],
        [_venv_script("ignition-validate"), str(bad)],
        [_venv_script("ct"), "-version"],
    ):
        r, w = os.pipe()
        os.close(r)
        try:
            p = subprocess.run(argv, stdout=w, stderr=subprocess.PIPE, env=_env(), timeout=60)
        finally:
            os.close(w)
        assert p.stderr.decode() == "", argv
        assert p.returncode == crash.EXIT_BROKEN_PIPE, argv


def test_ctrl_c_while_reading_stdin() -> None:
    p = subprocess.Popen(
        [_venv_script("ignition-validate"), "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    time.sleep(1.5)  # let it start and block on stdin
    p.send_signal(signal.SIGINT)
    _out, err = p.communicate(timeout=60)
    assert p.returncode == crash.EXIT_INTERRUPTED
    assert err.decode() == "ignition-validate: interrupted\n"


def _reader_leaves_mid_write(argv: list[str]) -> int:
    """Run ``argv`` with its output on a pipe; read a little of a large output, then close
    the pipe while the command is still writing. The command's exit status."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_env())
    assert p.stdout is not None
    assert len(p.stdout.read(100)) == 100
    time.sleep(0.5)  # the writer is blocked in its large write(2)
    p.stdout.close()
    return p.wait(timeout=60)


def test_a_reader_that_leaves_mid_write_is_a_closed_pipe(tmp_path: Path) -> None:
    """A write(2) cut short by the reader going away returns the part written; Python's
    buffered layer passed that short count on and the rest of the output was dropped with
    exit status 0. Both binary (butane) and text (ct) output."""
    files = "".join(f"  - path: /f{i}\n    contents:\n      inline: x{i}\n" for i in range(20000))
    bu = tmp_path / "c.bu"
    bu.write_text("variant: fcos\nversion: 1.5.0\nstorage:\n files:\n" + files)
    yml = tmp_path / "c.yml"
    yml.write_text("storage:\n files:\n" + files)
    assert _reader_leaves_mid_write([_venv_script("butane"), str(bu)]) == crash.EXIT_BROKEN_PIPE
    ct = [_venv_script("ct"), "-in-file", str(yml), "-pretty"]
    assert _reader_leaves_mid_write(ct) == crash.EXIT_BROKEN_PIPE


def _apply_config(tmp_path: Path, n: int) -> tuple[Path, list[str]]:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    files = [{"path": f"/srv/f{i}", "contents": {"source": "data:,x"}} for i in range(n)]
    cfg = tmp_path / "c.ign"
    cfg.write_text(json.dumps({"ignition": {"version": "3.4.0"}, "storage": {"files": files}}))
    return root, [_venv_script("ignition-apply"), "-root", str(root), str(cfg)]


def test_a_log_reader_that_leaves_mid_stage_leaves_no_half_applied_root(tmp_path: Path) -> None:
    """``ignition-apply ... | head -c N``: the log's reader goes away while the files stage
    writes. The stage still reaches its end (every file written, no journal left), and the
    status is the closed pipe's."""
    root, argv = _apply_config(tmp_path, 500)
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    assert p.stdout is not None
    assert p.stderr is not None
    assert len(p.stdout.read(60_000)) == 60_000  # mid-stage: its log is about 200 KB
    p.stdout.close()
    assert p.wait(timeout=120) == crash.EXIT_BROKEN_PIPE
    with p.stderr:
        assert p.stderr.read() == b""
    assert len(list((root / "srv").iterdir())) == 500
    assert not (root / ".pyignition-txn").exists()


@pytest.mark.parametrize("stderr_full", [False, True])
def test_a_full_log_output_still_applies_and_says_so(tmp_path: Path, stderr_full: bool) -> None:
    """Log to ``/dev/full``: the run is done, and the status says the log was lost (1, never
    the interpreter's 120, even when stderr is full too)."""
    root, argv = _apply_config(tmp_path, 20)
    full = os.open("/dev/full", os.O_WRONLY)
    try:
        err = full if stderr_full else subprocess.PIPE
        p = subprocess.run(argv, stdout=full, stderr=err, env=_env(), timeout=120)
    finally:
        os.close(full)
    assert p.returncode == 1
    if not stderr_full:
        assert p.stderr == (
            b"ignition-apply: the log could not be written (No space left on device); "
            b"the run succeeded\n"
        )
    assert len(list((root / "srv").iterdir())) == 20


def test_a_usage_error_keeps_its_status_when_nothing_can_be_printed() -> None:
    full = os.open("/dev/full", os.O_WRONLY)
    try:
        p = subprocess.run([_venv_script("ct"), "--bogus"], stdout=full, stderr=full, timeout=60)
    finally:
        os.close(full)
    assert p.returncode == 2
