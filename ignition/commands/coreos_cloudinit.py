"""``coreos-cloudinit``: validate cloud-config user data the way the reference does, and better.

Reference contract (kept): Go-style flags (``-validate``/``--validate``, ``-from-file FILE`` or
``-from-file=FILE``); with ``-validate`` one ``line N: <kind>: <message>`` line per problem on
stderr and exit status 1 if there is any (warnings included), else 0; no datasource flag →
usage text, exit 2. Additions: every report line is followed by where it really is
(``at FILE:LINE:COL (path)``), entries are sorted by line, silent behaviour is reported as
``note:`` lines (which never change the exit status), and ``-format json``.

Without ``-validate`` the user data is applied (:mod:`ignition.engine.coreos_cloudinit.apply`):
converted as the engine converts it at first boot, then applied by ``ignition-apply``'s
machinery to ``/`` (as root) or to ``-root DIR``. The metadata-service flags and ``-oem`` map
onto pyignition's providers (:func:`ignition.engine.coreos_cloudinit.sources.from_provider`);
``-convert-netconf`` turns the source's network description into networkd files
(:mod:`cloudinit.netconf`), ``-ssh-key-name`` names the key set ``update-ssh-keys`` style,
``-workspace`` is where scripts are kept.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from typing import TextIO

from cloudinit import render
from cloudinit.convert import Metadata, convert
from cloudinit.rules import Code
from cloudinit.to_ignition import WORKSPACE
from cloudinit.userdata import PartKind, split
from cloudinit.validate import Kind, Validation, validate
from ignition.commands.cliargs import ROOT_REQUIRED, FlagSpec, GoFlags, UsageError, help_or_version
from ignition.commands.crash import entry_point
from ignition.config.report import Diagnostic, printable
from ignition.engine.coreos_cloudinit import sources
from ignition.util.log import Level, Logger, StreamSink

PROG = "coreos-cloudinit"
DEFAULT_KEY_NAME = "coreos-cloudinit"  # the reference's initialize.DefaultSSHKeyName

_SOURCE_FLAGS = (
    "from-file",
    "from-url",
    "from-configdrive",
    "from-ec2-metadata",
    "from-gce-metadata",
    "from-digitalocean-metadata",
    "from-waagent",
    "from-packet-metadata",
    "from-vmware-ovf-env",
)
_SOURCE_SWITCHES = (
    "from-metadata-service",
    "from-cloudsigma-metadata",
    "from-proc-cmdline",
    "from-vmware-guestinfo",
)
# The reference's -oem table: each OEM sets these flags (Flatcar's fork adds gce).
_OEM_FLAGS: dict[str, dict[str, str | bool]] = {
    "digitalocean": {
        "from-digitalocean-metadata": "http://169.254.169.254/",
        "convert-netconf": "digitalocean",
    },
    "ec2-compat": {
        "from-ec2-metadata": "http://169.254.169.254/",
        "from-configdrive": "/media/configdrive",
    },
    "gce": {"from-gce-metadata": "http://metadata.google.internal/"},
    "rackspace-onmetal": {"from-configdrive": "/media/configdrive", "convert-netconf": "debian"},
    "azure": {"from-waagent": "/var/lib/waagent"},
    "cloudsigma": {"from-cloudsigma-metadata": True},
    "packet": {"from-packet-metadata": "https://metadata.packet.net/"},
    "vmware": {"from-vmware-guestinfo": True, "convert-netconf": "vmware"},
}
_OEMS = tuple(_OEM_FLAGS)
# metadata-service flags → pyignition provider (a URL flag's value is where it answers)
_PROVIDER_FLAGS = {
    "from-metadata-service": "aws",
    "from-ec2-metadata": "aws",
    "from-gce-metadata": "gcp",
    "from-digitalocean-metadata": "digitalocean",
    "from-packet-metadata": "packet",
    "from-vmware-guestinfo": "vmware",
}
NETCONF_FORMATS = ("debian", "digitalocean", "packet", "vmware")


def flags() -> GoFlags:
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
        FlagSpec("workspace", default=WORKSPACE),
        FlagSpec("ssh-key-name", default=DEFAULT_KEY_NAME),
        FlagSpec("root", default="/", required=ROOT_REQUIRED),
    ]
    return GoFlags(specs)


@entry_point("coreos-cloudinit")
def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    return run(args, out=sys.stdout, err=sys.stderr)


def run(args: list[str], *, out: TextIO, err: TextIO) -> int:
    try:
        opts, rest = flags().parse(args)
        if rest and not (opts["help"] or opts["version"]):
            raise UsageError(f"{PROG}: unexpected argument {printable(repr(rest[0]))}")
    except UsageError as exc:
        from ignition.commands.helptext import usage_error

        return usage_error(PROG, exc, err=err)
    if (done := help_or_version(opts, PROG, PROG, out, err)) is not None:
        return done
    oem = str(opts["oem"])
    if oem and oem not in _OEMS:
        out.write(f"Invalid option to -oem: {oem!r}. Supported options: {list(_OEMS)!r}\n")
        return 2
    opts.update(_OEM_FLAGS.get(oem, {}))  # as the reference: the OEM's flags win
    netconf = str(opts["convert-netconf"])
    if netconf and netconf not in NETCONF_FORMATS:
        out.write(
            f"Invalid option to -convert-netconf: '{netconf}'. "
            f"Supported options: '{', '.join(NETCONF_FORMATS)}'\n"
        )
        return 2
    problem = _check_names(str(opts["ssh-key-name"]), str(opts["workspace"]))
    if problem:
        err.write(f"{PROG}: {problem}\n")
        return 2
    log = Logger(StreamSink(err) if not opts["validate"] else _Quiet(err))
    chosen = _sources(opts, log)
    if not chosen:
        out.write(
            "Provide at least one of --from-file, --from-configdrive, --from-ec2-metadata, "
            "--from-gce-metadata, --from-cloudsigma-metadata, --from-packet-metadata, "
            "--from-digitalocean-metadata, --from-vmware-guestinfo, --from-vmware-ovf-env, "
            "--from-waagent, --from-url or --from-proc-cmdline\n"
        )
        return 2
    if not opts["validate"]:
        from ignition.engine.coreos_cloudinit.apply import apply_user_data

        return apply_user_data(
            chosen,
            log,
            root=str(opts["root"]),
            ignore_failure=bool(opts["ignore-failure"]),
            env=os.environ,
            netconf=netconf,
            ssh_key_name=str(opts["ssh-key-name"]),
            workspace=os.path.normpath(str(opts["workspace"])),
        )
    try:
        user_data = _fetch(chosen)
    except sources.SourceError as exc:
        err.write(f"{PROG}: {exc}\n")
        return 1
    return report(user_data.data, user_data.name, fmt=str(opts["format"]), err=err, out=out)


def _sources(opts: dict[str, object], log: Logger) -> list[sources.Source]:
    """The configured sources, in the reference's order (``getDatasources``)."""
    out: list[sources.Source] = []

    def provider(flag: str) -> None:
        value = opts[flag]
        if value:
            base = value if isinstance(value, str) else None
            out.append(sources.from_provider(flag, _PROVIDER_FLAGS[flag], base, log))

    if opts["from-file"]:
        out.append(sources.from_file(str(opts["from-file"])))
    if opts["from-url"]:
        out.append(sources.from_url(str(opts["from-url"]), log))
    if opts["from-configdrive"]:
        out.append(sources.from_config_drive(str(opts["from-configdrive"])))
    provider("from-metadata-service")
    provider("from-ec2-metadata")
    provider("from-gce-metadata")
    if opts["from-cloudsigma-metadata"]:
        out.append(sources.from_cloudsigma(log))
    provider("from-digitalocean-metadata")
    if opts["from-waagent"]:
        out.append(sources.from_waagent(str(opts["from-waagent"])))
    provider("from-packet-metadata")
    if opts["from-proc-cmdline"]:
        out.append(sources.from_proc_cmdline(log=log))
    provider("from-vmware-guestinfo")
    if opts["from-vmware-ovf-env"]:
        out.append(sources.from_vmware_ovf_env(str(opts["from-vmware-ovf-env"]), log))
    return out


def _check_names(key_name: str, workspace: str) -> str | None:
    """-ssh-key-name is a file name in authorized_keys.d; -workspace an absolute directory."""
    if key_name in ("", ".", "..") or "/" in key_name or "\0" in key_name or len(key_name) > 255:
        return f"-ssh-key-name {key_name[:40]!r} is not a file name"
    if key_name.startswith("."):
        return "-ssh-key-name cannot start with a dot (update-ssh-keys skips such key sets)"
    normal = os.path.normpath(workspace) if workspace.startswith("/") else ""
    if not normal or normal == "/" or ".." in workspace.split("/") or "\0" in workspace:
        return f"-workspace {workspace[:80]!r} is not an absolute directory below /"
    return None


class _Quiet:
    """-validate prints report lines only: a source's own log shows warnings and worse."""

    def __init__(self, stream: TextIO) -> None:
        self.sink = StreamSink(stream)

    def write(self, level: Level, message: str, fields: Mapping[str, str] | None = None) -> None:
        if level <= Level.WARNING:
            self.sink.write(level, message, fields)


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
    from ignition.util import limits

    try:
        limits.check_all()
        too_big = len(raw) > limits.config_size()
    except limits.LimitSettingError as exc:
        err.write(f"{PROG}: {exc}\n")
        return 2
    if too_big:
        err.write(
            f"{printable(name)}: error: the user data is larger than {limits.config_size()} "
            f"bytes (set {limits.CONFIG_SIZE_VAR} to raise the limit)\n"
        )
        return 1
    v = validate(raw)
    notes = _notes(v, raw, name)
    if fmt == "json":
        out.write(json.dumps(_as_json(v, notes, name), indent=2, ensure_ascii=False) + "\n")
        return v.exit_code
    lines: list[str] = []  # each one line: control characters escaped when written
    if v.gunzip_error:
        lines.append(
            f"{render.where(name, None, None)}: note: the data starts like gzip but cannot "
            f"be decompressed ({v.gunzip_error})"
            f"{'; nothing is validated' if v.kind is Kind.EMPTY else ''}"
        )
    if v.crash:
        lines.append(
            f"Failed while validating user_data: coreos-cloudinit's validator crashes on "
            f"this document ({v.crash}) and prints nothing else; the problems are:"
        )
        for f in v.findings:
            lines.append(
                f"{render.where(name, *(f.pos or (None, None)))}: {f.severity}: "
                f"{render.yaml_path(f.path)}: {f.message}"
            )
    else:
        for f in v.findings:
            lines += [f.entry(), "  " + _at(name, f)]
    err.write("".join(printable(line) + "\n" for line in [*lines, *notes]))
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
            "message": printable(f.message),
            "position": None if f.pos is None else {"line": f.pos[0], "column": f.pos[1]},
            "path": None if f.path is None else printable(render.yaml_path(f.path)),
        }

    return {
        "file": printable(name),
        "type": str(v.kind),
        "entries": [one(f) for f in v.findings],
        "reference_crash": v.crash,
        "notes": [printable(n) for n in notes],
        "exit_code": v.exit_code,
    }


if __name__ == "__main__":
    raise SystemExit(main())
