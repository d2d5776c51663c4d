"""The engine's user-data detection hands every cloud-config spelling to this frontend."""

from __future__ import annotations

import gzip

import pytest

from ignition.config.detect import Kind, detect


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"#cloud-config\nhostname: a\n", Kind.CLOUD_CONFIG),
        (b"#Cloud-Config\r\nhostname: a\r\n", Kind.CLOUD_CONFIG),
        (b"\n  #cloud-config\n", Kind.CLOUD_CONFIG),
        (gzip.compress(b"#cloud-config\n"), Kind.CLOUD_CONFIG),
        (b"#!/bin/bash\necho hi\n", Kind.SCRIPT),
        (b'Content-Type: multipart/mixed; boundary="b"\n\n--b--\n', Kind.MULTIPART),
        (b"# cloud-config\n", Kind.IGNITION),  # a YAML comment, not a header
    ],
)
def test_detect(data: bytes, kind: Kind) -> None:
    assert detect(data).kind is kind
