"""What kind of user data is this? (docs/engine.md, "Where the config comes from")

Providers return raw bytes; before parsing, the engine asks what they hold: nothing, an
Ignition config, Butane YAML, a ``#cloud-config`` document, a ``#!`` script, or a multipart MIME
message. Gzip is looked through (user-data limits make compression common).
"""

from __future__ import annotations

import zlib

from ignition.util.limits import CONFIG_SIZE_VAR, LimitSettingError, config_size, human
from ignition.util.names import Names
from ignition.util.record import record


class Kind(Names):
    EMPTY = "empty"
    IGNITION = "ignition"  # JSON (any spec version); also anything else, for the parser to judge
    BUTANE = "butane"
    CLOUD_CONFIG = "cloud-config"
    SCRIPT = "script"
    MULTIPART = "multipart"


@record
class UserData:
    kind: Kind
    data: bytes  # decompressed
    gzipped: bool = False

    def describe(self) -> str:
        what = {
            Kind.EMPTY: "empty user data",
            Kind.IGNITION: "an Ignition config",
            Kind.BUTANE: "a Butane config",
            Kind.CLOUD_CONFIG: "a #cloud-config document",
            Kind.SCRIPT: "a #! script",
            Kind.MULTIPART: "a multipart MIME message",
        }[self.kind]
        return what + (" (gzip-compressed)" if self.gzipped else "")


class DecompressionError(ValueError):
    pass


def gunzip(data: bytes) -> bytes:
    """Decompress user data, every gzip member of it (as Go's reader does), at most the config
    size limit in all (a gzip bomb is an error). Data after the last member is ignored."""
    try:
        limit = config_size()
    except LimitSettingError as exc:  # a malformed setting
        raise DecompressionError(str(exc)) from None
    parts: list[bytes] = []
    size = 0
    rest = data
    while True:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            part = d.decompress(rest, limit + 1 - size)
        except zlib.error as exc:
            raise DecompressionError(f"invalid gzip data: {exc}") from None
        size += len(part)
        if size > limit:
            raise DecompressionError(
                f"gzip data expands beyond {human(limit)} (raise the limit with {CONFIG_SIZE_VAR})"
            )
        if not d.eof:
            raise DecompressionError("gzip data is truncated")
        parts.append(part)
        rest = d.unused_data
        if rest[:2] != b"\x1f\x8b":
            return b"".join(parts)


def detect(raw: bytes) -> UserData:
    gzipped = False
    data = raw
    if data[:2] == b"\x1f\x8b":
        data = gunzip(data)
        gzipped = True
    stripped = data.lstrip()
    if not stripped:
        return UserData(Kind.EMPTY, data, gzipped)
    first_line = stripped.split(b"\n", 1)[0].rstrip(b"\r")
    # Any letter case, as canonical cloud-init reads it; the cloud-config frontend warns when
    # the header is not exactly coreos-cloudinit's.
    if first_line.rstrip().lower() == b"#cloud-config":
        return UserData(Kind.CLOUD_CONFIG, data, gzipped)
    if stripped.startswith(b"#!"):
        return UserData(Kind.SCRIPT, data, gzipped)
    head = stripped[:4096].lower()
    if b"content-type: multipart/mixed" in head.split(b"\n", 1)[0] or (
        head.startswith(b"mime-version:") and b"content-type: multipart/mixed" in head
    ):
        return UserData(Kind.MULTIPART, data, gzipped)
    if not stripped.startswith((b"{", b"[")) and _looks_like_butane(stripped):
        return UserData(Kind.BUTANE, data, gzipped)
    return UserData(Kind.IGNITION, data, gzipped)


def _looks_like_butane(text: bytes) -> bool:
    """A YAML mapping with top-level ``variant:`` and ``version:`` keys (cheap line check)."""
    keys = set()
    for line in text.splitlines()[:200]:
        if line[:1].isspace() or line.startswith((b"#", b"-")):
            continue
        key = line.split(b":", 1)[0].strip().strip(b"'\"")
        keys.add(key)
    return b"variant" in keys and b"version" in keys


__all__ = ["DecompressionError", "Kind", "UserData", "detect", "gunzip"]
