"""``packet`` (Equinix Metal): ``GET https://metadata.packet.net/userdata`` with ``Accept: */*``
(the default Accept gets 406); every error, 404 included, is fatal (providers.md §1a, §4.11).

Status hook: after every stage, POST ``{"state": "running"|"failed", "message": ...}`` to the
``phone_home_url`` from ``/metadata`` with ``/phone-home`` replaced by ``/events``. A failing
report is only logged (the engine catches it).
"""

from __future__ import annotations

import json
from typing import ClassVar

from providers import _imds
from providers._simple import UserDataProvider
from providers.base import ProviderContext, ProviderError

METADATA_URL = "https://metadata.packet.net/metadata"
REPORT_WAIT = 15.0


class PacketProvider(UserDataProvider):
    name: ClassVar[str] = "packet"
    url: ClassVar[str] = "https://metadata.packet.net/userdata"
    headers: ClassVar[dict[str, str]] = {"Accept": "*/*"}
    not_found_is_empty: ClassVar[bool] = False

    def status(self, ctx: ProviderContext, stage: str, error: BaseException | None) -> None:
        if ctx.fetcher.offline:
            return  # fetch-offline: nothing can be posted without the network
        meta = _imds.fetch(ctx, METADATA_URL, headers=self.headers, total_timeout=REPORT_WAIT)
        try:
            phone_home = json.loads(meta)["phone_home_url"]
        except (ValueError, KeyError, TypeError):
            raise ProviderError("metadata has no phone_home_url") from None
        if not isinstance(phone_home, str) or not phone_home:
            raise ProviderError("metadata has no phone_home_url")
        events = phone_home.rstrip("/").removesuffix("/phone-home") + "/events"
        if error is None:
            body = {
                "state": "running",
                "message": f"[{stage}] Ignition status: finished successfully",
            }
        else:
            body = {"state": "failed", "message": f"[{stage}] Ignition error: {error}"}
        _imds.fetch(
            ctx,
            events,
            method="POST",
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "*/*"},
            total_timeout=REPORT_WAIT,
        )
        ctx.log.info(f"reported {body['state']} to the Equinix Metal events endpoint")
