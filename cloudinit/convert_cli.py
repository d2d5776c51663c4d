"""``ignition-convert``: turn cloud-config user data into Butane (or Ignition) for migrating.

    ignition-convert [flags] [FILE|-]

Reads a ``#cloud-config`` document, a ``#!`` script or a MIME multipart message of those (gzip
allowed). Writes Butane for Flatcar (``variant: flatcar``, ``version: 1.1.0``) by default, or
an Ignition 3.4.0 config with ``-to ignition``. The report (stderr, and comments at the head of
the Butane) lists what could not be carried over, each with file, line:column and path.

Exit status: 0 when everything was carried over; 1 when something was not (the Butane is still
written, for editing; an Ignition config is not), or the input cannot be read; 2 on bad usage.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path as FsPath
from typing import TextIO

from cloudinit import render
from cloudinit.butane import to_butane
from cloudinit.convert import Conversion, convert
from cloudinit.metadata import Metadata
from ignition import __version__
from ignition.cliargs import FlagSpec, GoFlags, UsageError
from ignition.config import codec
from ignition.config.parse import validate_tree
from ignition.crash import entry_point

PROG = "ignition-convert"
IGNITION_VERSION = "3.4.0"

USAGE = f"""Usage: {PROG} [flags] [FILE|-]
Convert cloud-config user data to Butane (default) or Ignition.

  -to string
    \toutput: butane (Flatcar variant 1.1.0) or ignition (spec {IGNITION_VERSION})
    \t(default "butane")
  -o, -output string
    \twrite the output to this file (default: standard output)
  -hostname string
    \thost name to use when the cloud-config sets none (coreos-cloudinit took it from metadata)
  -public-ipv4, -private-ipv4, -public-ipv6, -private-ipv6 string
    \tvalues for $public_ipv4 and friends (coreos-cloudinit took them from metadata)
  -strict
    \talso fail (exit 1) on warnings
  -version
    \tprint the version and exit
"""


def _flags() -> GoFlags:
    return GoFlags(
        [
            FlagSpec("to", default="butane", choices=("butane", "ignition")),
            FlagSpec("output", default="", aliases=("o",)),
            FlagSpec("hostname", default=""),
            FlagSpec("public-ipv4", default=""),
            FlagSpec("private-ipv4", default=""),
            FlagSpec("public-ipv6", default=""),
            FlagSpec("private-ipv6", default=""),
            FlagSpec("strict", takes_value=False),
            FlagSpec("version", takes_value=False),
            FlagSpec("help", takes_value=False, aliases=("h",)),
        ]
    )


@entry_point("ignition-convert")
def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    return run(args, stdin=sys.stdin.buffer, out=sys.stdout, err=sys.stderr)


def run(args: list[str], *, stdin: object, out: TextIO, err: TextIO) -> int:
    try:
        opts, rest = _flags().parse(args)
    except UsageError as exc:
        err.write(f"{exc}\n{USAGE}")
        return 2
    if opts["help"]:
        out.write(USAGE)
        return 0
    if opts["version"]:
        out.write(f"{PROG} {__version__} (pyignition)\n")
        return 0
    if len(rest) > 1:
        err.write(USAGE)
        return 2
    name = rest[0] if rest else "-"
    try:
        if name == "-":
            read = getattr(stdin, "read")  # noqa: B009 - a binary stream
            raw = read()
        else:
            raw = FsPath(name).read_bytes()
    except OSError as exc:
        err.write(f"{PROG}: cannot read {name}: {exc.strerror or exc}\n")
        return 1
    md = Metadata(
        hostname=str(opts["hostname"]),
        public_ipv4=str(opts["public-ipv4"]),
        private_ipv4=str(opts["private-ipv4"]),
        public_ipv6=str(opts["public-ipv6"]),
        private_ipv6=str(opts["private-ipv6"]),
    )
    label = "<stdin>" if name == "-" else name
    conv = convert(raw, metadata=md, name=label)
    text = _ignition(conv) if opts["to"] == "ignition" else to_butane(conv, source=label).text
    _report(conv, err)
    failed = conv.report.is_fatal or (
        bool(opts["strict"]) and any(d.severity == "warning" for d in conv.report)
    )
    if text is not None:
        target = str(opts["output"])
        try:
            if target and target != "-":
                FsPath(target).write_text(text)
            else:
                out.write(text)
        except OSError as exc:
            err.write(f"{PROG}: cannot write {target}: {exc.strerror or exc}\n")
            return 1
    return 1 if failed else 0


def _ignition(conv: Conversion) -> str | None:
    """Ignition JSON, only for a complete conversion (a partial config would be applied as is)."""
    if conv.config is None:
        return None
    tree = codec.encode(conv.config, omit_empty=True)
    tree["ignition"]["version"] = IGNITION_VERSION
    _, report = validate_tree(tree, IGNITION_VERSION)
    for d in report:
        o = conv.origin(d.path or ())
        conv.report.add(
            d.severity, o.path if o else None, f"Ignition {IGNITION_VERSION}: {d.message}"
        )
        if o is not None:
            last = conv.report.entries[-1]
            conv.report.entries[-1] = type(last)(
                last.severity, last.path, last.message, o.line, o.column, last.file
            )
    if report.is_fatal:
        return None
    return json.dumps(tree, indent=2, ensure_ascii=False) + "\n"


def _report(conv: Conversion, err: TextIO) -> None:
    shown = [d for d in conv.report if d.severity != "info"]
    errors = sum(1 for d in shown if d.is_error)
    if errors:
        err.write(f"{PROG}: {errors} item(s) could not be carried over:\n")
    for d in shown:
        err.write(render.diagnostic(d) + "\n")
