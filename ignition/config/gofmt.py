"""Go's text formatting where the reference tools' messages and generated files depend on it.

The one ``%q`` of the project: Ignition quotes unit-file garbage with it, ct its generated
drop-ins, coreos-cloudinit its report lines (``unrecognized key "x"``). coreos-cloudinit also
prints ``%v`` (``invalid value 0999``, ``invalid map key: map[a:1]``) and ``%s`` of map keys
(``%!s(int=123)``), and writes drop-ins with ``%v`` of typed values
(``ETCD_ELECTION_TIMEOUT=1000``, ``FLEET_ENGINE_RECONCILE_INTERVAL=2``). Reproducing the exact
text keeps scripts that grep the reference's output working.
"""

from __future__ import annotations

import math
import unicodedata

# Go's unicode.IsSpace (strings.TrimSpace, strings.TrimRightFunc(s, unicode.IsSpace)).
GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"  # noqa: E501


def _printable(ch: str) -> bool:
    """Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space."""
    if ch == " ":
        return True
    return unicodedata.category(ch)[0] in "LMNPS"


def quote(s: str) -> str:
    """``%q`` of a Go string (``strconv.Quote``). Undecodable bytes (kept as surrogate escapes
    by this package) print as ``\\xNN``, as Go prints invalid UTF-8."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif 0xDC80 <= o <= 0xDCFF:
            out.append(f"\\x{o - 0xDC00:02x}")
        elif _printable(ch):
            out.append(ch)
        elif ch in "\a\b\f\n\r\t\v":
            out.append(
                {
                    "\a": "\\a",
                    "\b": "\\b",
                    "\f": "\\f",
                    "\n": "\\n",
                    "\r": "\\r",
                    "\t": "\\t",
                    "\v": "\\v",
                }[ch]
            )
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\x{o:02x}")
        elif o < 0x10000:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append('"')
    return "".join(out)


def format_float(f: float) -> str:
    """``%v`` of a float64: ``strconv.FormatFloat(f, 'g', -1, 64)``."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    ds, point = shortest_digits(f)
    x = point - 1
    neg = "-" if f < 0 else ""
    # Shortest 'g' switches to exponent form below 1e-4 and from 1e6 on (Go uses a fixed
    # precision of 6 for this decision when formatting the shortest representation).
    eprec = 6
    if x < -4 or x >= eprec:
        mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        esign = "-" if x < 0 else "+"
        return f"{neg}{mant}e{esign}{abs(x):02d}"
    if point <= 0:
        return f"{neg}0.{'0' * -point}{ds}"
    if point >= len(ds):
        return f"{neg}{ds}{'0' * (point - len(ds))}"
    return f"{neg}{ds[:point]}.{ds[point:]}"


def shortest_digits(f: float) -> tuple[str, int]:
    """The shortest round-trip digits of ``abs(f)`` (non-zero, finite), without leading or
    trailing zeros, and where the decimal point goes: ``0.<digits> * 10**point``. Read from
    ``repr`` (Python's shortest representation, as Go's); no ``decimal`` module, whose C
    extension would add megabytes to the initramfs."""
    mant, _, e = repr(abs(f)).partition("e")
    whole, _, frac = mant.partition(".")
    digits = whole + frac
    stripped = digits.lstrip("0")
    point = len(whole) + (int(e) if e else 0) - (len(digits) - len(stripped))
    return stripped.rstrip("0"), point


def format_value(v: object) -> str:
    """``%v`` of a decoded scalar (string, int, float64, bool)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return format_float(v)
    return str(v)


def sprint_s(v: object) -> str:
    """``%s`` of a YAML map key: strings as is; other types print Go's bad-verb form."""
    if isinstance(v, str):
        return v
    if v is None:
        return "%!s(<nil>)"
    if isinstance(v, bool):
        return f"%!s(bool={format_value(v)})"
    if isinstance(v, int):
        return f"%!s(int={v})"
    if isinstance(v, float):
        return f"%!s(float64={format_float(v)})"
    return f"%!s({v!r})"


class GoMap(list[tuple[object, object]]):
    """A decoded ``map[interface{}]interface{}``: its entries (keys are unique scalars)."""


# fmt sorts map keys of different types by their type descriptors' addresses in the binary; the
# linker lays those out by name, so by Go type name here. Keys of one type sort by value.
_TYPE_ORDER = {bool: 0, float: 1, int: 2, str: 3}


def _key_order(k: object) -> tuple[int, int, object]:
    if k is None:
        return (-1, 0, 0)
    if isinstance(k, float) and math.isnan(k):
        return (_TYPE_ORDER[float], 0, 0)  # NaN sorts first among floats
    return (_TYPE_ORDER.get(type(k), 4), 1, k)


class _Full(Exception):
    pass


def format_v(v: object, limit: int = 1 << 20) -> str:
    """``%v`` of an untyped decoded value: nested maps as ``map[k:v ...]`` (keys sorted as fmt
    sorts them), lists as ``[a b]``, nil as ``<nil>``. Text beyond ``limit`` characters is cut
    and marked with ``...`` (aliases can make a small document print gigabytes)."""
    out: list[str] = []
    size = 0

    def emit(text: str) -> None:
        nonlocal size
        out.append(text)
        size += len(text)
        if size > limit:
            raise _Full

    def walk(x: object) -> None:
        if x is None:
            emit("<nil>")
        elif isinstance(x, GoMap):
            emit("map[")
            for i, (k, y) in enumerate(sorted(x, key=lambda kv: _key_order(kv[0]))):
                emit(" " if i else "")
                walk(k)
                emit(":")
                walk(y)
            emit("]")
        elif isinstance(x, list):
            emit("[")
            for i, y in enumerate(x):
                emit(" " if i else "")
                walk(y)
            emit("]")
        else:
            emit(format_value(x))

    try:
        walk(v)
    except _Full:
        return "".join(out)[:limit] + "..."
    return "".join(out)
