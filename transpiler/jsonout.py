"""JSON bytes as Go's encoding/json writes them (escaping and indentation)."""

from __future__ import annotations

import json
from typing import Any

_GO_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def _go_escape(text: str) -> str:
    if not any(c in text for c in _GO_ESCAPES):
        return text
    for c, e in _GO_ESCAPES.items():
        text = text.replace(c, e)
    return text


def dumps(value: Any, *, pretty: bool) -> str:
    if pretty:
        text = json.dumps(value, ensure_ascii=False, indent=2)
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _go_escape(text)
