"""``cloudsigma``: the server context, asked over the second serial port (coreos-cloudinit's
``-from-cloudsigma-metadata``; Flatcar's old Ignition had the platform id).

Protocol (CloudSigma's "cepgo"/"cepko" clients): write ``<\\n{key}\\n>`` to ``/dev/ttyS1``
(raw, 115200 baud); the hypervisor answers with the JSON value of ``key`` followed by EOT
(``\\x04``). Key ``""`` is the whole context, which is all we ask for, once. The user data is
``meta["cloudinit-user-data"]``, base64 when ``meta["base64_fields"]`` (comma-separated) names
it; no such key is "no config".

Only on CloudSigma: the first 10 bytes of DMI ``product_name`` must be ``CloudSigma`` (the
reference's test), so nothing is ever written to some other machine's serial device.

Metadata for cloud-config, as coreos-cloudinit read it: the host name is ``name`` (else
``uuid``); ``meta["ssh_public_key"]`` is a key; a NIC's ``ip_v4_conf.ip.uuid`` is the public
IPv4 address (CloudSigma's static IPs are named by their address); a NIC on a VLAN gives the
private IPv4 address this machine has on the interface with that NIC's MAC address.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import select
import time
from typing import Any, ClassVar

from ignition.system import hostroot
from providers import _instance
from providers.base import InstanceMetadata, Provider, ProviderContext, ProviderError

SERIAL_PORT = "/dev/ttyS1"
EOT = b"\x04"
TIMEOUT = 10.0  # for the whole answer
MAX_CONTEXT = 1 << 20
USER_DATA_KEY = "cloudinit-user-data"


def is_cloudsigma() -> bool:
    value = hostroot.read_bytes("/sys/class/dmi/id/product_name") or b""
    return value[:10] == b"CloudSigma"


def request(key: str, port: str = SERIAL_PORT) -> bytes:
    """One question to the server context: the answer's bytes without the EOT."""
    if any(c in key for c in "<>\n"):
        raise ProviderError("a server context key cannot hold <, > or a line break")
    try:
        fd = os.open(hostroot.path(port), os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise ProviderError(f"cannot open {port}: {exc.strerror or exc}") from None
    try:
        _raw_mode(fd)
        deadline = time.monotonic() + TIMEOUT
        _write_all(fd, f"<\n{key}\n>".encode(), deadline, port)
        return _read_answer(fd, deadline, port)
    finally:
        os.close(fd)


def _raw_mode(fd: int) -> None:
    """115200 baud, 8 bits, no echo or line editing (a terminal would echo the request)."""
    import termios
    import tty

    if not os.isatty(fd):
        return
    tty.setraw(fd)
    attrs = termios.tcgetattr(fd)
    attrs[4] = attrs[5] = termios.B115200
    termios.tcsetattr(fd, termios.TCSANOW, attrs)


def _write_all(fd: int, data: bytes, deadline: float, port: str) -> None:
    view = memoryview(data)
    while view:
        _wait(fd, deadline, port, write=True)
        try:
            view = view[os.write(fd, view) :]
        except BlockingIOError:
            continue


def _read_answer(fd: int, deadline: float, port: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        _wait(fd, deadline, port, write=False)
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            continue
        except OSError as exc:
            raise ProviderError(f"reading {port}: {exc.strerror or exc}") from None
        if not chunk:
            raise ProviderError(f"{port} closed before the server context's answer ended")
        end = chunk.find(EOT)
        chunks.append(chunk if end < 0 else chunk[:end])
        size += len(chunks[-1])
        if size > MAX_CONTEXT:
            raise ProviderError(f"the server context is larger than {MAX_CONTEXT} bytes")
        if end >= 0:
            return b"".join(chunks)


def _wait(fd: int, deadline: float, port: str, *, write: bool) -> None:
    left = deadline - time.monotonic()
    if left > 0:
        r, w, _ = select.select([] if write else [fd], [fd] if write else [], [], left)
        if r or w:
            return
    raise ProviderError(f"no answer from the server context on {port} within {TIMEOUT:g} s")


def decode_context(raw: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        raise ProviderError("the server context is not JSON") from None
    if not isinstance(doc, dict):
        raise ProviderError("the server context is not a JSON object")
    return doc


def user_data(context: dict[str, Any]) -> bytes | None:
    meta = context.get("meta")
    if not isinstance(meta, dict) or not isinstance(meta.get(USER_DATA_KEY), str):
        return None
    data = meta[USER_DATA_KEY].encode()
    fields = meta.get("base64_fields")
    if isinstance(fields, str) and USER_DATA_KEY in (f.strip() for f in fields.split(",")):
        try:
            data = base64.b64decode(b"".join(data.split()), validate=True)
        except (binascii.Error, ValueError):
            raise ProviderError(f"meta.{USER_DATA_KEY} is not valid base64") from None
    return data or None


def local_ipv4(mac: str) -> str:
    """This machine's IPv4 address on the interface with hardware address ``mac``."""
    import fcntl
    import socket
    import struct

    wanted = _mac(mac)
    if wanted is None:
        return ""
    net = hostroot.path("/sys/class/net")
    try:
        names = sorted(os.listdir(net))
    except OSError:
        return ""
    for name in names:
        address = (hostroot.read_bytes(f"/sys/class/net/{name}/address") or b"").strip()
        if _mac(address.decode("ascii", "replace")) != wanted or len(name) > 15:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                answer = fcntl.ioctl(s.fileno(), 0x8915, struct.pack("256s", name.encode()))
            except OSError:
                return ""  # SIOCGIFADDR: the interface has no IPv4 address
        return socket.inet_ntoa(answer[20:24])
    return ""


def _mac(text: str) -> str | None:
    text = text.strip().lower().replace("-", ":")
    return text if re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", text) else None


class CloudsigmaProvider(Provider):
    name: ClassVar[str] = "cloudsigma"

    def __init__(self) -> None:
        self._context: dict[str, Any] | None = None

    def context(self, ctx: ProviderContext) -> dict[str, Any] | None:
        """The server context (asked once), None when this is not CloudSigma."""
        if not is_cloudsigma():
            ctx.log.warning("not running on CloudSigma (DMI product_name): no server context")
            return None
        if self._context is None:
            ctx.log.info(f"asking the server context over {SERIAL_PORT}")
            self._context = decode_context(request(""))
        return self._context

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        context = self.context(ctx)
        return user_data(context) if context is not None else None

    def metadata(self, ctx: ProviderContext) -> InstanceMetadata | None:
        context = self.context(ctx)
        if context is None:
            return None
        name = _instance.string(context, "name") or _instance.string(context, "uuid")
        public = private = ""
        nics = context.get("nics")
        for n, nic in enumerate(nics if isinstance(nics, list) else []):
            ip = _instance.field(nic, "ip_v4_conf", "ip", "uuid")
            if isinstance(ip, str) and ip:
                public = _instance.address(ctx, ip, f"nics[{n}].ip_v4_conf.ip.uuid", 4) or public
            if _instance.field(nic, "vlan", "uuid"):
                mac = _instance.string(nic, "mac")
                private = local_ipv4(mac) or private
        key = _instance.field(context, "meta", "ssh_public_key")
        return InstanceMetadata(
            hostname=name,
            public_ipv4=public,
            private_ipv4=private,
            ssh_public_keys=_instance.keys([key]),
        )
