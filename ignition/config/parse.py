"""Bytes → typed config of the newest spec, plus one report (the frontend's only entry point).

Pipeline (each step pure, every finding a located diagnostic):
  bytes ─JSON─▶ tree ─version stub─▶ version ─shape(schema file)─▶ clean tree
        ─decode─▶ model ─rules(version)─▶ report ─upgrade─▶ newest-spec model
Spec 2.x and 1 configs (Flatcar) take :mod:`ignition.config.legacy` instead of the 3.x shape
and rules, and join this pipeline as a 3.1.0 document whose paths map back to the user's.
"""

from __future__ import annotations

from ignition.config import codec, jsondoc, model, rules, shape
from ignition.config.report import Diagnostic, Path, Report, Severity
from ignition.config.result import BAD_VERSION, EMPTY, UNSUPPORTED, ParseResult
from ignition.config.versions import LATEST, SPEC2, before, canonical, parse_semver
from ignition.util.record import replace

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def parse(raw: bytes, *, legacy: bool = True) -> ParseResult:
    """Parse an Ignition config of any supported version.

    ``legacy`` accepts spec 1 and 2.x (Flatcar's behaviour, translated to 3.x); without it those
    are refused as "unsupported config version", as upstream Ignition and its validator do.
    """
    if not raw:
        return ParseResult(None, failure=EMPTY)
    try:
        doc = jsondoc.parse(raw)
    except jsondoc.JsonSyntaxError as exc:
        line, col = jsondoc.byte_offset_position(raw, exc.offset)
        report = Report([Diagnostic(Severity.ERROR, None, exc.message, line, col)])
        return ParseResult(None, report)
    result = ParseResult(None, document=doc)
    stub = _version_stub(doc, result.report)
    if stub is None:
        return result
    version_text, legacy_int = stub
    if legacy_int is not None or not version_text:
        if legacy and legacy_int == 1 and not version_text:
            return _parse_legacy(doc, "1", result)
        result.failure = BAD_VERSION
        return result
    sv = parse_semver(version_text)
    if sv is None:
        result.failure = BAD_VERSION
        return result
    version = canonical(version_text)
    if version is None or (version in SPEC2 and not legacy) or version == "1":
        result.failure = UNSUPPORTED
        return result
    result.version = version
    if version in SPEC2:
        return _parse_legacy(doc, version, result)
    return parse_tree(doc.value, version, result)


def _parse_legacy(doc: jsondoc.Document, version: str, result: ParseResult) -> ParseResult:
    """Spec 1/2.x: the 2.x rules, then the 3.x pipeline on the 3.1.0 translation."""
    from ignition.config import legacy  # rare at boot: loaded only for such a config

    translation = legacy.translate(doc, version, result)
    if translation is None:
        return result
    translated = parse_tree(
        translation.tree, "3.1.0", ParseResult(None, document=doc), translation.to_document
    )
    return legacy.finish(result, translation, translated)


def _version_stub(doc: jsondoc.Document, report: Report) -> tuple[str, int | None] | None:
    """Read ``ignition.version`` like the reference's stub decode (keys match any case)."""
    root = doc.value

    def stub_error(value: Any, path: Path, go: str) -> None:
        kind = {bool: "bool", str: "string", list: "array", dict: "object"}.get(
            type(value), "number"
        )
        if not path:
            msg = f"json: cannot unmarshal {kind} into Go value of type {go}"
        else:
            dotted = ".".join(["versionStub", *map(str, path)])
            msg = f"json: cannot unmarshal {kind} into Go struct field {dotted} of type {go}"
        line, col = doc.index.value_end(path) or (1, 1)
        report.entries.append(Diagnostic(Severity.ERROR, None, msg, line, col))

    if root is None:
        return "", None
    if not isinstance(root, dict):
        stub_error(root, (), "util.versionStub")
        return None
    ign_key = _fold_get(root, "ignition")
    legacy_int = None
    legacy_key = _fold_get(root, "ignitionVersion")
    if legacy_key is not None and type(root[legacy_key]) is int:  # not bool, not float
        legacy_int = root[legacy_key]
    if ign_key is None or root[ign_key] is None:
        return "", legacy_int
    ign = root[ign_key]
    if not isinstance(ign, dict):
        stub_error(ign, (ign_key,), 'struct { Version string "json:\\"version,omitempty\\"" }')
        return None
    ver_key = _fold_get(ign, "version")
    if ver_key is None or ign[ver_key] is None:
        return "", legacy_int
    ver = ign[ver_key]
    if not isinstance(ver, str):
        stub_error(ver, (ign_key, ver_key), "string")
        return None
    return ver, None


def _fold_get(obj: dict[str, Any], name: str) -> str | None:
    """The key Go's decoder would use for field ``name``: exact, else the last case-folded."""
    pairs = obj.pairs if isinstance(obj, jsondoc.DupDict) else obj.items()
    found = None
    for key, _ in pairs:
        if key == name or key.lower() == name.lower():
            found = key
    return found


def parse_tree(
    tree: Any,
    version: str,
    result: ParseResult,
    to_document: Callable[[Path], Path] = lambda p: p,
) -> ParseResult:
    """Shape, decode, rules, positions and upgrade for a 3.x tree."""
    report = result.report
    doc = result.document
    if doc is not None:
        doc.value = None  # handed over: the clean tree replaces it as the walk goes
    checked = shape.check_owned(tree, version)
    del tree

    def doc_path(p: Path) -> Path:
        return to_document(checked.document_path(p))

    for te in checked.type_errors:
        pos = doc.index.value_end(doc_path(te.path)) if doc is not None else None
        line, col = pos if pos is not None else (None, None)
        report.entries.append(Diagnostic(Severity.ERROR, None, te.message, line, col))
    if checked.type_errors:
        report.sort()
        return result
    cfg = codec.decode_config(checked.tree or {}, consume=True)
    checked.tree = None
    semantic = rules.check(cfg, version)
    for u in checked.unused:
        hint = u.hint()
        suffix = f"; did you mean {hint}?" if hint else ""
        semantic.warning(u.path, f"unused key {u.key}{suffix}")
    for p in checked.null_objects:
        if version == "3.2.0" and p[-2:] == ("clevis", "custom"):
            continue  # a pointer in 3.2: null simply means unset
        semantic.warning(p, f"{p[-1]} is null: treated as empty")
    _document_warnings(result, checked, semantic)
    if doc is not None and semantic.entries:
        index = doc.index  # built only now: a clean config never pays for positions
        unused_paths = {u.path for u in checked.unused}
        for i, d in enumerate(semantic.entries):
            if d.path is None or d.line is not None:
                continue
            where = doc_path(d.path)
            pos = index.locate_key(where) if d.path in unused_paths else index.locate(where)
            if pos is not None:
                semantic.entries[i] = replace(d, line=pos[0], column=pos[1])
    report.extend(semantic)
    report.sort()
    if report.is_fatal:
        return result
    result.config = upgrade(cfg, version)
    return result


def _document_warnings(result: ParseResult, checked: shape.ShapeResult, r: Report) -> None:
    """Problems of the document itself that the reference passes over silently."""
    doc = result.document
    if doc is None:
        return
    if doc.has_duplicate_keys:
        folded = {u.path for u in checked.unused}
        for p in doc.index.duplicate_keys:
            if p in folded:
                continue  # already reported as an unused (case-variant) key
            line, col = doc.index.locate_key(p) or (None, None)
            r.entries.append(
                Diagnostic(
                    Severity.WARNING,
                    p,
                    f"duplicate key {p[-1]}: only its last value is used",
                    line,
                    col,
                )
            )
    for off in doc.invalid_utf8_offsets:
        line, col = doc.byte_position(off)
        r.entries.append(
            Diagnostic(
                Severity.WARNING,
                None,
                "invalid UTF-8 byte sequence: replaced with U+FFFD",
                line,
                col,
            )
        )


def upgrade(cfg: model.Config, version: str) -> model.Config:
    """Translate a validated config of ``version`` to the newest spec."""
    if before(version, "3.6.0"):
        # Before 3.6.0 setuid/setgid/sticky bits never reached the disk (reference behaviour).
        st = cfg.storage
        files = tuple(f if f.mode is None else replace(f, mode=f.mode & ~0o7000) for f in st.files)
        dirs = tuple(
            d if d.mode is None else replace(d, mode=d.mode & ~0o7000) for d in st.directories
        )
        cfg = replace(cfg, storage=replace(st, files=files, directories=dirs))
    return replace(cfg, ignition=replace(cfg.ignition, version=LATEST))


def validate_tree(tree: Any, version: str) -> tuple[model.Config | None, Report]:
    """Validate an already-parsed JSON tree of ``version`` (used by the transpilers).

    Diagnostics carry paths into ``tree`` and no positions; the caller maps them.
    """
    result = ParseResult(None, version=version)
    checked = shape.check(tree, version)
    for te in checked.type_errors:
        result.report.entries.append(Diagnostic(Severity.ERROR, te.path, te.message))
    if checked.type_errors:
        return None, result.report
    cfg = codec.decode_config(checked.tree or {})
    report = rules.check(cfg, version)
    for u in checked.unused:
        report.warning(u.path, f"unused key {u.key}")
    if report.is_fatal:
        return None, report
    return upgrade(cfg, version), report
