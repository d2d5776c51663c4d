"""Fetching resources: the interface stages use (the implementation is ``fetcher.py``).

Every URL scheme goes through one fetcher (http/https/tftp/data/s3/arn/gs), which applies the
config's timeouts, proxies and CAs, decompression and hash verification. A body is returned (or
written) only after it verified; nothing partial ever reaches the target root.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ignition.config.model import Resource


class NeedsNetwork(Exception):
    """Raised in offline mode (fetch-offline) when a resource needs the network."""


class Fetcher(Protocol):
    def fetch(self, resource: Resource, *, what: str = "resource") -> bytes:
        """Fetch, decompress and verify ``resource``; raise with a clear, secret-free message."""
        ...

    def fetch_url(self, url: str, *, headers: dict[str, str] | None = None) -> bytes:
        """Fetch a plain URL with the configured timeouts, proxies and CAs (no hash)."""
        ...
