"""VirtualBox guest properties over ``/dev/vboxguest`` (HGCM), as the reference does
(docs/providers.md). Layouts are the kernel's ``<linux/vboxguest.h>``; the service is
``VBoxGuestPropSvc``: function 1 GET_PROP (name in, buffer out, timestamp out, size out; the
buffer holds ``value\\0flags\\0``), function 4 DEL_PROP (name)."""

from __future__ import annotations

import ctypes
import fcntl
import os
import struct

DEVICE = "/dev/vboxguest"
HDR_VERSION = 0x10001
HDR = struct.Struct("<IIIiII")  # size_in, version, type, rc, size_out, reserved
IOCTL_CONNECT, IOCTL_DISCONNECT = 0xC09C5604, 0xC01C5605
LOC_LOCALHOST_EXISTING = 2
PARM_32, PARM_64, PARM_LIN_IN, PARM_LIN_OUT = 1, 2, 6, 7
FN_GET, FN_DEL = 1, 4
VERR_BUFFER_OVERFLOW, VERR_NOT_FOUND = -41, -78
SERVICE = b"VBoxGuestPropSvc"
MAX_VALUE = 1024 * 1024


class VBoxError(OSError):
    pass


def _call_ioctl(size: int) -> int:
    return 0xC0000000 | (size << 16) | (ord("V") << 8) | 7  # VBG_IOCTL_HGCM_CALL_64


class GuestProperties:
    def __init__(self, path: str = DEVICE) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        req = bytearray(156)
        HDR.pack_into(req, 0, 156, HDR_VERSION, 0, 0, 28, 0)
        struct.pack_into("<I", req, 24, LOC_LOCALHOST_EXISTING)
        req[28 : 28 + len(SERVICE)] = SERVICE
        fcntl.ioctl(self.fd, IOCTL_CONNECT, req)
        rc = HDR.unpack_from(req, 0)[3]
        if rc < 0:
            os.close(self.fd)
            raise VBoxError(f"HGCM connect to {SERVICE.decode()} failed (rc {rc})")
        self.client = struct.unpack_from("<I", req, 24)[0]

    def close(self) -> None:
        req = bytearray(28)
        HDR.pack_into(req, 0, 28, HDR_VERSION, 0, 0, 24, 0)
        struct.pack_into("<I", req, 24, self.client)
        try:
            fcntl.ioctl(self.fd, IOCTL_DISCONNECT, req)
        finally:
            os.close(self.fd)

    def _call(self, function: int, parms: list[tuple[int, int, int]]) -> tuple[int, bytearray]:
        """parms: (type, value-or-size, linear address); returns (rc, request)."""
        size = 40 + 16 * len(parms)
        req = bytearray(size)
        HDR.pack_into(req, 0, size, HDR_VERSION, 0, 0, size, 0)
        struct.pack_into("<IIIBBH", req, 24, self.client, function, 0xFFFFFFFF, 1, 0, len(parms))
        for i, (ptype, value, addr) in enumerate(parms):
            if ptype in (PARM_32, PARM_64):
                struct.pack_into("<IQ", req, 40 + 16 * i, ptype, value)
            else:
                struct.pack_into("<IIQ", req, 40 + 16 * i, ptype, value, addr)
        fcntl.ioctl(self.fd, _call_ioctl(size), req)
        return HDR.unpack_from(req, 0)[3], req

    def get(self, name: str) -> str | None:
        key = ctypes.create_string_buffer(name.encode() + b"\x00")
        size = 1
        while True:
            buf = ctypes.create_string_buffer(size)
            rc, req = self._call(
                FN_GET,
                [
                    (PARM_LIN_IN, len(key.raw), ctypes.addressof(key)),
                    (PARM_LIN_OUT, size, ctypes.addressof(buf)),
                    (PARM_64, 0, 0),
                    (PARM_32, 0, 0),
                ],
            )
            if rc == VERR_NOT_FOUND:
                return None
            if rc == VERR_BUFFER_OVERFLOW:
                needed = struct.unpack_from("<I", req, 40 + 16 * 3 + 4)[0]
                if needed <= size or needed > MAX_VALUE:
                    raise VBoxError("guest property size out of range")
                size = needed
                continue
            if rc < 0:
                raise VBoxError(f"reading guest property failed (rc {rc})")
            return buf.raw.split(b"\x00", 1)[0].decode("utf-8", "replace")

    def delete(self, name: str) -> None:
        key = ctypes.create_string_buffer(name.encode() + b"\x00")
        rc, _ = self._call(FN_DEL, [(PARM_LIN_IN, len(key.raw), ctypes.addressof(key))])
        if rc < 0:
            raise VBoxError(
                f"deleting guest property failed (rc {rc}): permission denied; "
                "is the property read-only?"
            )
