"""Helpers for the transpiler tests: run a translation and decode its output."""

from __future__ import annotations

import base64
import gzip
import json
import urllib.parse
from typing import Any

from transpiler.butane.translate import translate
from transpiler.localfiles import FilesDir
from transpiler.result import Result


def butane(text: str, *, files: FilesDir | None = None, raw: bool = False) -> Result:
    return translate(text.encode(), files=files, raw_output=raw)


def output(result: Result) -> Any:
    assert result.output is not None, (result.failure, list(result.report))
    return json.loads(result.output)


def decode_source(res: dict[str, Any]) -> bytes:
    """The bytes a data: URL resource carries."""
    meta, _, data = res["source"].partition(",")
    raw = (
        base64.b64decode(data) if meta.endswith(";base64") else urllib.parse.unquote_to_bytes(data)
    )
    return gzip.decompress(raw) if res.get("compression") == "gzip" else raw


def messages(result: Result) -> list[str]:
    return [d.message for d in result.report]
