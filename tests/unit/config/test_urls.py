"""``ignition.config.urls``: Go-compatible URL and ``data:`` URL parsing (used by the rules and the
fetcher)."""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ignition.config.urls import DataURL, ParsedURL, URLError, decode_data_url, parse_url, unescape

SCALE = max(1, int(os.environ.get("PYIGNITION_FUZZ_SCALE", "1")))


def test_parse_url_parts() -> None:
    u = parse_url("HTTPS://user:pw@Host.example:8443/a%20b/c?x=1&x=2&z=a+b#frag")
    assert u == ParsedURL("https", "", "Host.example:8443", "/a b/c", "x=1&x=2&z=a+b", "frag")
    assert (u.hostname, u.port) == ("Host.example", 8443)
    assert u.query() == {"x": ["1", "2"], "z": ["a b"]}


@pytest.mark.parametrize(
    ("raw", "host", "hostname", "port"),
    [
        ("http://h", "h", "h", None),
        ("http://h:/p", "h:", "h", None),
        ("http://[::1]:8080/p", "[::1]:8080", "::1", 8080),
        ("http://[fe80::1]/p", "[fe80::1]", "fe80::1", None),
        ("tftp://10.0.0.1:69/f", "10.0.0.1:69", "10.0.0.1", 69),
    ],
)
def test_hosts_and_ports(raw: str, host: str, hostname: str, port: int | None) -> None:
    u = parse_url(raw)
    assert (u.host, u.hostname, u.port) == (host, hostname, port)


def test_opaque_and_relative() -> None:
    assert parse_url("arn:aws:s3:::b/k") == ParsedURL("arn", "aws:s3:::b/k", "", "", "", "")
    assert parse_url("data:,x?y") == ParsedURL("data", ",x", "", "", "y", "")
    assert parse_url("/etc/motd") == ParsedURL("", "", "", "/etc/motd", "", "")
    assert parse_url("") == ParsedURL("", "", "", "", "", "")


def test_query_like_go() -> None:
    # Go >= 1.17 skips pairs with ";" and pairs with bad escapes (the key too)
    u = parse_url("s3://b/k?versionId=%zz&a=1;b=2&c=3&&d")
    assert u.query() == {"c": ["3"], "d": [""]}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("http://h/\n", "net/url: invalid control character in URL"),
        ("http://h/\x7f", "net/url: invalid control character in URL"),
        ("://h", "missing protocol scheme"),
        ("a:b/c:d", None),
        ("1http://h", "first path segment in URL cannot contain colon"),
        ("http://h:8x/", 'invalid port ":8x" after host'),
        ("http://[::1]x/", 'invalid port "x" after host'),
        ("http://[::1/", "missing ']' in host"),
        ("http://a b/", 'invalid character " " in host name'),
        ("http://h/%g0", 'invalid URL escape "%g0"'),
        ("http://h/#%", 'invalid URL escape "%"'),
    ],
)
def test_parse_errors(raw: str, message: str | None) -> None:
    if message is None:
        parse_url(raw)
        return
    with pytest.raises(URLError) as exc:
        parse_url(raw)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "data:,hello%20world",
            DataURL("text/plain", {"charset": "US-ASCII"}, False, b"hello world"),
        ),
        ("DATA:,x", DataURL("text/plain", {"charset": "US-ASCII"}, False, b"x")),
        (
            "data:text/plain;charset=UTF-8,%C3%A9",
            DataURL("text/plain", {"charset": "UTF-8"}, False, "é".encode()),
        ),
        ("data:;base64,aGk=", DataURL("text/plain", {"charset": "US-ASCII"}, True, b"hi")),
        ("data:Image/PNG;base64,aGk", DataURL("image/png", {}, True, b"hi")),
        ("data:a/b;Q=1;base64,", DataURL("a/b", {"q": "1"}, True, b"")),
        ("data:,", DataURL("text/plain", {"charset": "US-ASCII"}, False, b"")),
    ],
)
def test_data_urls(raw: str, expected: DataURL) -> None:
    assert decode_data_url(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("http://x", "missing data prefix"),
        ("data:", "missing comma"),
        ("data:text/plain", "unterminated parameter sequence"),
        ("data:text,x", "missing media type slash"),
        ("data:te@t/plain,x", "invalid media type"),
        ("data:a/b;c,x", "unterminated parameter sequence"),
        ("data:a/b;c@=d,x", "invalid parameter name"),
        ("data:,%4", "rfc2396: invalid char 0x34 in unescape sequence"),
        ("data:,%", "rfc2396: invalid char 0x25 in unescape sequence"),
    ],
)
def test_data_url_errors(raw: str, message: str) -> None:
    with pytest.raises(URLError) as exc:
        decode_data_url(raw)
    assert str(exc.value) == message


def test_data_url_bad_base64() -> None:
    with pytest.raises(URLError, match=r"^illegal base64 data: "):
        decode_data_url("data:;base64,a$b=")


@given(
    st.text(alphabet=st.sampled_from(list("%%%48AaFfg0\\xé\n/+=")) | st.characters(), max_size=40)
)
@example("%\x80")  # a bad escape, then a non-ASCII character: the decoder's ASCII error
@example("QQ%%c3")  # a bad escape, then a valid escape of a non-ASCII byte
@example("a=b%zz")  # the decoder's error comes before the bad escape
@example("\\x41%5C%5cx41%25+%2B\\")  # backslashes and escapes of them stay literal bytes
@example("%e2%82%ACé")
@settings(max_examples=300 * SCALE, deadline=None)
def test_unescaping_agrees_with_the_library(text: str) -> None:
    """The C-loop unescaping gives what ``unquote_to_bytes`` gives, for every text the
    checks let through, and the same verdicts for data: URLs."""
    from urllib.parse import unquote_to_bytes

    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return  # lone surrogates: JSON decoding never hands them over
    bad = "%" in text and re.search("%(?![0-9A-Fa-f]{2})", text) is not None
    if not bad:
        assert unescape(text) == unquote_to_bytes(text)
    for prefix in ("data:,", "data:;base64,"):
        try:
            got: object = decode_data_url(prefix + text).data
        except URLError as exc:
            got = str(exc)
        try:
            want: object = _reference_decode(prefix + text)
        except URLError as exc:
            want = str(exc)
        assert got == want


def _reference_decode(raw: str) -> bytes:
    """The decoding as it was written with ``unquote_to_bytes`` (before the C loops)."""
    import base64
    from urllib.parse import unquote_to_bytes

    body = raw.partition(",")[2]
    if raw.startswith("data:;base64,"):
        text = unquote_to_bytes(body).decode("latin-1")
        try:
            return base64.b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4),
                                    validate=True)  # fmt: skip
        except ValueError as exc:
            raise URLError(f"illegal base64 data: {exc}") from None
    i = body.find("%")
    while i != -1:
        if not re.match("%[0-9A-Fa-f]{2}", body[i:]):
            bad = body[i + 1 : i + 2] or body[i]
            raise URLError(f"rfc2396: invalid char 0x{ord(bad[0]):x} in unescape sequence")
        i = body.find("%", i + 3)
    return unquote_to_bytes(body)


URLISH = st.text(
    alphabet=st.sampled_from(list("%%%89AaFfgZz0+.-:/#?@[]!*~\x00\x1f\x7f é")) | st.characters(),
    max_size=30,
)


@given(URLISH)
@example("%%8A")  # an escape right after a bad "%"
@example("%41%")  # a bad "%" right after an escape
@example("%0A%7f")  # escapes of ASCII bytes
@example("a:b:c")
@example("1a:b")
@settings(max_examples=300 * SCALE, deadline=None)
def test_the_checks_without_regular_expressions_are_the_patterns(text: str) -> None:
    """The string-method checks ``urls`` uses (``re`` is not imported in a stage process)
    decide as the patterns of the reference's grammar do."""
    from ignition.config import urls

    m = re.search("%(?![0-9A-Fa-f]{2})", text)
    assert urls.bad_escape(text) == (m.start() if m else -1)
    high = re.search("%[89A-Fa-f][0-9A-Fa-f]", text) is not None
    assert urls._high_escape(text) == high
    token = re.fullmatch(r"[!#$&'*+.^_`|~0-9A-Za-z-]+", text) is not None
    assert urls._only(text, urls._TOKEN_CHARS) == token
    try:
        got: object = parse_url(text)
    except URLError as exc:
        got = str(exc)
    if re.search("[\x00-\x1f\x7f]", text):
        assert got == "net/url: invalid control character in URL"
        return
    rest = text.partition("#")[0]
    scheme = re.match("[A-Za-z][A-Za-z0-9+.-]*", rest)
    if isinstance(got, ParsedURL):
        if scheme and rest[scheme.end() : scheme.end() + 1] == ":":
            assert got.scheme == scheme.group().lower()
        else:
            assert got.scheme == ""
    elif rest.startswith(":"):
        assert got == "missing protocol scheme"


def test_many_escapes_are_checked_by_one_search() -> None:
    from ignition.config import urls

    many = "%41" * (urls._MANY_ESCAPES + 1)
    assert urls.bad_escape(many) == -1
    assert urls.bad_escape(many + "%4") == len(many)
    assert urls.bad_escape(many.replace("%41", "%4g", 1)) == 0
    assert not urls._high_escape(many)
    assert urls._high_escape(many + "%8a")


def test_lone_surrogates_are_a_url_not_an_exception() -> None:
    """A decoder that lets a lone ``\\ud800`` through (the config layers turn it into U+FFFD
    first) still gets a parsed URL, not a UnicodeEncodeError."""
    from ignition.config import urls

    got = parse_url("http://h/a\ud800%41")
    assert got.path == "/a\ufffd\ufffd\ufffdA"
    assert urls.unescape("\udcff%41") == b"\xffA"  # surrogateescape bytes come back


@given(st.text(alphabet=st.sampled_from(list("QUFBYWJj+/=é% ")), max_size=24))
@settings(max_examples=300 * SCALE, deadline=None)
def test_base64_bodies_decode_as_the_library_does(body: str) -> None:
    """The decoder takes the body as it is unless its padding needs changing: the same bytes
    or the same error as ``b64decode`` of the body with its padding made right."""
    import base64
    import binascii

    from ignition.config import urls

    stripped = body.rstrip("=")
    try:
        want: object = base64.b64decode(stripped + "=" * (-len(stripped) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        want = f"illegal base64 data: {exc}"
    try:
        got: object = urls._base64(body)
    except URLError as exc:
        got = str(exc)
    assert got == want
