"""Text back to UTF-8 bytes, whatever lone surrogates it holds."""

from __future__ import annotations


def to_bytes(text: str) -> bytes:
    """``text`` as UTF-8. Undecodable bytes kept as ``surrogateescape`` code points come back
    as those bytes; any other lone surrogate (a ``\\ud800`` escape from some decoder) is
    encoded as is, and reads back as U+FFFD with ``errors="replace"``. Never raises."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape")  # the bytes a decoded file held
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")
