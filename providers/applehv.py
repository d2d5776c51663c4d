"""``applehv`` (Apple Virtualization framework): ``GET /`` with ``Accept: application/json``
over vsock to the host (CID 2), port 1024; the whole body is the config (empty: "no config");
one attempt, no retry, as the reference (docs/providers.md). ``modprobe vsock`` first when
``/sys/devices/virtual/misc/vsock`` is missing. With the test origin set, the same request
goes to the origin over TCP."""

from __future__ import annotations

import http.client
import socket
from urllib.parse import urlsplit

from ignition.fetch import limits
from ignition.system import hostroot
from providers import _imds
from providers.base import Provider, ProviderContext, ProviderError

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar

HOST_CID, PORT = 2, 1024
TIMEOUT = 60.0


class VsockHTTPConnection(http.client.HTTPConnection):
    def __init__(self, cid: int, port: int) -> None:
        super().__init__("d", timeout=TIMEOUT)
        self.cid, self.vport = cid, port

    def connect(self) -> None:
        sock = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
        sock.settimeout(TIMEOUT)
        sock.connect((self.cid, self.vport))
        self.sock = sock


class ApplehvProvider(Provider):
    name: ClassVar[str] = "applehv"

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        origin = _imds.origin()
        conn: http.client.HTTPConnection
        if origin is not None:
            o = urlsplit(origin)
            conn = http.client.HTTPConnection(o.hostname or "", o.port or 80, timeout=TIMEOUT)
        else:
            if not hostroot.exists("/sys/devices/virtual/misc/vsock"):
                hostroot.modprobe("vsock")
            conn = VsockHTTPConnection(HOST_CID, PORT)
        ctx.log.info("fetching config from the host over vsock")
        limit = limits.config_size()
        try:
            conn.request("GET", "/", headers={"Accept": "application/json"})
            resp = conn.getresponse()
            body = resp.read(limit + 1)  # bounded like every fetched config
        except (OSError, http.client.HTTPException) as exc:
            raise ProviderError(f"couldn't fetch config over vsock: {exc}") from None
        finally:
            conn.close()
        if resp.status != 200:
            raise ProviderError(f"vsock config request failed: HTTP {resp.status}")
        if len(body) > limit:
            raise ProviderError(
                f"config over vsock is larger than {limits.human(limit)} "
                f"(raise the limit with {limits.CONFIG_SIZE_VAR})"
            )
        return body or None
