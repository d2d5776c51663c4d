"""A Container Linux Config (ct's input) → the equivalent Butane (Flatcar by default).

The config goes through ct's own translation (``transpiler.ct.convert``), so the sugar
sections (etcd, flannel, docker, update, locksmith, platform templating) become exactly the
units, drop-ins and files ct generates; the spec 2.3 result is then translated to spec 3 as
Flatcar's Ignition does (``ignition.config.legacy``), and written as Butane: snake_case keys,
text contents inline, ``local`` contents kept as ``local`` (run butane with the same
``--files-dir``), modes in octal, and every entry commented with the line it comes from.
So ``butane`` of the result gives the config Flatcar's Ignition would apply for ``ct`` of the
original. What changes meaning is reported.
"""

from __future__ import annotations

import json
from typing import Any

from cloudinit.migrate.result import Migration, header
from cloudinit.render import yaml_path
from cloudinit.yamlout import Commented, Octal, dump
from ignition.config.legacy.convert import PathMap
from ignition.config.legacy.convert import convert as to_spec3
from ignition.config.parse import parse
from ignition.config.report import Diagnostic, Path, Report, Severity
from ignition.config.urls import URLError, decode_data_url
from ignition.config.yamldoc import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    compose_first_located,
)
from transpiler.ct.convert import CtResult, translate
from transpiler.localfiles import FilesDir
from transpiler.translations import snake

DIALECT = "ct"
VERSIONS = {"flatcar": "1.0.0", "fcos": "1.4.0"}  # both emit Ignition 3.3.0
LABELS = {"flatcar": "Flatcar", "fcos": "Fedora CoreOS"}
SUGAR = {
    "etcd": "the etcd-member.service drop-in ct generates (Flatcar's etcd-wrapper)",
    "flannel": "the flanneld.service drop-in ct generates (Flatcar's flannel-wrapper)",
    "docker": "the docker.service drop-in ct generates (DOCKER_OPTS)",
    "update": "the /etc/coreos/update.conf ct generates",
    "locksmith": "the /etc/coreos/update.conf ct generates",
}
# Lists whose entries get a comment naming their source.
COMMENTED = {
    ("ignition", "config", "merge"),
    ("ignition", "security", "tls", "certificate_authorities"),
    ("storage", "disks"),
    ("storage", "raid"),
    ("storage", "filesystems"),
    ("storage", "files"),
    ("storage", "directories"),
    ("storage", "links"),
    ("systemd", "units"),
    ("passwd", "users"),
    ("passwd", "groups"),
}


class _Ctx:
    def __init__(self, res: CtResult, root: Node | None, pm: PathMap, name: str) -> None:
        self.res = res
        self.root = root
        self.pm = pm
        self.name = name

    def clc(self, p3: Path) -> Path:
        """The CLC path a spec 3 output path comes from."""
        return self.res.translations.source(self.pm(p3))

    def node(self, path: Path, *, key: bool = False) -> Node | None:
        """The node at ``path`` (with ``key``: the key node naming it, where there is one)."""
        node = self.root
        for n, p in enumerate(path):
            if isinstance(node, MappingNode) and isinstance(p, str):
                pair = next(
                    (kv for kv in node.value if isinstance(kv[0], ScalarNode) and kv[0].value == p),
                    None,
                )
                if pair is None:
                    return None
                node = pair[0] if key and n == len(path) - 1 else pair[1]
            elif isinstance(node, SequenceNode) and isinstance(p, int) and p < len(node.value):
                node = node.value[p]
            else:
                return None
        return node

    def line(self, path: Path) -> int | None:
        for n in range(len(path), -1, -1):
            node = self.node(path[:n], key=True)
            if node is not None:
                return int(node.start_mark.line) + 1
        return None

    def comment(self, p3: Path) -> str:
        src = self.clc(p3)
        line = self.line(src)
        text = f"from {yaml_path(src)}" + (f" (line {line})" if line else "")
        if src and src[0] in SUGAR:
            text += f": {SUGAR[str(src[0])]}"
        elif src and src[0] == "networkd":
            text += ": a networkd unit, as a file under /etc/systemd/network"
        return text


def convert(
    raw: bytes,
    *,
    name: str,
    files: FilesDir | None = None,
    platform: str = "",
    variant: str = "flatcar",
) -> Migration:
    report = Report()
    res = translate(raw, files=files, platform=platform)
    _ct_report(report, res, name)
    if res.parse_failed or res.error is not None or res.output is None or res.convert.is_fatal:
        if res.error is not None:
            line, col = res.error_pos or (None, None)
            report.entries.append(Diagnostic(Severity.ERROR, None, res.error, line, col, name))
        return Migration(DIALECT, None, report)
    text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n")
    ctx = _Ctx(res, compose_first_located(text), PathMap(), name)
    tree = to_spec3(res.output, "2.3.0", Report(), ctx.pm)
    # Flatcar's reading of the 2.3 config: its 2.x rules, the translation, the 3.x rules
    found = parse(json.dumps(res.output).encode(), legacy=True).report
    for d in found:
        src = res.translations.source(d.path) if d.path is not None else None
        if d.message.startswith("deprecated"):
            continue  # spec 2 spellings of what the Butane spells the current way
        message = f"{d.message}: not carried over" if d.is_error else d.message
        _add(report, ctx, d.severity, src, message)
    _meaning(report, ctx, res.output)
    doc: dict[str, Any] = {"variant": variant, "version": VERSIONS[variant]}
    body = _butane(ctx, {k: v for k, v in tree.items() if k != "ignition"}, ())
    ign = {k: v for k, v in tree["ignition"].items() if k != "version"}
    if ign:
        doc["ignition"] = _butane(ctx, ign, ("ignition",))
    doc.update(body)
    report.sort()
    title = (
        f"# Butane config for {LABELS[variant]}, converted from the Container Linux Config "
        f"{name} by pyignition's ignition-convert."
    )
    return Migration(DIALECT, header(title, report, name) + dump(doc), report)


def _add(report: Report, ctx: _Ctx, sev: Severity, src: Path | None, message: str) -> None:
    line = ctx.line(src) if src is not None else None
    report.entries.append(Diagnostic(sev, src, message, line, 1 if line else None, ctx.name))


def _ct_report(report: Report, res: CtResult, name: str) -> None:
    """ct's own findings: an unrecognised key is dropped by ct, so it is not carried over."""
    for d in [*res.parse, *res.convert]:
        sev = d.severity
        if d.message.startswith("Config has unrecognized key"):
            sev = Severity.ERROR
            message = f"{d.message}: ct ignores it, so it is not carried over"
        elif d.message.startswith("Did you mean"):
            continue
        elif d.message.startswith("mode unspecified"):
            sev, message = Severity.INFO, d.message + " (written explicitly)"
        else:
            message = d.message
        report.entries.append(Diagnostic(sev, d.path, message, d.line, d.column, name))


def _meaning(report: Report, ctx: _Ctx, out: dict[str, Any]) -> None:
    """What reads differently in spec 3 than in ct's spec 2.3 output."""
    cfg = ctx.res
    for i, unit in enumerate(out.get("systemd", {}).get("units", [])):
        for d in unit.get("dropins", []):
            if "coreos-metadata.service" in d.get("contents", ""):
                src = cfg.translations.source(("systemd", "units", i))
                _add(report, ctx, Severity.WARNING, src or None,
                     f"{unit['name']}: the generated drop-in reads the platform's addresses "
                     "from coreos-metadata.service (Afterburn), as ct's did")  # fmt: skip
                break
    for kind in ("files", "directories", "links"):
        for i, n in enumerate(out.get("storage", {}).get(kind, [])):
            if n.get("filesystem", "root") != "root":
                _add(report, ctx, Severity.WARNING, cfg.translations.source(("storage", kind, i)),
                     f"filesystem {n['filesystem']!r}: spec 3 names no file system for a node; "
                     "its path is joined to the file system's path")  # fmt: skip
    if out.get("networkd", {}).get("units"):
        _add(report, ctx, Severity.INFO, ("networkd",),
             "networkd units: files under /etc/systemd/network (Butane has no networkd "
             "section), as Flatcar translates spec 2 configs")  # fmt: skip


def _butane(ctx: _Ctx, value: Any, p3: Path) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k in ("contents",) and isinstance(v, dict):
                out[k] = _contents(ctx, v, (*p3, k))
            elif k == "append" and isinstance(v, list):
                out[k] = [_contents(ctx, a, (*p3, k, i)) for i, a in enumerate(v)]
            elif k == "mode" and isinstance(v, int):
                out[k] = Octal(v)
            elif k == "verification" and v == {}:
                continue
            else:
                out[snake(k)] = _butane(ctx, v, (*p3, k))
        return out
    if isinstance(value, list):
        items = [_butane(ctx, v, (*p3, i)) for i, v in enumerate(value)]
        if tuple(snake(str(p)) for p in p3) in COMMENTED:
            return [Commented(item, ctx.comment((*p3, i))) for i, item in enumerate(items)]
        return items
    return value


def _contents(ctx: _Ctx, res: dict[str, Any], p3: Path) -> dict[str, Any]:
    """A resource as Butane sugar: ``local`` where the CLC read a local file, text inline."""
    out = _butane(ctx, {k: v for k, v in res.items() if k != "contents"}, p3)
    source = res.get("source")
    if not isinstance(source, str) or not source.startswith("data:") or res.get("compression"):
        return dict(out)
    src = ctx.clc((*p3, "source"))
    if src[-1:] == ("local",):
        node = ctx.node(src)
        if isinstance(node, ScalarNode):
            out.pop("source")
            return {"local": node.value, **out}
    try:
        text = decode_data_url(source).data.decode("utf-8")
    except (URLError, UnicodeDecodeError):
        return dict(out)
    out.pop("source")
    return {"inline": text, **out}
