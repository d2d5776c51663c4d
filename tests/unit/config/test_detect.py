"""User-data kind detection (``ignition/config/detect.py``), gzip included."""

from __future__ import annotations

import gzip

import pytest

from ignition.config.detect import DecompressionError, Kind, UserData, detect, gunzip

BUTANE = b"variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /a\n"
MIME = (
    b'Content-Type: multipart/mixed; boundary="==B=="\nMIME-Version: 1.0\n\n--==B==\n'
    b"Content-Type: text/cloud-config\n\n#cloud-config\n--==B==--\n"
)

CASES = [
    (b"", Kind.EMPTY),
    (b" \n\t\r\n", Kind.EMPTY),
    (b'{"ignition": {"version": "3.4.0"}}', Kind.IGNITION),
    (b'\n  {"ignitionVersion": 1}', Kind.IGNITION),
    (b"[1, 2]", Kind.IGNITION),
    (b"not json at all", Kind.IGNITION),  # the parser judges it
    (b"#cloud-config\nhostname: a\n", Kind.CLOUD_CONFIG),
    (b"\n\n  #cloud-config \r\nusers: []\n", Kind.CLOUD_CONFIG),
    (b"#cloud-config", Kind.CLOUD_CONFIG),
    (b"#cloud-configuration\n", Kind.IGNITION),
    (b"# cloud-config\n", Kind.IGNITION),
    (b"#!/bin/bash\necho hi\n", Kind.SCRIPT),
    (b"  #!/usr/bin/env python3\n", Kind.SCRIPT),
    (MIME, Kind.MULTIPART),
    (b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=x\n\n--x--\n", Kind.MULTIPART),
    (b"Content-Type: text/plain\n\nhello\n", Kind.IGNITION),
    (BUTANE, Kind.BUTANE),
    (b"# a comment\nversion: 1.0.0\nvariant: flatcar\n", Kind.BUTANE),
    (b"'variant': fcos\n\"version\": 1.4.0\n", Kind.BUTANE),
    (b"variant: fcos\n", Kind.IGNITION),  # no version: not recognisably Butane
    (b"storage:\n  variant: x\n  version: y\n", Kind.IGNITION),  # not top-level keys
    (b'{"variant": "fcos", "version": "1.5.0"}', Kind.IGNITION),  # JSON stays JSON
]


@pytest.mark.parametrize(("raw", "kind"), CASES, ids=[repr(c[0][:24]) for c in CASES])
def test_detect(raw: bytes, kind: Kind) -> None:
    assert detect(raw) == UserData(kind, raw, False)


@pytest.mark.parametrize(("raw", "kind"), CASES, ids=[repr(c[0][:24]) for c in CASES])
def test_detect_through_gzip(raw: bytes, kind: Kind) -> None:
    assert detect(gzip.compress(raw)) == UserData(kind, raw, True)


def test_describe() -> None:
    assert detect(b"").describe() == "empty user data"
    assert detect(b"{}").describe() == "an Ignition config"
    assert detect(gzip.compress(BUTANE)).describe() == "a Butane config (gzip-compressed)"
    assert detect(b"#cloud-config\n").describe() == "a #cloud-config document"
    assert detect(b"#!/bin/sh\n").describe() == "a #! script"
    assert detect(MIME).describe() == "a multipart MIME message"


def test_gzip_errors() -> None:
    good = gzip.compress(b'{"ignition": {}}')
    with pytest.raises(DecompressionError, match=r"^gzip data is truncated$"):
        detect(good[:-10])
    with pytest.raises(DecompressionError, match=r"^invalid gzip data: "):
        detect(b"\x1f\x8b" + b"\x00" * 20)


def test_gzip_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYIGNITION_MAX_CONFIG_SIZE", "1000")
    assert gunzip(gzip.compress(b"x" * 1000)) == b"x" * 1000
    with pytest.raises(DecompressionError, match=r"^gzip data expands beyond 1000 bytes \(raise"):
        gunzip(gzip.compress(b"x" * 1001))


def test_only_one_gzip_layer_is_looked_through() -> None:
    twice = gzip.compress(gzip.compress(b"{}"))
    ud = detect(twice)
    assert (ud.kind, ud.gzipped, ud.data) == (Kind.IGNITION, True, gzip.compress(b"{}"))


def test_every_gzip_member_counts_toward_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYIGNITION_MAX_CONFIG_SIZE", "1000")
    member = gzip.compress(b"x" * 400)
    assert gunzip(member * 2 + b"\0\0trailing") == b"x" * 800
    with pytest.raises(DecompressionError, match=r"^gzip data expands beyond 1000 bytes"):
        gunzip(member * 3)
