"""Addresses as Go's ``net`` package parses and prints them (coreos-cloudinit's units hold
``IP.String()`` and ``IPNet.String()`` text, so the same bytes must print the same way).

IPs are Go ``net.IP`` byte strings: 4 bytes, or 16 (an IPv4 address parsed from text is the
16-byte IPv4-mapped form, as ``net.ParseIP`` returns it). Masks are ``net.IPMask`` bytes.
"""

from __future__ import annotations

import ipaddress
import re

V4_PREFIX = b"\x00" * 10 + b"\xff\xff"
ZERO4 = V4_PREFIX + b"\x00" * 4  # net.IPv4zero (16 bytes)
ZERO6 = b"\x00" * 16  # net.IPv6zero


def parse_ip(text: str) -> bytes | None:
    """``net.ParseIP``: None when ``text`` is not an address (zones are not addresses)."""
    if not text or "%" in text or text.strip() != text:
        return None
    try:
        a = ipaddress.ip_address(text)
    except ValueError:
        return None
    return V4_PREFIX + a.packed if a.version == 4 else a.packed


def ipv4(a: int, b: int, c: int, d: int) -> bytes:
    """``net.IPv4(a, b, c, d)`` (16 bytes)."""
    return V4_PREFIX + bytes((a, b, c, d))


def to4(ip: bytes | None) -> bytes | None:
    """``IP.To4()``."""
    if ip is None:
        return None
    if len(ip) == 4:
        return ip
    if len(ip) == 16 and ip[:12] == V4_PREFIX:
        return ip[12:]
    return None


def ip_string(ip: bytes | None) -> str:
    """``IP.String()``."""
    if not ip:
        return "<nil>"
    p4 = to4(ip)
    if p4 is not None:
        return ".".join(str(b) for b in p4)
    if len(ip) != 16:
        return "?" + ip.hex()
    return ipaddress.IPv6Address(ip).compressed


def cidr_mask(ones: int, bits: int) -> bytes:
    """``net.CIDRMask`` (empty, Go's nil, when ``ones`` does not fit)."""
    if not 0 <= ones <= bits:
        return b""
    return (((1 << ones) - 1) << (bits - ones)).to_bytes(bits // 8, "big")


def simple_mask_length(mask: bytes) -> int:
    """The prefix length of a contiguous mask, else -1 (``simpleMaskLength``)."""
    n = 0
    for i, v in enumerate(mask):
        if v == 0xFF:
            n += 8
            continue
        while v & 0x80:
            n += 1
            v = (v << 1) & 0xFF
        if v != 0:
            return -1
        if any(mask[i + 1 :]):
            return -1
        break
    return n


def ipnet_string(ip: bytes | None, mask: bytes | None) -> str:
    """``IPNet.String()``: the address (not the network number) and the prefix length."""
    nn = to4(ip)
    if nn is None:
        nn = ip
        if nn is None or len(nn) != 16:
            return "<nil>"
    m = mask or b""
    if len(m) == 4:
        if len(nn) != 4:
            return "<nil>"
    elif len(m) == 16:
        if len(nn) == 4:
            m = m[12:]
    else:
        return "<nil>"
    n = simple_mask_length(m)
    if n == -1:
        return f"{ip_string(nn)}/{m.hex()}"
    return f"{ip_string(nn)}/{n}"


def usable_net(ip: bytes | None, mask: bytes | None) -> bool:
    """Whether ``ipnet_string`` gives networkd an ``address/prefix`` it accepts."""
    text = ipnet_string(ip, mask)
    return "<nil>" not in text and text.rpartition("/")[2].isdigit()


def mask_network(ip: bytes, mask: bytes) -> bytes:
    """``IP.Mask``: the network number (4 bytes for an IPv4 address and mask)."""
    if len(mask) == 4 and len(ip) == 16 and ip[:12] == V4_PREFIX:
        ip = ip[12:]
    if len(mask) == 16 and len(ip) == 4 and mask[:12] == b"\xff" * 12:
        mask = mask[12:]
    if len(mask) != len(ip):
        return b""
    return bytes(a & b for a, b in zip(ip, mask, strict=True))


def parse_cidr(text: str) -> tuple[bytes, bytes, bytes] | None:
    """``net.ParseCIDR``: (address, network number, mask), or None."""
    addr, slash, prefix = text.partition("/")
    if not slash or not prefix.isascii() or not prefix.isdigit() or len(prefix) > 3:
        return None
    ip = parse_ip(addr)
    if ip is None:
        return None
    bits = 32 if to4(ip) is not None else 128
    ones = int(prefix)
    if ones > bits:
        return None
    mask = cidr_mask(ones, bits)
    return ip, mask_network(ip, mask), mask


_MAC_COLON = re.compile(r"[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2})*")
_MAC_DOT = re.compile(r"[0-9A-Fa-f]{4}(\.[0-9A-Fa-f]{4})*")


def parse_mac(text: str) -> bytes | None:
    """``net.ParseMAC``: 6, 8 or 20 octets, ``:``/``-`` pairs or ``.`` quads."""
    if _MAC_COLON.fullmatch(text):
        raw = bytes.fromhex(text.replace(text[2], ""))
    elif _MAC_DOT.fullmatch(text):
        raw = bytes.fromhex(text.replace(".", ""))
    else:
        return None
    return raw if len(raw) in (6, 8, 20) else None


def mac_string(mac: bytes | None) -> str:
    """``HardwareAddr.String()``."""
    return ":".join(f"{b:02x}" for b in mac or b"")
