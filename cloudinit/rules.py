"""The reference validator's rules (coreos-cloudinit ``config/validate/rules.go``), in its order.

Each rule walks the coerced tree (:func:`cloudinit.typed.coerce`) against the struct tables
and yields :class:`Finding` objects: the reference's kind, message and printed line, plus the
true position and path. Where the reference's validator crashes (a null, list or mapping given
to a key whose value it checks with a regular expression: Go panics comparing such values), the
crash is reported instead, as the reference then prints no entries at all.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from enum import StrEnum

from cloudinit.decode import Pos, WNode
from cloudinit.goyaml import GoKind, go_base64
from cloudinit.schema import Field, FieldType, field_map
from cloudinit.typed import compatible
from ignition.config import gofmt
from ignition.config.report import Path, Severity
from ignition.config.rules.common import go_clean
from ignition.config.urls import URLError, parse_url
from ignition.util.record import record


class Code(StrEnum):
    HEADER = "header"
    YAML = "yaml"
    ROOT_TYPE = "root-type"  # the reference's spurious entry after a YAML error
    DISCOVERY = "discovery"
    ENCODING = "encoding"
    UNKNOWN_KEY = "unknown-key"
    DEPRECATED = "deprecated"
    TYPE = "type"
    INVALID_VALUE = "invalid-value"
    READ_ONLY = "read-only"
    UNDER_COREOS = "under-coreos"


@record
class Finding:
    severity: Severity
    code: Code
    message: str
    ref_line: int  # the line the reference prints
    path: Path | None = None
    pos: Pos | None = None  # the true position (line, column), 1-based
    kind: GoKind | None = None  # for TYPE: the kind that was found

    def entry(self) -> str:
        """The reference's report line."""
        return f"line {self.ref_line}: {self.severity}: {self.message}"


@record
class Guide:
    kind: GoKind
    human: str
    struct: str = ""
    elem: Guide | None = None


_SCALAR_GUIDES = {
    FieldType.STRING: Guide(GoKind.STRING, "string"),
    FieldType.BOOL: Guide(GoKind.BOOL, "bool"),
    FieldType.INT: Guide(GoKind.INT, "int"),
    FieldType.FLOAT: Guide(GoKind.FLOAT, "float64"),
}


def guide(f: Field) -> Guide:
    if f.type in _SCALAR_GUIDES:
        return _SCALAR_GUIDES[f.type]
    if f.type is FieldType.STRING_LIST:
        return Guide(GoKind.SLICE, "[]string", elem=_SCALAR_GUIDES[FieldType.STRING])
    if f.type is FieldType.STRUCT:
        return Guide(GoKind.STRUCT, "struct", f.struct)
    return Guide(GoKind.SLICE, "[]struct", elem=Guide(GoKind.STRUCT, "struct", f.struct))


ROOT = Guide(GoKind.STRUCT, "struct", "CloudConfig")


def check(root: WNode) -> tuple[list[Finding], str | None]:
    """Every rule, in the reference's order, and the error the reference crashes with (then
    it prints none of these findings; we still report them all)."""
    crashes: list[str] = []
    out = list(_discovery(root))
    out += _encoding(root)
    out += _structure(root, ROOT)
    out += _validity(root, ROOT, None, crashes)
    out += _write_files(root)
    out += _under_coreos(root)
    return out, (crashes[0] if crashes else None)


def _valid(n: WNode | None) -> bool:
    return n is not None and n.kind is not GoKind.INVALID


def _discovery(root: WNode) -> Iterator[Finding]:
    coreos = root.child("coreos")
    etcd = coreos.child("etcd") if coreos else None
    c = etcd.child("discovery") if etcd else None
    if c is not None and _valid(c) and not request_uri_ok(c.go_string()):
        yield Finding(
            Severity.WARNING,
            Code.DISCOVERY,
            "discovery URL is not valid",
            c.ref_line,
            c.path,
            c.pos,
        )


def _encoding(root: WNode) -> Iterator[Finding]:
    wf = root.child("write_files")
    for f in wf.children if wf else ():
        e = f.child("encoding")
        if e is None or not _valid(e):
            continue
        c = f.child("content")
        content = c.go_string() if c is not None else "<invalid Value>"
        if not content_decodes(content, e.go_string()):
            where = c if c is not None else e
            yield Finding(
                Severity.ERROR,
                Code.ENCODING,
                f"content cannot be decoded as {gofmt.quote(e.go_string())}",
                c.ref_line if c is not None else 0,
                (*f.path, "content"),
                where.pos,
            )


def _structure(n: WNode, g: Guide) -> Iterator[Finding]:
    if not compatible(n.kind, g.kind):
        yield Finding(
            Severity.WARNING,
            Code.TYPE,
            f"incorrect type for {gofmt.quote(n.name)} (want {g.human})",
            n.ref_line,
            n.path,
            n.pos,
            n.kind,
        )
        return
    if g.kind is GoKind.STRUCT:
        known = field_map(g.struct)
        for c in n.children:
            f = known.get(c.name)
            if f is None:
                yield Finding(
                    Severity.WARNING,
                    Code.UNKNOWN_KEY,
                    f"unrecognized key {gofmt.quote(c.name)}",
                    c.ref_line,
                    c.path,
                    c.key_pos,
                )
                continue
            if f.deprecated:
                yield Finding(
                    Severity.WARNING,
                    Code.DEPRECATED,
                    f"deprecated key {gofmt.quote(c.name)} ({f.deprecated})",
                    c.ref_line,
                    c.path,
                    c.key_pos,
                )
            yield from _structure(c, guide(f))
    elif g.kind is GoKind.SLICE:
        assert g.elem is not None
        for c in n.children:
            yield from _structure(c, g.elem)


_PANICS = {
    GoKind.INVALID: "reflect: call of reflect.Value.Interface on zero Value",
    GoKind.MAP: "runtime error: comparing uncomparable type map[interface {}]interface {}",
    GoKind.SLICE: "runtime error: comparing uncomparable type []interface {}",
}


def _validity(n: WNode, g: Guide, f: Field | None, crashes: list[str]) -> Iterator[Finding]:
    pattern = f.valid_re if f is not None else None
    if pattern is not None:
        if n.kind in _PANICS:
            # Go compares the value with its zero value: a panic for these kinds. The type
            # mismatch itself is already a finding of the structure rule.
            crashes.append(_PANICS[n.kind])
        elif n.value not in ("", 0, False):  # zero values are valid
            text = gofmt.format_value(n.value)
            if not pattern.search(text):
                yield Finding(
                    Severity.ERROR,
                    Code.INVALID_VALUE,
                    f"invalid value {text}",
                    n.ref_line,
                    n.path,
                    n.pos,
                )
    if g.kind is GoKind.STRUCT:
        known = field_map(g.struct)
        for c in n.children:
            cf = known.get(c.name)
            if cf is not None:
                yield from _validity(c, guide(cf), cf, crashes)
    elif g.kind is GoKind.SLICE:
        assert g.elem is not None
        for c in n.children:
            yield from _validity(c, g.elem, None, crashes)


def _write_files(root: WNode) -> Iterator[Finding]:
    wf = root.child("write_files")
    for f in wf.children if wf else ():
        c = f.child("path")
        if c is None or not _valid(c):
            continue
        if go_dir(c.go_string()).startswith("/usr"):
            yield Finding(
                Severity.ERROR,
                Code.READ_ONLY,
                "file cannot be written to a read-only filesystem",
                c.ref_line,
                c.path,
                c.pos,
            )


def _under_coreos(root: WNode) -> Iterator[Finding]:
    coreos = root.child("coreos")
    c = coreos.child("write_files") if coreos else None
    if c is not None and _valid(c):
        yield Finding(
            Severity.INFO,
            Code.UNDER_COREOS,
            "write_files doesn't belong under coreos",
            c.ref_line,
            c.path,
            c.key_pos,
        )


# ------------------------------------------------------------------------- value helpers


def go_dir(p: str) -> str:
    """Go's ``path.Dir``."""
    return go_clean(p[: p.rfind("/") + 1])


def content_decodes(content: str, encoding: str) -> bool:
    """Does ``config.DecodeContent`` accept it? Like the reference, a gzip stream counts as
    decodable once its header reads (the reference never looks at the compressed data)."""
    data = content.encode("utf-8", "surrogateescape")
    if encoding == "":
        return True
    try:
        if encoding in ("b64", "base64"):
            go_base64(content)
            return True
        if encoding in ("gz", "gzip"):
            return gzip_header_ok(data)
        if encoding in ("gz+base64", "gzip+base64", "gz+b64", "gzip+b64"):
            return gzip_header_ok(go_base64(content))
    except ValueError:
        return False
    return False


def gzip_header_ok(data: bytes) -> bool:
    """Go's ``gzip.NewReader``: magic, deflate method, optional fields, header CRC."""
    return gzip_header_len(data) is not None


def gzip_header_len(data: bytes) -> int | None:
    """The length of a gzip member header Go accepts, or None."""
    if len(data) < 10 or data[0] != 0x1F or data[1] != 0x8B or data[2] != 8:
        return None
    flg, i = data[3], 10
    if flg & 0x04:  # FEXTRA
        if len(data) < i + 2:
            return None
        i += 2 + struct.unpack_from("<H", data, i)[0]
        if len(data) < i:
            return None
    for bit in (0x08, 0x10):  # FNAME, FCOMMENT: zero-terminated
        if flg & bit:
            end = data.find(b"\0", i)
            if end < 0:
                return None
            i = end + 1
    if flg & 0x02:  # FHCRC: the low 16 bits of the CRC-32 of the first 10 header bytes
        if len(data) < i + 2:
            return None
        stored: int = struct.unpack_from("<H", data, i)[0]
        if stored != zlib.crc32(data[:10]) & 0xFFFF:
            return None
        i += 2
    return i


_ESCAPES = re.compile(r"%(?![0-9A-Fa-f]{2})")


def request_uri_ok(raw: str) -> bool:
    """Go's ``url.ParseRequestURI``: an absolute URL or an absolute path; no fragment split."""
    if raw == "":
        return False
    if raw == "*":
        return True
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in raw):
        return False
    m = re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", raw)
    if m is None:
        if raw.startswith(":"):
            return False
        path = raw.partition("?")[0]
        return path.startswith("/") and not _ESCAPES.search(path)
    try:
        parse_url(raw.replace("#", "%23"))
    except URLError:
        return False
    return True
