"""URL and ``data:`` URL parsing with the reference's acceptance rules and error texts.

The reference validates sources with Go's ``net/url`` and the ``vincent-petithory/dataurl``
decoder; the functions here accept and reject the same inputs and reuse their messages.
Used by validation (pure) and by the fetcher at run time. Without regular expressions: the
files stage fetches every ``data:`` URL through here, and ``re`` (with ``enum``) costs each
process that imports it about 10 ms of CPU (docs/initramfs.md).
"""

from __future__ import annotations

from ignition.util.record import record


class URLError(ValueError):
    pass


@record
class ParsedURL:
    scheme: str  # lower-cased
    opaque: str  # for scheme:opaque URLs (data:, arn:)
    host: str  # host[:port]
    path: str  # unescaped
    raw_query: str
    fragment: str

    @property
    def hostname(self) -> str:
        h = self.host
        if h.startswith("["):
            return h[1 : h.index("]")] if "]" in h else h
        return h.rsplit(":", 1)[0] if ":" in h else h

    @property
    def port(self) -> int | None:
        h = self.host
        if h.startswith("["):
            rest = h[h.index("]") + 1 :] if "]" in h else ""
            return int(rest[1:]) if rest.startswith(":") and rest[1:] else None
        if ":" in h:
            p = h.rsplit(":", 1)[1]
            return int(p) if p else None
        return None

    def query(self) -> dict[str, list[str]]:
        """Go's ``url.ParseQuery``: pairs with a ``;`` or a bad escape are skipped."""
        out: dict[str, list[str]] = {}
        for part in self.raw_query.split("&"):
            if not part or ";" in part:
                continue
            k, _, v = part.partition("=")
            try:
                key, value = unquote_strict(k), unquote_strict(v)
            except URLError:
                continue
            out.setdefault(key, []).append(value)
        return out


_HEX = "0123456789ABCDEFabcdef"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SCHEME_CHARS = _LETTERS + "0123456789+.-"
_CONTROLS = [chr(c) for c in (*range(0x20), 0x7F)]
_TOKEN_CHARS = _LETTERS + "0123456789!#$&'*+.^_`|~-"  # RFC 2045's token
# what an HTTP(S) source's headers may hold: names are RFC 9110 tokens; values no control
# character but TAB (CR/LF/NUL would end or smuggle a header)
HTTP_TOKEN = frozenset(_TOKEN_CHARS + "%")
HEADER_VALUE_BREAK = frozenset("\x7f" + "".join(chr(c) for c in range(0x20) if c != 9))


# Escapes are checked by a loop over each "%" (no regular expression to import and compile
# for a usual URL); past this many, one pattern search in C is faster than the loop.
_MANY_ESCAPES = 4096


def _search(pattern: str, s: str) -> int:
    import re

    m = re.search(pattern, s)
    return -1 if m is None else m.start()


def bad_escape(s: str) -> int:
    """Where the first "%" is that starts no valid escape (two hex digits); -1: nowhere."""
    if s.count("%") > _MANY_ESCAPES:
        return _search("%(?![0-9A-Fa-f]{2})", s)
    i = s.find("%")
    while i >= 0:
        if not (len(s) > i + 2 and s[i + 1] in _HEX and s[i + 2] in _HEX):
            return i
        i = s.find("%", i + 3)
    return -1


def _high_escape(s: str) -> bool:
    """Does ``s`` hold a valid escape of a non-ASCII byte (``%80`` to ``%FF``)?"""
    if s.count("%") > _MANY_ESCAPES:
        return _search("%[89A-Fa-f][0-9A-Fa-f]", s) >= 0
    i = s.find("%")
    while i >= 0:
        if len(s) > i + 2 and s[i + 1] in "89ABCDEFabcdef" and s[i + 2] in _HEX:
            return True
        i = s.find("%", i + 1)
    return False


def _has_control(s: str) -> bool:
    """Does ``s`` hold an ASCII control character? (C loops: a ``data:`` URL can be large.)"""
    if s.isascii() and s.isprintable():
        return False
    return any(c in s for c in _CONTROLS)


def _only(s: str, chars: str) -> bool:
    """Is ``s`` not empty and made of ``chars`` alone?"""
    return s != "" and not s.strip(chars)


def unquote_strict(s: str) -> str:
    _check_escapes(s)
    return unescape(s.replace("+", " ")).decode("utf-8", "replace")


def _check_escapes(s: str) -> None:
    i = bad_escape(s)
    if i >= 0:
        raise URLError(f'invalid URL escape "{s[i : i + 3]}"')


def parse_url(raw: str) -> ParsedURL:
    """Parse like Go's ``url.Parse``; raise :class:`URLError` where it returns an error."""
    if _has_control(raw):
        raise URLError("net/url: invalid control character in URL")
    rest, _, fragment = raw.partition("#")
    _check_escapes(fragment)
    scheme = ""
    head, colon, tail = rest.partition(":")
    if colon and _only(head, _SCHEME_CHARS) and head[0] in _LETTERS:
        scheme = head.lower()
        rest = tail
    elif rest.startswith(":"):
        raise URLError("missing protocol scheme")
    if rest.endswith("?") and rest.count("?") == 1:
        rest, raw_query = rest[:-1], ""
    else:
        rest, _, raw_query = rest.partition("?")
    if scheme and not rest.startswith("/"):
        return ParsedURL(scheme, rest, "", "", raw_query, fragment)
    host = ""
    if rest.startswith("//") and (scheme or not rest.startswith("///")):
        authority, slash, path = rest[2:].partition("/")
        path = slash + path
        hostport = authority.rpartition("@")[2]
        _check_host(hostport)
        host = hostport
    else:
        path = rest
        if not scheme and ":" in path.split("/", 1)[0]:
            raise URLError("first path segment in URL cannot contain colon")
    _check_escapes(path)
    return ParsedURL(scheme, "", host, unescape(path).decode("utf-8", "replace"),
                     raw_query, fragment)  # fmt: skip


def _check_host(hostport: str) -> None:
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise URLError("missing ']' in host")
        port = hostport[end + 1 :]
        if port and (not port.startswith(":") or (not port[1:].isdigit() and port != ":")):
            raise URLError(f'invalid port "{port}" after host')
        return
    host, colon, port = hostport.rpartition(":")
    if colon and port and not port.isdigit():
        raise URLError(f'invalid port ":{port}" after host')
    name = host if colon else hostport
    for ch in name:
        if ch in ' "<>\\^`{|}':
            raise URLError(f'invalid character "{ch}" in host name')
    _check_escapes(name)


# ----------------------------------------------------------------------------- data: URLs


@record
class DataURL:
    media_type: str
    params: dict[str, str]
    is_base64: bool
    data: bytes


def decode_data_url(raw: str) -> DataURL:
    """RFC 2397 ``data:`` URL, with the reference decoder's error messages."""
    if not raw[:5].lower() == "data:":
        raise URLError("missing data prefix")
    media, params, is_b64 = "text/plain", {"charset": "US-ASCII"}, False
    # by offsets: the body may be most of a 64 MiB config, and each slice of it is a copy
    end = raw.find(",", 5)
    comma = end >= 0
    head = raw[5:end] if comma else raw[5:]
    body = raw[end + 1 :] if comma else ""
    if head:
        parts = head.split(";")
        first = parts[0]
        if first:
            if "/" not in first:
                raise URLError("missing media type slash")
            typ, _, sub = first.partition("/")
            if not _only(typ, _TOKEN_CHARS) or not _only(sub, _TOKEN_CHARS):
                raise URLError("invalid media type")
            media, params = first.lower(), {}
        for p in parts[1:]:
            if p.lower() == "base64" and p is parts[-1]:
                is_b64 = True
                continue
            k, eq, v = p.partition("=")
            if not eq:
                raise URLError("unterminated parameter sequence")
            if not _only(k, _TOKEN_CHARS):
                raise URLError("invalid parameter name")
            params[k.lower()] = v
    if not comma:
        raise URLError("unterminated parameter sequence" if head else "missing comma")
    if is_b64:
        return DataURL(media, params, True, _base64(_base64_text(body)))
    try:
        data = unescape(body)  # which checks every escape (in C)
    except ValueError:
        i = bad_escape(body)
        if i < 0:
            raise
        bad = body[i + 1 : i + 2] or "%"
        raise URLError(f"rfc2396: invalid char 0x{ord(bad[0]):x} in unescape sequence") from None
    return DataURL(media, params, False, data)


def _base64(text: str) -> bytes:
    """``base64.b64decode(text, validate=True)`` of ``text`` with its padding made right, in
    its words (the module itself would import ``re``). The text is decoded as it is (the C
    decoder takes ASCII text) unless its padding needs changing: no copy of a large body."""
    import binascii

    n = len(text)
    k = 0  # trailing "="
    while k < 3 and k < n and text[n - 1 - k] == "=":
        k += 1
    if k == 3:
        k = n - len(text.rstrip("="))
    pad = -(n - k) % 4
    if k != pad:
        text = text[: n - k] + "=" * pad
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except ValueError as exc:  # non-ASCII text too, in the same words as b64decode's
        why = str(exc)
    raise URLError(f"illegal base64 data: {why}")


def _base64_text(body: str) -> str:
    """The text ``unquote_to_bytes`` makes of a base64 body (as latin-1), or, past a bad
    escape, as much of it as decides the decoder's error: a bad escape stays a "%", where the
    decoder stops; of what follows only whether it holds a non-ASCII character matters (the
    decoder checks that first). Without a "%", the body itself."""
    if "%" not in body:
        return body
    try:
        return unescape(body).decode("latin-1")
    except ValueError:
        i = bad_escape(body)
        if i < 0:
            raise
    rest = body[i + 1 :]
    high = not rest.isascii() or _high_escape(rest)
    return unescape(body[:i]).decode("latin-1") + "%" + ("\x80" if high else "")


def unescape(text: str) -> bytes:
    """``urllib.parse.unquote_to_bytes`` for text whose every ``%`` starts a valid escape,
    in C loops: each ``%XY`` becomes ``\\xXY`` (every backslash doubled first) for the codec
    that undoes Python's byte escapes. The library's loop costs a Python object per escape,
    about 80 times the input in memory and a second per few MiB, for a config that is one
    large percent-encoded ``data:`` URL. A ``%`` that starts no valid escape is a
    ``ValueError`` (the codec's)."""
    import codecs

    from ignition.util.utf8 import to_bytes

    raw = to_bytes(text)
    if b"%" not in raw:
        return raw
    escaped = raw.replace(b"\\", b"\\\\").replace(b"%", b"\\x")
    del raw  # each copy is as large as the input: not kept while decoding
    return codecs.escape_decode(escaped)[0]
