"""The common metadata-service provider: one GET of the user data.

Most clouds (docs/providers.md) differ only in URL, headers, extra retried codes, what a 404
means and whether the body is base64; a platform module sets those class attributes.
"""

from __future__ import annotations

from providers import _imds
from providers.base import Provider, ProviderContext

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar


class UserDataProvider(Provider):
    url: ClassVar[str] = ""
    headers: ClassVar[dict[str, str]] = {}
    retry_codes: ClassVar[frozenset[int]] = frozenset()
    not_found_is_empty: ClassVar[bool] = True  # DigitalOcean and Equinix Metal: 404 is fatal
    base64: ClassVar[bool] = False  # the answer is base64 of the user data (Oracle Cloud)
    source_port_max: ClassVar[int | None] = None  # Scaleway: privileged source port

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        data = _imds.user_data(
            ctx,
            self.url,
            headers=self.headers,
            retry_codes=self.retry_codes,
            not_found_is_empty=self.not_found_is_empty,
            source_port_max=self.source_port_max,
        )
        if data and self.base64:
            data = _imds.b64decode(data, f"{self.name} user data")
        return data or None
