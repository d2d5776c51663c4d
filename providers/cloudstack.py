"""``cloudstack``: config drive ``config-2``/``CONFIG-2`` (``cloudstack/userdata/user_data.txt``)
against the metadata service on the DHCP server, ``http://<server>/latest/user-data``; the
server comes from the DHCP lease, polled every 500 ms (docs/providers.md). 404 is "no config"
once the drive had its chance (:mod:`providers._race`). Offline it asks for the network."""

from __future__ import annotations

import time

from ignition.fetch import NeedsNetwork
from providers import _dhcp, _imds, _race, configdrive
from providers.base import Provider, ProviderContext

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar

DRIVE_FILE = "cloudstack/userdata/user_data.txt"
LEASE_POLL = 0.5


def dhcp_server(ctx: ProviderContext) -> str:
    """The DHCP server address, waiting for a lease. With the test origin set the host is
    replaced anyway, so a missing lease is not waited for."""
    logged = False
    while True:
        server = _dhcp.server_address()
        if server is not None:
            return server
        if _imds.origin() is not None:
            return "dhcp-server"
        if not logged:
            ctx.log.info("waiting for a DHCP lease to find the CloudStack metadata server")
            logged = True
        time.sleep(LEASE_POLL)


class CloudstackProvider(Provider):
    name: ClassVar[str] = "cloudstack"

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        if ctx.fetcher.offline:
            raise NeedsNetwork("the CloudStack metadata service requires networking")

        def ask() -> bytes:
            return _imds.fetch(ctx, f"http://{dhcp_server(ctx)}/latest/user-data")

        return _race.race(ctx, configdrive.CONFIG_2, DRIVE_FILE, [ask])
