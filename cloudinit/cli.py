"""``coreos-cloudinit``: validate cloud-config user data the way the reference does, and better.

Reference contract (kept): Go-style flags (``-validate``/``--validate``, ``-from-file FILE`` or
``-from-file=FILE``); with ``-validate`` one ``line N: <kind>: <message>`` line per problem on
stderr and exit status 1 if there is any (warnings included), else 0; no datasource flag →
usage text, exit 2. Additions: every report line is followed by where it really is
(``at FILE:LINE:COL (path)``), entries are sorted by line, silent behaviour is reported as
``note:`` lines (which never change the exit status), and ``-format json``.

Applying cloud-config (without ``-validate``) goes through pyignition's engine, and that step
is not wired in yet: such a request fails with a clear message instead of pretending.
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

from cloudinit import render, sources
from cloudinit.convert import Metadata, convert
from cloudinit.rules import Code
from cloudinit.userdata import PartKind, split
from cloudinit.validate import Kind, Validation, validate
from ignition import __version__
from ignition.cliargs import FlagSpec, GoFlags, UsageError
from ignition.report import Diagnostic

PROG = "coreos-cloudinit"

USAGE = f"""Usage of {PROG}:
  -validate
    \tvalidate the user data and exit (0: no problems; 1: any error, warning or info)
  -from-file string
    \tread user data from this file
  -from-url string
    \tdownload user data from this URL
  -from-proc-cmdline
    \tdownload user data from the URL in the cloud-config-url= kernel argument
  -from-configdrive string
    \tread user data from this config-drive directory (openstack/latest/user_data)
  -from-waagent string
    \tread user data from this Azure agent directory (CustomData)
  -from-ec2-metadata string, -from-gce-metadata string, -from-digitalocean-metadata string,
  -from-packet-metadata string, -from-cloudsigma-metadata, -from-vmware-guestinfo,
  -from-metadata-service, -oem string
    \tmetadata services: accepted, not supported yet (they need pyignition's providers)
  -format string
    \treport format: text or json (default "text")
  -root string
    \tapply to this root directory instead of / (applying is not available yet)
  -ignore-failure, -convert-netconf string, -workspace string, -ssh-key-name string
    \taccepted for compatibility; used when applying
  -version
    \tprint the version and exit
"""

_SOURCE_FLAGS = (
    "from-file",
    "from-url",
    "from-configdrive",
    "from-ec2-metadata",
    "from-gce-metadata",
    "from-digitalocean-metadata",
    "from-waagent",
    "from-packet-metadata",
)
_SOURCE_SWITCHES = (
    "from-metadata-service",
    "from-cloudsigma-metadata",
    "from-proc-cmdline",
    "from-vmware-guestinfo",
)
_OEMS = (
    "digitalocean",
    "ec2-compat",
    "rackspace-onmetal",
    "azure",
    "cloudsigma",
    "packet",
    "vmware",
)


def _flags() -> GoFlags:
    specs = [FlagSpec(n) for n in _SOURCE_FLAGS]
    specs += [FlagSpec(n, takes_value=False) for n in _SOURCE_SWITCHES]
    specs += [
        FlagSpec("validate", takes_value=False),
        FlagSpec("version", takes_value=False),
        FlagSpec("ignore-failure", takes_value=False),
        FlagSpec("help", takes_value=False, aliases=("h",)),
        FlagSpec("format", default="text", choices=("text", "json")),
        FlagSpec("oem", default=""),
        FlagSpec("convert-netconf", default=""),
        FlagSpec("workspace", default="/var/lib/coreos-cloudinit"),
        FlagSpec("ssh-key-name", default="coreos-cloudinit"),
        FlagSpec("root", default="/"),
    ]
    return GoFlags(specs)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    return run(args, out=sys.stdout, err=sys.stderr)


def run(args: list[str], *, out: TextIO, err: TextIO) -> int:
    try:
        opts, rest = _flags().parse(args)
    except UsageError as exc:
        err.write(f"{exc}\n{USAGE}")
        return 2
    if opts["help"]:
        err.write(USAGE)
        return 0
    if rest:
        err.write(f"{PROG}: unexpected argument {rest[0]!r}\n{USAGE}")
        return 2
    if opts["version"]:
        out.write(f"{PROG} {__version__} (pyignition)\n")
        return 0
    oem = str(opts["oem"])
    if oem and oem not in _OEMS:
        out.write(f"Invalid option to -oem: {oem!r}. Supported options: {list(_OEMS)!r}\n")
        return 2
    chosen = _sources(opts)
    if not chosen:
        out.write(
            "Provide at least one of --from-file, --from-configdrive, --from-ec2-metadata, "
            "--from-cloudsigma-metadata, --from-packet-metadata, "
            "--from-digitalocean-metadata, --from-vmware-guestinfo, --from-waagent, "
            "--from-url or --from-proc-cmdline\n"
        )
        return 2
    if not opts["validate"]:
        err.write(
            f"{PROG}: applying cloud-config is not available yet: pyignition applies it "
            "through its provisioning engine, and that step is not wired in yet; use -validate "
            "to check user data, or ignition-convert to turn it into Butane or Ignition\n"
        )
        return 1
    try:
        user_data = _fetch(chosen)
    except sources.SourceError as exc:
        err.write(f"{PROG}: {exc}\n")
        return 1
    return report(user_data.data, user_data.name, fmt=str(opts["format"]), err=err, out=out)


def _sources(opts: dict[str, object]) -> list[sources.Source]:
    """The configured sources, in the reference's order (``getDatasources``)."""
    oem = str(opts["oem"])
    out: list[sources.Source] = []
    if opts["from-file"]:
        out.append(sources.from_file(str(opts["from-file"])))
    if opts["from-url"]:
        out.append(sources.from_url(str(opts["from-url"])))
    drive = opts["from-configdrive"] or (
        "/media/configdrive" if oem in ("ec2-compat", "rackspace-onmetal") else None
    )
    if drive:
        out.append(sources.from_config_drive(str(drive)))
    for flag in (
        "from-metadata-service",
        "from-ec2-metadata",
        "from-gce-metadata",
        "from-cloudsigma-metadata",
        "from-digitalocean-metadata",
    ):
        if opts[flag]:
            out.append(sources.not_yet(flag))
    if oem in ("ec2-compat", "digitalocean", "cloudsigma", "packet", "vmware"):
        out.append(sources.not_yet(f"oem {oem}"))
    waagent = opts["from-waagent"] or ("/var/lib/waagent" if oem == "azure" else None)
    if waagent:
        out.append(sources.from_waagent(str(waagent)))
    if opts["from-packet-metadata"]:
        out.append(sources.not_yet("from-packet-metadata"))
    if opts["from-proc-cmdline"]:
        out.append(sources.from_proc_cmdline())
    if opts["from-vmware-guestinfo"]:
        out.append(sources.not_yet("from-vmware-guestinfo"))
    return out


def _fetch(chosen: list[sources.Source]) -> sources.UserData:
    errors: list[str] = []
    for s in chosen:
        try:
            return s.fetch()
        except sources.SourceError as exc:
            errors.append(str(exc))
    raise sources.SourceError("; ".join(errors))


def report(raw: bytes, name: str, *, fmt: str, out: TextIO, err: TextIO) -> int:
    """Validate and print; the exit status is the reference's."""
    v = validate(raw)
    notes = _notes(v, raw, name)
    if fmt == "json":
        out.write(json.dumps(_as_json(v, notes, name), indent=2, ensure_ascii=False) + "\n")
        return v.exit_code
    if v.gunzip_error:
        err.write(
            f"{render.where(name, None, None)}: note: the data starts like gzip but cannot "
            f"be decompressed ({v.gunzip_error})"
            f"{'; nothing is validated' if v.kind is Kind.EMPTY else ''}\n"
        )
    if v.crash:
        err.write(
            f"Failed while validating user_data: coreos-cloudinit's validator crashes on "
            f"this document ({v.crash}) and prints nothing else; the problems are:\n"
        )
        for f in v.findings:
            err.write(
                f"{render.where(name, *(f.pos or (None, None)))}: {f.severity}: "
                f"{render.yaml_path(f.path)}: {f.message}\n"
            )
    else:
        for f in v.findings:
            err.write(f.entry() + "\n")
            err.write("  " + _at(name, f) + "\n")
    for line in notes:
        err.write(line + "\n")
    return v.exit_code


def _at(name: str, f: object) -> str:
    from cloudinit.rules import Finding

    assert isinstance(f, Finding)
    if f.code is Code.ROOT_TYPE:
        return "(the reference's follow-up to the YAML error above)"
    if f.pos is None:
        return f"at {render.where(name, None, None)}"
    where = render.where(name, *f.pos)
    return f"at {where}" if f.path is None else f"at {where} ({render.yaml_path(f.path)})"


def _notes(v: Validation, raw: bytes, name: str) -> list[str]:
    """What the reference would not say: silent behaviour, and what pyignition cannot apply."""
    lines: list[str] = []
    if v.analysis is not None:
        for n in v.analysis.notes:
            pos = n.pos or (None, None)
            lines.append(
                f"{render.where(name, *pos)}: note: "
                f"{render.yaml_path(n.path) + ': ' if n.path else ''}{n.message}"
            )
    if v.kind is Kind.UNRECOGNIZED:
        parts = split(raw)
        if parts.multipart:
            lines.append(
                f"{name}: note: this is a MIME multipart message: coreos-cloudinit "
                "rejects it, pyignition (like Flatcar's coreos-cloudinit) applies its "
                "parts"
            )
        elif parts.parts and parts.parts[0].kind is PartKind.CLOUD_CONFIG:
            lines.append(
                f"{name}: note: pyignition accepts this header (canonical cloud-init's "
                "spelling) with a warning"
            )
        else:
            return lines
    elif v.kind not in (Kind.CLOUD_CONFIG, Kind.SCRIPT):
        return lines
    # What the conversion refuses beyond the reference's own errors.
    known = {(f.path, f.pos) for f in v.findings if f.severity == "error"}
    conv = convert(raw, metadata=Metadata(), name=name)
    for d in conv.report:
        if d.is_error and (d.path, (d.line, d.column)) not in known and not _needs_metadata(d):
            text = render.diagnostic(d, name).replace(
                ": error: ", ": note: pyignition cannot apply this: ", 1
            )
            lines.append(text)
    return lines


def _needs_metadata(d: Diagnostic) -> bool:
    """$private_ipv4 and friends are filled in at boot: not a problem of the document."""
    return "has no value:" in d.message


def _as_json(v: Validation, notes: list[str], name: str) -> dict[str, object]:
    def one(f: object) -> dict[str, object]:
        from cloudinit.rules import Finding

        assert isinstance(f, Finding)
        return {
            "kind": str(f.severity),
            "line": f.ref_line,
            "message": f.message,
            "position": None if f.pos is None else {"line": f.pos[0], "column": f.pos[1]},
            "path": None if f.path is None else render.yaml_path(f.path),
        }

    return {
        "file": name,
        "type": str(v.kind),
        "entries": [one(f) for f in v.findings],
        "reference_crash": v.crash,
        "notes": notes,
        "exit_code": v.exit_code,
    }


if __name__ == "__main__":
    raise SystemExit(main())
