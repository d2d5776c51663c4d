"""kargs (docs/engine.md, "The stages"): hand ``kernelArguments`` to the distribution's helper.

``ignition-kargs-helper --should-exist A ... --should-not-exist B ...`` (shouldExist first, in
config order). The helper edits the boot loader config and reboots if it changed anything;
a non-zero exit fails the stage. Nothing to do when both lists are empty. An argument that
starts with ``-`` is refused (the validator refuses it too): helpers with a usual option parser
would take it for an option.
"""

from __future__ import annotations

from ignition.stages import StageContext
from ignition.system.runner import CommandError, operand
from ignition.util.errors import StageError


def helper_argv(helper: str, should: tuple[str, ...], should_not: tuple[str, ...]) -> list[str]:
    argv = [helper]
    for a in should:
        argv += ["--should-exist", operand(a, "kernel argument")]
    for a in should_not:
        argv += ["--should-not-exist", operand(a, "kernel argument")]
    return argv


def run(ctx: StageContext) -> None:
    ka = ctx.config.kernel_arguments
    if not ka.should_exist and not ka.should_not_exist:
        return
    argv = helper_argv(ctx.system.paths.kargs_helper, ka.should_exist, ka.should_not_exist)
    if ctx.dry_run:
        ctx.plan.append(
            "kargs: run " + " ".join(argv) + "  [changes the boot loader config; may reboot]"
        )
        return
    with ctx.system.log.op("updating kernel arguments"):
        try:
            ctx.system.runner.run(argv)
        except CommandError as exc:
            raise StageError(f"kernel argument helper failed: {exc}") from None
