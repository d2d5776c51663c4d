"""Spec 1 and 2.x configs (Flatcar): validate with the 2.x rules, translate to spec 3."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ignition import jsondoc
    from ignition.config.parse import ParseResult


def parse_legacy(doc: jsondoc.Document, version: str, result: ParseResult) -> ParseResult:
    raise NotImplementedError
