"""Fetching resources: the interface stages and providers use.

Every URL scheme goes through one fetcher (:class:`ignition.fetch.fetcher.ResourceFetcher`):
http/https/tftp/data/s3/arn/gs. It applies the config's timeouts, proxies and CAs,
decompression and hash verification. A body is returned (or written) only after it verified;
nothing partial ever reaches the target root. Every body is bounded in size and time
(:mod:`ignition.fetch.limits`, :mod:`ignition.fetch.guard`; docs/limits.md).

Errors are a small tree of sentinels (the reference's ``ErrNotFound``, ``ErrNeedNet``, ...);
providers compare against these types, never against message strings.
"""

from __future__ import annotations

from ignition.util.errors import FetchError, NotFound
from ignition.util.record import field, record

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import BinaryIO, Protocol

    from ignition.config.model import Resource
else:
    Protocol = object  # Fetcher is an interface for the type checker only

__all__ = [
    "Cancelled",
    "FetchError",
    "FetchOptions",
    "Fetcher",
    "HashMismatch",
    "NeedsNetwork",
    "NotFound",
    "TimedOut",
    "TooLarge",
    "WriteFailed",
]


def shown(text: str, limit: int = 64) -> str:
    """``text`` quoted for a message: control and other unprintable characters escaped, cut
    to ``limit`` characters (for what a server or a config sends: names, schemes, reasons)."""
    cut = text[:limit]
    out = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in cut)
    return f'"{out}"' + ("..." if len(text) > limit else "")


class NeedsNetwork(FetchError):
    """Raised in offline mode (fetch-offline) when a resource needs the network."""


class HashMismatch(FetchError):
    """The body did not match ``verification.hash`` (never retried: the server is wrong)."""


class TimedOut(FetchError):
    """``timeouts.httpTotal`` (or a provider's own limit) expired before a body arrived."""


class TooLarge(FetchError):
    """The body (or what gzip made of it) passed a limit of :mod:`ignition.fetch.limits`."""


class Cancelled(FetchError):
    """Another fetch of the same batch failed first (:mod:`ignition.fetch.parallel`)."""


class WriteFailed(FetchError):
    """Writing the body failed locally (disk full, file too large, I/O error): no retry."""


@record
class FetchOptions:
    """How to fetch one URL. Providers use the extra knobs (method, body, retry codes...)."""

    headers: Mapping[str, str] = field(default_factory=dict)  # replace defaults by name
    method: str = "GET"
    body: bytes | None = None  # e.g. the AWS IMDSv2 token PUT
    retry_codes: frozenset[int] = frozenset()  # statuses retried besides >= 500 (Azure: 404...)
    compression: str | None = None  # None/"" or "gzip"
    hash: str | None = None  # "sha512-<hex>" / "sha256-<hex>", over the decompressed body
    total_timeout: float | None = None  # overrides timeouts.httpTotal for this fetch (0 = none)
    header_timeout: float | None = None  # overrides timeouts.httpResponseHeaders
    max_size: int | None = None  # refuse bodies larger than this (bytes, after decompression)
    quiet_url: bool = False  # never log the URL (it carries a secret)
    # bind a random local port in 1..N (Scaleway's metadata only answers privileged ports)
    source_port_max: int | None = None


class Fetcher(Protocol):
    offline: bool

    def fetch(self, resource: Resource, *, what: str = "resource") -> bytes:
        """Fetch, decompress and verify ``resource`` into memory."""
        ...

    def fetch_to(self, resource: Resource, out: BinaryIO, *, what: str = "resource") -> str:
        """Stream ``resource`` into ``out`` (rewritten on a retry); return the hex digest
        of the hash the config names ("" for none)."""
        ...

    def fetch_url(self, url: str, options: FetchOptions | None = None) -> bytes:
        """Fetch a plain URL with the configured timeouts, proxies and CAs."""
        ...
