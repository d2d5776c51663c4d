"""``ignition-apply``: apply a config to a running system or a directory.

    ignition-apply [-root=/] [-ignore-unsupported] [-offline] [-force] CONFIG|-

As the reference: the config is parsed (any version) and its references rendered (``-offline``
refuses network URLs), then only the parts that make sense on a live system are applied:
files, directories, links and systemd units. Sections it cannot apply (users, groups, disks,
filesystems, RAID, LUKS, kernel arguments) are an error unless ``-ignore-unsupported``. Like
the reference it refuses to touch ``/`` outside a container; ``-root`` to another directory
(an image being built) or ``-force`` lifts that. Logs go to stdout.
"""

from __future__ import annotations

import os
import sys

from ignition.commands.cliargs import ROOT_REQUIRED, FlagSpec, GoFlags, UsageError, help_or_version
from ignition.commands.crash import entry_point
from ignition.engine.apply import apply_config
from ignition.util import limits
from ignition.util.errors import IgnitionError
from ignition.util.log import Logger, StreamSink


def in_container() -> bool:
    # systemd's and podman's convention: the lower-case variable `container`
    return bool(os.environ.get("container")) or any(  # noqa: SIM112
        os.path.exists(p) for p in ("/run/.containerenv", "/.dockerenv")
    )


def flags() -> GoFlags:
    return GoFlags(
        [
            FlagSpec("root", default="/", required=ROOT_REQUIRED),
            FlagSpec("ignore-unsupported", takes_value=False),
            FlagSpec("offline", takes_value=False),
            FlagSpec("force", takes_value=False),
            FlagSpec("version", takes_value=False),
            FlagSpec("help", takes_value=False, aliases=("h",)),
        ]
    )


@entry_point("ignition-apply")
def main(args: list[str] | None = None) -> int:
    argv = sys.argv[1:] if args is None else args
    try:
        opts, rest = flags().parse(argv)
        if len(rest) != 1 and not (opts["help"] or opts["version"]):
            raise UsageError(_operands(rest))
    except UsageError as exc:
        from ignition.commands.helptext import usage_error

        return usage_error("ignition-apply", exc)
    if (done := help_or_version(opts, "ignition-apply", "ignition-apply")) is not None:
        return done
    root = str(opts["root"])
    if os.path.abspath(root) == "/" and not in_container() and not opts["force"]:
        sys.stderr.write(
            "ignition-apply: refusing to modify this system outside a container; "
            "use -root=DIR for an image or -force\n"
        )
        return 1
    log = Logger(StreamSink(sys.stdout))
    try:
        apply_config(
            rest[0],
            log,
            root=root,
            offline=bool(opts["offline"]),
            ignore_unsupported=bool(opts["ignore-unsupported"]),
        )
    except (IgnitionError, OSError, limits.InputTooLarge) as exc:
        log.crit(f"ignition-apply failed: {exc}")
        return 1
    return 0


def _operands(rest: list[str]) -> str:
    if not rest:
        return "give the config to apply: a file, or - for standard input"
    from ignition.config.report import printable

    return f"one config only, not {len(rest)}: {printable(' '.join(rest))}"
