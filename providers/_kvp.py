"""Hyper-V KVP (data exchange) transport and pool-file format (docs/providers.md).

Kernel device ``/dev/vmbus/hv_kvp`` (what ``hv_kvp_daemon`` talks to): write a register
message (operation 100), then read ``struct hv_kvp_msg`` messages (7432 bytes) until a 1000 ms
poll times out, acknowledging each; SET messages (operation 1) carry pool, key size, value
size (both with the trailing NUL), key (≤ 512 bytes) and value (≤ 2048 bytes).

Pool files ``/var/lib/hyperv/.kvp_pool_<N>``: fixed records of a 512-byte key and a 2048-byte
value, NUL-padded, 2560 bytes each, no header.
"""

from __future__ import annotations

import os
import select
import struct

DEVICE = "/dev/vmbus/hv_kvp"
POOL_FILE = "/var/lib/hyperv/.kvp_pool_{}"
KEY_SIZE, VALUE_SIZE = 512, 2048
RECORD = KEY_SIZE + VALUE_SIZE
MSG_SIZE = 7432  # sizeof(struct hv_kvp_msg) in <linux/hyperv.h>
OP_SET, OP_REGISTER1 = 1, 100
HV_S_OK, HV_E_FAIL = 0, 0x80004005
POLL_MS = 1000
MAX_MESSAGES = 100_000

Pools = dict[int, list[tuple[str, str]]]


def _cstr(raw: bytes | bytearray) -> str:
    return raw.split(b"\x00", 1)[0].decode("utf-8", "replace")


def parse_pool(data: bytes) -> list[tuple[str, str]]:
    out = []
    for pos in range(0, len(data) - RECORD + 1, RECORD):
        key = _cstr(data[pos : pos + KEY_SIZE])
        if key:
            out.append((key, _cstr(data[pos + KEY_SIZE : pos + RECORD])))
    return out


def pool_file(records: list[tuple[str, str]]) -> bytes:
    out = bytearray()
    for key, value in records:
        k, v = key.encode()[: KEY_SIZE - 1], value.encode()[: VALUE_SIZE - 1]
        out += k.ljust(KEY_SIZE, b"\x00") + v.ljust(VALUE_SIZE, b"\x00")
    return bytes(out)


def read_device(path: str) -> Pools:
    """Every SET the host sends after we register, by pool (last value of a key wins)."""
    fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    pools: dict[int, dict[str, str]] = {}
    try:
        register = bytearray(MSG_SIZE)
        register[0] = OP_REGISTER1
        os.write(fd, bytes(register))
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        for _ in range(MAX_MESSAGES):
            if not poller.poll(POLL_MS):
                break
            msg = bytearray(os.read(fd, MSG_SIZE))
            if not msg:
                break  # the device went away
            if len(msg) < 16:
                continue
            op, pool = msg[0], msg[1]
            if op == OP_REGISTER1:
                continue  # the driver's answer to our registration
            status = HV_E_FAIL
            if op == OP_SET and len(msg) >= 16 + RECORD:
                key_size, value_size = struct.unpack_from("<II", msg, 8)
                key = _cstr(msg[16 : 16 + min(key_size, KEY_SIZE)])
                value = _cstr(msg[528 : 528 + min(value_size, VALUE_SIZE)])
                pools.setdefault(pool, {})[key] = value
                status = HV_S_OK
            struct.pack_into("<I", msg, 0, status)
            os.write(fd, bytes(msg))
    finally:
        os.close(fd)
    return {p: list(kv.items()) for p, kv in pools.items()}


def config_from(records: list[tuple[str, str]]) -> str | None:
    """``ignition.config``, else ``ignition.config.0``, ``.1``, ... concatenated."""
    kv = dict(records)
    if kv.get("ignition.config"):
        return kv["ignition.config"]
    parts = []
    i = 0
    while f"ignition.config.{i}" in kv:
        parts.append(kv[f"ignition.config.{i}"])
        i += 1
    return "".join(parts) or None
