"""Spec 1 and 2.x configs (Flatcar): validate with the 2.x rules, translate to spec 3.

Flatcar's Ignition accepts these by translating them to a 3.1.0 config at parse time; the
result then goes through the normal 3.x pipeline. Every diagnostic, including those found on
the translated config, is reported at a path and position of the user's own document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ignition.config import shape
from ignition.config.legacy import rules
from ignition.config.legacy.convert import PathMap, convert
from ignition.config.legacy.v1 import to_v20
from ignition.report import Diagnostic, Report, Severity

if TYPE_CHECKING:
    from ignition import jsondoc
    from ignition.config.parse import ParseResult


def parse_legacy(doc: jsondoc.Document, version: str, result: ParseResult) -> ParseResult:
    from ignition.config.parse import ParseResult, parse_tree

    result.version = version
    checked = shape.check(doc.value, version)
    index = doc.index
    for te in checked.type_errors:
        line, col = index.value_end(checked.document_path(te.path)) or (None, None)
        result.report.entries.append(Diagnostic(Severity.ERROR, None, te.message, line, col))
    if checked.type_errors:
        result.report.sort()
        return result
    legacy = Report()
    for u in checked.unused:
        legacy.warning(u.path, f"Config has unrecognized key: {u.key}")
    tree = checked.tree or {}
    to_user = PathMap()  # spec 2.0 path -> spec 1 path (identity for 2.x input)
    rule_version = version
    if version == "1":
        tree = to_v20(tree, to_user)
        rule_version = "2.0.0"
        legacy.warning((), "deprecated: config format deprecated (spec 1); translated to spec 3")
    found = rules.check(tree, rule_version)
    to_2x = PathMap()
    # translate even after errors: the 3.x checks of the result may find more, all in one run
    converted = convert(tree, rule_version, found, to_2x)
    found.map_paths(to_user)
    legacy.extend(found)
    unused = {u.path for u in checked.unused}
    for i, d in enumerate(legacy.entries):
        if d.path is None:
            continue
        p = checked.document_path(d.path)
        pos = index.locate_key(p) if d.path in unused else index.locate(p)
        if pos is not None:
            legacy.entries[i] = Diagnostic(d.severity, d.path, d.message, pos[0], pos[1])
    result.report.extend(legacy)

    def to_document(p: tuple[str | int, ...]) -> tuple[str | int, ...]:
        return checked.document_path(to_user(to_2x(p)))

    translated = parse_tree(converted, "3.1.0", ParseResult(None, document=doc), to_document)
    translated.report.map_paths(lambda p: to_user(to_2x(p)))
    result.report.extend(translated.report)
    result.report.sort()
    result.config = translated.config if not result.report.is_fatal else None
    return result
