"""Variant field filters: Ignition fields a variant cannot use, checked on the output and
reported at the YAML they came from (so sugar that generates a forbidden field is caught)."""

from __future__ import annotations

from typing import Any

from ignition.config.report import Path
from transpiler.butane.context import Ctx
from transpiler.butane.walk import UNSUPPORTED, walk


def check(ctx: Ctx, out: dict[str, Any]) -> None:
    spec = ctx.spec
    errors: list[tuple[Path, str]] = []
    if spec.variant in ("r4e", "fiot"):
        errors += [
            (p, "kernel argument customization is not supported in this spec version")
            for p, _ in walk(out, "kernelArguments")
        ]
        for key, what in (
            ("disks", "disk customization"),
            ("filesystems", "filesystem customization"),
            ("luks", "luks"),
            ("raid", "raid"),
        ):
            errors += [(p, UNSUPPORTED.format(what)) for p, _ in walk(out, "storage", key)]
    elif spec.variant == "flatcar":
        if spec.base_at_least("v0_8_exp"):
            errors += [
                (p, "cex is not currently supported on the target platform")
                for p, _ in walk(out, "storage", "luks", "*", "cex")
            ]
        else:
            errors += [
                (p, UNSUPPORTED.format("clevis"))
                for p, _ in walk(out, "storage", "luks", "*", "clevis")
            ]
    elif spec.openshift:
        from transpiler.butane.openshift import filter_errors

        errors += filter_errors(ctx, out)
    for p, msg in errors:
        ctx.report.error(ctx.ts.source(p), msg)
