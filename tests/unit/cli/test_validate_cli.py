"""``ignition-validate``: exit codes, input sources, output formats, Go-style flags."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ignition import __version__
from ignition.commands.cliargs import FlagSpec, GoFlags, UsageError
from ignition.commands.validate import main

VALID = b'{"ignition": {"version": "3.4.0"}}'
WARNS = b'{"ignition": {"version": "3.4.0"}, "extra": 1}'
INVALID = b'{"ignition": {"version": "3.4.0"}, "storage": {"files": [{"path": "a"}]}}'
LEGACY = (
    b'{"ignition": {"version": "2.2.0"}, '
    b'"storage": {"files": [{"filesystem": "root", "path": "/a", "mode": 420}]}}'
)


def run(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stdin: bytes = b"",
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path: Path) -> Path:
    for name, data in (
        ("valid.ign", VALID),
        ("warns.ign", WARNS),
        ("invalid.ign", INVALID),
        ("legacy.ign", LEGACY),
    ):
        (tmp_path / name).write_bytes(data)
    return tmp_path


def test_valid_config(
    files: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run([str(files / "valid.ign")], capsys, monkeypatch) == (0, "", "")


def test_warnings_only_exit_zero(
    files: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run([str(files / "warns.ign")], capsys, monkeypatch) == (
        0,
        "warning at $.extra, line 1 col 36: unused key extra\n",
        "",
    )


def test_errors_exit_one(
    files: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run([str(files / "invalid.ign")], capsys, monkeypatch) == (
        1,
        "error at $.storage.files.0.path, line 1 col 67: path not absolute\n",
        "",
    )


def test_syntax_error(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(["-"], capsys, monkeypatch, stdin=b"{,}") == (
        1,
        "error at line 1 col 3: invalid character ',' looking for beginning of object key string\n",
        "",
    )


def test_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(["-"], capsys, monkeypatch, stdin=VALID) == (0, "", "")
    assert run(["-"], capsys, monkeypatch, stdin=INVALID)[0] == 1


@pytest.mark.parametrize(
    ("stdin", "reason"),
    [
        (b"", "not a config (empty)"),
        (b'{"ignition": {"version": "3.0"}}', "invalid config version (couldn't parse)"),
        (b'{"ignition": {"version": "9.0.0"}}', "unsupported config version"),
    ],
)
def test_refused_configs(
    stdin: bytes, reason: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refusals that are not about an older spec: the reference's one line, no more."""
    assert run(["-"], capsys, monkeypatch, stdin=stdin) == (
        1,
        "",
        f"couldn't parse config: {reason}\n",
    )
    code, out, err = run(["--format", "json", "-"], capsys, monkeypatch, stdin=stdin)
    assert (code, err) == (1, f"couldn't parse config: {reason}\n")
    assert json.loads(out) == [
        {
            "severity": "error",
            "path": None,
            "line": None,
            "column": None,
            "message": f"couldn't parse config: {reason}",
        }
    ]


def test_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = str(tmp_path / "nope.ign")
    assert run([missing], capsys, monkeypatch) == (
        1,
        "",
        f"couldn't read config: open {missing}: no such file or directory\n",
    )


def test_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Go opens a directory fine; reading it fails
    assert run([str(tmp_path)], capsys, monkeypatch) == (
        1,
        "",
        f"couldn't read config: read {tmp_path}: is a directory\n",
    )


@pytest.mark.parametrize("argv", [[], ["a.ign", "b.ign"]])
def test_usage(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(argv, capsys, monkeypatch)
    assert (code, out) == (1, "")
    assert err.startswith("Usage:\n  ignition-validate [flags] config.ign\n")
    assert "-format string" in err
    assert "-legacy" in err


@pytest.mark.parametrize("flag", ["-h", "-help", "--help"])
def test_help(
    flag: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run([flag], capsys, monkeypatch)
    assert (code, out) == (0, "")
    assert err.startswith("Usage:\n")


@pytest.mark.parametrize("flag", ["-version", "--version", "-version=true"])
def test_version(
    flag: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run([flag, "ignored.ign"], capsys, monkeypatch) == (
        0,
        f"ignition-validate {__version__} (pyignition)\n",
        "",
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-frobnicate", "x.ign"], "flag provided but not defined: -frobnicate"),
        (["--format"], "flag needs an argument: -format"),
        (["-format=yaml", "x.ign"], 'invalid value "yaml" for flag -format: use one of text, json'),
        (["-legacy=maybe", "x.ign"], 'invalid boolean value "maybe" for -legacy'),
    ],
)
def test_flag_errors(
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, err = run(argv, capsys, monkeypatch)
    assert (code, out) == (1, "")
    assert err.startswith(message + "\nUsage:\n")


@pytest.mark.parametrize(
    "argv",
    [["--format", "json"], ["-format", "json"], ["-format=json"], ["--format=json"]],
)
def test_json_format(
    argv: list[str],
    files: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, err = run([*argv, str(files / "invalid.ign")], capsys, monkeypatch)
    assert (code, err) == (1, "")
    assert json.loads(out) == [
        {
            "severity": "error",
            "path": "$.storage.files.0.path",
            "line": 1,
            "column": 67,
            "message": "path not absolute",
        }
    ]
    code, out, _ = run([*argv, str(files / "valid.ign")], capsys, monkeypatch)
    assert (code, json.loads(out)) == (0, [])


def test_json_format_of_syntax_errors(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(["-format", "json", "-"], capsys, monkeypatch, stdin=b'{"a" 1}')
    assert code == 1
    assert json.loads(out) == [
        {
            "severity": "error",
            "path": None,
            "line": 1,
            "column": 7,
            "message": "invalid character '1' after object key",
        }
    ]


@pytest.mark.parametrize("flag", ["-legacy", "--legacy", "-legacy=true", "--legacy=1"])
def test_legacy(
    flag: str, files: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run([flag, str(files / "legacy.ign")], capsys, monkeypatch) == (0, "", "")


def test_legacy_false(
    files: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(["-legacy=false", str(files / "legacy.ign")], capsys, monkeypatch)[0] == 1


def test_flags_stop_at_the_first_argument(
    files: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # as Go's flag package: "-legacy" after the file name is a second argument
    code, _, err = run([str(files / "legacy.ign"), "-legacy"], capsys, monkeypatch)
    assert code == 1
    assert err.startswith("Usage:")
    assert run(["--", "-"], capsys, monkeypatch, stdin=VALID) == (0, "", "")


def test_console_script(files: Path) -> None:
    exe = Path(sys.executable).parent / "ignition-validate"
    done = subprocess.run([str(exe), "-"], input=INVALID, capture_output=True, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        b"error at $.storage.files.0.path, line 1 col 67: path not absolute\n",
        b"",
    )
    done = subprocess.run(
        [sys.executable, "-m", "ignition.commands.validate", str(files / "valid.ign")],
        capture_output=True,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")


# --------------------------------------------------------------------------- GoFlags


def test_go_flags() -> None:
    flags = GoFlags(
        [
            FlagSpec("v", takes_value=False, aliases=("verbose",)),
            FlagSpec("root", default="/"),
            FlagSpec("tag", repeat=True),
        ]
    )
    assert flags.parse([]) == ({"v": False, "root": "/", "tag": []}, [])
    opts, rest = flags.parse(["--verbose", "-root=/sysroot", "--tag", "a", "-tag=b", "x", "-v"])
    assert opts == {"v": True, "root": "/sysroot", "tag": ["a", "b"]}
    assert rest == ["x", "-v"]
    assert flags.parse(["-v=f", "-", "y"]) == ({"v": False, "root": "/", "tag": []}, ["-", "y"])
    assert flags.parse(["-root", "-v"])[0]["root"] == "-v"  # a value may start with a dash
    with pytest.raises(UsageError, match="flag provided but not defined: -x"):
        flags.parse(["-x"])
