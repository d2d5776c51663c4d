"""``ignition.util.redact``: values made safe to log."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from ignition.util import redact


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://example.com/config.ign", "https://example.com/config.ign"),
        ("https://user:pw@example.com:8443/a/b", "https://example.com:8443/a/b"),
        (
            "https://h/p?X-Amz-Signature=abc&X-Amz-Date=1&flag",
            "https://h/p?X-Amz-Signature=<redacted>&X-Amz-Date=<redacted>&flag",
        ),
        ("s3://bucket/key?versionId=3", "s3://bucket/key?versionId=<redacted>"),
        ("http://h/p#token=secret", "http://h/p"),
        ("http://h", "http://h"),
        ("data:,secret%20text", "data:,<13 bytes>"),
        ("DATA:text/plain;base64,c2VjcmV0", "DATA:text/plain;base64,<8 bytes>"),
        ("arn:aws:s3:::bucket/key", "arn:aws:s3:::bucket/key"),
        ("/plain/path", "/plain/path"),
    ],
)
def test_url(url: str, shown: str) -> None:
    assert redact.url(url) == shown


def test_digest() -> None:
    assert redact.digest(b"abc") == hashlib.sha512(b"abc").hexdigest()


def test_argv() -> None:
    secrets = frozenset({"$6$hash", "pw"})
    assert redact.argv(
        ["useradd", "--password", "$6$hash", "--comment=pw", "-m", "pwx"], secrets
    ) == [
        "useradd",
        "--password",
        "<redacted>",
        "--comment=<redacted>",
        "-m",
        "pwx",
    ]


def test_text() -> None:
    secrets = frozenset({"abc", "abcdef", ""})
    assert redact.text("x abcdef y abc z", secrets) == "x <redacted> y <redacted> z"
    assert redact.text("nothing", frozenset()) == "nothing"


def test_failed_operations_log_foreign_messages_by_type_only(logger: Any, log_sink: Any) -> None:
    from ignition.util.errors import StageError

    with pytest.raises(KeyError), logger.op("writing file"):
        raise KeyError("$6$hash-from-the-config")
    assert "KeyError (message withheld)" in log_sink.text
    assert "hash-from-the-config" not in log_sink.text
    with pytest.raises(StageError), logger.op("writing file"):
        raise StageError("our own message")
    assert "[failed]   writing file: our own message" in log_sink.text
