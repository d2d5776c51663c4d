"""URL and ``data:`` URL parsing with the reference's acceptance rules and error texts.

The reference validates sources with Go's ``net/url`` and the ``vincent-petithory/dataurl``
decoder; the functions here accept and reject the same inputs and reuse their messages.
Used by validation (pure) and by the fetcher at run time.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from ignition.record import record


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


_ESCAPE_OK = re.compile(r"%[0-9A-Fa-f]{2}")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


def unquote_strict(s: str) -> str:
    if "%" in s and len(_ESCAPE_OK.findall(s)) != s.count("%"):
        bad = s[s.index("%") :][:3]
        raise URLError(f'invalid URL escape "{bad}"')
    return unquote_to_bytes(s.replace("+", " ")).decode("utf-8", "replace")


def _check_escapes(s: str) -> None:
    i = s.find("%")
    while i != -1:
        if not _ESCAPE_OK.match(s, i):
            raise URLError(f'invalid URL escape "{s[i : i + 3]}"')
        i = s.find("%", i + 3)


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
    return ParsedURL(scheme, "", host, unquote_to_bytes(path).decode("utf-8", "replace"),
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

        text = unquote_to_bytes(body).decode("latin-1")
        try:
            data = base64.b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4),
                                    validate=True)  # fmt: skip
        except ValueError as exc:
            raise URLError(f"illegal base64 data: {exc}") from None
        return DataURL(media, params, True, data)
    i = body.find("%")
    while i != -1:
        if not _ESCAPE_OK.match(body, i):
            bad = body[i + 1 : i + 2] or body[i]
            raise URLError(f"rfc2396: invalid char 0x{ord(bad[0]):x} in unescape sequence")
        i = body.find("%", i + 3)
    return DataURL(media, params, False, unquote_to_bytes(body))
