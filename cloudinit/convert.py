"""cloud-config user data → an Ignition config of the newest spec (the engine's entry point).

:func:`convert` takes user data as a provider returns it — a ``#cloud-config`` document, a
``#!`` script, or a MIME multipart message of such parts, possibly gzip-compressed — and
returns the equivalent :class:`ignition.config.model.Config`, the origin of every JSON path in
it (for logs and errors), and one report. The config is None when the report has errors: a
document coreos-cloudinit would have applied partly, or differently than written, is refused
with a located message rather than half-applied.

The output is checked with Ignition's own rules; their findings are mapped back to the
cloud-config lines they come from.
"""

from __future__ import annotations

from cloudinit import metadata as md_mod
from cloudinit import to_ignition
from cloudinit.builder import Builder, Doc, Origin, Shared
from cloudinit.metadata import Metadata
from cloudinit.model import from_strong
from cloudinit.rules import Code, Finding
from cloudinit.userdata import Part, PartKind, header_style, split
from cloudinit.validate import analyse
from ignition.config import codec, model
from ignition.config.parse import validate_tree
from ignition.config.report import Diagnostic, Path, Report
from ignition.util.record import field, record

__all__ = ["Conversion", "Metadata", "Origin", "convert"]

# cloud-init keys a migrating user may expect to work: their warning says so
# (docs/cloud-config.md, "Conversion").
CLOUD_INIT_KEYS = frozenset(
    {
        "runcmd",
        "bootcmd",
        "packages",
        "package_update",
        "package_upgrade",
        "apt",
        "yum_repos",
        "mounts",
        "disk_setup",
        "fs_setup",
        "growpart",
        "chpasswd",
        "ntp",
        "timezone",
        "locale",
        "sudo",
        "lock_passwd",
        "groups",
        "ssh_pwauth",
        "disable_root",
        "final_message",
        "power_state",
        "fqdn",
        "preserve_hostname",
        "ssh_keys",
        "ssh_import_id",
        "ca_certs",
    }
)


@record(frozen=False)
class Conversion:
    config: model.Config | None  # None when the report has errors
    report: Report
    origins: dict[Path, Origin]  # output JSON path → where it comes from in the user data
    draft: model.Config = field(default_factory=model.empty_config)  # best effort, always
    multipart: bool = False
    environment: to_ignition.Env = ()  # the COREOS_* variables for /etc/environment

    @property
    def ok(self) -> bool:
        return self.config is not None

    def origin(self, json_path: Path) -> Origin | None:
        """Where an output path (or its nearest ancestor with a known origin) comes from."""
        for n in range(len(json_path), -1, -1):
            o = self.origins.get(json_path[:n])
            if o is not None:
                return o
        return None


def convert(
    raw: bytes,
    *,
    metadata: Metadata | None = None,
    name: str | None = None,
    environment_file: bool = True,
    workspace: str = to_ignition.WORKSPACE,
) -> Conversion:
    """Convert user data (cloud-config, script or multipart) for the engine to apply.

    ``metadata`` is what the provider knows about the machine (addresses for ``$private_ipv4``
    and friends, hostname and SSH keys, merged as coreos-cloudinit merges them); ``name``
    names the user data in diagnostics (a file name or URL). ``environment_file=False``
    leaves the ``COREOS_*`` variables out of the config (the engine merges them in place);
    ``workspace`` is coreos-cloudinit's ``-workspace`` (scripts are saved in its ``scripts``).
    """
    md = metadata or Metadata()
    b = Builder(file=name)
    sh = Shared(workspace=workspace)
    parts = split(raw)
    to_ignition.add_network(b, md)
    for d in parts.diagnostics:
        b.report.entries.append(Diagnostic(d.severity, d.path, d.message, d.line, d.column, name))
    for part in parts.parts:
        doc = Doc(part.number, line_offset=part.line_offset, start=part.start)
        if part.kind is PartKind.CLOUD_CONFIG:
            _cloud_config(b, sh, part, md)
        elif part.kind is PartKind.SCRIPT:
            _script(b, sh, doc, part, md)
        elif part.kind is PartKind.IGNITION:
            b.warning(
                doc.origin(()),
                "an Ignition config inside a multipart message is ignored "
                "(as Flatcar's coreos-cloudinit does); give it as the whole"
                " user data instead",
            )
        elif part.kind is PartKind.UNKNOWN:
            what = f"MIME part {part.number} ({part.media_type})" if part.number else "user data"
            b.error(doc.origin(()), f"{what} is neither #cloud-config nor a #! script")
    env = to_ignition.finish(b, sh, md, environment_file=environment_file)
    draft, origins = b.build()
    _ignition_rules(b, draft, origins)
    b.report.sort()
    ok = not b.report.is_fatal
    return Conversion(draft if ok else None, b.report, origins, draft, parts.multipart, env)


def _cloud_config(b: Builder, sh: Shared, part: Part, md: Metadata) -> None:
    style = header_style(part.data)
    doc0 = Doc(part.number, line_offset=part.line_offset, start=part.start)
    if style == "cloud-init":
        b.warning(
            doc0.at((), (1, 1)),
            "the first line is not exactly #cloud-config: "
            "coreos-cloudinit would not recognise this document",
        )
    a = analyse(part.data)
    doc = Doc(part.number, a.positions, part.line_offset, part.start)
    for f in a.findings:
        _finding(b, doc, f)
    for n in a.notes:
        b.warning(doc.at(n.path or (), n.pos), n.message)
    if a.strong is None:
        return
    strong, unknown = md_mod.substitute_tree(a.strong, md)
    for u in unknown:
        b.error(doc.origin(u.path), _no_value(u.variable))
    to_ignition.add_document(b, sh, doc, from_strong(strong))


def _script(b: Builder, sh: Shared, doc: Doc, part: Part, md: Metadata) -> None:
    text = part.data.decode("utf-8", "surrogateescape")
    text, unknown = md_mod.substitute_text(text, md)
    for var, offset in unknown:
        line = text.count("\n", 0, offset) + 1
        col = offset - (text.rfind("\n", 0, offset) + 1) + 1
        b.error(doc.at((), (line, col)), _no_value(var))
    name = part.filename or ("user-data" if part.number is None else f"part-{part.number}")
    to_ignition.add_script(b, sh, doc, text.encode("utf-8", "surrogateescape"), name)


def _no_value(variable: str) -> str:
    scope, _, family = variable.partition("_")
    return (
        f"${variable} has no value: no {scope} {family.replace('ip', 'IP')} address is known "
        "(coreos-cloudinit took it from the metadata service)"
    )


def _finding(b: Builder, doc: Doc, f: Finding) -> None:
    """A reference finding, with the severity a conversion gives it."""
    o = doc.at(f.path or (), f.pos)
    if f.code is Code.ROOT_TYPE:
        return
    if f.code is Code.TYPE:
        if f.kind is not None and f.kind.value == "invalid":
            b.warning(o, f"{f.message}: null, treated as unset")
        else:
            b.error(o, f"{f.message}: coreos-cloudinit would silently drop or truncate this value")
        return
    if f.code is Code.UNKNOWN_KEY:
        key = f.path[-1] if f.path else ""
        hint = (
            " (a canonical cloud-init key, which coreos-cloudinit never supported)"
            if key in CLOUD_INIT_KEYS
            else ""
        )
        b.warning(o, f"{f.message}: ignored{hint}")
        return
    if f.code is Code.UNDER_COREOS:
        b.warning(o, "write_files doesn't belong under coreos: these files are not written")
        return
    b.add(f.severity, o, f.message)


def _ignition_rules(b: Builder, cfg: model.Config, origins: dict[Path, Origin]) -> None:
    """Check the output with Ignition's rules; report at the cloud-config's places."""
    tree = codec.encode(cfg, omit_empty=True)
    _, report = validate_tree(tree, model.LATEST_VERSION)
    for d in report:
        o = _lookup(origins, d.path or ())
        b.add(d.severity, o, d.message)


def _lookup(origins: dict[Path, Origin], path: Path) -> Origin | None:
    for n in range(len(path), -1, -1):
        o = origins.get(path[:n])
        if o is not None:
            return o
    return None
