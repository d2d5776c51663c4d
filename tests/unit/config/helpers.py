"""Small helpers shared by the config tests: build configs, run the parser, read reports."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from ignition.config.parse import parse
from ignition.config.report import Diagnostic, dotted
from ignition.config.result import ParseResult

E = "error"
W = "warning"

Entry = tuple[str, str, str]  # (severity, dotted path or "-", message)
Located = tuple[str, str, int | None, int | None, str]

Doc = dict[str, Any] | bytes | str


def config(version: str, **sections: Any) -> dict[str, Any]:
    """A config of ``version`` with the given top-level sections."""
    return {"ignition": {"version": version}, **sections}


def raw_bytes(doc: Doc) -> bytes:
    if isinstance(doc, bytes):
        return doc
    if isinstance(doc, str):
        return doc.encode()
    return json.dumps(doc).encode()


def run(doc: Doc, *, legacy: bool = False) -> ParseResult:
    return parse(raw_bytes(doc), legacy=legacy)


def entry(d: Diagnostic) -> Entry:
    return (str(d.severity), dotted(d.path) if d.path is not None else "-", d.message)


def located(d: Diagnostic) -> Located:
    return (*entry(d)[:2], d.line, d.column, d.message)


def entries(doc: Doc, *, legacy: bool = False) -> list[Entry]:
    """The report of a config that got past version detection, as (severity, path, message)."""
    result = run(doc, legacy=legacy)
    assert result.failure is None, result.failure
    return [entry(d) for d in result.report]


def positions(doc: Doc, *, legacy: bool = False) -> list[Located]:
    result = run(doc, legacy=legacy)
    assert result.failure is None, result.failure
    return [located(d) for d in result.report]


@dataclass
class Case:
    """One rule case: a config of ``version`` and the exact report it must produce."""

    id: str
    version: str
    doc: dict[str, Any]
    expected: list[Entry] = field(default_factory=list)

    def full(self) -> dict[str, Any]:
        return config(self.version, **self.doc)


def check_case(case: Case, *, legacy: bool = False) -> None:
    result = run(case.full(), legacy=legacy)
    assert result.failure is None, result.failure
    got = sorted(entry(d) for d in result.report)
    assert got == sorted(case.expected)
    fatal = any(sev == E for sev, _, _ in case.expected)
    assert result.ok is not fatal
    assert (result.config is None) is fatal


def cases_param(cases: list[Case]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("case", cases, ids=[c.id for c in cases])


def examples(n: int) -> int:
    """Hypothesis example counts, scaled by ``$PYIGNITION_FUZZ_SCALE`` for long local runs
    (the default keeps the whole suite fast)."""
    import os

    return n * max(1, int(os.environ.get("PYIGNITION_FUZZ_SCALE", "1")))
