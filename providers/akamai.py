"""``akamai`` (Linode): token, then user data (providers.md §1a, §4.11).

``PUT http://169.254.169.254/v1/token`` with ``Metadata-Token-Expiry-Seconds: 300``, then
``GET /v1/user-data`` with ``Metadata-Token`` and ``Accept: */*``. The answer is base64 and
may be gzip inside (the one provider besides VMware that decompresses). Every error, 404
included, is fatal; an empty body is "no config". Offline, it asks for the network at once.
"""

from __future__ import annotations

from typing import ClassVar

from ignition.config.detect import DecompressionError, gunzip
from ignition.fetch import NeedsNetwork
from providers import _imds
from providers.base import Provider, ProviderContext, ProviderError

TOKEN_URL = "http://169.254.169.254/v1/token"
USER_DATA_URL = "http://169.254.169.254/v1/user-data"


class AkamaiProvider(Provider):
    name: ClassVar[str] = "akamai"

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        if ctx.fetcher.offline:
            raise NeedsNetwork("akamai metadata service requires networking")
        token = _imds.fetch(
            ctx,
            TOKEN_URL,
            method="PUT",
            headers={"Metadata-Token-Expiry-Seconds": "300", "Accept": "*/*"},
        )
        data = _imds.fetch(
            ctx,
            USER_DATA_URL,
            headers={"Metadata-Token": token.decode("ascii", "replace").strip(), "Accept": "*/*"},
        )
        if not data.strip():
            return None
        data = _imds.b64decode(data, "akamai user data")
        if data[:2] == b"\x1f\x8b":
            try:
                data = gunzip(data)  # bounded: a gzip bomb is an error, not a MemoryError
            except DecompressionError as exc:
                raise ProviderError(f"akamai user data: {exc}") from None
        return data or None
