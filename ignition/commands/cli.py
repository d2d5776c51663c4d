"""``ignition``: the stage runner, with the reference's flags and exit codes.

    ignition -platform=P -stage=S [-root=/] [flags]   one stage of the first boot
    ignition plan [flags] [CONFIG|-]                   every action a config would take
    ignition detect [flags]                            the platform id from DMI facts

Flags take one dash or two, ``=value`` or a separate word (Go's ``flag``), because dracut units
and scripts written for the reference pass them that way. The same entry point serves
``ignition-apply`` when called by that name (the reference selects by ``argv[0]`` too).
What each flag means and the exit statuses are in the command table (``ignition/commands/table.py``,
docs/commands.md).
"""

from __future__ import annotations

import os
import sys

from ignition.commands.cliargs import ROOT_REQUIRED, FlagSpec, GoFlags, UsageError, help_or_version
from ignition.commands.crash import entry_point, set_context

# Stages that act on the root: there -root "" would quietly mean the running system. The others
# never touch it, and the reference's own test harness runs them with -root "".
ROOTED_STAGES = ("mount", "files", "umount")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DIGITS = "0123456789"


def parse_duration(text: str) -> float:
    """Go's ``time.ParseDuration`` (``2m``, ``1m30s``, ``500ms``, ``0``) → seconds.

    A small scanner rather than a regular expression: ``re`` (with ``enum``) would cost every
    stage process more than the interpreter's own start."""
    s = text.strip()
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-")
    if s == "0":
        return 0.0
    pos, total = 0, 0.0
    while s and pos < len(s):
        end = pos
        while end < len(s) and s[end] in _DIGITS:
            end += 1
        whole = end > pos
        if end < len(s) and s[end] == ".":
            end += 1
            frac = end
            while end < len(s) and s[end] in _DIGITS:
                end += 1
            if not whole and end == frac:  # "." alone is no number
                break
        elif not whole:
            break
        unit = next((u for u in _UNITS if s.startswith(u, end)), "")
        if not unit:
            break
        total += float(s[pos:end]) * _UNITS[unit]
        pos = end + len(unit)
    if pos != len(s) or not s:
        raise UsageError(f'invalid value "{text}" for flag -fetch-timeout: parse error')
    return sign * total


def flags() -> GoFlags:
    return GoFlags(
        [
            FlagSpec("platform"),
            FlagSpec("stage"),
            FlagSpec("root", default="/"),  # "" only where the root is unused: see main
            FlagSpec("config-cache", default="/run/ignition.json"),
            FlagSpec("state-file", default="/run/ignition/state"),
            FlagSpec("neednet", default="/run/ignition/neednet"),
            FlagSpec("fetch-timeout", default="2m"),
            FlagSpec("log-to-stdout", takes_value=False),
            FlagSpec("version", takes_value=False),
            FlagSpec("dry-run", takes_value=False),
            FlagSpec("help", takes_value=False, aliases=("h",)),
        ]
    )


def _shown(text: str) -> str:
    from ignition.config.report import (
        printable,  # only on this error path: a run does not pay for it
    )

    return printable(text)


@entry_point("ignition", exit_at_once=True)
def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    prog = os.path.basename(sys.argv[0]) if argv is None else "ignition"
    if prog.startswith("ignition-apply"):
        from ignition.commands.apply import main as apply_main

        return apply_main(args)
    if args[:1] == ["plan"]:
        from ignition.commands.plan import main as plan_main

        set_context("ignition plan")
        return plan_main(args[1:])
    if args[:1] == ["detect"]:  # providers: name the platform from DMI facts
        from ignition.commands.detect import main as detect_main

        return detect_main(args[1:])
    try:
        opts, rest = flags().parse(args)
        timeout = parse_duration(str(opts["fetch-timeout"]))
    except UsageError as exc:
        from ignition.commands.helptext import usage_error

        return usage_error("ignition", exc)
    if (done := help_or_version(opts, "ignition", "Ignition")) is not None:
        return done
    if rest:
        from ignition.commands.helptext import usage_error

        return usage_error("ignition", f"unexpected arguments: {_shown(' '.join(rest))}")
    for name in ("platform", "stage"):
        if not opts[name]:
            sys.stderr.write(f"'--{name}' must be provided\n(ignition -help lists the flags)\n")
            return 2
    from ignition.util.log import Logger, default_sink

    sink = default_sink(to_stdout=bool(opts["log-to-stdout"]))
    rootless = not opts["root"] and opts["stage"] in ROOTED_STAGES  # an error, reported below
    if not opts["dry-run"] and not rootless:  # a stage with nothing to do ends here
        from ignition.engine.idle import run_if_idle

        set_context(f"the {opts['stage']} stage")
        where = (str(opts["config-cache"]), str(opts["state-file"]))
        code = run_if_idle(str(opts["stage"]), str(opts["platform"]), *where, sink)
        if code is not None:
            return code
    import providers

    if opts["platform"] == "auto":  # ignition.platform.id=auto, only when asked
        from ignition.engine.detect_platform import detect

        found, reason = detect()
        if found is None:
            sys.stderr.write(f"platform auto: {reason}\n")
            return 2
        sys.stderr.write(f"platform auto: {found} ({reason})\n")
        opts["platform"] = found
    if str(opts["platform"]) not in providers.PROVIDERS:
        sys.stderr.write(
            f'invalid value "{_shown(str(opts["platform"]))}" for flag -platform: '
            f"invalid platform name. Supported platforms: {', '.join(providers.names())}\n"
        )
        return 2
    from ignition.stages import ORDER  # here: a stage on the fast path never needs it

    if str(opts["stage"]) not in ORDER:
        sys.stderr.write(
            f'invalid value "{_shown(str(opts["stage"]))}" for flag -stage: '
            f"invalid stage name. Supported stages: {', '.join(ORDER)}\n"
        )
        return 2
    if rootless:
        from ignition.commands.helptext import usage_error

        return usage_error(
            "ignition",
            f'invalid value "" for flag -root: the {opts["stage"]} stage needs it: '
            + ROOT_REQUIRED,
        )
    set_context(f"the {opts['stage']} stage")
    from ignition.engine.engine import RunOptions, run_stage

    log = Logger(sink)
    run = RunOptions(
        platform=str(opts["platform"]),
        stage=str(opts["stage"]),
        root=str(opts["root"]) or "/",  # the root is unused by the other stages
        config_cache=str(opts["config-cache"]),
        state_file=str(opts["state-file"]),
        neednet=str(opts["neednet"]),
        fetch_timeout=timeout or None,
        dry_run=bool(opts["dry-run"]),
    )
    code = run_stage(run, log)
    if run.dry_run:
        for line in run.plan_out:
            sys.stdout.write(line + "\n")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
