"""JSON documents with positions, parsed the way Ignition's Go decoder sees them.

Parsing uses the C-accelerated :mod:`json` decoder (fast on 10,000-file configs); positions are
computed lazily by a second, position-recording scan, only when a diagnostic needs one.
Syntax errors are re-derived with a byte scanner that mirrors Go's ``encoding/json`` state
machine, so messages and offsets agree with the reference tools.

Positions are 1-based lines and 1-based *byte* columns. Scalars are located at their first
byte, objects and arrays one byte past the opening bracket, keys at their opening quote.
"""

from __future__ import annotations

import sys
from bisect import bisect_right
from operator import itemgetter

from ignition.config.report import Path
from ignition.util import leanjson
from ignition.util.leanjson import scanstring
from ignition.util.memo import cache
from ignition.util.record import field, record

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    import re
    from collections.abc import Callable
    from typing import Any, AnyStr

# The C decoder refuses documents nested beyond the interpreter's recursion limit (about
# 1,000 levels); that is reported as a located error at the first bracket deeper than this.
DEPTH_REPORTED = 512


class JsonSyntaxError(Exception):
    """Malformed JSON: message in Go's wording, ``offset`` as Go reports it (bytes)."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class FloatLiteral(float):
    """A JSON number with a fraction or exponent; keeps its spelling for messages."""

    literal: str

    def __new__(cls, text: str) -> FloatLiteral:
        obj = super().__new__(cls, text)
        obj.literal = text
        return obj


class DupDict(dict):  # type: ignore[type-arg]  # dict[str, Any]: typing is not imported
    """An object that had repeated keys; ``pairs`` keeps every (key, value) in order."""

    pairs: list[tuple[str, Any]]


@record(frozen=False)
class Document:
    """Parsed JSON plus what is needed to locate paths in the original bytes."""

    value: Any
    text: str | None  # None: decoded again from ``raw`` when positions are first needed
    raw: bytes
    has_duplicate_keys: bool = False
    invalid_utf8_offsets: list[int] = field(default_factory=list)
    _index: PositionIndex | None = None
    _line_starts: list[int] | None = None

    @property
    def index(self) -> PositionIndex:
        if self._index is None:
            text = self.text
            if text is None:
                try:
                    text = self.raw.decode("utf-8")
                except UnicodeDecodeError:
                    text = _decode_lossy(self.raw)[0]
            self._index = PositionIndex(text)
        return self._index

    def locate(self, path: Path) -> tuple[int, int] | None:
        return self.index.locate(path)

    def locate_key(self, path: Path) -> tuple[int, int] | None:
        return self.index.locate_key(path)

    def byte_position(self, offset: int) -> tuple[int, int]:
        """1-based (line, byte column) of a byte offset of the raw input."""
        if self._line_starts is None:
            self._line_starts = _line_starts(self.raw)
        offset = max(0, min(offset, len(self.raw)))
        i = bisect_right(self._line_starts, offset) - 1
        return i + 1, offset - self._line_starts[i] + 1


def byte_offset_position(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based (line, byte column) of a byte offset."""
    offset = max(0, min(offset, len(raw)))
    line = raw.count(b"\n", 0, offset) + 1
    start = raw.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def parse(raw: bytes) -> Document:
    """Decode bytes as one JSON value; raise :class:`JsonSyntaxError` when Go would."""
    try:
        text = raw.decode("utf-8")
        bad: list[int] = []
    except UnicodeDecodeError:
        text, bad = _decode_lossy(raw)
    dup_seen = False
    new_object = _compact_objects()

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal dup_seen
        obj = new_object(pairs)
        if len(obj) != len(pairs):
            dup_seen = True
            dobj = DupDict(obj)
            dobj.pairs = pairs
            return dobj
        return obj

    def loads(**hooks: Any) -> Any:
        return leanjson.loads(
            text,
            object_pairs_hook=pairs_hook,
            parse_float=FloatLiteral,
            parse_constant=_reject_constant,
            **hooks,
        )

    try:
        value = loads()
    except RecursionError:
        offset = _too_deep_offset(raw, DEPTH_REPORTED)
        raise JsonSyntaxError("document nested too deeply", offset) from None
    except ValueError:
        found = find_syntax_error(raw)
        if found is not None:
            raise JsonSyntaxError(*found) from None
        # Valid JSON that Python's decoder refuses: integers longer than int()'s digit limit
        try:
            value = loads(parse_int=_int_literal)
        except RecursionError:
            offset = _too_deep_offset(raw, DEPTH_REPORTED)
            raise JsonSyntaxError("document nested too deeply", offset) from None
        except ValueError as exc:  # pragma: no cover - no known input
            raise JsonSyntaxError(str(exc), len(raw)) from None
    if bad or "\\u" in text:
        merged = [False]
        value = _scrub_surrogates(value, merged)
        dup_seen = dup_seen or merged[0]
    # the text is as large as the input: a clean config never needs it again
    return Document(value, None, raw, dup_seen, bad)


_KEY_SETS = 512  # distinct key lists that get their own shared-key table


def _compact_objects() -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """A factory of plain dicts that cost half as much for objects repeating the same keys.

    CPython stores an instance's attributes in a "split" dict whose key table is shared by
    every instance of the class; such a dict remains an ordinary ``dict`` when taken out of
    its instance. A config of a million directories repeats the same few key lists, so each
    key list gets a class (up to :data:`_KEY_SETS`; other objects are ordinary dicts)."""
    classes: dict[tuple[str, ...], type] = {}
    first = itemgetter(0)

    def new_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = tuple(map(first, pairs))
        cls = classes.get(keys)
        if cls is None:
            if len(classes) >= _KEY_SETS:
                return dict(pairs)
            cls = classes[keys] = type("JsonObject", (), {})
        d: dict[str, Any] = cls().__dict__
        for k, v in pairs:
            d[k] = v
        return d

    return new_object


_INT_DIGITS_MAX = 4000  # below the interpreter's int/str conversion limit (4300)


def _int_literal(text: str) -> int | FloatLiteral:
    """An integer too long for ``int()`` is certainly out of range: keep it as a literal."""
    if len(text) <= _INT_DIGITS_MAX:
        return int(text)
    return FloatLiteral(text)


@cache
def _compiled(pattern: AnyStr) -> re.Pattern[AnyStr]:
    """``pattern`` compiled on first use: a valid config needs none of these (docs/initramfs.md)."""
    import re

    return re.compile(pattern)


_ESCAPED_BYTES = "[\udc80-\udcff]+"


def _decode_lossy(raw: bytes) -> tuple[str, list[int]]:
    """Decode invalid UTF-8 the way Go does: each bad byte stands for one U+FFFD.

    The text keeps every bad byte as a ``surrogateescape`` code point (so byte columns stay
    exact); string values get U+FFFD (see :func:`_scrub_surrogates`). Returns the text and the
    offset of the first byte of each run of bad bytes.
    """
    text = raw.decode("utf-8", "surrogateescape")
    bad: list[int] = []
    char_pos = byte_pos = 0
    for m in _compiled(_ESCAPED_BYTES).finditer(text):
        byte_pos += len(text[char_pos : m.start()].encode("utf-8"))
        bad.append(byte_pos)
        byte_pos += m.end() - m.start()
        char_pos = m.end()
    return text, bad


_SURROGATE = "[\ud800-\udfff]"


def _scrub(s: str) -> str:
    return _compiled(_SURROGATE).sub("\ufffd", s)


def _scrub_surrogates(value: Any, merged: list[bool]) -> Any:
    """Lone surrogates (``\\ud800`` escapes, bad bytes) are U+FFFD in Go; never let them reach
    disk. Keys that become equal are duplicates (``merged[0]`` is set)."""
    if isinstance(value, str):
        return _scrub(value)
    if isinstance(value, list):
        return [_scrub_surrogates(v, merged) for v in value]
    if isinstance(value, dict):
        items = value.pairs if isinstance(value, DupDict) else value.items()
        pairs = [(_scrub(k), _scrub_surrogates(v, merged)) for k, v in items]
        scrubbed = dict(pairs)
        if isinstance(value, DupDict) or len(scrubbed) != len(pairs):
            merged[0] = merged[0] or len(scrubbed) != len(pairs)
            d = DupDict(scrubbed)
            d.pairs = pairs
            return d
        return scrubbed
    return value


_TOKENS = rb'"(?:[^"\\]|\\.)*"|[\[\]{}]'


def _too_deep_offset(raw: bytes, limit: int) -> int:
    """Byte offset just past the bracket that nests deeper than ``limit`` (end if none)."""
    depth = 0
    for m in _compiled(_TOKENS).finditer(raw):
        tok = m.group()
        if tok in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return m.end()
        elif tok in (b"]", b"}"):
            depth -= 1
    return len(raw)


# --------------------------------------------------------------------------- positions


def _line_starts(text: str | bytes) -> list[int]:
    """Offsets at which each line starts."""
    newline: str | bytes = "\n" if isinstance(text, str) else b"\n"
    starts = [0]
    i = text.find(newline)  # type: ignore[arg-type]  # str with str, bytes with bytes
    while i >= 0:
        starts.append(i + 1)
        i = text.find(newline, i + 1)  # type: ignore[arg-type]
    return starts


_NUMBER = r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?"


_WS = r"[ \t\n\r]*"


class PositionIndex:
    """Path → position for every value and key of a (syntactically valid) document."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._values: dict[Path, int] = {}
        self._keys: dict[Path, int] = {}
        self._containers: set[Path] = set()
        self.duplicate_keys: list[Path] = []
        self._line_starts = _line_starts(text)
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 4 * 1024))  # the decoder accepted up to ~1,000 levels
        try:
            self._scan(_compiled(_WS).match(text, 0).end(), ())  # type: ignore[union-attr]
        finally:
            sys.setrecursionlimit(limit)

    def _scan(self, pos: int, path: Path) -> int:
        text = self._text
        ch = text[pos]
        if ch == "{":
            self._values[path] = pos + 1
            self._containers.add(path)
            pos = _compiled(_WS).match(text, pos + 1).end()  # type: ignore[union-attr]
            seen: set[str] = set()
            if text[pos] == "}":
                return pos + 1
            while True:
                key_pos = pos
                key, pos = scanstring(text, pos + 1)
                if _compiled(_SURROGATE).search(key):
                    key = _scrub(key)  # as the decoded document spells it
                child = (*path, key)
                if key in seen:
                    self.duplicate_keys.append(child)
                seen.add(key)
                self._keys[child] = key_pos
                pos = _compiled(_WS).match(text, pos).end()  # type: ignore[union-attr]
                pos = _compiled(_WS).match(text, pos + 1).end()  # type: ignore[union-attr]  # ':'
                pos = self._scan(pos, child)
                pos = _compiled(_WS).match(text, pos).end()  # type: ignore[union-attr]
                if text[pos] == "}":
                    return pos + 1
                pos = _compiled(_WS).match(text, pos + 1).end()  # type: ignore[union-attr]  # ','
        if ch == "[":
            self._values[path] = pos + 1
            self._containers.add(path)
            pos = _compiled(_WS).match(text, pos + 1).end()  # type: ignore[union-attr]
            if text[pos] == "]":
                return pos + 1
            i = 0
            while True:
                pos = self._scan(pos, (*path, i))
                i += 1
                pos = _compiled(_WS).match(text, pos).end()  # type: ignore[union-attr]
                if text[pos] == "]":
                    return pos + 1
                pos = _compiled(_WS).match(text, pos + 1).end()  # type: ignore[union-attr]
        self._values[path] = pos
        if ch == '"':
            return int(scanstring(text, pos + 1)[1])
        if ch in "tn":
            return pos + 4
        if ch == "f":
            return pos + 5
        m = _compiled(_NUMBER).match(text, pos)
        assert m is not None
        return m.end()

    def _position(self, char_offset: int) -> tuple[int, int]:
        i = bisect_right(self._line_starts, char_offset) - 1
        start = self._line_starts[i]
        # bad input bytes are surrogateescape code points in the text: one byte each
        col = len(self._text[start:char_offset].encode("utf-8", "surrogateescape")) + 1
        return i + 1, col

    def value_offset(self, path: Path) -> int | None:
        return self._values.get(path)

    def locate(self, path: Path) -> tuple[int, int] | None:
        """Position of the value at ``path``, else of its deepest existing ancestor."""
        for n in range(len(path), -1, -1):
            off = self._values.get(path[:n])
            if off is not None:
                return self._position(off)
        return None

    def locate_key(self, path: Path) -> tuple[int, int] | None:
        off = self._keys.get(path)
        if off is None:
            return self.locate(path)
        return self._position(off)

    def value_end(self, path: Path) -> tuple[int, int] | None:
        """Where Go reports a type error: past a scalar, one past a container's bracket."""
        off = self._values.get(path)
        if off is None:
            return self.locate(path)
        if path in self._containers:
            return self._position(off)
        return self._position(self._scalar_end(off))

    def _scalar_end(self, off: int) -> int:
        text = self._text
        ch = text[off]
        if ch == '"':
            return int(scanstring(text, off + 1)[1])
        if ch in "tn":
            return off + 4
        if ch == "f":
            return off + 5
        m = _compiled(_NUMBER).match(text, off)
        return m.end() if m else off + 1


# --------------------------------------------------------------------------- Go syntax errors


_GO_NAMED_ESCAPES = {7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r"}


def _quote_char(raw: bytes, i: int) -> str:
    """Go's quoteChar for the (UTF-8 decoded) character starting at byte ``i``."""
    b = raw[i]
    if b == ord("'"):
        return "'\\''"
    if b == ord('"'):
        return "'\"'"
    n = 1 if b < 0x80 else 2 if b >> 5 == 0b110 else 3 if b >> 4 == 0b1110 else 4
    try:
        ch = raw[i : i + n].decode("utf-8")
    except UnicodeDecodeError:
        return f"'\\x{b:02x}'"
    code = ord(ch)
    if code < 0x20 or code == 0x7F:  # strconv.Quote: named escapes, else \xNN
        return "'" + _GO_NAMED_ESCAPES.get(code, f"\\x{code:02x}") + "'"
    if ch.isprintable():
        return f"'{ch}'"
    return f"'\\u{code:04x}'" if code <= 0xFFFF else f"'\\U{code:08x}'"


def _char_len(raw: bytes, i: int) -> int:
    b = raw[i]
    n = 1 if b < 0x80 else 2 if b >> 5 == 0b110 else 3 if b >> 4 == 0b1110 else 4
    try:
        raw[i : i + n].decode("utf-8")
    except UnicodeDecodeError:
        return 1
    return n


_WS_BYTES = b" \t\r\n"
_DIGITS = b"0123456789"
_HEX = b"0123456789abcdefABCDEF"


def go_syntax_error(raw: bytes) -> tuple[str, int]:
    """Return (message, offset) for the first syntax error, as Ignition's decoder reports it.

    ``offset`` is the number of bytes consumed including the offending character; an error at
    the end of the input has ``offset == len(raw)``.
    """
    found = find_syntax_error(raw)
    return found if found is not None else ("unexpected end of JSON input", len(raw))


def find_syntax_error(raw: bytes) -> tuple[str, int] | None:
    """Like :func:`go_syntax_error`, but None when ``raw`` is one valid JSON value."""
    return _SyntaxScan(raw).run()


class _SyntaxScan:
    """Go's JSON scanner reduced to finding the first error, in Go's words and at its offset.

    It walks the input once with no recursion (any depth is fine): ``i`` is the position,
    ``stack`` the open containers ('k' object key due, 'v' object value due, 'a' array) and
    ``state`` what comes next: a value ("value", or "value_or_empty" just after '['), an
    object key ("key"), or what may follow a complete value ("end"). Each step returns the
    error it found, or None to go on.
    """

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.n = len(raw)
        self.i = 0
        self.stack: list[str] = []
        self.state = "value"

    def run(self) -> tuple[str, int] | None:
        while True:
            self.i = self._skip_ws(self.i)
            if self.state == "end":
                if not self.stack and self.i >= self.n:
                    return None  # one complete value
                found = self._after_value()
            elif self.state == "key":
                found = self._key()
            else:
                found = self._value()
            if found is not None:
                return found

    def _err(self, what: str) -> tuple[str, int]:
        # the offset counts the offending character, all its bytes
        i = self.i
        return f"invalid character {_quote_char(self.raw, i)} {what}", i + _char_len(self.raw, i)

    def _eof(self) -> tuple[str, int]:
        return "unexpected end of JSON input", self.n

    def _skip_ws(self, j: int) -> int:
        while j < self.n and self.raw[j] in _WS_BYTES:
            j += 1
        return j

    def _close(self) -> None:
        """The byte at ``i`` closes the innermost container: a complete value ends there."""
        self.stack.pop()
        self.i += 1
        self.state = "end"

    def _value(self) -> tuple[str, int] | None:
        if self.i >= self.n:
            return self._eof()
        c = self.raw[self.i]
        if self.state == "value_or_empty" and c == ord("]"):
            self._close()
            return None
        if c == ord("{"):
            return self._open_object()
        if c == ord("["):
            self.stack.append("a")
            self.i += 1
            self.state = "value_or_empty"
            return None
        if c == ord('"'):
            return self._scanned(_scan_string(self.raw, self.i))
        if c == ord("-") or c in _DIGITS:
            return self._scanned(_scan_number(self.raw, self.i))
        for lit in (b"true", b"false", b"null"):
            if c == lit[0]:
                return self._literal(lit)
        return self._err("looking for beginning of value")

    def _open_object(self) -> tuple[str, int] | None:
        self.stack.append("k")
        self.i = self._skip_ws(self.i + 1)
        if self.i >= self.n:
            return self._eof()
        if self.raw[self.i] == ord("}"):
            self._close()
            return None
        self.state = "key"
        return None

    def _scanned(self, res: int | tuple[str, int]) -> tuple[str, int] | None:
        """A string or number scanned: its error, or the value ends at ``res``."""
        if isinstance(res, tuple):
            return res
        self.i = res
        self.state = "end"
        return None

    def _literal(self, lit: bytes) -> tuple[str, int] | None:
        raw, i = self.raw, self.i
        for k in range(1, len(lit)):
            if i + k >= self.n:
                return self._eof()
            if raw[i + k] != lit[k]:
                self.i += k
                return self._err(f"in literal {lit.decode()} (expecting '{chr(lit[k])}')")
        self.i += len(lit)
        self.state = "end"
        return None

    def _key(self) -> tuple[str, int] | None:
        """An object key and its colon."""
        if self.i >= self.n:
            return self._eof()
        if self.raw[self.i] != ord('"'):
            return self._err("looking for beginning of object key string")
        res = _scan_string(self.raw, self.i)
        if isinstance(res, tuple):
            return res
        self.i = self._skip_ws(res)
        if self.i >= self.n:
            return self._eof()
        if self.raw[self.i] != ord(":"):
            return self._err("after object key")
        self.stack[-1] = "v"
        self.i += 1
        self.state = "value"
        return None

    def _after_value(self) -> tuple[str, int] | None:
        """After a complete value: the separator or the close of its container."""
        if not self.stack:
            return self._err("after top-level value")
        if self.i >= self.n:
            return self._eof()
        c = self.raw[self.i]
        if self.stack[-1] == "v":
            if c == ord(","):
                self.stack[-1] = "k"
                self.i += 1
                self.state = "key"
            elif c == ord("}"):
                self._close()
            else:
                return self._err("after object key:value pair")
            return None
        if c == ord(","):
            self.i += 1
            self.state = "value"
        elif c == ord("]"):
            self._close()
        else:
            return self._err("after array element")
        return None


def _scan_string(raw: bytes, i: int) -> int | tuple[str, int]:
    n = len(raw)
    j = i + 1
    while j < n:
        c = raw[j]
        if c == ord('"'):
            return j + 1
        if c == ord("\\"):
            if j + 1 >= n:
                return "unexpected end of JSON input", n
            e = raw[j + 1]
            if e in b'"\\/bfnrt':
                j += 2
                continue
            if e == ord("u"):
                hexpart = raw[j + 2 : j + 6]
                if len(hexpart) == 4 and all(h in _HEX for h in hexpart):
                    j += 6
                    continue
                if j + 6 > n and all(h in _HEX for h in hexpart):
                    return "unexpected end of JSON input", n
                seq = raw[j : j + 6]
            else:
                seq = raw[j : j + 1 + _char_len(raw, j + 1)]
            shown = seq.decode("utf-8", "replace")
            return f"invalid escape sequence `{shown}` in string", j + len(seq)
        if c < 0x20:
            return f"invalid character {_quote_char(raw, j)} in string", j + 1
        j += 1
    return "unexpected end of JSON input", n


def _scan_number(raw: bytes, i: int) -> int | tuple[str, int]:
    n = len(raw)
    j = i
    if raw[j] == ord("-"):
        j += 1
        if j >= n:
            return "unexpected end of JSON input", n
        if raw[j] not in _DIGITS:
            return f"invalid character {_quote_char(raw, j)} in numeric literal", j + 1
    if raw[j] == ord("0"):
        j += 1
    else:
        while j < n and raw[j] in _DIGITS:
            j += 1
    if j < n and raw[j] == ord("."):
        j += 1
        if j >= n:
            return "unexpected end of JSON input", n
        if raw[j] not in _DIGITS:
            msg = f"invalid character {_quote_char(raw, j)} after decimal point in numeric literal"
            return msg, j + 1
        while j < n and raw[j] in _DIGITS:
            j += 1
    if j < n and raw[j] in b"eE":
        j += 1
        if j < n and raw[j] in b"+-":
            j += 1
        if j >= n:
            return "unexpected end of JSON input", n
        if raw[j] not in _DIGITS:
            msg = f"invalid character {_quote_char(raw, j)} in exponent of numeric literal"
            return msg, j + 1
        while j < n and raw[j] in _DIGITS:
            j += 1
    return j
