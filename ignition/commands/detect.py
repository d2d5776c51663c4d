"""``ignition detect``: print the platform id found in DMI facts
(:mod:`ignition.engine.detect_platform`)."""

from __future__ import annotations

import sys

from ignition.commands.cliargs import FlagSpec, GoFlags, UsageError, help_or_version


def flags() -> GoFlags:
    return GoFlags(
        [
            FlagSpec("verbose", takes_value=False, aliases=("v",)),
            FlagSpec("version", takes_value=False),
            FlagSpec("help", takes_value=False, aliases=("h",)),
        ]
    )


def main(argv: list[str]) -> int:
    """``ignition detect``: print the platform id (exit 0) or why there is none (exit 1)."""
    try:
        opts, rest = flags().parse(argv)
        if rest and not (opts["help"] or opts["version"]):
            raise UsageError("ignition detect takes no arguments")
    except UsageError as exc:
        from ignition.commands.helptext import usage_error

        return usage_error("ignition detect", exc)
    if (done := help_or_version(opts, "ignition detect", "Ignition")) is not None:
        return done
    from ignition.engine.detect_platform import detect

    platform, reason = detect()
    if platform is None:
        sys.stderr.write(reason + "\n")
        return 1
    sys.stdout.write(f"{platform}\n")
    if opts["verbose"]:
        sys.stderr.write(f"{reason}\n")
    return 0
