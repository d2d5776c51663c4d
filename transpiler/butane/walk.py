"""Reach into the Ignition output by key path, for the variant filters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ignition.config.report import Path

UNSUPPORTED = "{} is not supported in this spec version"
UNSUPPORTED_PL = "{} are not supported in this spec version"


def walk(out: dict[str, Any], *keys: str) -> Iterator[tuple[Path, Any]]:
    """Every value at ``keys`` ("*" = each list item)."""
    items: list[tuple[Path, Any]] = [((), out)]
    for k in keys:
        nxt: list[tuple[Path, Any]] = []
        for p, v in items:
            if k == "*":
                if isinstance(v, list):
                    nxt.extend(((*p, i), x) for i, x in enumerate(v))
            elif isinstance(v, dict) and k in v:
                nxt.append(((*p, k), v[k]))
        items = nxt
    yield from items
