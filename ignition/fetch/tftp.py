"""TFTP read requests (RFC 1350, octet mode, with the RFC 2347/2348/2349 options).

The reference reads ``tftp://host[:69]/path`` with an octet-mode RRQ and streams the blocks
through decompression and hashing. We ask for a larger block size and the transfer size (a
server that ignores options just sends 512-byte blocks), retransmit the last packet after a
1 s silence (5 times), and treat an error packet "file not found" as :class:`NotFound`. A
server that sends nothing new for ``STALL`` seconds (only duplicates, strays or silence) is
given up on; the body is bounded by the sink.
"""

from __future__ import annotations

import socket
import struct
import time

from ignition.fetch import TimedOut, shown
from ignition.fetch.stream import Sink
from ignition.util.errors import FetchError, NotFound

RRQ, DATA, ACK, ERROR, OACK = 1, 3, 4, 5, 6
BLKSIZE = 1428  # fits a 1500-byte MTU
RETRANSMIT_AFTER = 1.0
MAX_RETRANSMITS = 5
STALL = RETRANSMIT_AFTER * (MAX_RETRANSMITS + 1)


def fetch(host: str, port: int | None, path: str, sink: Sink, *, deadline: float | None) -> None:
    try:
        infos = socket.getaddrinfo(host, port or 69, type=socket.SOCK_DGRAM)
    except OSError as exc:
        raise FetchError(f"tftp: cannot resolve {host}: {exc.strerror or exc}") from None
    family, _, _, _, addr = infos[0]
    name = path.lstrip("/") if path.startswith("/") else path
    request = (
        struct.pack("!H", RRQ)
        + name.encode()
        + b"\0octet\0blksize\0"
        + str(BLKSIZE).encode()
        + b"\0tsize\0000\0"
    )
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        _transfer(sock, addr, request, sink, deadline)


def _transfer(
    sock: socket.socket,
    addr: tuple[object, ...],
    request: bytes,
    sink: Sink,
    deadline: float | None,
) -> None:
    blksize = 512
    expected = 1
    last_sent = request
    peer: tuple[object, ...] | None = None
    tries = 0
    sock.sendto(request, addr)
    progress = time.monotonic()
    while True:
        if time.monotonic() - progress > STALL:
            raise FetchError("tftp: server stopped sending")
        timeout = RETRANSMIT_AFTER
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimedOut("unable to fetch resource in time")
            timeout = min(timeout, left)
        sock.settimeout(timeout)
        try:
            packet, src = sock.recvfrom(65536)
        except TimeoutError:
            tries += 1
            if tries > MAX_RETRANSMITS:
                raise FetchError("tftp: server stopped answering") from None
            sock.sendto(last_sent, peer or addr)
            continue
        if peer is None:
            peer = src  # the server answers from its transfer port (TID)
        elif src != peer:
            continue  # a stray packet: RFC 1350 says ignore (and tell the sender)
        tries = 0
        if len(packet) < 4:
            continue
        (opcode,) = struct.unpack("!H", packet[:2])
        if opcode == ERROR:
            code = struct.unpack("!H", packet[2:4])[0]
            msg = packet[4:].split(b"\0", 1)[0].decode("utf-8", "replace")
            if code == 1 or "no such file" in msg.lower() or "not found" in msg.lower():
                raise NotFound(f"resource not found (tftp: {shown(msg)})")
            raise FetchError(f"tftp: server error {code}: {shown(msg)}")
        if opcode == OACK:
            opts = packet[2:].split(b"\0")
            for key, value in zip(opts[::2], opts[1::2], strict=False):
                if key.lower() == b"blksize" and value.isdigit():
                    blksize = int(value)
            last_sent = struct.pack("!HH", ACK, 0)
            sock.sendto(last_sent, peer)
            continue
        if opcode != DATA:
            continue
        (block,) = struct.unpack("!H", packet[2:4])
        if block == expected & 0xFFFF:
            progress = time.monotonic()
            data = packet[4:]
            sink.write(data)
            last_sent = struct.pack("!HH", ACK, block)
            sock.sendto(last_sent, peer)
            expected += 1
            if len(data) < blksize:
                return
        else:
            sock.sendto(struct.pack("!HH", ACK, block), peer)  # duplicate: re-acknowledge
