"""HTTP(S) with the reference's contract:

- default headers on every request (``Accept: application/vnd.coreos.ignition+json;...``,
  ``Accept-Encoding: identity``, ``User-Agent: Ignition/<version>``); a config header of the
  same name replaces the default;
- 200/204 succeed; 404 is :class:`NotFound`; other 4xx fail at once; network errors, header
  timeouts, truncated bodies and 5xx (plus a caller's extra codes) are retried with a backoff
  of 200 ms doubling up to 5 s until ``httpTotal`` expires (forever when it is 0);
- redirects are followed without the config-supplied headers (at most 10: deviation E6), and only
  to http or https: any other scheme ends the fetch at once;
- ``httpResponseHeaders`` bounds the whole wait for headers and ``httpTotal`` the whole
  request, body included, even when bytes trickle in (:mod:`ignition.fetch.guard`); a body is
  bounded in size (:mod:`ignition.fetch.limits`), and a local write error is not retried;
- a header that would break the request (CR, LF, NUL) is refused, naming it, never its value;
- the config's CAs are added to the system roots; proxies as :mod:`ignition.fetch.proxy`.

urllib3 is imported here only, and this module only when an http(s) URL is fetched: a stage
process that fetches nothing never pays for it.
"""

from __future__ import annotations

import http
import ssl
import threading
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error

from ignition import __version__
from ignition.config.urls import HEADER_VALUE_BREAK, HTTP_TOKEN
from ignition.fetch import Cancelled, TimedOut, guard, limits, shown
from ignition.fetch.proxy import ProxySettings
from ignition.fetch.stream import Sink
from ignition.util import redact
from ignition.util.errors import FetchError, NotFound

if TYPE_CHECKING:
    from ignition.util.log import Logger

ACCEPT = "application/vnd.coreos.ignition+json;version=3.6.0, */*;q=0.1"
CONNECT_TIMEOUT = 30.0
FIRST_BACKOFF = 0.2
MAX_BACKOFF = 5.0
MAX_REDIRECTS = 10
CHUNK = 256 * 1024
REDIRECTS = (301, 302, 303, 307, 308)
# RFC 9110 token characters: what a header name may be made of


def default_headers() -> dict[str, str]:
    return {
        "User-Agent": f"Ignition/{__version__}",
        "Accept": ACCEPT,
        "Accept-Encoding": "identity",
    }


def merged_headers(extra: Mapping[str, str]) -> dict[str, str]:
    out = default_headers()
    for name, value in extra.items():
        for k in [k for k in out if k.lower() == name.lower()]:
            del out[k]
        out[name] = wire_value(name, value)
    return out


def wire_value(name: str, value: str) -> str:
    """Refuse a header that would break the request (CR/LF/NUL would even smuggle headers);
    errors name the header, never its value (a token, often). Non-Latin-1 text goes out as
    UTF-8 bytes, as Go sends it."""
    if not name or not HTTP_TOKEN.issuperset(name):
        raise FetchError(f"invalid HTTP header name {shown(name)}: not an HTTP token")
    if not HEADER_VALUE_BREAK.isdisjoint(value):
        raise FetchError(
            f"invalid value for HTTP header {name}: it contains a control character "
            "(CR, LF, NUL...)"
        )
    return value.encode("utf-8", "replace").decode("latin-1")


class _Retry(Exception):
    """An attempt failed in a way the reference retries."""


class HttpClient:
    """One per fetcher; thread-safe (connection pools are shared by the concurrent fetches)."""

    def __init__(self, *, log: Logger, cas: Sequence[bytes], proxy: ProxySettings) -> None:
        self.log = log
        self.cas = tuple(cas)
        self.proxy = proxy
        self._lock = threading.Lock()
        self._managers: dict[str | None, urllib3.PoolManager] = {}
        self._ssl: ssl.SSLContext | None = None

    def _context(self) -> ssl.SSLContext:
        if self._ssl is None:
            ctx = ssl.create_default_context()
            for i, pem in enumerate(self.cas):
                try:
                    ctx.load_verify_locations(cadata=pem.decode("ascii", "replace"))
                except (ssl.SSLError, ValueError):
                    raise FetchError(
                        f"unable to parse certificate authority {i}: not a PEM certificate bundle"
                    ) from None
            self._ssl = ctx
        return self._ssl

    def _manager(self, proxy: str | None) -> urllib3.PoolManager:
        with self._lock:
            mgr = self._managers.get(proxy)
            if mgr is None:
                kw: dict[str, Any] = {
                    "ssl_context": self._context(),
                    "maxsize": 16,
                    "retries": False,
                }
                mgr = guard.guarded(
                    urllib3.ProxyManager(proxy, **kw)
                    if proxy is not None
                    else urllib3.PoolManager(**kw)
                )
                self._managers[proxy] = mgr
            return mgr

    def fetch(
        self,
        url: str,
        sink: Sink,
        *,
        headers: Mapping[str, str],
        method: str = "GET",
        body: bytes | None = None,
        retry_codes: frozenset[int] = frozenset(),
        total_timeout: float | None,
        header_timeout: float | None,
        cancel: threading.Event | None = None,
        quiet_url: bool = False,
        source_port_max: int | None = None,
    ) -> None:
        """Fetch into ``sink`` with retries; ``sink`` holds the complete body on return."""
        deadline = time.monotonic() + total_timeout if total_timeout else None
        shown = "<url not logged>" if quiet_url else redact.url(url)
        delay = FIRST_BACKOFF
        attempt = 0
        while True:
            attempt += 1
            if cancel is not None and cancel.is_set():
                raise Cancelled("cancelled")
            self.log.info(f"{method} {shown}: attempt #{attempt}")
            try:
                self._attempt(url, sink, headers, method, body, retry_codes,
                              deadline, header_timeout, source_port_max)  # fmt: skip
                return
            except _Retry:
                pass
            if deadline is not None and time.monotonic() + delay >= deadline:
                raise TimedOut("unable to fetch resource in time")
            if cancel is not None:
                if cancel.wait(delay):
                    raise Cancelled("cancelled")
            else:
                time.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF)

    def _attempt(
        self,
        url: str,
        sink: Sink,
        headers: Mapping[str, str],
        method: str,
        body: bytes | None,
        retry_codes: frozenset[int],
        deadline: float | None,
        header_timeout: float | None,
        source_port_max: int | None = None,
    ) -> None:
        current = url
        hdrs = merged_headers(headers)
        for _ in range(MAX_REDIRECTS + 1):
            resp = self._send(
                current, method, body, hdrs, deadline, header_timeout, source_port_max
            )
            conn, read_all = resp.connection, False
            try:
                if resp.status in REDIRECTS and resp.headers.get("Location"):
                    # Go follows the redirect; the reference's hook drops the headers the
                    # config supplied (they may be credentials meant for the first host).
                    current = redirect_target(current, resp.headers["Location"])
                    hdrs = default_headers()
                    if resp.status in (301, 302, 303) and method not in ("GET", "HEAD"):
                        method, body = "GET", None
                    continue
                self._handle(resp, sink, retry_codes, deadline, method)
                read_all = True
                return
            finally:
                guard.release(conn)
                if not read_all:
                    # never drain an unread body to reuse the connection: it may not end
                    resp.close()
                resp.release_conn()
        raise FetchError(f"stopped after {MAX_REDIRECTS} redirects")

    def _send(
        self,
        url: str,
        method: str,
        body: bytes | None,
        headers: Mapping[str, str],
        deadline: float | None,
        header_timeout: float | None,
        source_port_max: int | None = None,
    ) -> urllib3.BaseHTTPResponse:
        parts = urlsplit(url)
        proxy = self.proxy.proxy_for(parts.scheme, parts.hostname or "", parts.port)
        connect: float | None = CONNECT_TIMEOUT
        read = header_timeout or None  # for the whole header phase, not one recv()
        if deadline is not None:
            left = max(deadline - time.monotonic(), 0.001)
            connect = min(CONNECT_TIMEOUT, left)
            read = min(read, left) if read else left
        manager = self._manager(proxy) if not source_port_max else _bound(source_port_max)
        try:
            with guard.header_budget(read):
                return manager.request(
                    method,
                    url,
                    body=body,
                    headers=dict(headers),
                    redirect=False,
                    retries=False,
                    preload_content=False,
                    decode_content=False,
                    timeout=urllib3.Timeout(connect=connect, read=read or limits.IDLE_TIMEOUT),
                )
        except (Urllib3Error, OSError) as exc:
            self.log.info(f"{method} error: {_describe(exc)}")
            verify = _cert_error(exc)
            if verify is not None:
                # the reference retries this forever; a certificate does not fix itself
                raise FetchError(f"TLS certificate verification failed: {verify}") from None
            raise _Retry from None

    def _handle(
        self,
        resp: urllib3.BaseHTTPResponse,
        sink: Sink,
        retry_codes: frozenset[int],
        deadline: float | None,
        method: str,
    ) -> None:
        status = resp.status
        self.log.info(f"{method} result: {_status_text(status)}")
        if status in retry_codes or status >= 500:
            raise _Retry
        if status == 404:
            raise NotFound("resource not found")
        if status not in (200, 204) and not (method != "GET" and 200 <= status < 300):
            raise FetchError(f"failed to fetch resource: {status} {_status_text(status)}")
        sink.reset()
        length = resp.length_remaining
        if length is not None:
            sink.expect(length)  # a declared size past the limit fails before any read
        budget = deadline - time.monotonic() if deadline is not None else None
        with guard.body_phase(resp, budget) as watch:
            try:
                for chunk in resp.stream(CHUNK, decode_content=False):
                    sink.write(chunk)
            except (Urllib3Error, OSError) as exc:
                if watch.expired:
                    raise TimedOut("unable to fetch resource in time") from None
                self.log.info(f"{method} error: body: {_describe(exc)}")
                sink.reset()
                raise _Retry from None
            if watch.expired:  # a body without a length, cut short, looks complete
                raise TimedOut("unable to fetch resource in time")


def _bound(port_max: int) -> urllib3.PoolManager:
    """A one-off pool whose connection binds a random local port in 1..``port_max`` (a new
    port on every attempt, so a port in use only costs one retry)."""
    import random

    port = random.randint(1, port_max)
    return guard.guarded(urllib3.PoolManager(source_address=("", port), retries=False, maxsize=1))


def redirect_target(current: str, location: str) -> str:
    """The URL a redirect leads to; anything but http(s) ends the fetch (a ``file:`` or
    ``data:`` URL would read local data or inject a body; retrying cannot help)."""
    try:
        target = urljoin(current, location)
        parts = urlsplit(target)
        _ = parts.port  # a malformed port raises here
    except ValueError:
        raise FetchError("invalid redirect location") from None
    if parts.scheme.lower() not in ("http", "https"):
        # urlsplit takes a scheme only when it is made of letters, digits, "+", "-", "."
        raise FetchError(
            f"redirect to a {parts.scheme[:16]}: URL refused: only http and https redirects "
            "are followed"
        )
    if not parts.hostname or any(c < " " or c == "\x7f" for c in target):
        raise FetchError("invalid redirect location")
    return target


def _cert_error(exc: BaseException) -> str | None:
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return None
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen.verify_message or seen.reason or "certificate not trusted"
        nxt = getattr(seen, "reason", None)
        if not isinstance(nxt, BaseException):
            nxt = seen.__cause__ or seen.__context__
        seen = nxt
    return None


def _status_text(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return str(status)


def _describe(exc: BaseException) -> str:
    """A short reason without URLs (urllib3 embeds the full URL with its query string)."""
    reason = getattr(exc, "reason", None)
    inner = reason if isinstance(reason, BaseException) else exc
    name = type(inner).__name__
    text = str(inner)
    for marker in ("(Caused by", "Max retries exceeded with url"):
        text = text.split(marker)[0]
    text = text.split(": ", 1)[-1] if text.startswith("<") else text
    text = text.strip().rstrip(":")
    if "http://" in text or "https://" in text:
        return name
    return f"{name}: {text}" if text else name
