"""Metadata-service helpers shared by the HTTP providers, and the ``PYIGNITION_METADATA_ORIGIN``
test seam.

Everything goes through the engine's one fetcher (retries 200 ms doubling to 5 s, timeouts,
offline mode), so providers only say *what* to ask: URL, headers, extra retried codes, and what
a 404 means on their platform (docs/providers.md says, per platform, whether it is "no config").

When ``PYIGNITION_METADATA_ORIGIN=http://127.0.0.1:PORT`` is set, the scheme, host and port of
every metadata endpoint are replaced by it; path and query stay exactly the real service's.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

from ignition.fetch import FetchOptions
from ignition.util.errors import NotFound
from providers.base import ProviderContext, ProviderError

ENV = "PYIGNITION_METADATA_ORIGIN"
NO_CONFIG = None


def origin() -> str | None:
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ProviderError(f"{ENV} must be scheme://host[:port], not {value!r}")
    return value


def endpoint(url: str, base: str | None = None) -> str:
    """``url`` itself, or moved under ``base`` (a service at another address, path prefix
    kept: coreos-cloudinit's ``-from-ec2-metadata URL``), then with scheme/host/port taken
    from the test origin."""
    if base:
        src, dst = urlsplit(url), urlsplit(base)
        path = dst.path.rstrip("/") + (src.path or "/")
        url = urlunsplit((dst.scheme, dst.netloc, path, src.query, ""))
    o = origin()
    if o is None:
        return url
    src, dst = urlsplit(url), urlsplit(o)
    return urlunsplit((dst.scheme, dst.netloc, src.path or "/", src.query, ""))


def fetch(
    ctx: ProviderContext,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    method: str = "GET",
    body: bytes | None = None,
    retry_codes: frozenset[int] = frozenset(),
    total_timeout: float | None = None,
    header_timeout: float | None = None,
    source_port_max: int | None = None,
    max_size: int | None = None,
) -> bytes:
    """One metadata request through the fetcher. Raises :class:`NotFound` on 404 (the caller
    decides what that means), other fetch errors as they come (a body over ``max_size``
    bytes too)."""
    opts = FetchOptions(
        headers=dict(headers or {}),
        method=method,
        body=body,
        retry_codes=retry_codes,
        total_timeout=total_timeout,
        header_timeout=header_timeout,
        source_port_max=source_port_max,
        max_size=max_size,
    )
    return ctx.fetcher.fetch_url(endpoint(url, ctx.metadata_base), opts)


def user_data(
    ctx: ProviderContext,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    retry_codes: frozenset[int] = frozenset(),
    not_found_is_empty: bool = True,
    source_port_max: int | None = None,
) -> bytes | None:
    """The common shape: GET the user data; 404 is "no config" unless the platform says it is
    fatal (DigitalOcean, Equinix Metal); an empty body is "no config" too."""
    try:
        data = fetch(
            ctx, url, headers=headers, retry_codes=retry_codes, source_port_max=source_port_max
        )
    except NotFound:
        if not not_found_is_empty:
            raise ProviderError("user data not found (HTTP 404)") from None
        ctx.log.info("the metadata service has no user data (404): no config")
        return NO_CONFIG
    return data or NO_CONFIG


def b64decode(data: bytes, what: str) -> bytes:
    """Strict base64 with whitespace removed (IMDS answers end in a newline); the error names
    the source, never the data."""
    try:
        return base64.b64decode(b"".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ProviderError(f"{what} is not valid base64") from None


def wait_for_service(ctx: ProviderContext, url: str, *, limit: float | None) -> None:
    """Wait until the metadata service accepts TCP connections (the network is up), at most
    ``limit`` seconds (None: forever). Separating "no network yet" from "connected but no
    answer" lets a caller bound the second (the IMDSv2 hop-limit trap) without cutting the
    first short. Offline (fetch-offline) this raises NeedsNetwork at once, as any fetch."""
    import socket
    import time

    from ignition.fetch import NeedsNetwork, TimedOut

    target = urlsplit(endpoint(url, ctx.metadata_base))
    if ctx.fetcher.offline:
        raise NeedsNetwork(f"{target.scheme}://{target.hostname} requires networking")
    host = target.hostname or ""
    port = target.port or (443 if target.scheme == "https" else 80)
    deadline = None if not limit else time.monotonic() + limit
    attempt = 0
    while True:
        attempt += 1
        try:
            socket.create_connection((host, port), timeout=5).close()
            return
        except OSError as exc:
            if attempt == 1 or attempt % 10 == 0:
                ctx.log.info(f"waiting for the metadata service at {host}: {exc.strerror or exc}")
        if deadline is not None and time.monotonic() >= deadline:
            raise TimedOut(f"the metadata service at {host} was not reachable in time")
        time.sleep(1)
