# ruff: noqa: E501, PT018
"""The butane and ct commands: flags, exit codes, streams and report format."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent
GOOD = (
    b"variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/motd\n      mode: 0644\n"
)


def run(
    tool: str, *args: str, stdin: bytes = b"", cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(BIN / tool), *args], input=stdin, capture_output=True, cwd=cwd, check=False
    )


def test_butane_compact_output_with_newline() -> None:
    p = run("butane", stdin=GOOD)
    assert p.returncode == 0
    assert (
        p.stdout
        == b'{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"/etc/motd","mode":420}]}}\n'
    )


def test_butane_error_snippet_and_strict() -> None:
    p = run("butane", "--pretty", stdin=GOOD.replace(b"/etc/motd", b"etc/motd"))
    assert p.returncode == 1 and p.stdout == b""
    err = p.stderr.decode()
    assert "error[$.storage.files.0.path]:\n  --> <stdin>:5:13\n" in err
    assert "   |             ^^^^^^^^ path not absolute\n" in err
    assert err.endswith("Error translating config: config generated was invalid\n")
    warn = GOOD + b"    - path: /x\n      bogus: 1\n"
    assert run("butane", stdin=warn).returncode == 0
    strict = run("butane", "-s", stdin=warn)
    assert strict.returncode == 1
    assert b"Config produced warnings and --strict was specified" in strict.stderr


def test_butane_usage_and_output_file(tmp_path: Path) -> None:
    assert run("butane", "a", "b").returncode == 2
    assert run("butane", "--bogus").returncode == 2
    assert run("butane", "-h").stdout.startswith(b"Usage: butane [options] [input-file]")
    p = run("butane", "-p", "-o", "out.ign", stdin=GOOD, cwd=tmp_path)
    assert p.returncode == 0 and p.stdout == b""
    assert (tmp_path / "out.ign").read_bytes().endswith(b"}\n")


def test_ct_compact_has_no_newline_and_pretty_has_one() -> None:
    cfg = b"storage:\n  files:\n    - path: /a\n      mode: 0644\n"
    compact = run("ct", stdin=cfg)
    assert compact.returncode == 0 and not compact.stdout.endswith(b"\n")
    pretty = run("ct", "--pretty", stdin=cfg)
    assert pretty.stdout.endswith(b"}\n")


def test_ct_flags_and_phases() -> None:
    assert run("ct", "-bogus").returncode == 2
    assert run("ct", "-platform=nowhere").stderr == b"error: unsupported platform\n"
    p = run("ct", "-strict", stdin=b"storage:\n  files:\n    - path: /a\n")
    assert p.returncode == 1
    assert p.stderr.decode().startswith("warning at line 3, column 7\nmode unspecified for file")
    assert p.stderr.endswith(b"Failed to parse config\n")
