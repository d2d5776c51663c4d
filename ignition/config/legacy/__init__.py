"""Spec 1 and 2.x configs (Flatcar): validate with the 2.x rules, translate to spec 3.

Flatcar's Ignition accepts these by translating them to a 3.1.0 config at parse time; the
result then goes through the normal 3.x pipeline. Every diagnostic, including those found on
the translated config, is reported at a path and position of the user's own document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ignition.config import shape
from ignition.config.legacy import rules
from ignition.config.legacy.convert import PathMap, convert
from ignition.config.legacy.v1 import to_v20
from ignition.config.report import Diagnostic, Path, Report, Severity
from ignition.util.record import record

if TYPE_CHECKING:
    from ignition.config import jsondoc
    from ignition.config.result import ParseResult


@record
class Translation:
    """A legacy config translated to a 3.1.0 tree, ready for the 3.x pipeline.

    ``to_document`` maps a path of the tree to the user's document (for positions),
    ``to_user`` to the path the user wrote (for messages); ``found`` is what the 2.x
    rules already reported, so that a finding of both rule sets shows once.
    """

    tree: Any
    to_document: Callable[[Path], Path]
    to_user: Callable[[Path], Path]
    found: frozenset[tuple[Severity, Path | None, str]]


def translate(doc: jsondoc.Document, version: str, result: ParseResult) -> Translation | None:
    """Check a spec 1/2.x document with the 2.x rules into ``result`` and translate it.

    None when its shape is wrong: the result then holds the errors and nothing else runs.
    """
    result.version = version
    checked = shape.check(doc.value, version)
    index = doc.index
    for te in checked.type_errors:
        line, col = index.value_end(checked.document_path(te.path)) or (None, None)
        result.report.entries.append(Diagnostic(Severity.ERROR, None, te.message, line, col))
    if checked.type_errors:
        result.report.sort()
        return None
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

    return Translation(
        tree=converted,
        to_document=to_document,
        to_user=lambda p: to_user(to_2x(p)),
        found=frozenset((d.severity, d.path, d.message) for d in legacy.entries),
    )


def finish(result: ParseResult, translation: Translation, translated: ParseResult) -> ParseResult:
    """Join the 3.x pipeline's result on the translated tree to the user's ``result``."""
    translated.report.map_paths(translation.to_user)
    # many 2.x rules are also 3.x rules: report each finding once
    result.report.extend(
        d for d in translated.report if (d.severity, d.path, d.message) not in translation.found
    )
    result.report.sort()
    result.config = translated.config if not result.report.is_fatal else None
    return result
