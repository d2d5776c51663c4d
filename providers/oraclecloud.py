"""``oraclecloud``: ``GET http://169.254.169.254/opc/v2/instance/metadata/user_data`` with
``Authorization: Bearer Oracle`` (the v2 endpoints refuse requests without it); 429 is retried
like a 5xx; the answer is base64 of the user data; 404 is "no config" (providers.md §1a, §4.11)."""

from __future__ import annotations

from typing import ClassVar

from providers._simple import UserDataProvider


class OraclecloudProvider(UserDataProvider):
    name: ClassVar[str] = "oraclecloud"
    url: ClassVar[str] = "http://169.254.169.254/opc/v2/instance/metadata/user_data"
    headers: ClassVar[dict[str, str]] = {"Authorization": "Bearer Oracle"}
    retry_codes: ClassVar[frozenset[int]] = frozenset({429})
    base64: ClassVar[bool] = True
