"""gzip user data is bounded by the shared config size limit, also across members: a member
that fills the limit exactly must not leave the next one unbounded (zlib reads a
``max_length`` of 0 as "no limit")."""

from __future__ import annotations

import gzip

import pytest

from cloudinit import userdata
from cloudinit.validate import validate

LIMIT = 1 << 20


@pytest.fixture(autouse=True)
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYIGNITION_MAX_CONFIG_SIZE", str(LIMIT))


def exact_fill_then_bomb() -> bytes:
    return gzip.compress(b"\0" * LIMIT) + gzip.compress(b"\0" * (20 * LIMIT))


def test_userdata_gunzip_stops_at_the_limit_after_an_exact_fill() -> None:
    with pytest.raises(ValueError, match=f"expands beyond {LIMIT} bytes.*MAX_CONFIG_SIZE"):
        userdata.gunzip(exact_fill_then_bomb())


def test_userdata_gunzip_keeps_what_fits() -> None:
    data = b"#cloud-config\n" + b"#" * (LIMIT - 14)
    assert userdata.gunzip(gzip.compress(data[:100]) + gzip.compress(data[100:])) == data


def test_userdata_split_reports_the_bomb() -> None:
    out = userdata.split(gzip.compress(b"\0" * (2 * LIMIT)))
    assert [d.message for d in out.diagnostics] == [
        f"user data: gzip data expands beyond {LIMIT} bytes "
        "(set PYIGNITION_MAX_CONFIG_SIZE to raise the limit)"
    ]


def test_validate_stops_at_the_limit_after_an_exact_fill() -> None:
    v = validate(exact_fill_then_bomb())
    assert v.gunzip_error == "gzip: data too large"
    assert v.exit_code == 1


def test_validate_at_the_default_limit_is_no_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    # the first member ends exactly at 64 MiB: the next piece used to be decompressed
    # without a limit, the one after it with a negative one (a ValueError, a crash)
    monkeypatch.delenv("PYIGNITION_MAX_CONFIG_SIZE")
    first = gzip.compress(b"\0" * (64 << 20), 1)
    v = validate(first + gzip.compress(b"\0" * (8 << 20), 1))
    assert v.gunzip_error == "gzip: data too large"
