"""``json.loads`` and ``json.dumps`` without importing ``json`` (docs/initramfs.md).

``import json`` imports ``re`` and ``enum`` (its decoder and encoder compile regular
expressions at import): about 10 ms of CPU natively, far more under emulation, in every stage
process that only reads the cache or the state and writes its journal. The parsing and
encoding are done by CPython's C accelerator ``_json``, which imports nothing; this module
drives it the way ``json`` does, so values and text are the same as ``json``'s, byte for byte.

Whatever is out of the ordinary goes to ``json`` itself (imported then): input it rejects (so
the exception and its message are its own), keyword arguments not listed below, an
interpreter without ``_json``, and, in an indented dump, values that need ``default`` or keys
that are not strings. A hook (``default``, ``object_pairs_hook``, ...) can then be called a
second time for the same value.
"""

from __future__ import annotations

import codecs  # loaded by every interpreter at startup (io needs it)

try:
    import _json
except ImportError:  # not CPython: json's pure-Python code
    _json = None  # type: ignore[assignment]

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

LOADS_OPTIONS = frozenset(
    {"object_hook", "object_pairs_hook", "parse_float", "parse_int", "parse_constant"}
)
DUMPS_OPTIONS = frozenset({"separators", "ensure_ascii", "sort_keys", "default", "indent"})
_WHITESPACE = " \t\n\r"  # json's, not str.isspace's
_CONSTANTS = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}


def loads(s: str | bytes | bytearray, **options: Any) -> Any:
    """``json.loads(s, **options)``."""
    if _json is not None and options.keys() <= LOADS_OPTIONS:
        try:
            return _decode(s, **options)
        except Exception:
            pass  # json says why (or, should it disagree, json is right)
    import json

    return json.loads(s, **options)


def scanstring(s: str, end: int) -> tuple[str, int]:
    """``json.decoder.scanstring``: the string whose opening quote is at ``end - 1``, and the
    offset past its closing quote."""
    scan = getattr(_json, "scanstring", None)  # None without _json (not CPython)
    if scan is None:
        import json.decoder

        scan = json.decoder.scanstring  # type: ignore[attr-defined]
    return scan(s, end)  # type: ignore[no-any-return]


def dumps(obj: Any, **options: Any) -> str:
    """``json.dumps(obj, **options)``."""
    if _json is not None and options.keys() <= DUMPS_OPTIONS:
        try:
            return _encode(obj, **options)
        except Exception:
            pass
    import json

    return json.dumps(obj, **options)


class _Scanner:
    """What ``_json.make_scanner`` reads of a ``json.JSONDecoder``."""

    def __init__(
        self,
        object_hook: Callable[[dict[str, Any]], Any] | None = None,
        object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None,
        parse_float: Callable[[str], Any] | None = None,
        parse_int: Callable[[str], Any] | None = None,
        parse_constant: Callable[[str], Any] | None = None,
    ) -> None:
        self.strict = True
        self.object_hook = object_hook
        self.object_pairs_hook = object_pairs_hook
        self.parse_float = parse_float or float
        self.parse_int = parse_int or int
        self.parse_constant = parse_constant or _CONSTANTS.__getitem__


def _decode(s: str | bytes | bytearray, **options: Any) -> Any:
    if isinstance(s, str):
        if s.startswith("\ufeff"):
            raise ValueError("a BOM")
    elif isinstance(s, (bytes, bytearray)):
        s = s.decode(_encoding(s), "surrogatepass")
    else:
        raise TypeError("not text")
    scan = _json.make_scanner(_Scanner(**options))  # type: ignore[arg-type]
    value, end = scan(s, len(s) - len(s.lstrip(_WHITESPACE)))
    if end != len(s.rstrip(_WHITESPACE)):  # a value never ends with whitespace
        raise ValueError("extra data")
    return value


def _encoding(b: bytes | bytearray) -> str:
    """json's guess (``json.detect_encoding``): a BOM, else where the zero bytes are."""
    if b.startswith((codecs.BOM_UTF32_BE, codecs.BOM_UTF32_LE)):
        return "utf-32"
    if b.startswith((codecs.BOM_UTF16_BE, codecs.BOM_UTF16_LE)):
        return "utf-16"
    if b.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if len(b) >= 4:
        if not b[0]:
            return "utf-16-be" if b[1] else "utf-32-be"
        if not b[1]:
            return "utf-16-le" if b[2] or b[3] else "utf-32-le"
    elif len(b) == 2:
        if not b[0]:
            return "utf-16-be"
        if not b[1]:
            return "utf-16-le"
    return "utf-8"


def _unserializable(o: Any) -> Any:
    raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")


def _encode(
    obj: Any,
    *,
    separators: tuple[str, str] | None = None,
    ensure_ascii: bool = True,
    sort_keys: bool = False,
    default: Callable[[Any], Any] | None = None,
    indent: int | str | None = None,
) -> str:
    enc = _json.encode_basestring_ascii if ensure_ascii else _json.encode_basestring
    if separators is not None:
        item_sep, key_sep = separators
    else:
        item_sep, key_sep = ", " if indent is None else ",", ": "
    if isinstance(obj, str):
        return enc(obj)
    if indent is not None:
        step = indent if isinstance(indent, str) else " " * indent
        return _Indented(enc, step, item_sep, key_sep, bool(sort_keys)).text(obj)
    encoder = _json.make_encoder(
        {},
        _unserializable if default is None else default,
        enc,
        None,
        key_sep,
        item_sep,
        bool(sort_keys),
        False,
        True,
    )
    return "".join(encoder(obj, 0))


class _Indented:
    """json's pure-Python encoder (``json.encoder._make_iterencode``) for plain values: the
    C encoder does not indent."""

    def __init__(
        self, enc: Callable[[str], str], step: str, item_sep: str, key_sep: str, sort_keys: bool
    ) -> None:
        self.enc, self.step, self.item_sep, self.key_sep = enc, step, item_sep, key_sep
        self.sort_keys = sort_keys
        self.out: list[str] = []
        self.open: set[int] = set()  # containers being written (a cycle goes to json)

    def text(self, o: Any) -> str:
        self.value(o, 0)
        return "".join(self.out)

    def value(self, o: Any, level: int) -> None:
        out = self.out
        if isinstance(o, str):
            out.append(self.enc(o))
        elif o is None:
            out.append("null")
        elif o is True:
            out.append("true")
        elif o is False:
            out.append("false")
        elif isinstance(o, int):
            out.append(int.__repr__(o))
        elif isinstance(o, float):
            out.append(_float(o))
        elif isinstance(o, (list, tuple)):
            self._container(o, level, "[", "]")
        elif isinstance(o, dict):
            self._container(o, level, "{", "}")
        else:
            raise TypeError("needs default")

    def _container(self, o: Any, level: int, start: str, end: str) -> None:
        out = self.out
        if not o:
            out.append(start + end)
            return
        if id(o) in self.open:
            raise ValueError("a cycle")
        self.open.add(id(o))
        newline = "\n" + self.step * (level + 1)
        out.append(start + newline)
        separator = self.item_sep + newline
        if start == "[":
            for i, item in enumerate(o):
                if i:
                    out.append(separator)
                self.value(item, level + 1)
        else:
            for i, (key, item) in enumerate(sorted(o.items()) if self.sort_keys else o.items()):
                if not isinstance(key, str):
                    raise TypeError("a key json converts")
                if i:
                    out.append(separator)
                out.append(self.enc(key))
                out.append(self.key_sep)
                self.value(item, level + 1)
        out.append("\n" + self.step * level + end)
        self.open.discard(id(o))


def _float(o: float) -> str:
    if o != o:
        return "NaN"
    if o == float("inf"):
        return "Infinity"
    if o == float("-inf"):
        return "-Infinity"
    return float.__repr__(o)
