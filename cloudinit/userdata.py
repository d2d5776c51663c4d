"""User data as pyignition applies it: one document, or the parts of a MIME message.

Detection follows coreos-cloudinit (see docs/engine.md, "Where the config comes from") with the
Flatcar fork's additions: gzip is undone; ``#!`` starts a script; a first line ``#cloud-config``
(trailing white space allowed) starts a cloud-config document; ``Content-Type: multipart/mixed``
starts a MIME message whose parts are ``text/cloud-config`` (header line optional),
``text/x-shellscript``, gzip media types (unwrapped and detected again) or anything else,
detected by content.

Beyond the reference, the cloud-init spelling of the header (leading blank lines, any letter
case) is accepted with a warning, since canonical cloud-init users write it that way.
"""

from __future__ import annotations

import email.parser
import email.policy
import quopri
import re
import zlib
from enum import StrEnum

from cloudinit.goyaml import go_base64
from cloudinit.validate import is_ignition
from ignition.config import gofmt
from ignition.config.report import Diagnostic, Severity
from ignition.util import limits
from ignition.util.record import field, record

MAX_PARTS = 1000

GZIP_TYPES = frozenset(
    {
        "application/gzip",
        "application/gzip-compressed",
        "application/gzipped",
        "application/x-compress",
        "application/x-compressed",
        "application/x-gunzip",
        "application/x-gzip",
        "application/x-gzip-compressed",
    }
)
# cloud-init part types that have no meaning for coreos-cloudinit: a clear error each.
CLOUD_INIT_ONLY = {
    "text/x-include-url": "an #include list of URLs",
    "text/x-include-once-url": "an #include-once list of URLs",
    "text/cloud-boothook": "a cloud-init boothook",
    "text/part-handler": "a cloud-init part handler",
    "text/cloud-config-archive": "a cloud-config archive",
    "text/cloud-config-jsonp": "a cloud-config JSON patch",
    "text/jinja2": "a jinja template",
    "text/x-shellscript-per-boot": "a per-boot script",
    "text/x-shellscript-per-instance": "a per-instance script",
    "text/x-shellscript-per-once": "a run-once script",
}


class PartKind(StrEnum):
    EMPTY = "empty"
    CLOUD_CONFIG = "cloud-config"
    SCRIPT = "script"
    IGNITION = "ignition"
    UNKNOWN = "unknown"


@record
class Part:
    kind: PartKind
    data: bytes
    number: int | None = None  # 1-based MIME part number; None for plain user data
    media_type: str = ""
    filename: str = ""
    # The message line just before ``data`` starts (so data line n is message line
    # line_offset + n); None when the data was decoded (base64, gzip) and has no lines there.
    line_offset: int | None = 0
    start: tuple[int, int] = (1, 1)  # where the part begins in the message


@record(frozen=False)
class Split:
    parts: list[Part] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    multipart: bool = False

    def error(self, part: int | None, pos: tuple[int, int], message: str) -> None:
        path = None if part is None else ("parts", part)
        self.diagnostics.append(Diagnostic(Severity.ERROR, path, message, pos[0], pos[1]))

    def warning(self, part: int | None, pos: tuple[int, int], message: str) -> None:
        path = None if part is None else ("parts", part)
        self.diagnostics.append(Diagnostic(Severity.WARNING, path, message, pos[0], pos[1]))


def gunzip(data: bytes) -> bytes:
    """Decompress completely (every member), to at most the config size limit; raises
    ValueError with a short reason."""
    limit = limits.config_size()
    out = bytearray()
    rest = data
    while rest[:2] == b"\x1f\x8b":
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            # never 0, which zlib reads as "no limit": one byte past the limit tells
            out += d.decompress(rest, limit + 1 - len(out))
        except zlib.error as exc:
            raise ValueError(f"invalid gzip data ({exc})") from None
        if len(out) > limit or d.unconsumed_tail:
            raise ValueError(
                f"gzip data expands beyond {limit} bytes "
                f"(set {limits.CONFIG_SIZE_VAR} to raise the limit)"
            )
        if not d.eof:
            raise ValueError("gzip data is truncated")
        rest = d.unused_data
    if rest.strip(b"\0"):
        raise ValueError("trailing data after the gzip stream")
    return bytes(out)


def _first_line(data: bytes) -> str:
    return data.split(b"\n", 1)[0].decode("utf-8", "replace").rstrip(gofmt.GO_SPACE)


def header_style(data: bytes) -> str | None:
    """``"exact"`` for coreos-cloudinit's header, ``"cloud-init"`` for the spelling only
    cloud-init accepts (leading white space, any case), else None."""
    if _first_line(data) == "#cloud-config":
        return "exact"
    text = data.decode("utf-8", "replace").lstrip()
    if text.split("\n", 1)[0].rstrip().lower() == "#cloud-config":
        return "cloud-init"
    return None


def is_multipart(data: bytes) -> bool:
    head = data[:4096].lower()
    first = head.split(b"\n", 1)[0]
    return b"content-type: multipart/" in first or (
        head.startswith(b"mime-version:") and b"content-type: multipart/" in head
    )


def detect(data: bytes) -> PartKind | None:
    """The kind of a document by its content (None: a MIME message)."""
    if not data.strip():
        return PartKind.EMPTY
    if data.startswith(b"#!"):
        return PartKind.SCRIPT
    if header_style(data):
        return PartKind.CLOUD_CONFIG
    if is_ignition(data):
        return PartKind.IGNITION
    if is_multipart(data):
        return None
    return PartKind.UNKNOWN


def split(raw: bytes) -> Split:
    """Split user data into the documents to apply."""
    out = Split()
    data = raw
    if data[:2] == b"\x1f\x8b":
        try:
            data = gunzip(data)
        except ValueError as exc:
            out.error(None, (1, 1), f"user data: {exc}")
            return out
    kind = detect(data)
    if kind is None:
        out.multipart = True
        _mime(data, out, raw_lines=data is raw)
    else:
        out.parts.append(Part(kind, data, line_offset=0 if data is raw else None))
    return out


# --------------------------------------------------------------------------------- MIME

_PARSER = email.parser.BytesHeaderParser(policy=email.policy.compat32)
_BLANK = re.compile(rb"\r?\n\r?\n")


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _headers_body(seg: bytes) -> tuple[bytes, int] | None:
    """(header block, offset of the body) of a message or part; None without a blank line."""
    for lead in (b"\r\n", b"\n"):
        if seg.startswith(lead):
            return b"", len(lead)
    m = _BLANK.search(seg)
    if m is None:
        return None
    return seg[: m.start()], m.end()


def _mime(data: bytes, out: Split, *, raw_lines: bool) -> None:
    hb = _headers_body(data)
    if hb is None:
        out.error(None, (1, 1), "MIME message: no blank line after the headers")
        return
    headers = _PARSER.parsebytes(hb[0])
    if headers.get_content_type() != "multipart/mixed":
        out.error(
            None,
            (1, 1),
            f"MIME message: expected multipart/mixed, got {headers.get_content_type()}",
        )
        return
    boundary = headers.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        out.error(None, (1, 1), "MIME message: no boundary in the Content-Type header")
        return
    delim = re.compile(rb"^--" + re.escape(boundary.encode()) + rb"(--)?[ \t]*\r?$", re.M)
    marks = list(delim.finditer(data, hb[1]))
    if not marks:
        out.error(None, (1, 1), f"MIME message: no part starts with --{boundary}")
        return
    for n, (m, nxt) in enumerate(zip(marks, [*marks[1:], None], strict=True), start=1):
        if m.group(1):  # the closing delimiter
            return
        if n > MAX_PARTS:
            out.error(None, (1, 1), f"MIME message: more than {MAX_PARTS} parts")
            return
        start = m.end() + 1
        end = nxt.start() if nxt is not None else len(data)
        if nxt is None:
            out.warning(
                n,
                (_line_of(data, m.start()), 1),
                f"MIME message: the closing --{boundary}-- is missing",
            )
        # The line break before a delimiter belongs to the delimiter.
        for tail in (b"\n", b"\r"):
            if end > start and data[end - 1 : end] == tail:
                end -= 1
        _part(data, start, max(start, end), n, out, raw_lines=raw_lines)


def _part(data: bytes, start: int, end: int, n: int, out: Split, *, raw_lines: bool) -> None:
    pos = (_line_of(data, start), 1)
    seg = data[start:end]
    hb = _headers_body(seg)
    if hb is None:
        out.error(n, pos, f"MIME part {n}: no blank line after its headers")
        return
    headers = _PARSER.parsebytes(hb[0])
    body = seg[hb[1] :]
    body_line: int | None = _line_of(data, start + hb[1]) - 1 if raw_lines else None
    ctype = headers.get_content_type() if headers.get("Content-Type") else ""
    if not ctype:
        out.error(n, pos, f"MIME part {n}: no Content-Type header")
        return
    cte = (headers.get("Content-Transfer-Encoding") or "").strip().lower()
    if cte == "base64":
        try:
            body = go_base64(body.decode("ascii"))
        except (ValueError, UnicodeDecodeError):
            out.error(n, pos, f"MIME part {n}: the base64 body cannot be decoded")
            return
        body_line = None
    elif cte == "quoted-printable":
        body = quopri.decodestring(body)
        body_line = None
    if ctype in GZIP_TYPES or body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body)
        except ValueError as exc:
            out.error(n, pos, f"MIME part {n} ({ctype}): {exc}")
            return
        body_line = None

    def part(kind: PartKind) -> Part:
        return Part(kind, body, n, ctype, headers.get_filename() or "", body_line, pos)

    if ctype == "text/cloud-config":
        out.parts.append(part(PartKind.CLOUD_CONFIG))
    elif ctype == "text/x-shellscript":
        if not body.startswith(b"#!"):
            out.error(n, pos, f"MIME part {n}: text/x-shellscript must begin with #!")
            return
        out.parts.append(part(PartKind.SCRIPT))
    elif ctype in CLOUD_INIT_ONLY:
        out.error(
            n,
            pos,
            f"MIME part {n} is {CLOUD_INIT_ONLY[ctype]} ({ctype}), which only "
            "canonical cloud-init understands; it cannot be applied",
        )
    else:
        kind = detect(body)
        if kind is None:
            out.error(n, pos, f"MIME part {n}: nested multipart messages are not supported")
            return
        out.parts.append(part(kind))
