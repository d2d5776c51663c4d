"""``ignition-convert``: turn cloud-config or a Container Linux Config into Butane (or Ignition).

    ignition-convert [flags] [FILE|-]

Three input dialects, told apart by their keys (``-from`` forces one; the one read is named
on stderr and at the head of the Butane):

* coreos-cloudinit's ``#cloud-config`` (also ``#!`` scripts and MIME multipart messages of
  those, gzip allowed) → Butane for Flatcar 1.1.0: the conversion the engine applies;
* canonical cloud-init's ``#cloud-config`` → Butane for Fedora CoreOS 1.5.0, or Flatcar 1.1.0
  with ``-variant flatcar``;
* a Container Linux Config (ct's input) → Butane for Flatcar 1.0.0 (``-variant fcos``: Fedora
  CoreOS 1.4.0), with the units and files ct's sugar generates.

``-to ignition`` writes the Ignition config instead. The report (stderr, and comments at the
head of the Butane) lists what could not be carried over, each with file, line:column and path.

Exit status: 0 when everything was carried over; 1 when something was not (the Butane is still
written, for editing; an Ignition config is not), or the input cannot be read; 2 on bad usage.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path as FsPath
from typing import BinaryIO, TextIO, cast

from cloudinit import render
from cloudinit.butane import to_butane
from cloudinit.convert import Conversion, convert
from cloudinit.metadata import Metadata
from cloudinit.migrate.dialect import CLOUD_INIT, COREOS_CLOUDINIT, CT, DIALECTS, NAMES, detect
from cloudinit.migrate.result import Migration
from ignition.commands.cliargs import FlagSpec, GoFlags, UsageError, help_or_version
from ignition.commands.crash import entry_point
from ignition.config import codec
from ignition.config.parse import validate_tree
from ignition.config.report import Report, printable
from ignition.util.limits import read_capped

PROG = "ignition-convert"
IGNITION_VERSION = "3.4.0"
MAX_INPUT = 16 * 1024 * 1024


def flags() -> GoFlags:
    return GoFlags(
        [
            FlagSpec("from", default="auto", choices=("auto", *DIALECTS)),
            FlagSpec("to", default="butane", choices=("butane", "ignition")),
            FlagSpec("variant", default="", choices=("", "fcos", "flatcar")),
            FlagSpec("output", default="", aliases=("o",)),
            FlagSpec("files-dir", default=""),
            FlagSpec("platform", default=""),
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


def _read(name: str, stdin: object) -> bytes:
    if name == "-":
        data = read_capped(cast("BinaryIO", stdin), MAX_INPUT)
    else:
        with open(name, "rb") as fh:
            data = read_capped(fh, MAX_INPUT)
    if data is None:
        raise OSError(0, f"larger than {MAX_INPUT} bytes")
    return data


def run(args: list[str], *, stdin: object, out: TextIO, err: TextIO) -> int:
    try:
        opts, rest = flags().parse(args)
        if len(rest) > 1 and not (opts["help"] or opts["version"]):
            raise UsageError(f"one input at most, not {len(rest)}: {printable(' '.join(rest))}")
    except UsageError as exc:
        from ignition.commands.helptext import usage_error

        return usage_error(PROG, exc, err=err)
    if (done := help_or_version(opts, PROG, PROG, out, err)) is not None:
        return done
    name = rest[0] if rest else "-"
    try:
        raw = _read(name, stdin)
    except OSError as exc:
        err.write(f"{PROG}: cannot read {printable(name)}: {exc.strerror or exc}\n")
        return 1
    label = "<stdin>" if name == "-" else name
    forced = str(opts["from"])
    if forced == "auto":
        found = detect(raw)
        dialect, why = found.dialect, found.reason
    else:
        dialect, why = forced, "as -from says"
    err.write(f"{PROG}: {label}: read as {NAMES[dialect]} ({why})\n")
    variant = str(opts["variant"]) or ("fcos" if dialect == CLOUD_INIT else "flatcar")
    if dialect == COREOS_CLOUDINIT:
        if variant != "flatcar":
            err.write(f"{PROG}: coreos-cloudinit's cloud-config converts to Flatcar only\n")
            return 2
        return _coreos(raw, label, opts, out, err)
    migration = _migrate(raw, label, dialect, variant, opts)
    text = migration.text
    if opts["to"] == "ignition":
        text = _butane_to_ignition(migration, str(opts["files-dir"]))
    _show(migration.report, err, infos=True)
    failed = not migration.complete or _strict_fail(migration.report, opts)
    if text is not None and not _write(text, opts, out, err):
        return 1
    return 1 if failed else 0


def _migrate(
    raw: bytes, label: str, dialect: str, variant: str, opts: dict[str, object]
) -> Migration:
    if dialect == CT:
        from cloudinit.migrate_ct import convert as ct_convert
        from transpiler.localfiles import OsFilesDir

        files_dir = str(opts["files-dir"])
        files = OsFilesDir(files_dir) if files_dir else None
        return ct_convert(raw, name=label, files=files, platform=str(opts["platform"]),
                          variant=variant)  # fmt: skip
    from cloudinit.migrate.canonical import convert as ci_convert
    from cloudinit.migrate.out import VARIANTS

    return ci_convert(raw, name=label, variant=VARIANTS[variant])


def _butane_to_ignition(m: Migration, files_dir: str) -> str | None:
    """The Ignition config of a complete migration, through the project's Butane translator."""
    if not m.complete or m.text is None:
        return None
    from transpiler.butane.translate import translate
    from transpiler.localfiles import OsFilesDir

    files = OsFilesDir(files_dir) if files_dir else None
    result = translate(m.text.encode(), files=files, pretty=True)
    for d in result.report:
        m.report.add(d.severity, None, f"Butane of the output, line {d.line}: {d.message}")
    if result.output is None or result.report.is_fatal:
        return None
    text = result.output.decode("utf-8")
    return text if text.endswith("\n") else text + "\n"


def _strict_fail(report: Report, opts: dict[str, object]) -> bool:
    return bool(opts["strict"]) and any(d.severity == "warning" for d in report)


def _write(text: str, opts: dict[str, object], out: TextIO, err: TextIO) -> bool:
    target = str(opts["output"])
    try:
        if target and target != "-":
            FsPath(target).write_text(text)
        else:
            out.write(text)
    except OSError as exc:
        err.write(f"{PROG}: cannot write {printable(target)}: {exc.strerror or exc}\n")
        return False
    return True


def _coreos(raw: bytes, label: str, opts: dict[str, object], out: TextIO, err: TextIO) -> int:
    md = Metadata(
        hostname=str(opts["hostname"]),
        public_ipv4=str(opts["public-ipv4"]),
        private_ipv4=str(opts["private-ipv4"]),
        public_ipv6=str(opts["public-ipv6"]),
        private_ipv6=str(opts["private-ipv6"]),
    )
    conv = convert(raw, metadata=md, name=label)
    text = _ignition(conv) if opts["to"] == "ignition" else to_butane(conv, source=label).text
    _show(conv.report, err)
    failed = conv.report.is_fatal or _strict_fail(conv.report, opts)
    if text is not None and not _write(text, opts, out, err):
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


def _show(report: Report, err: TextIO, *, infos: bool = False) -> None:
    shown = [d for d in report if infos or d.severity != "info"]
    errors = sum(1 for d in shown if d.is_error)
    if errors:
        err.write(f"{PROG}: {errors} item(s) could not be carried over:\n")
    for d in shown:
        err.write(render.diagnostic(d) + "\n")
