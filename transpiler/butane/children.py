"""Validation of Ignition configs embedded with ``inline``/``local`` in merge/replace.

The reference reports a child's problems with the child's JSON path at line 1 of the parent;
here they are located at the embedding YAML value, and a help line names the child's path."""

from __future__ import annotations

from ignition.config.report import Path, dotted
from ignition.config.versions import canonical, parse_semver
from transpiler.butane.context import Ctx

UNKNOWN_VERSION = (
    "skipping validation for the merge/replace ignition config due to an unkown version"
)


def check_child(ctx: Ctx, data: bytes, at: Path, item: Path, *, local: bool) -> None:
    if local and not data:
        return  # the reference accepts an empty local child silently
    from ignition.config import jsondoc
    from ignition.config.parse import parse

    try:
        doc = jsondoc.parse(data)
    except jsondoc.JsonSyntaxError as exc:
        ctx.report.error(at, exc.message)
        ctx.report.error(at, "config is not valid")
        return
    version = _version(doc.value)
    if version is None or canonical(version) != ctx.spec.ignition:
        # each spec's parser accepts only its own version; anything else is not checked
        ctx.report.warning((*item, "version"), UNKNOWN_VERSION)
        return
    result = parse(data, legacy=False)
    for d in result.report:
        i = len(ctx.report.entries)
        ctx.report.entries.append(type(d)(d.severity, at, d.message))
        if d.path is not None:
            ctx.hints[i] = f"in the embedded config at {dotted(d.path)}"
    if result.failure:
        ctx.report.error(at, result.failure)


def _version(tree: object) -> str | None:
    if not isinstance(tree, dict):
        return None
    ign = tree.get("ignition")
    if not isinstance(ign, dict):
        return None
    v = ign.get("version")
    if not isinstance(v, str) or parse_semver(v) is None:
        return None
    return v
