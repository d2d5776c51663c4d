"""The Butane document a migration builds, one commented entry at a time, and its report.

Every entry is a :class:`~cloudinit.yamlout.Commented` value naming the source line it comes
from. The report says what was not carried over (errors) and what was carried with a
different meaning (warnings); each entry is located at the source.
"""

from __future__ import annotations

from cloudinit.render import yaml_path
from cloudinit.yamlout import Commented
from ignition.config.report import Diagnostic, Path, Report, Severity
from ignition.util.record import record

Pos = tuple[int, int]


@record
class Variant:
    """What differs between the two Butane variants a migration writes."""

    name: str  # Butane variant
    version: str  # Butane version (Ignition 3.4.0 for both)
    label: str  # for messages
    script_dir: str  # where converted command scripts live (on PATH)
    ca_dir: str  # trusted CA certificates the OS picks up at boot
    ca_suffix: str
    ntp: str  # time client of the OS: "chrony" or "systemd-timesyncd"
    software: str  # how software is added to the OS, for the report of packages


VARIANTS = {
    "fcos": Variant(
        "fcos",
        "1.5.0",
        "Fedora CoreOS",
        "/usr/local/bin",
        "/etc/pki/ca-trust/source/anchors",
        ".crt",
        "chrony",
        "run the software in containers (podman), or layer packages with rpm-ostree "
        "(rpm-ostree install in a unit, then a reboot)",
    ),
    "flatcar": Variant(
        "flatcar",
        "1.1.0",
        "Flatcar",
        "/opt/bin",
        "/etc/ssl/certs",
        ".pem",
        "systemd-timesyncd",
        "run the software in containers (docker, podman), or add it as a systemd-sysext image",
    ),
}

SECTIONS = (
    ("storage", "disks"),
    ("storage", "raid"),
    ("storage", "filesystems"),
    ("storage", "directories"),
    ("storage", "files"),
    ("storage", "links"),
    ("systemd", "units"),
    ("passwd", "users"),
    ("passwd", "groups"),
)


class Out:
    """The entries of a Butane document under construction, keyed for later merging."""

    def __init__(
        self,
        file: str,
        positions: dict[Path, Pos],
        keys: dict[Path, Pos] | None = None,
    ) -> None:
        self.file = file
        self.positions = positions
        self.keys = keys or {}
        self.report = Report()
        self.entries: dict[tuple[str, str], dict[str, tuple[dict[str, object], str]]] = {
            s: {} for s in SECTIONS
        }
        self.kargs: dict[str, str] = {}  # kernel argument → comment (Fedora CoreOS only)

    # ------------------------------------------------------------------ report

    def pos(self, path: Path) -> Pos | None:
        for n in range(len(path), -1, -1):
            p = self.positions.get(path[:n]) or self.keys.get(path[:n])
            if p is not None:
                return p
        return None

    def note(self, severity: Severity, path: Path, message: str, *, key: bool = False) -> None:
        # The rendered path names the key already: drop it from the head of the message.
        last = path[-1] if path and isinstance(path[-1], str) else ""
        for head in (yaml_path(path), _dotted(path), last):
            if head and message.startswith(f"{head}: "):
                message = message[len(head) + 2 :]
                break
        p = (self.keys.get(path) if key else None) or self.pos(path)
        line, col = p if p is not None else (None, None)
        self.report.entries.append(Diagnostic(severity, path, message, line, col, self.file))

    def error(self, path: Path, message: str) -> None:
        """Not carried over."""
        self.note(Severity.ERROR, path, message)

    def warning(self, path: Path, message: str) -> None:
        """Carried over, with a difference worth reading."""
        self.note(Severity.WARNING, path, message)

    def info(self, path: Path, message: str) -> None:
        self.note(Severity.INFO, path, message)

    def source(self, path: Path, what: str = "") -> str:
        p = self.pos(path)
        where = yaml_path(path) + (f" (line {p[0]})" if p is not None else "")
        return f"from {where}" + (f": {what}" if what else "")

    # ------------------------------------------------------------------ entries

    def add(
        self, section: tuple[str, str], key: str, entry: dict[str, object], comment: str
    ) -> dict[str, object]:
        """Add (or replace) the entry ``key`` of a section; returns the stored entry."""
        self.entries[section][key] = (entry, comment)
        return entry

    def get(self, section: tuple[str, str], key: str) -> dict[str, object] | None:
        found = self.entries[section].get(key)
        return found[0] if found is not None else None

    def extend_comment(self, section: tuple[str, str], key: str, more: str) -> None:
        entry, comment = self.entries[section][key]
        if more not in comment.split("\n"):
            self.entries[section][key] = (entry, f"{comment}\n{more}")

    def karg(self, arg: str, comment: str) -> None:
        """A kernel argument that must be on the command line (Ignition's kargs stage)."""
        self.kargs.setdefault(arg, comment)

    def document(self, variant: Variant) -> dict[str, object]:
        doc: dict[str, object] = {"variant": variant.name, "version": variant.version}
        if self.kargs:
            args = [Commented(a, c) for a, c in self.kargs.items()]
            doc["kernel_arguments"] = {"should_exist": args}
        for top, sub in SECTIONS:
            items = [Commented(e, c) for e, c in self.entries[(top, sub)].values()]
            if items:
                section = doc.setdefault(top, {})
                assert isinstance(section, dict)
                section[sub] = items
        return doc


def _dotted(path: Path) -> str:
    """``swap.size``: the path as the messages of the handlers spell it (no list indexes)."""
    return ".".join(p for p in path if isinstance(p, str))
