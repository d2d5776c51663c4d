"""``data:`` URLs as the reference transpilers write them."""

from __future__ import annotations

import base64
import gzip
import re

_SAFE = re.compile(rb"[^A-Za-z0-9\-_.!~*'()]")


def percent(data: bytes) -> str:
    """``data:,`` + every byte outside ``A-Za-z0-9-_.!~*'()`` as upper-case ``%XX``."""
    return "data:," + _SAFE.sub(lambda m: b"%%%02X" % m.group()[0], data).decode("ascii")


def b64(data: bytes) -> str:
    return "data:;base64," + base64.b64encode(data).decode("ascii")


def butane_encode(data: bytes, *, compress: bool) -> tuple[str, bool]:
    """The shortest of percent, base64 and (when allowed) gzip+base64 encodings.

    Returns the URL and whether it is gzip-compressed. Gzip must beat the best plain form by
    more than the 4 bytes ``"gzip"`` costs in the output, as Butane requires.
    """
    url = percent(data)
    alt = b64(data)
    if len(alt) < len(url):
        url = alt
    if compress and data:
        z = b64(gzip.compress(data, compresslevel=9, mtime=0))
        if len(z) + 4 < len(url):
            return z, True
    return url, False
