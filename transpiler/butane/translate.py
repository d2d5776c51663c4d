"""Butane: YAML bytes -> Ignition JSON (or an OpenShift MachineConfig) plus one report.

Pipeline (the reference's order, so the same stage reports the same problems):
  sniff variant/version -> registry -> typed decode (Go unmarshal errors) -> unused keys
  -> Butane-level validation -> desugaring -> variant field filters
  -> Ignition validation of the output (the config core), mapped back to YAML -> emit.
Every diagnostic carries a YAML path and is located at the end.
"""

from __future__ import annotations

from typing import Any

from ignition.config.report import Diagnostic, Path, Report, Severity, dotted
from ignition.config.versions import parse_semver
from ignition.config.yamldoc import (
    MappingNode,
    Node,
    ScalarNode,
    YamlSyntaxError,
    compose_first_located,
)
from ignition.util.record import replace
from transpiler.butane import registry
from transpiler.butane.context import Ctx
from transpiler.localfiles import FilesDir, NoFilesDir
from transpiler.result import Failure, Result
from transpiler.shapes import Decoded, decode

SOURCE_INVALID = "source config is invalid"
GENERATED_INVALID = "config generated was invalid"
NO_FILES_DIR = (
    "local file paths are relative to a files directory that must be specified with -d/--files-dir"
)
CONTEXT_MISMATCH = (
    "context tree does not match content tree at {}. Line and column reporting may be "
    "inconsistent. Unused keys may not be reported"
)


def translate(
    raw: bytes, *, files: FilesDir | None = None, raw_output: bool = False, pretty: bool = False
) -> Result:
    """Translate a Butane config. ``files`` reads ``--files-dir`` (None: no files dir)."""
    files = files if files is not None else NoFilesDir(NO_FILES_DIR)
    text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n")
    try:
        node = compose_first_located(text)
    except YamlSyntaxError as exc:
        return Result(
            failure=Failure(
                f"Error unmarshaling yaml: yaml: line {exc.line}: {exc.message}",
                exc.line,
                exc.column,
            )
        )
    spec_or_fail = _sniff(node)
    if isinstance(spec_or_fail, Failure):
        return Result(failure=spec_or_fail)
    spec = spec_or_fail
    from transpiler.butane.schema import shape_for

    decoded = decode(node, shape_for(spec))
    del node, text  # everything later works on the decoded values and positions
    if decoded.errors or decoded.duplicates:
        errs = sorted(decoded.errors + decoded.duplicates, key=lambda e: (e.line, e.column))
        lines = "".join(f"\n  line {e.line}: {e.text}" for e in errs)
        return Result(
            failure=Failure(f"yaml: unmarshal errors:{lines}", errs[0].line, errs[0].column)
        )
    ctx = Ctx(spec, files, decoded)
    _document_warnings(ctx)
    result = _run(ctx, raw_output=raw_output, pretty=pretty)
    _locate(ctx.report, decoded)
    result.report = ctx.report
    result.hints = ctx.hints
    return result


def _sniff(node: Node | None) -> registry.Spec | Failure:
    variant = version = ""
    if isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for k, v in node.value:
            if not isinstance(k, ScalarNode):
                continue
            if k.value in seen:
                line = k.start_mark.line + 1
                return Failure(
                    "Error unmarshaling yaml: yaml: unmarshal errors:\n"
                    f'  line {line}: mapping key "{k.value}" already defined at line '
                    f"{seen[k.value]}",
                    line,
                    k.start_mark.column + 1,
                )
            seen[k.value] = k.start_mark.line + 1
            if k.value in ("variant", "version"):
                if not isinstance(v, ScalarNode):
                    line = v.start_mark.line + 1
                    kind = "!!seq" if not isinstance(v, MappingNode) else "!!map"
                    return Failure(
                        "Error unmarshaling yaml: yaml: unmarshal errors:\n"
                        f"  line {line}: cannot unmarshal {kind} into string",
                        line,
                        v.start_mark.column + 1,
                    )
                value = "" if v.value in ("~", "null", "Null", "NULL") and not v.style else v.value
                if k.value == "variant":
                    variant = value
                else:
                    version = value
    elif node is not None and not (isinstance(node, ScalarNode) and node.value == ""):
        line = node.start_mark.line + 1
        kind = "!!seq" if not isinstance(node, ScalarNode) else "!!str"
        return Failure(
            "Error unmarshaling yaml: yaml: unmarshal errors:\n"
            f"  line {line}: cannot unmarshal {kind} into config.commonFields",
            line,
            node.start_mark.column + 1,
        )
    if not variant:
        return Failure("error parsing variant; must be specified")
    sv = parse_semver(version) if version else None
    if sv is None:
        return Failure("error parsing version; must be a valid semver")
    if variant == "rhcos":
        return Failure(registry.RHCOS_REMOVED)
    spec = registry.lookup(variant, str(sv))
    if spec is None:
        return Failure(f"No translator exists for variant {variant} with version {sv}")
    return spec


def _document_warnings(ctx: Ctx) -> None:
    d = ctx.decoded
    for p in d.nulls + d.aliased:
        ctx.report.warning(p, CONTEXT_MISMATCH.format(dotted(p)))
    from transpiler.butane.schema import shape_for
    from transpiler.shapes import close_key

    shape = shape_for(ctx.spec)
    for p in sorted(d.unused + d.merges, key=lambda p: d.key_pos.get(p, (0, 0))):
        ctx.report.warning(p, f"unused key {p[-1]}")
        hint = close_key(shape, p) if p[-1] != "<<" else None
        if hint is not None:
            ctx.hints[len(ctx.report.entries) - 1] = f'did you mean "{hint}"?'


def _run(ctx: Ctx, *, raw_output: bool, pretty: bool) -> Result:
    from transpiler.butane import filters, generic, sugar, validate

    spec = ctx.spec
    cfg = ctx.decoded.value
    validate.source(ctx, cfg)
    if spec.fcos:
        from transpiler.butane import fcos

        fcos.validate(ctx, cfg)
    if spec.openshift:
        from transpiler.butane import openshift

        openshift.validate(ctx, cfg, raw_output=raw_output)
    if _fatal(ctx):
        return Result(failure=Failure(SOURCE_INVALID))
    out = generic.translate_config(ctx, cfg)
    out = sugar.apply(ctx, cfg, out)
    if spec.fcos:
        from transpiler.butane import fcos

        out = fcos.desugar(ctx, cfg, out)
    if _fatal(ctx):
        return Result(failure=Failure(SOURCE_INVALID))
    filters.check(ctx, out)
    if _fatal(ctx):
        return Result(failure=Failure(SOURCE_INVALID))
    out["ignition"] = {**out.get("ignition", {}), "version": spec.ignition}
    ctx.ts.add(("ignition", "version"), ("version",))
    ctx.ts.entries.setdefault(("ignition",), ("ignition",))
    _validate_output(ctx, out)
    if _fatal(ctx):
        return Result(failure=Failure(GENERATED_INVALID), translations=ctx.ts)
    from transpiler.butane.emit import ordered

    out = ordered(out)
    if spec.openshift and not raw_output:
        from transpiler.butane import openshift

        return Result(output=openshift.machine_config(ctx, cfg, out), translations=ctx.ts)
    from transpiler.jsonout import dumps

    return Result(output=(dumps(out, pretty=pretty) + "\n").encode(), translations=ctx.ts)


def _fatal(ctx: Ctx) -> bool:
    return ctx.report.is_fatal


def _validate_output(ctx: Ctx, out: dict[str, Any]) -> None:
    from ignition.config.parse import validate_tree

    _, report = validate_tree(out, ctx.spec.ignition)
    _zeroes_with_should_not_exist(report, out)
    for d in report:
        path = ctx.ts.source(d.path) if d.path is not None else None
        ctx.report.entries.append(replace(d, path=path))


def _zeroes_with_should_not_exist(report: Report, out: dict[str, Any]) -> None:
    """The rule Butane's vendored Ignition still has (dropped from Ignition's 3.x in 2.27): a
    partition configured absent next to a number-0 one (the message speaks of start/size)."""
    storage = out.get("storage")
    disks = storage.get("disks") if isinstance(storage, dict) else None
    for i, disk in enumerate(disks if isinstance(disks, list) else ()):
        parts = disk.get("partitions") if isinstance(disk, dict) else None
        if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
            continue
        if any(p.get("shouldExist") is False for p in parts) and any(
            not p.get("number") for p in parts
        ):
            report.error(
                ("storage", "disks", i, "partitions"),
                "shouldExist is false for a partition and other partition(s) has start or size 0",
            )


def _locate(report: Report, decoded: Decoded) -> None:
    unused = set(decoded.unused) | set(decoded.merges)
    for i, d in enumerate(report.entries):
        if d.path is None or d.line is not None:
            continue
        pos = decoded.key_pos.get(d.path) if d.path in unused else decoded.locate(d.path)
        if pos is not None:
            report.entries[i] = replace(d, line=pos[0], column=pos[1])


def located(severity: Severity, path: Path, message: str, pos: tuple[int, int]) -> Diagnostic:
    return Diagnostic(severity, path, message, pos[0], pos[1])
