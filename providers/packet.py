"""``packet`` (Equinix Metal): ``GET https://metadata.packet.net/userdata`` with ``Accept: */*``
(the default Accept gets 406); every error, 404 included, is fatal (docs/providers.md).

Status hook: after every stage, POST ``{"state": "running"|"failed", "message": ...}`` to the
``phone_home_url`` from ``/metadata`` with ``/phone-home`` replaced by ``/events``. A failing
report is only logged (the engine catches it).

Metadata for cloud-config (coreos-cloudinit's Packet datasource): ``/metadata``'s
``hostname``, ``ssh_keys`` and ``network.addresses`` (public/private, by address family);
``network`` is the ``packet`` network description.
"""

from __future__ import annotations

import json

from providers import _imds, _instance
from providers._simple import UserDataProvider
from providers.base import InstanceMetadata, NetworkConfig, ProviderContext, ProviderError

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar

METADATA_URL = "https://metadata.packet.net/metadata"
REPORT_WAIT = 15.0


class PacketProvider(UserDataProvider):
    name: ClassVar[str] = "packet"
    url: ClassVar[str] = "https://metadata.packet.net/userdata"
    headers: ClassVar[dict[str, str]] = {"Accept": "*/*"}
    not_found_is_empty: ClassVar[bool] = False

    def metadata(self, ctx: ProviderContext) -> InstanceMetadata:
        doc = _instance.json_document(ctx, METADATA_URL, self.headers)
        found: dict[str, str] = {}
        blocks = _instance.field(doc, "network", "addresses")
        for block in blocks if isinstance(blocks, list) else []:
            if not isinstance(block, dict):
                continue
            family = 4 if block.get("address_family") == 4 else 6
            side = "public" if block.get("public") is True else "private"
            value = _instance.address(ctx, block.get("address"), "network address", family)
            if value:  # the last of each kind wins, as in coreos-cloudinit
                found[f"{side}_ipv{family}"] = value
        keys = _instance.field(doc, "ssh_keys")
        hostname = _instance.field(doc, "hostname")
        network = _instance.field(doc, "network")
        return InstanceMetadata(
            hostname=hostname if isinstance(hostname, str) else "",
            public_ipv4=found.get("public_ipv4", ""),
            private_ipv4=found.get("private_ipv4", ""),
            public_ipv6=found.get("public_ipv6", ""),
            private_ipv6=found.get("private_ipv6", ""),
            ssh_public_keys=_instance.keys(keys if isinstance(keys, list) else []),
            network=NetworkConfig("packet", network) if isinstance(network, dict) else None,
        )

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
