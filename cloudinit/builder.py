"""Accumulates the Ignition config a cloud-config converts to, and where each piece came from.

coreos-cloudinit applies its documents in order, so a later file with the same path replaces
an earlier one, unit settings accumulate, and drop-ins of the same name are replaced. The
builder keeps those rules (warning when something is replaced), then emits an
``ignition.config.model.Config`` and the origin of every JSON path in it.
"""

from __future__ import annotations

import base64
import urllib.parse

from cloudinit.validate import Positions
from ignition.config import model
from ignition.config.report import Diagnostic, Path, Report, Severity
from ignition.util.record import field, record

Pos = tuple[int, int]


@record
class Origin:
    """Where a piece of the output comes from: a path in the user's cloud-config (for a
    MIME message it starts with ``("parts", N)``) and its line and column in the user data."""

    path: Path
    line: int | None = None
    column: int | None = None


@record
class Doc:
    """One cloud-config document (or script) of the user data, for locating things in it."""

    part: int | None = None
    positions: Positions = field(default_factory=Positions)
    line_offset: int | None = 0  # message line before the document; None: no lines there
    start: Pos = (1, 1)

    def path(self, p: Path) -> Path:
        return p if self.part is None else ("parts", self.part, *p)

    def locate(self, pos: Pos | None) -> Pos:
        if pos is None or self.line_offset is None:
            return self.start
        return pos[0] + self.line_offset, pos[1]

    def origin(self, p: Path, *, key: bool = False) -> Origin:
        pos = self.positions.key(p) if key else self.positions.value(p)
        line, col = self.locate(pos)
        return Origin(self.path(p), line, col)

    def at(self, p: Path, pos: Pos | None) -> Origin:
        line, col = self.locate(pos)
        return Origin(self.path(p), line, col)


def data_url(data: bytes) -> str:
    """RFC 2397 ``data:`` URL: percent-encoded text, base64 for anything else."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "data:;base64," + base64.b64encode(data).decode("ascii")
    return "data:," + urllib.parse.quote(text, safe="")


@record(frozen=False)
class _File:
    path: str
    contents: bytes
    mode: int
    user: model.NodeUser
    group: model.NodeGroup
    origins: dict[str, Origin]  # "" for the entry, then "path", "mode", "contents", ...
    append: bool = False  # added to what the file holds (or created), never replacing it


@record(frozen=False)
class _Link:
    path: str
    target: str
    origin: Origin


@record(frozen=False)
class _Unit:
    name: str
    origin: Origin
    contents: str | None = None
    contents_origin: Origin | None = None
    enabled: bool = False
    enabled_origin: Origin | None = None
    mask: bool = False
    mask_origin: Origin | None = None
    dropins: dict[str, tuple[str, Origin]] = field(default_factory=dict)


@record(frozen=False)
class _User:
    user: model.PasswdUser
    origins: dict[str, Origin]
    key_origins: list[Origin] = field(default_factory=list)


@record(frozen=False)
class Builder:
    file: str | None = None  # how diagnostics name the user data
    report: Report = field(default_factory=Report)
    files: dict[str, _File] = field(default_factory=dict)
    links: dict[str, _Link] = field(default_factory=dict)
    units: dict[str, _Unit] = field(default_factory=dict)
    users: dict[str, _User] = field(default_factory=dict)
    error_paths: set[Path] = field(default_factory=set)

    # ----------------------------------------------------------------------- diagnostics

    def add(self, severity: Severity, origin: Origin | None, message: str) -> None:
        if origin is None:
            self.report.entries.append(Diagnostic(severity, None, message, file=self.file))
            return
        if severity is Severity.ERROR:
            self.error_paths.add(origin.path)
        self.report.entries.append(
            Diagnostic(severity, origin.path, message, origin.line, origin.column, self.file)
        )

    def error(self, origin: Origin | None, message: str) -> None:
        self.add(Severity.ERROR, origin, message)

    def warning(self, origin: Origin | None, message: str) -> None:
        self.add(Severity.WARNING, origin, message)

    def info(self, origin: Origin | None, message: str) -> None:
        self.add(Severity.INFO, origin, message)

    def has_error(self, origin: Origin) -> bool:
        return origin.path in self.error_paths

    # --------------------------------------------------------------------------- storage

    def add_file(
        self,
        path: str,
        contents: bytes,
        mode: int,
        origins: dict[str, Origin],
        *,
        user: model.NodeUser | None = None,
        group: model.NodeGroup | None = None,
        append: bool = False,
    ) -> None:
        old = self.files.pop(path, None) or self.links.pop(path, None)
        if old is not None:
            self.warning(
                origins[""],
                f"{path} is written twice: this later entry replaces the "
                f"one at {_where(_origin_of(old))}",
            )
        self.files[path] = _File(
            path,
            contents,
            mode,
            user or model.NodeUser(),
            group or model.NodeGroup(),
            origins,
            append,
        )

    def add_link(self, path: str, target: str, origin: Origin) -> None:
        old = self.files.pop(path, None) or self.links.pop(path, None)
        if old is not None:
            self.warning(
                origin,
                f"{path} is written twice: this later entry replaces the one "
                f"at {_where(_origin_of(old))}",
            )
        self.links[path] = _Link(path, target, origin)

    # ----------------------------------------------------------------------------- units

    def unit(self, name: str, origin: Origin) -> _Unit:
        u = self.units.get(name)
        if u is None:
            u = self.units[name] = _Unit(name, origin)
        return u

    def set_contents(self, u: _Unit, contents: str, origin: Origin) -> None:
        if u.contents is not None and u.contents != contents and u.contents_origin is not None:
            self.warning(
                origin,
                f"unit {u.name} is given twice: this content replaces the one "
                f"at {_where(u.contents_origin)}",
            )
        u.contents, u.contents_origin = contents, origin

    def add_dropin(self, u: _Unit, name: str, contents: str, origin: Origin) -> None:
        old = u.dropins.get(name)
        if old is not None and old[0] != contents:
            self.warning(
                origin,
                f"drop-in {name} of {u.name} is given twice: this one replaces "
                f"the one at {_where(old[1])}",
            )
        u.dropins[name] = (contents, origin)

    # ----------------------------------------------------------------------------- users

    def add_user(
        self, user: model.PasswdUser, origins: dict[str, Origin], key_origins: list[Origin]
    ) -> None:
        old = self.users.get(user.name)
        if old is not None:
            self.error(
                origins[""],
                f"user {user.name} is listed twice (also at "
                f"{_where(old.origins[''])}); give each user once",
            )
            return
        self.users[user.name] = _User(user, origins, key_origins)

    # ------------------------------------------------------------------------------ emit

    def build(self) -> tuple[model.Config, dict[Path, Origin]]:
        origins: dict[Path, Origin] = {}
        files = []
        for i, f in enumerate(self.files.values()):
            base: Path = ("storage", "files", i)
            body = model.Resource(source=data_url(f.contents))
            if f.append:  # existing mode and owner kept
                files.append(model.File(path=f.path, append=(body,)))
            else:
                files.append(
                    model.File(
                        path=f.path,
                        overwrite=True,
                        mode=f.mode,
                        user=f.user,
                        group=f.group,
                        contents=body,
                    )
                )
            for key, o in f.origins.items():
                origins[_sub(base, key)] = o
        links = []
        for i, ln in enumerate(self.links.values()):
            links.append(model.Link(path=ln.path, target=ln.target, overwrite=True))
            origins[("storage", "links", i)] = ln.origin
        units = []
        for i, u in enumerate(self.units.values()):
            base = ("systemd", "units", i)
            dropins = tuple(model.Dropin(name=n, contents=c) for n, (c, _) in u.dropins.items())
            units.append(
                model.Unit(
                    name=u.name,
                    contents=u.contents,
                    enabled=True if u.enabled else None,
                    mask=True if u.mask else None,
                    dropins=dropins,
                )
            )
            origins[base] = u.origin
            origins[(*base, "name")] = u.origin
            for key, maybe in (
                ("contents", u.contents_origin),
                ("enabled", u.enabled_origin),
                ("mask", u.mask_origin),
            ):
                if maybe is not None:
                    origins[(*base, key)] = maybe
            for j, (_, o) in enumerate(u.dropins.values()):
                origins[(*base, "dropins", j)] = o
        users = []
        for i, usr in enumerate(self.users.values()):
            base = ("passwd", "users", i)
            users.append(usr.user)
            for key, o in usr.origins.items():
                origins[_sub(base, key)] = o
            for k, o in enumerate(usr.key_origins):
                origins[(*base, "sshAuthorizedKeys", k)] = o
        cfg = model.Config(
            ignition=model.Ignition(version=model.LATEST_VERSION),
            passwd=model.Passwd(users=tuple(users)),
            storage=model.Storage(files=tuple(files), links=tuple(links)),
            systemd=model.Systemd(units=tuple(units)),
        )
        return cfg, origins


def _sub(base: Path, key: str) -> Path:
    return base if not key else (*base, *key.split("."))


def _origin_of(x: _File | _Link) -> Origin:
    return x.origins[""] if isinstance(x, _File) else x.origin


def _where(o: Origin) -> str:
    from cloudinit.render import yaml_path

    if o.line is None:
        return yaml_path(o.path)
    return f"line {o.line} ({yaml_path(o.path)})"


@record(frozen=False)
class Shared:
    """What crosses documents: coreos-cloudinit takes the hostname from the first document
    that sets one, merges the SSH keys for ``core`` and runs unit commands after all units."""

    hostname: tuple[str, Origin] | None = None
    core_keys: list[tuple[str, Origin]] = field(default_factory=list)
    etc_hosts: Origin | None = None
    commands: list[tuple[str, str, Origin]] = field(default_factory=list)
    scripts: int = 0
    workspace: str = "/var/lib/coreos-cloudinit"  # -workspace: scripts go to its scripts/
