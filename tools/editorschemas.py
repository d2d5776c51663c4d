#!/usr/bin/env python3
"""Write the JSON Schemas for editors under schema/editor/ (see docs/editors.md).

- ``ignition/<spec>.json``: one per Ignition spec, from the spec tables of genschemas.py;
- ``butane/<variant>/<version>.json``: one per Butane variant and version the transpiler has,
  from the transpiler's own shape of that version (``transpiler.butane.schema.shape_for``);
- ``ct/config.json``: the Container Linux Config, from ``transpiler.ct.schema``;
- ``ignition.json`` and ``butane.json``: pick the right file from the config's version.

Unlike the decoder's schemas in schema/ignition/, these refuse unknown keys (the tools ignore
them with a warning, so a typo silently does nothing), carry descriptions, enums and patterns
for values the validator checks, and follow ``butane --strict``: a Butane object given as null
is refused (it is a warning there). ``--check`` reports files that differ from what this
script writes; ``tests/unit/test_editor_schemas.py`` runs it.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "schema" / "editor"
sys.path.insert(0, str(ROOT))  # the transpiler and validator tables, from this checkout

import genschemas  # noqa: E402  (tools/, next to this script)
from generated import sync  # noqa: E402
from schemadocs import describe  # noqa: E402

from ignition.config.rules.common import HASH_SIZES  # noqa: E402
from ignition.config.rules.storage import GUID_PATTERN, RAID_LEVELS  # noqa: E402
from ignition.config.rules.units import UNIT_EXTENSIONS  # noqa: E402
from ignition.config.versions import at_least  # noqa: E402
from transpiler.butane import registry  # noqa: E402
from transpiler.butane.fcos import _layouts  # noqa: E402
from transpiler.butane.schema import shape_for  # noqa: E402
from transpiler.butane.sugar import QUADLET_EXTS  # noqa: E402
from transpiler.ct.schema import root as ct_root  # noqa: E402
from transpiler.shapes import Kind, Shape  # noqa: E402
from transpiler.translations import snake  # noqa: E402

DRAFT = "http://json-schema.org/draft-07/schema#"
JSON_TYPE = {
    Kind.STRING: "string",
    Kind.INT: "integer",
    Kind.UINT: "integer",
    Kind.BOOL: "boolean",
}
NETWORKD_EXTENSIONS = (".link", ".netdev", ".network")
DEPRECATED = {
    "Partition.size": "use size_mib (sizeMiB)",
    "Partition.start": "use start_mib (startMiB)",
    "Mount.create": "use wipe_filesystem and options on the mount",
    "PasswdUser.create": "set these fields on the user",
    "User.create": "set these fields on the user",
    "Unit.enable": "use enabled",
    "SystemdUnit.enable": "use enabled",
}


@dataclass(frozen=True)
class Dialect:
    """What is being described: ``kind`` is ignition, butane or ct; ``ign`` the Ignition spec
    the config is (or becomes)."""

    kind: str
    ign: str
    spec: registry.Spec | None = None

    @property
    def null_objects(self) -> bool:
        return self.kind == "ignition"  # Butane and ct warn on a null section

    def field_name(self, key: str) -> str:
        return snake(key) if self.kind == "ignition" else key


def _ends_with(exts: tuple[str, ...]) -> str:
    return r"\.(" + "|".join(e.lstrip(".") for e in exts) + r")$"


def _formats(d: Dialect) -> list[str]:
    if not d.ign.startswith("3."):
        return ["ext4", "btrfs", "xfs", "vfat", "swap"]
    out = ["", "ext4", "btrfs", "xfs", "vfat", "swap"]
    if at_least(d.ign, "3.3.0"):
        out.append("none")
    if at_least(d.ign, "3.7.0-experimental"):
        out.append("virtiofs")
    minor = d.spec.openshift if d.spec else 0
    if minor:  # the MCO cannot apply these
        out = [f for f in out if f != "btrfs" and not (f == "none" and minor >= 14)]
    return out


def _hash_pattern(d: Dialect) -> str:
    funcs = ["sha512", "sha256"] if at_least(d.ign, "3.1.0") else ["sha512"]
    alts = [f"{f}-[0-9a-fA-F]{{{HASH_SIZES[f]}}}" for f in funcs]
    return "^(" + "|".join(alts) + ")$"


def _max_mode(d: Dialect) -> int:
    # special bits are refused (a warning) before spec 3.6.0
    return 0o7777 if d.ign.startswith("3.") and at_least(d.ign, "3.6.0") else 0o777


def facets(type_name: str, field: str, d: Dialect) -> dict[str, Any]:
    """Value rules of the validator that a schema can state, for one field."""
    key = f"{type_name}.{field}"
    if key in ("Filesystem.format", "Mount.format"):
        return {"enum": _formats(d)}
    if key == "Verification.hash":
        return {"pattern": _hash_pattern(d)}
    if key == "Hash.function":
        return {"enum": ["sha512"]}
    if field == "compression" and type_name in ("Resource", "FileContents", "Remote"):
        return {"enum": ["", "gzip"]}
    if key == "Raid.level":
        return {"enum": sorted(RAID_LEVELS)}
    if key in ("Partition.guid", "Partition.type_guid"):
        return {"pattern": "^(" + GUID_PATTERN.strip("^$") + ")?$"}
    if key in ("Unit.name", "SystemdUnit.name"):
        return {"pattern": _ends_with(UNIT_EXTENSIONS)}
    if key in ("Networkdunit.name", "NetworkdUnit.name"):
        return {"pattern": _ends_with(NETWORKD_EXTENSIONS)}
    if key in ("Dropin.name", "SystemdDropin.name", "SystemdUnitDropIn.name"):
        return {"pattern": _ends_with((".conf",))}
    if key == "Quadlet.name":
        return {"pattern": _ends_with(QUADLET_EXTS)}
    if field == "mode" or key in ("Tree.file_mode", "Tree.dir_mode"):
        if d.kind != "ignition":
            # YAML 1.2 editors read 0644 as decimal 644: a maximum would flag the usual octal
            return {"minimum": 0}
        return {"minimum": 0, "maximum": _max_mode(d)}
    if key == "BootDevice.layout" and d.spec is not None:
        return {"enum": list(_layouts(d.spec.fcos))}
    if key == "OpenShift.kernel_type":
        return {"enum": ["", "default", "realtime"]}
    if key == "Config.variant" and d.spec is not None:
        return {"const": d.spec.variant}
    if key == "Config.version" and d.spec is not None:
        return {"const": d.spec.version}
    if key == "Config.version" and d.kind == "ct":
        return {"enum": [0]}
    if key == "Ignition.version" and d.kind == "ignition":
        return {"const": d.ign}
    if key == "Config.ignition_version":
        return {"const": 1}
    return {}


# Fields without which the validator always complains (the tests check each against it)
REQUIRED = {
    "HTTPHeader": ["name"],
    "File": ["path"],
    "Directory": ["path"],
    "Link": ["path"],
    "Disk": ["device"],
    "Raid": ["level", "devices"],
    "Luks": ["device"],
    "Unit": ["name"],
    "SystemdUnit": ["name"],
    "Dropin": ["name"],
    "SystemdDropin": ["name"],
    "SystemdUnitDropIn": ["name"],
    "Networkdunit": ["name"],
    "NetworkdUnit": ["name"],
    "PasswdUser": ["name"],
    "PasswdGroup": ["name"],
    "Tree": ["local"],
    "GrubUser": ["name", "password_hash"],
    "Quadlet": ["name"],
    "Metadata": ["name", "labels"],
}


def _required(type_name: str, fields: dict[str, Shape], d: Dialect) -> list[str]:
    if type_name == "Config":
        if d.kind == "butane":
            return ["variant", "version"] + (["metadata"] if d.spec and d.spec.openshift else [])
        if d.kind == "ignition":
            return ["ignitionVersion"] if d.ign == "1" else ["ignition"]
        return []
    if type_name == "Ignition" and d.kind == "ignition":
        return ["version"]
    names = {d.field_name(k): k for k in fields}
    return [names[f] for f in REQUIRED.get(type_name, []) if f in names]


def short(go: str) -> str:
    """``*v0_5.Resource`` -> ``Resource``; ``Config`` -> ``Config``."""
    return go.lstrip("*").replace("[]", "").rsplit(".", 1)[-1]


class Writer:
    """Turns a shape tree into one schema: objects become definitions, shared by name."""

    def __init__(self, d: Dialect) -> None:
        self.d = d
        self.defs: dict[str, dict[str, Any]] = {}
        self.names: dict[int, str] = {}

    def obj_body(self, shape: Shape, type_name: str) -> dict[str, Any]:
        props = {}
        for key, sub in shape.fields.items():
            props[key] = self.value(sub, type_name, self.d.field_name(key))
        body: dict[str, Any] = {"type": ["object", "null"] if self.d.null_objects else "object"}
        body["properties"] = props
        body["additionalProperties"] = False
        required = _required(type_name, shape.fields, self.d)
        if required:
            body["required"] = required
        return body

    def ref(self, shape: Shape, parent: str) -> str:
        name = self.names.get(id(shape))
        if name is not None:
            return name
        base = short(shape.go)
        body = self.obj_body(shape, base)
        name = base
        while name in self.defs and self.defs[name] != body:
            name = parent + name  # a different type of the same Go name (BootDevice's Tang)
        self.defs[name] = body
        self.names[id(shape)] = name
        return name

    def value(self, shape: Shape, owner: str, field: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        text = describe(owner, field, self.d.kind)
        if text:
            out["description"] = text
        note = DEPRECATED.get(f"{owner}.{field}")
        if note:
            out["deprecationMessage"] = f"Deprecated: {note}."
        kind = shape.kind
        if kind is Kind.OBJECT:
            out["$ref"] = "#/definitions/" + self.ref(shape, owner)
        elif kind is Kind.ARRAY:
            assert shape.items is not None
            out["type"] = ["array", "null"]
            out["items"] = self.value(shape.items, owner, field)
            out["items"].pop("description", None)
            out["items"].pop("deprecationMessage", None)
        elif kind is Kind.STRMAP:
            out["type"] = "object"
            out["additionalProperties"] = {"type": ["string", "null"]}
        else:
            out["type"] = [JSON_TYPE[kind], "null"]
            if kind is Kind.UINT:
                out["minimum"] = 0
            extra = facets(owner, field, self.d)
            if "enum" in extra:
                extra["enum"] = [*extra["enum"], None]  # null means unset, as for any scalar
            out.update(extra)
        return out

    def document(self, root: Shape, title: str, description: str) -> dict[str, Any]:
        body = self.obj_body(root, "Config")
        body["type"] = "object"
        return {
            "$schema": DRAFT,
            "title": title,
            "description": description,
            **body,
            "definitions": dict(sorted(self.defs.items())),
        }


# ------------------------------------------------------------------------------ sources


def ignition_shape(version: str) -> Shape:
    """The decoder's schema of ``version`` as a shape tree, keys as Ignition spells them."""
    raw = genschemas.schema_for(version)
    defs = raw["definitions"]
    memo: dict[str, Shape] = {}

    def compile_(node: dict[str, Any]) -> Shape:
        ref = node.get("$ref")
        if ref is not None:
            name = ref.rsplit("/", 1)[-1]
            if name not in memo:
                memo[name] = Shape(Kind.OBJECT, defs[name]["x-go-type"])
                fill(memo[name], defs[name])
            return memo[name]
        kind = next(t for t in node["type"] if t != "null")
        if kind == "array":
            return Shape(Kind.ARRAY, node["x-go-type"], items=compile_(node["items"]))
        return Shape(Kind(JSON_KIND[kind]), node["x-go-type"])

    def fill(shape: Shape, node: dict[str, Any]) -> None:
        for key, sub in node["properties"].items():
            shape.fields[key] = compile_(sub)

    root = Shape(Kind.OBJECT, "Config")
    fill(root, raw)
    return root


JSON_KIND = {"string": "string", "integer": "int", "boolean": "bool"}


def ignition_schema(version: str) -> dict[str, Any]:
    d = Dialect("ignition", version)
    return Writer(d).document(
        ignition_shape(version),
        f"Ignition config, spec {version}",
        "An Ignition config of this spec version, for editors: unknown keys are refused "
        "(Ignition ignores them with a warning). Written by tools/editorschemas.py.",
    )


def butane_schema(spec: registry.Spec) -> dict[str, Any]:
    d = Dialect("butane", spec.ignition, spec)
    return Writer(d).document(
        shape_for(spec),
        f"Butane config, variant {spec.variant}, version {spec.version}",
        f"A Butane config for {spec.variant} {spec.version} (it becomes Ignition spec "
        f"{spec.ignition}), as butane --strict accepts it. Written by tools/editorschemas.py.",
    )


def ct_schema() -> dict[str, Any]:
    d = Dialect("ct", "2.3.0")
    return Writer(d).document(
        ct_root("3.3", "0.7"),  # the widest etcd and flannel option sets
        "Container Linux Config (ct)",
        "A Container Linux Config as ct -strict accepts it (etcd and flannel options of "
        "every version are listed). Written by tools/editorschemas.py.",
    )


def butane_dispatch(specs: list[registry.Spec]) -> dict[str, Any]:
    variants = sorted({s.variant for s in specs})
    per_variant = [
        {
            "if": {"properties": {"variant": {"const": v}}, "required": ["variant"]},
            "then": {
                "properties": {"version": {"enum": [s.version for s in specs if s.variant == v]}}
            },
        }
        for v in variants
    ]
    per_spec = [
        {
            "if": {
                "properties": {"variant": {"const": s.variant}, "version": {"const": s.version}},
                "required": ["variant", "version"],
            },
            "then": {"$ref": f"butane/{s.variant}/{s.version}.json"},
        }
        for s in specs
    ]
    return {
        "$schema": DRAFT,
        "title": "Butane config (any variant and version)",
        "description": "Picks the schema of the config's variant and version. Written by "
        "tools/editorschemas.py.",
        "type": "object",
        "required": ["variant", "version"],
        "properties": {
            "variant": {"description": describe("Config", "variant"), "enum": variants},
            "version": {"description": describe("Config", "version"), "type": "string"},
        },
        "allOf": per_variant + per_spec,
    }


def ignition_dispatch() -> dict[str, Any]:
    versions = genschemas.V2 + genschemas.V3
    per_version = [
        {
            "if": {
                "properties": {"ignition": {"properties": {"version": {"const": v}}}},
                "required": ["ignition"],
            },
            "then": {"$ref": f"ignition/{v}.json"},
        }
        for v in versions
    ]
    spec1 = {
        "if": {"required": ["ignitionVersion"]},
        "then": {"$ref": "ignition/1.json"},
        "else": {
            "required": ["ignition"],
            "properties": {
                "ignition": {
                    "type": "object",
                    "required": ["version"],
                    "properties": {"version": {"enum": versions}},
                }
            },
        },
    }
    return {
        "$schema": DRAFT,
        "title": "Ignition config (any spec version)",
        "description": "Picks the schema of the config's ignition.version. Written by "
        "tools/editorschemas.py.",
        "type": "object",
        "allOf": [spec1, *per_version],
    }


def all_files() -> dict[str, dict[str, Any]]:
    """Relative path under schema/editor -> schema."""
    specs = registry.all_specs()
    files: dict[str, dict[str, Any]] = {}
    for v in genschemas.ORDER:
        files[f"ignition/{v}.json"] = ignition_schema(v)
    for s in specs:
        files[f"butane/{s.variant}/{s.version}.json"] = butane_schema(s)
    files["ct/config.json"] = ct_schema()
    files["butane.json"] = butane_dispatch(specs)
    files["ignition.json"] = ignition_dispatch()
    return files


_SCALAR_LIST = re.compile(r"\[\n\s*([^\[\]{}]*?)\n\s*\]")


def render(schema: dict[str, Any]) -> str:
    """Indented JSON with lists of scalars kept on one line (half the size, easier to read)."""
    text = json.dumps(schema, indent=1)
    return _SCALAR_LIST.sub(lambda m: "[" + re.sub(r",\n\s*", ", ", m.group(1)) + "]", text) + "\n"


def main(argv: list[str]) -> int:
    wanted = {rel: render(s) for rel, s in all_files().items()}
    present = {p.relative_to(OUT).as_posix() for p in OUT.rglob("*.json")}
    return sync(OUT, wanted, present, argv, "editorschemas")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
