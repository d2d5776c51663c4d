"""No log line or error text grows with a hostile value: long messages and file names are cut."""

from __future__ import annotations

import errno

from ignition.util import redact
from ignition.util.log import MESSAGE_MAX, Logger
from tests.conftest import ListSink


def test_a_message_past_the_bound_is_cut_and_says_how_much() -> None:
    sink = ListSink()
    log = Logger(sink)
    with log.prefixed("files"):
        log.crit("x" * (MESSAGE_MAX + 10))
    (line,) = sink.lines
    assert len(line) < MESSAGE_MAX + 100
    assert line.endswith("... (17 more characters not shown)")  # "files: " counts too
    log.info("short")
    assert sink.lines[-1].endswith(" short")


def test_os_errors_show_file_names_cut() -> None:
    exc = OSError(errno.ENAMETOOLONG, "File name too long", "n" * 10_000, None, "m" * 10_000)
    text = redact.os_error(exc)
    assert text.startswith("[Errno 36] File name too long: 'nnn")
    assert " -> 'mmm" in text
    assert len(text) < 2 * redact.NAME_SHOWN + 100
    short = OSError(errno.ENOENT, "No such file or directory", "/etc/x")
    assert redact.exception(short) == str(short)  # the same text as Python's when short
    assert redact.exception(OSError(errno.EIO, "I/O error")) == str(OSError(errno.EIO, "I/O error"))
