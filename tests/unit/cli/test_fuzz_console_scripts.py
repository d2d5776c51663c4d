"""Every console script in pyproject, run as a real process with garbage arguments and garbage
standard input: a documented exit status and never a Python traceback.

Safety: the processes run in a scratch directory, with every system path of the engine and
the metadata origin pointed into it (or at a closed loopback port); the argument vocabulary
holds no platform or stage name and no absolute path, so nothing can act on the host. When
the tests run as root and the interpreter is usable by ``nobody``, they also run as
``nobody``. Example counts scale with ``PYIGNITION_FUZZ_SCALE`` (each example is one process,
so the default is small).
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.config.helpers import examples

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
NOBODY = 65534
EXIT_CODES = {0, 1, 2, 3}  # ok, failed (incl. a bug, one line), usage, setup
EXIT_BROKEN_PIPE = 141
SCRATCH = Path(tempfile.mkdtemp(prefix="pyignition-console-fuzz-"))
atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)

with open(ROOT / "pyproject.toml", "rb") as _fh:
    SCRIPTS = sorted(tomllib.load(_fh)["project"]["scripts"])

FLAGS = [
    "-h", "--help", "-help", "-version", "--version", "-V", "-", "--", "-=", "--=x", "-x",
    "--nope", "-format", "json", "text", "-legacy", "-butane", "-strict", "-pretty", "-p",
    "--pretty", "--strict", "--raw", "--check", "-c", "-r", "--color", "always", "-d",
    "--files-dir", "-files-dir", "-in-file", "-platform", "--platform", "-stage", "-root",
    "-config-cache", "-state-file", "-neednet", "-fetch-timeout", "1s", "-1s", "9999999h",
    "-log-to-stdout", "-dry-run", "-validate", "-from-file", "-to", "ignition", "-hostname",
    "plan", "-ignore-unsupported", "-offline", "-ignore-failure", "-oem", "=", "x=y",
    "\u202e", "é", "a" * 5000,
]  # fmt: skip
# names that could make a command act (all stages and platforms are left out of the
# vocabulary; random text is filtered against them too)
ACTING = {"fetch-offline", "fetch", "kargs", "disks", "mount", "files", "umount", "detect"}


def _safe_text(t: str) -> bool:
    import providers

    return t not in ACTING and t not in providers.PROVIDERS and not t.startswith("/")


def _tokens(files: dict[str, str]) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.sampled_from(FLAGS).map(lambda s: s.encode()),
        st.sampled_from(sorted(files.values())).map(lambda s: s.encode()),
        st.text(max_size=12)
        .filter(lambda t: "\x00" not in t and _safe_text(t))
        .map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.binary(min_size=1, max_size=8).filter(
            lambda b: b"\x00" not in b and _safe_text(b.decode("utf-8", "replace"))
        ),
    )


STDIN = st.one_of(
    st.binary(max_size=400),
    st.sampled_from(
        [
            b'{"ignition": {"version": "3.4.0"}, "passwd": {"users": [{"name": "--help"}]}}',
            b"variant: fcos\nversion: 1.5.0\nstorage: {files: [{path: /a, contents: {inline: \x1b]",
            b'#cloud-config\nusers: [{name: -x, ssh_authorized_keys: ["a\\nb"]}]\n',
            b"[" * 50_000,
            b"\xff\xfe" * 1000,
        ]
    ),
)


def _scratch() -> dict[str, str]:
    SCRATCH.chmod(0o777)  # the processes may run as nobody
    files = {
        "garbage": "garbage.bin",
        "empty": "empty.ign",
        "dir": "adir",
        "missing": "missing.ign",
        "bad": "bad.ign",
    }
    (SCRATCH / "garbage.bin").write_bytes(bytes(range(256)) * 4)
    (SCRATCH / "empty.ign").write_bytes(b"")
    (SCRATCH / "adir").mkdir(exist_ok=True)
    (SCRATCH / "bad.ign").write_bytes(b'{"ignition": {"version": "3.4.0"}, "storage": "x"}')
    return files


FILES = _scratch()


def _drop() -> None:
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def _nobody_can_run_python() -> bool:
    """False when Python lives under a private home (``/root/.pyenv``)."""
    if os.geteuid() != 0:
        return False
    try:
        probe = subprocess.run(
            [sys.executable, "-c", "pass"], preexec_fn=_drop, capture_output=True, timeout=60
        )
    except OSError:
        return False
    return probe.returncode == 0


AS_NOBODY = _nobody_can_run_python()
STDIN_KINDS = ["bytes", "bytes", "closed", "directory"]
STDOUT_KINDS = ["pipe", "pipe", "full", "broken", "closed"]


def _env() -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(SCRATCH),
        "LANG": "C.UTF-8",
        "PYIGNITION_METADATA_ORIGIN": "http://127.0.0.1:9",
        "IGNITION_SYSTEM_CONFIG_DIR": str(SCRATCH / "sys"),
        "IGNITION_KERNEL_CMDLINE_PATH": str(SCRATCH / "cmdline"),
    }
    if "PYTHONPATH" in os.environ:  # a test run against another source tree
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def run(
    script: str,
    argv: list[bytes],
    stdin: bytes,
    stdin_kind: str = "bytes",
    stdout_kind: str = "pipe",
) -> tuple[int, bytes]:
    """Exit status and everything printed; standard input and output may be closed, a
    directory, ``/dev/full`` or a pipe nobody reads."""
    close: list[int] = []
    if stdin_kind == "closed":
        close.append(0)
    if stdout_kind == "closed":
        close.append(1)

    def setup() -> None:
        for fd in close:
            os.close(fd)
        if AS_NOBODY:
            _drop()

    opened: list[int] = []
    stdin_arg: int | None = subprocess.PIPE if stdin_kind == "bytes" else None
    if stdin_kind == "directory":
        stdin_arg = os.open(SCRATCH / FILES["dir"], os.O_RDONLY)
        opened.append(stdin_arg)
    stdout_arg: int | None = subprocess.PIPE
    if stdout_kind == "full":
        stdout_arg = os.open("/dev/full", os.O_WRONLY)
        opened.append(stdout_arg)
    elif stdout_kind == "broken":
        r, stdout_arg = os.pipe()
        os.close(r)
        opened.append(stdout_arg)
    try:
        p = subprocess.run(
            [str(BIN / script).encode(), *argv],
            input=stdin if stdin_kind == "bytes" else None,
            stdin=None if stdin_kind == "bytes" else stdin_arg,
            stdout=stdout_arg,
            stderr=subprocess.PIPE,
            cwd=SCRATCH,
            env=_env(),
            timeout=120,
            preexec_fn=setup,
        )
    finally:
        for fd in opened:
            os.close(fd)
    return p.returncode, (p.stdout or b"") + p.stderr


def check(
    script: str,
    argv: list[bytes],
    stdin: bytes,
    stdin_kind: str = "bytes",
    stdout_kind: str = "pipe",
) -> None:
    code, text = run(script, argv, stdin, stdin_kind, stdout_kind)
    what = (script, argv, stdin_kind, stdout_kind, code, text[-2000:])
    assert b"Traceback" not in text, what
    assert b"Exception ignored" not in text, what
    allowed = EXIT_CODES | ({EXIT_BROKEN_PIPE} if stdout_kind == "broken" else set())
    assert code in allowed, what


FUZZ = settings(
    max_examples=examples(3),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)


@pytest.mark.parametrize("script", SCRIPTS)
@FUZZ
@given(
    argv=st.lists(_tokens(FILES), max_size=6),
    stdin=STDIN,
    stdin_kind=st.sampled_from(STDIN_KINDS),
    stdout_kind=st.sampled_from(STDOUT_KINDS),
)
def test_fuzz_console_script(
    script: str, argv: list[bytes], stdin: bytes, stdin_kind: str, stdout_kind: str
) -> None:
    check(script, argv, stdin, stdin_kind, stdout_kind)


@pytest.mark.parametrize("script", SCRIPTS)
def test_hostile_fixed_cases(script: str) -> None:
    for argv, stdin in (
        ([b"-"], b"\xff\x00garbage"),
        ([b"\xff\xfe-not-utf8"], b""),
        ([b"--" + b"x" * 100_000], b""),
    ):
        check(script, argv, stdin)
    for stdin_kind, stdout_kind in (("closed", "pipe"), ("directory", "pipe")):
        check(script, [b"-"], b"", stdin_kind, stdout_kind)
    for stdout_kind in ("full", "broken", "closed"):
        check(script, [b"--help"], b"", "bytes", stdout_kind)
