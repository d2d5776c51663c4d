"""URL and ``data:`` URL parsing with the reference's acceptance rules and error texts.

The reference validates sources with Go's ``net/url`` and the ``vincent-petithory/dataurl``
decoder; the functions here accept and reject the same inputs and reuse their messages.
Used by validation (pure) and by the fetcher at run time.
"""

from __future__ import annotations

import re

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


_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")  # a "%" that starts no valid escape
_HIGH_ESCAPE = re.compile(r"%[89A-Fa-f][0-9A-Fa-f]")  # a valid escape of a non-ASCII byte
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


def unquote_strict(s: str) -> str:
    _check_escapes(s)
    return unescape(s.replace("+", " ")).decode("utf-8", "replace")


def _check_escapes(s: str) -> None:
    m = _BAD_ESCAPE.search(s)
    if m is not None:
        raise URLError(f'invalid URL escape "{s[m.start() : m.start() + 3]}"')


def parse_url(raw: str) -> ParsedURL:
    """Parse like Go's ``url.Parse``; raise :class:`URLError` where it returns an error."""
    if _CONTROL.search(raw):
        raise URLError("net/url: invalid control character in URL")
    rest, _, fragment = raw.partition("#")
    _check_escapes(fragment)
    scheme = ""
    m = _SCHEME.match(rest)
    if m and rest[m.end() : m.end() + 1] == ":":
        scheme = m.group().lower()
        rest = rest[m.end() + 1 :]
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

_TOKEN = re.compile(r"[!#$&'*+.^_`|~0-9A-Za-z-]+")


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
    rest = raw[5:]
    media, params, is_b64 = "text/plain", {"charset": "US-ASCII"}, False
    head, comma, body = rest.partition(",")
    if head:
        parts = head.split(";")
        first = parts[0]
        if first:
            if "/" not in first:
                raise URLError("missing media type slash")
            typ, _, sub = first.partition("/")
            if not _TOKEN.fullmatch(typ) or not _TOKEN.fullmatch(sub):
                raise URLError("invalid media type")
            media, params = first.lower(), {}
        for p in parts[1:]:
            if p.lower() == "base64" and p is parts[-1]:
                is_b64 = True
                continue
            k, eq, v = p.partition("=")
            if not eq:
                raise URLError("unterminated parameter sequence")
            if not _TOKEN.fullmatch(k):
                raise URLError("invalid parameter name")
            params[k.lower()] = v
    if not comma:
        raise URLError("unterminated parameter sequence" if head else "missing comma")
    if is_b64:
        import base64  # only here: most data: URLs in a first boot's config are not base64

        text = _base64_text(body)
        try:
            data = base64.b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4),
                                    validate=True)  # fmt: skip
        except ValueError as exc:
            raise URLError(f"illegal base64 data: {exc}") from None
        return DataURL(media, params, True, data)
    bad_escape = _BAD_ESCAPE.search(body)
    if bad_escape is not None:
        bad = body[bad_escape.start() + 1 : bad_escape.start() + 2] or "%"
        raise URLError(f"rfc2396: invalid char 0x{ord(bad[0]):x} in unescape sequence")
    return DataURL(media, params, False, unescape(body))


def _base64_text(body: str) -> str:
    """The text ``unquote_to_bytes`` makes of a base64 body (as latin-1), or, past a bad
    escape, as much of it as decides the decoder's error: a bad escape stays a "%", where the
    decoder stops; of what follows only whether it holds a non-ASCII character matters (the
    decoder checks that first)."""
    bad = _BAD_ESCAPE.search(body)
    if bad is None:
        return unescape(body).decode("latin-1")
    rest = body[bad.end() :]
    high = not rest.isascii() or _HIGH_ESCAPE.search(rest) is not None
    return unescape(body[: bad.start()]).decode("latin-1") + "%" + ("\x80" if high else "")


def unescape(text: str) -> bytes:
    """``urllib.parse.unquote_to_bytes`` for text whose every ``%`` starts a valid escape,
    in C loops: each ``%XY`` becomes ``\\xXY`` (every backslash doubled first) for the codec
    that undoes Python's byte escapes. The library's loop costs a Python object per escape,
    about 80 times the input in memory and a second per few MiB, for a config that is one
    large percent-encoded ``data:`` URL."""
    import codecs

    raw = text.encode("utf-8")
    if b"%" not in raw:
        return raw
    return codecs.escape_decode(raw.replace(b"\\", b"\\\\").replace(b"%", b"\\x"))[0]
