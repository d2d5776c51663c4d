"""``coreos-cloudinit -validate`` as a pure function: bytes in, the reference's verdict out.

:func:`validate` reproduces the reference exactly (which user data it validates at all, its
report lines, its exit status) and adds what it never said: the true line and column and the
path of every entry, and notes on silent behaviour (duplicate keys, ignored documents).
:func:`analyse` is the shared core, also used by the converter for each cloud-config document.
"""

from __future__ import annotations

import json
import struct
import zlib
from enum import StrEnum

from cloudinit import decode, rules, typed
from cloudinit.decode import Pos
from cloudinit.goyaml import YamlError, compose
from cloudinit.rules import Code, Finding
from cloudinit.typed import SVal
from ignition.config import gofmt
from ignition.config.report import Path, Severity
from ignition.util import limits
from ignition.util.record import field, record


class Kind(StrEnum):
    """What coreos-cloudinit makes of user data (``config/validate/validate.go``)."""

    EMPTY = "empty"
    SCRIPT = "script"
    IGNITION = "ignition"
    CLOUD_CONFIG = "cloud-config"
    UNRECOGNIZED = "unrecognized"


HEADER_MESSAGE = 'must be "#cloud-config" or begin with "#!"'


@record
class Note:
    """Something the reference accepts silently that the user should know about."""

    path: Path | None
    pos: Pos | None
    message: str


@record
class Positions:
    """Where each YAML path of a document starts: its key, and its value."""

    keys: dict[Path, Pos] = field(default_factory=dict)
    values: dict[Path, Pos] = field(default_factory=dict)

    def key(self, path: Path) -> Pos | None:
        return self._nearest(self.keys, path)

    def value(self, path: Path) -> Pos | None:
        return self._nearest(self.values, path)

    @staticmethod
    def _nearest(table: dict[Path, Pos], path: Path) -> Pos | None:
        for n in range(len(path), -1, -1):
            pos = table.get(path[:n])
            if pos is not None:
                return pos
        return None


@record
class Analysis:
    """One cloud-config document, read and checked as the reference does."""

    findings: tuple[Finding, ...]
    crash: str | None = None  # the reference's validator aborts with this error
    strong: SVal | None = None  # the typed document (None after a YAML error)
    positions: Positions = field(default_factory=Positions)
    notes: tuple[Note, ...] = ()

    @property
    def yaml_failed(self) -> bool:
        return self.strong is None


def analyse(data: bytes) -> Analysis:
    """Decode and check one cloud-config document (the header line is not checked here)."""
    text = data.decode("utf-8", "surrogateescape")
    try:
        doc = compose(data)
        root, dups = decode.weak_tree(doc, text)
        strong = typed.strong_tree(doc)
    except YamlError as exc:
        return _yaml_failure(exc.message, exc.go_line, (exc.line, exc.column))
    except decode.DecodeError as exc:
        return _yaml_failure(exc.message, 1, exc.pos)
    positions = _positions(root)
    notes = [
        Note(
            d.path,
            d.pos,
            f"duplicate key: only this last value is used (the first is at line {d.first[0]})",
        )
        for d in dups
    ]
    if doc.more_documents:
        notes.append(
            Note(None, None, "only the first YAML document is used; the others are ignored")
        )
    merged = typed.coerce(root, strong)
    findings, crash = rules.check(merged)
    return Analysis(tuple(findings), crash, strong, positions, tuple(notes))


def _yaml_failure(message: str, go_line: int, pos: Pos) -> Analysis:
    return Analysis(
        (
            Finding(Severity.ERROR, Code.YAML, message, go_line, None, pos),
            # The reference then checks an empty tree against its structs and warns about it.
            Finding(Severity.WARNING, Code.ROOT_TYPE, 'incorrect type for "" (want struct)', 0),
        )
    )


def _positions(root: decode.WNode) -> Positions:
    keys: dict[Path, Pos] = {}
    values: dict[Path, Pos] = {}
    stack = [root]
    while stack:
        n = stack.pop()
        keys[n.path] = n.key_pos
        values[n.path] = n.pos
        stack.extend(n.children)
    return Positions(keys, values)


# ----------------------------------------------------------------------------- user data


def go_gunzip(raw: bytes) -> tuple[bytes | None, str | None]:
    """coreos-cloudinit's ``decompressIfGzip``: (data, error). A bad header gives no data; a
    stream that breaks later gives what was decompressed before the break (a bad checksum
    keeps all of it), with the error, as Go's reader does. Members are concatenated."""
    if raw[:2] != b"\x1f\x8b":
        return raw, None
    limit = limits.config_size()
    out = bytearray()
    rest = raw
    while True:
        n = rules.gzip_header_len(rest)
        if n is None:
            return (bytes(out) if out else None), "gzip: invalid header"
        d = zlib.decompressobj(-zlib.MAX_WBITS)
        member = bytearray()
        body = rest[n:]
        try:
            for i in range(0, len(body), 4096):  # in pieces: keep what precedes an error
                # never 0, which zlib reads as "no limit": one byte past the limit tells
                room = limit + 1 - len(out) - len(member)
                member += d.decompress(body[i : i + 4096], room)
                if d.unconsumed_tail or len(out) + len(member) > limit:
                    return bytes(out + member), "gzip: data too large"
                if d.eof:
                    break
        except zlib.error:
            return bytes(out + member), "flate: corrupt input"
        out += member
        if not d.eof:
            return bytes(out), "unexpected EOF"
        tail = d.unused_data + body[i + 4096 :] if body else b""
        if len(tail) < 8:
            return bytes(out), "unexpected EOF"
        crc, size = struct.unpack_from("<II", tail)
        if crc != zlib.crc32(member) or size != len(member) & 0xFFFFFFFF:
            return bytes(out), "gzip: invalid checksum"
        rest = tail[8:]
        if not rest:
            return bytes(out), None


def is_script(data: bytes) -> bool:
    return data.startswith(b"#!")


def is_cloud_config(data: bytes) -> bool:
    """The first line, trailing white space removed, is exactly ``#cloud-config``."""
    first = data.split(b"\n", 1)[0].decode("utf-8", "replace")
    return first.rstrip(gofmt.GO_SPACE) == "#cloud-config"


def is_ignition(data: bytes) -> bool:
    """JSON with ``ignitionVersion`` (an integer) or ``ignition.version`` (a string), as Go's
    ``encoding/json`` decodes it into coreos-cloudinit's probe struct (keys match ignoring case;
    a wrong type anywhere in those two fields makes it "not Ignition")."""
    try:
        doc = json.loads(data.decode("utf-8", "replace"), parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return False
    if not isinstance(doc, dict):
        return False
    found = False
    for key, value in doc.items():
        if key.lower() == "ignitionversion":
            if value is None:
                continue
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not -(2**63) <= value < 2**63
            ):
                return False
            found = True
        elif key.lower() == "ignition":
            if value is None:
                continue
            if not isinstance(value, dict):
                return False
            for k2, v2 in value.items():
                if k2.lower() == "version" and v2 is not None:
                    if not isinstance(v2, str):
                        return False
                    found = True
    return found


def _no_constant(name: str) -> object:
    raise ValueError(name)


def kind_of(data: bytes) -> Kind:
    if not data:
        return Kind.EMPTY
    if is_script(data):
        return Kind.SCRIPT
    if is_ignition(data):
        return Kind.IGNITION
    if is_cloud_config(data):
        return Kind.CLOUD_CONFIG
    return Kind.UNRECOGNIZED


@record
class Validation:
    kind: Kind
    analysis: Analysis | None = None
    gunzip_error: str | None = None
    findings: tuple[Finding, ...] = ()

    @property
    def crash(self) -> str | None:
        return self.analysis.crash if self.analysis else None

    @property
    def entries(self) -> list[str]:
        """The reference's report lines (none when its validator crashes)."""
        if self.crash:
            return []
        return [f.entry() for f in self.findings]

    @property
    def exit_code(self) -> int:
        return 1 if self.crash or self.findings else 0


def _document_order(f: Finding) -> tuple[int, int, int]:
    if f.code is Code.ROOT_TYPE:  # the follow-up of a YAML error comes after it
        return (1 << 30, 0, 0)
    line, col = f.pos or (f.ref_line, 0)
    return (line, col, f.ref_line)


def validate(raw: bytes) -> Validation:
    data, gz_error = go_gunzip(raw)
    kind = kind_of(data or b"")
    if kind is Kind.UNRECOGNIZED:
        f = Finding(Severity.ERROR, Code.HEADER, HEADER_MESSAGE, 1, None, (1, 1))
        return Validation(kind, None, gz_error, (f,))
    if kind is not Kind.CLOUD_CONFIG:
        return Validation(kind, None, gz_error)
    assert data is not None
    a = analyse(data)
    ordered = sorted(a.findings, key=_document_order)  # the reference's order is random
    return Validation(kind, a, gz_error, tuple(ordered))
