"""A failing tool's output in the error: its own lines, indented, escaped and bounded."""

from __future__ import annotations

import shutil

import pytest

from ignition.system.runner import OUTPUT_LINES, CommandError, Runner
from ignition.util.log import Logger


def fail(logger: Logger, script: str) -> str:
    with pytest.raises(CommandError) as exc:
        Runner(logger).run(["sh", "-c", script, "tool"])
    return str(exc.value)


def test_stderr_is_shown_as_lines_under_the_command(logger: Logger) -> None:
    text = fail(logger, "echo 'mkfs: invalid option' >&2; echo 'Usage: mkfs [-F] dev' >&2; exit 1")
    first, *rest = text.splitlines()
    assert first.startswith('Cmd: "sh" "-c" "echo ')
    assert first.endswith('"tool" failed with exit status 1')
    assert rest == ["  Stderr:", "    mkfs: invalid option", "    Usage: mkfs [-F] dev"]


@pytest.mark.skipif(shutil.which("mkfs.ext4") is None, reason="needs mkfs.ext4")
def test_a_real_mkfs_usage_text_reads_as_it_printed_it(logger: Logger) -> None:
    with pytest.raises(CommandError) as exc:
        Runner(logger).run(["mkfs.ext4", "-Z", "/nonexistent"])
    lines = str(exc.value).splitlines()
    assert lines[:3] == [
        'Cmd: "mkfs.ext4" "-Z" "/nonexistent" failed with exit status 1',
        "  Stderr:",
        "    mkfs.ext4: invalid option -- 'Z'",
    ]
    assert lines[3].startswith("    Usage: mkfs.ext4 ")
    assert all(line.startswith("    \t[") for line in lines[4:])  # its own continuation lines
    assert "\\n" not in str(exc.value)


def test_control_characters_are_escaped_and_output_is_bounded(logger: Logger) -> None:
    text = fail(logger, r"printf 'a\033[31mb\r\n'; seq 1 100 >&2; exit 3")
    lines = text.splitlines()
    assert lines[1:3] == ["  Stdout:", "    a\\x1b[31mb"]
    assert "\x1b" not in text
    assert "\r" not in text
    assert lines[3] == "  Stderr:"
    assert lines[4 : 4 + OUTPUT_LINES] == [f"    {n}" for n in range(1, OUTPUT_LINES + 1)]
    assert lines[-1] == f"    ... ({100 - OUTPUT_LINES} more lines)"


def test_a_long_line_is_cut(logger: Logger) -> None:
    text = fail(logger, "head -c 5000 /dev/zero | tr '\\0' x >&2; exit 1")
    shown = text.splitlines()[2]
    assert shown.startswith("    xxx")
    assert shown.endswith("more characters)")
    assert len(shown) < 400


def test_the_command_is_escaped_too(logger: Logger) -> None:
    with pytest.raises(CommandError) as exc:
        Runner(logger).run(["false", "label\x1b]0;x\nline"])
    assert str(exc.value) == 'Cmd: "false" "label\\x1b]0;x\\nline" failed with exit status 1'
