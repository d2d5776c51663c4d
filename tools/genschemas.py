#!/usr/bin/env python3
"""Write schema/ignition/<version>.json for every Ignition spec version.

The specs differ by a few fields per version, so they are described here once, each field with
the versions it exists in, and written out as one draft-04 JSON Schema per version. The files
are committed; ``tests/unit/config/test_schemas.py`` fails when they drift from this script.

Conventions of the written schemas (they describe what the reference decoder accepts):
- every property and list item also accepts ``null`` (Go decodes null as "unset"/zero value);
- unknown properties are allowed (the validator reports them as "unused key" warnings);
- requiredness and value rules are not in the schema: they are semantic checks with the
  reference's messages (``ignition/config/semantics.py``);
- ``x-go-type`` names the reference's Go type, for messages in the reference's wording;
- integers carry the int64 range, as Go's decoder rejects anything outside it.

The schemas for editors (schema/editor/, strict about unknown keys, with descriptions) are built
from these tables too: after a change here run ``tools/editorschemas.py`` as well.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "schema" / "ignition"

V3 = ["3.0.0", "3.1.0", "3.2.0", "3.3.0", "3.4.0", "3.5.0", "3.6.0", "3.7.0-experimental"]
V2 = ["2.0.0", "2.1.0", "2.2.0", "2.3.0", "2.4.0"]
V1 = ["1"]
ORDER = V1 + V2 + V3
INT64 = {"minimum": -(2**63), "maximum": 2**63 - 1}


def idx(v: str) -> int:
    return ORDER.index(v)


@dataclass(frozen=True)
class F:
    """A property: ``kind`` is 'string', 'integer', 'boolean', a definition name, or a list."""

    kind: str
    since: str = "3.0.0"
    until: str | None = None  # last version that has it
    items: str | None = None  # for kind == 'list': item kind
    go: str | None = None  # Go type name when not derivable
    item_go: str | None = None

    def present(self, v: str) -> bool:
        if idx(v) < idx(self.since):
            return False
        return self.until is None or idx(v) <= idx(self.until)


def L(items: str, since: str = "3.0.0", until: str | None = None, **kw: Any) -> F:
    return F("list", since, until, items=items, **kw)


S, I, B = "string", "integer", "boolean"  # noqa: E741


@dataclass(frozen=True)
class T:
    """An object type; ``go`` maps version ranges to the Go type name."""

    go: str
    props: dict[str, F]


# ------------------------------------------------------------------------------------ spec 3.x

NODE = {
    "group": F("nodeGroup"),
    "overwrite": F(B),
    "path": F(S),
    "user": F("nodeUser"),
}

TYPES3: dict[str, T] = {
    "config": T(
        "Config",
        {
            "ignition": F("ignition"),
            "kernelArguments": F("kernelArguments", since="3.3.0"),
            "passwd": F("passwd"),
            "storage": F("storage"),
            "systemd": F("systemd"),
        },
    ),
    "ignition": T(
        "types.Ignition",
        {
            "config": F("ignitionConfig"),
            "proxy": F("proxy", since="3.1.0"),
            "security": F("security"),
            "timeouts": F("timeouts"),
            "version": F(S),
        },
    ),
    "ignitionConfig": T(
        "types.IgnitionConfig",
        {
            "merge": L("configReference"),
            "replace": F("configReference"),
        },
    ),
    # 3.0 had dedicated reference types; 3.1 unified them as Resource (same name here).
    "configReference": T(
        "types.Resource",
        {
            "compression": F(S, since="3.1.0"),
            "httpHeaders": L("httpHeader", since="3.1.0", go="types.HTTPHeaders"),
            "source": F(S),
            "verification": F("verification"),
        },
    ),
    "caReference": T(
        "types.Resource",
        {
            "compression": F(S, since="3.1.0"),
            "httpHeaders": L("httpHeader", since="3.1.0", go="types.HTTPHeaders"),
            "source": F(S),
            "verification": F("verification"),
        },
    ),
    "resource": T(
        "types.Resource",
        {
            "compression": F(S),
            "httpHeaders": L("httpHeader", since="3.1.0", go="types.HTTPHeaders"),
            "source": F(S),
            "verification": F("verification"),
        },
    ),
    "httpHeader": T("types.HTTPHeader", {"name": F(S), "value": F(S)}),
    "verification": T("types.Verification", {"hash": F(S)}),
    "proxy": T(
        "types.Proxy",
        {
            "httpProxy": F(S),
            "httpsProxy": F(S),
            "noProxy": L(S, item_go="types.NoProxyItem"),
        },
    ),
    "security": T("types.Security", {"tls": F("tls")}),
    "tls": T("types.TLS", {"certificateAuthorities": L("caReference")}),
    "timeouts": T("types.Timeouts", {"httpResponseHeaders": F(I), "httpTotal": F(I)}),
    "kernelArguments": T(
        "types.KernelArguments",
        {
            "shouldExist": L(S, item_go="types.KernelArgument"),
            "shouldNotExist": L(S, item_go="types.KernelArgument"),
        },
    ),
    "passwd": T("types.Passwd", {"groups": L("passwdGroup"), "users": L("passwdUser")}),
    "passwdGroup": T(
        "types.PasswdGroup",
        {
            "gid": F(I),
            "name": F(S),
            "passwordHash": F(S),
            "shouldExist": F(B, since="3.2.0"),
            "system": F(B),
        },
    ),
    "passwdUser": T(
        "types.PasswdUser",
        {
            "gecos": F(S),
            "groups": L(S, item_go="types.Group"),
            "homeDir": F(S),
            "name": F(S),
            "noCreateHome": F(B),
            "noLogInit": F(B),
            "noUserGroup": F(B),
            "passwordHash": F(S),
            "primaryGroup": F(S),
            "shell": F(S),
            "shouldExist": F(B, since="3.2.0"),
            "sshAuthorizedKeys": L(S, item_go="types.SSHAuthorizedKey"),
            "system": F(B),
            "uid": F(I),
        },
    ),
    "storage": T(
        "types.Storage",
        {
            "directories": L("directory"),
            "disks": L("disk"),
            "files": L("file"),
            "filesystems": L("filesystem"),
            "links": L("link"),
            "luks": L("luks", since="3.2.0"),
            "raid": L("raid"),
        },
    ),
    "nodeUser": T("types.NodeUser", {"id": F(I), "name": F(S)}),
    "nodeGroup": T("types.NodeGroup", {"id": F(I), "name": F(S)}),
    "directory": T("types.Directory", {**NODE, "mode": F(I)}),
    "file": T(
        "types.File",
        {
            **NODE,
            "append": L("resource"),
            "contents": F("resource"),
            "mode": F(I),
        },
    ),
    "link": T("types.Link", {**NODE, "hard": F(B), "target": F(S)}),
    "disk": T(
        "types.Disk",
        {"device": F(S), "partitions": L("partition"), "wipeTable": F(B)},
    ),
    "partition": T(
        "types.Partition",
        {
            "guid": F(S),
            "label": F(S),
            "number": F(I),
            "resize": F(B, since="3.2.0"),
            "shouldExist": F(B),
            "sizeMiB": F(I),
            "startMiB": F(I),
            "typeGuid": F(S),
            "wipePartitionEntry": F(B),
        },
    ),
    "raid": T(
        "types.Raid",
        {
            "devices": L(S, item_go="types.Device"),
            "level": F(S),
            "name": F(S),
            "options": L(S, item_go="types.RaidOption"),
            "spares": F(I),
        },
    ),
    "luks": T(
        "types.Luks",
        {
            "cex": F("cex", since="3.5.0"),
            "clevis": F("clevis"),
            "device": F(S),
            "discard": F(B, since="3.4.0"),
            "keyFile": F("resource"),
            "label": F(S),
            "name": F(S),
            "openOptions": L(S, since="3.4.0", item_go="types.OpenOption"),
            "options": L(S, item_go="types.LuksOption"),
            "uuid": F(S),
            "wipeVolume": F(B),
        },
    ),
    "cex": T("types.Cex", {"enabled": F(B)}),
    "clevis": T(
        "types.Clevis",
        {
            "custom": F("clevisCustom"),
            "tang": L("tang"),
            "threshold": F(I),
            "tpm2": F(B),
        },
    ),
    "clevisCustom": T(
        "types.ClevisCustom",
        {"config": F(S), "needsNetwork": F(B), "pin": F(S)},
    ),
    "tang": T(
        "types.Tang",
        {"advertisement": F(S, since="3.4.0"), "thumbprint": F(S), "url": F(S)},
    ),
    "filesystem": T(
        "types.Filesystem",
        {
            "device": F(S),
            "format": F(S),
            "label": F(S),
            "mountOptions": L(S, since="3.1.0", item_go="types.MountOption"),
            "options": L(S, item_go="types.FilesystemOption"),
            "path": F(S),
            "uuid": F(S),
            "wipeFilesystem": F(B),
        },
    ),
    "systemd": T("types.Systemd", {"units": L("unit")}),
    "unit": T(
        "types.Unit",
        {
            "contents": F(S),
            "dropins": L("dropin"),
            "enabled": F(B),
            "mask": F(B),
            "name": F(S),
        },
    ),
    "dropin": T("types.Dropin", {"contents": F(S), "name": F(S)}),
}

# ------------------------------------------------------------------------------------ spec 2.x

V20 = "2.0.0"
V21 = "2.1.0"
V22 = "2.2.0"
V23 = "2.3.0"
V24 = "2.4.0"


def F2(kind: str, since: str = V20, **kw: Any) -> F:
    return F(kind, since, **kw)


def L2(items: str, since: str = V20, **kw: Any) -> F:
    return F("list", since, items=items, **kw)


NODE2 = {
    "filesystem": F2(S),
    "path": F2(S),
    "user": F2("nodeUser"),
    "group": F2("nodeGroup"),
    "overwrite": F2(B, since=V22),
    "mode": F2(I, since=V21),
}

TYPES2: dict[str, T] = {
    "config": T(
        "Config",
        {
            "ignition": F2("ignition"),
            "storage": F2("storage"),
            "systemd": F2("systemd"),
            "networkd": F2("networkd"),
            "passwd": F2("passwd"),
        },
    ),
    "ignition": T(
        "types.Ignition",
        {
            "version": F2(S),
            "config": F2("ignitionConfig"),
            "timeouts": F2("timeouts", since=V21),
            "security": F2("security", since=V22),
            "proxy": F2("proxy", since=V24),
        },
    ),
    "ignitionConfig": T(
        "types.IgnitionConfig",
        {"append": L2("configReference"), "replace": F2("configReference")},
    ),
    "configReference": T(
        "types.ConfigReference",
        {
            "source": F2(S),
            "verification": F2("verification"),
            "httpHeaders": L2("httpHeader", since=V24, go="types.HTTPHeaders"),
        },
    ),
    "caReference": T(
        "types.CaReference",
        {
            "source": F2(S),
            "verification": F2("verification"),
            "httpHeaders": L2("httpHeader", since=V24, go="types.HTTPHeaders"),
        },
    ),
    "httpHeader": T("types.HTTPHeader", {"name": F2(S), "value": F2(S)}),
    "verification": T("types.Verification", {"hash": F2(S)}),
    "timeouts": T("types.Timeouts", {"httpResponseHeaders": F2(I), "httpTotal": F2(I)}),
    "security": T("types.Security", {"tls": F2("tls")}),
    "tls": T("types.TLS", {"certificateAuthorities": L2("caReference")}),
    "proxy": T(
        "types.Proxy",
        {"httpProxy": F2(S), "httpsProxy": F2(S), "noProxy": L2(S, item_go="types.NoProxyItem")},
    ),
    "storage": T(
        "types.Storage",
        {
            "disks": L2("disk"),
            "raid": L2("raid"),
            "filesystems": L2("filesystem"),
            "files": L2("file"),
            "directories": L2("directory", since=V21),
            "links": L2("link", since=V21),
        },
    ),
    "disk": T(
        "types.Disk",
        {"device": F2(S), "wipeTable": F2(B), "partitions": L2("partition")},
    ),
    "partition": T(
        "types.Partition",
        {
            "label": F2(S),
            "number": F2(I),
            "size": F2(I),
            "start": F2(I),
            "sizeMiB": F2(I, since=V23),
            "startMiB": F2(I, since=V23),
            "typeGuid": F2(S),
            "guid": F2(S, since=V21),
            "wipePartitionEntry": F2(B, since=V23),
            "shouldExist": F2(B, since=V23),
        },
    ),
    "raid": T(
        "types.Raid",
        {
            "name": F2(S),
            "level": F2(S),
            "devices": L2(S, item_go="types.Device"),
            "spares": F2(I),
            "options": L2(S, since=V22, item_go="types.RaidOption"),
        },
    ),
    "filesystem": T(
        "types.Filesystem",
        {"name": F2(S), "mount": F2("mount"), "path": F2(S)},
    ),
    "mount": T(
        "types.Mount",
        {
            "device": F2(S),
            "format": F2(S),
            "create": F2("create"),
            "wipeFilesystem": F2(B, since=V21),
            "label": F2(S, since=V21),
            "uuid": F2(S, since=V21),
            "options": L2(S, since=V21, item_go="types.MountOption"),
        },
    ),
    "create": T(
        "types.Create",
        {"force": F2(B), "options": L2(S, item_go="types.CreateOption")},
    ),
    "file": T(
        "types.File",
        {
            **NODE2,
            "mode": F2(I),
            "contents": F2("fileContents"),
            "append": F2(B, since=V22),
        },
    ),
    "fileContents": T(
        "types.FileContents",
        {
            "compression": F2(S),
            "source": F2(S),
            "verification": F2("verification"),
            "httpHeaders": L2("httpHeader", since=V24, go="types.HTTPHeaders"),
        },
    ),
    "directory": T("types.Directory", {k: v for k, v in NODE2.items()}),
    "link": T(
        "types.Link",
        {**{k: v for k, v in NODE2.items() if k != "mode"}, "target": F2(S), "hard": F2(B)},
    ),
    "nodeUser": T("types.NodeUser", {"id": F2(I), "name": F2(S, since=V21)}),
    "nodeGroup": T("types.NodeGroup", {"id": F2(I), "name": F2(S, since=V21)}),
    "systemd": T("types.Systemd", {"units": L2("unit")}),
    "unit": T(
        "types.Unit",
        {
            "name": F2(S),
            "enable": F2(B),
            "enabled": F2(B, since=V21),
            "mask": F2(B),
            "contents": F2(S),
            "dropins": L2("dropin"),
        },
    ),
    "dropin": T("types.SystemdDropin", {"name": F2(S), "contents": F2(S)}),
    "networkd": T("types.Networkd", {"units": L2("networkdUnit")}),
    "networkdUnit": T(
        "types.Networkdunit",
        {"name": F2(S), "contents": F2(S), "dropins": L2("dropin", since=V22)},
    ),
    "passwd": T("types.Passwd", {"users": L2("passwdUser"), "groups": L2("passwdGroup")}),
    "passwdUser": T(
        "types.PasswdUser",
        {
            "name": F2(S),
            "passwordHash": F2(S),
            "sshAuthorizedKeys": L2(S, item_go="types.SSHAuthorizedKey"),
            "create": F2("userCreate"),
            "uid": F2(I, since=V21),
            "gecos": F2(S, since=V21),
            "homeDir": F2(S, since=V21),
            "noCreateHome": F2(B, since=V21),
            "primaryGroup": F2(S, since=V21),
            "groups": L2(S, since=V21, item_go="types.Group"),
            "noUserGroup": F2(B, since=V21),
            "noLogInit": F2(B, since=V21),
            "shell": F2(S, since=V21),
            "system": F2(B, since=V21),
        },
    ),
    "userCreate": T(
        "types.Usercreate",
        {
            "uid": F2(I),
            "gecos": F2(S),
            "homeDir": F2(S),
            "noCreateHome": F2(B),
            "primaryGroup": F2(S),
            "groups": L2(S, item_go="types.UsercreateGroup"),
            "noUserGroup": F2(B),
            "system": F2(B),
            "noLogInit": F2(B),
            "shell": F2(S),
        },
    ),
    "passwdGroup": T(
        "types.PasswdGroup",
        {"name": F2(S), "gid": F2(I), "passwordHash": F2(S), "system": F2(B)},
    ),
}

# ------------------------------------------------------------------------------------ spec 1

TYPES1: dict[str, T] = {
    "config": T(
        "Config",
        {
            "ignitionVersion": F("integer", "1"),
            "storage": F("storage", "1"),
            "systemd": F("systemd", "1"),
            "networkd": F("networkd", "1"),
            "passwd": F("passwd", "1"),
        },
    ),
    "storage": T(
        "types.Storage",
        {
            "disks": F("list", "1", items="disk"),
            "raid": F("list", "1", items="raid"),
            "filesystems": F("list", "1", items="filesystem"),
        },
    ),
    "disk": T(
        "types.Disk",
        {
            "device": F(S, "1"),
            "wipeTable": F(B, "1"),
            "partitions": F("list", "1", items="partition"),
        },
    ),
    "partition": T(
        "types.Partition",
        {
            "label": F(S, "1"),
            "number": F(I, "1"),
            "size": F(I, "1"),
            "start": F(I, "1"),
            "typeGuid": F(S, "1"),
        },
    ),
    "raid": T(
        "types.Raid",
        {
            "name": F(S, "1"),
            "level": F(S, "1"),
            "devices": F("list", "1", items=S, item_go="types.Path"),
            "spares": F(I, "1"),
        },
    ),
    "filesystem": T(
        "types.Filesystem",
        {
            "device": F(S, "1"),
            "format": F(S, "1"),
            "create": F("create", "1"),
            "files": F("list", "1", items="file"),
        },
    ),
    "create": T(
        "types.FilesystemCreate",
        {"force": F(B, "1"), "options": F("list", "1", items=S)},
    ),
    "file": T(
        "types.File",
        {
            "path": F(S, "1"),
            "contents": F(S, "1"),
            "mode": F(I, "1"),
            "uid": F(I, "1"),
            "gid": F(I, "1"),
        },
    ),
    "systemd": T("types.Systemd", {"units": F("list", "1", items="unit")}),
    "unit": T(
        "types.SystemdUnit",
        {
            "name": F(S, "1"),
            "enable": F(B, "1"),
            "mask": F(B, "1"),
            "contents": F(S, "1"),
            "dropins": F("list", "1", items="dropin"),
        },
    ),
    "dropin": T("types.SystemdUnitDropIn", {"name": F(S, "1"), "contents": F(S, "1")}),
    "networkd": T("types.Networkd", {"units": F("list", "1", items="networkdUnit")}),
    "networkdUnit": T("types.NetworkdUnit", {"name": F(S, "1"), "contents": F(S, "1")}),
    "passwd": T(
        "types.Passwd",
        {"users": F("list", "1", items="user"), "groups": F("list", "1", items="group")},
    ),
    "user": T(
        "types.User",
        {
            "name": F(S, "1"),
            "passwordHash": F(S, "1"),
            "sshAuthorizedKeys": F("list", "1", items=S),
            "create": F("userCreate", "1"),
        },
    ),
    "userCreate": T(
        "types.UserCreate",
        {
            "uid": F(I, "1"),
            "gecos": F(S, "1"),
            "homeDir": F(S, "1"),
            "noCreateHome": F(B, "1"),
            "primaryGroup": F(S, "1"),
            "groups": F("list", "1", items=S),
            "noUserGroup": F(B, "1"),
            "system": F(B, "1"),
            "noLogInit": F(B, "1"),
            "shell": F(S, "1"),
        },
    ),
    "group": T(
        "types.Group",
        {"name": F(S, "1"), "gid": F(I, "1"), "passwordHash": F(S, "1"), "system": F(B, "1")},
    ),
}

GO_PRIMITIVE = {S: "string", I: "int", B: "bool"}


def _kind_schema(kind: str, go: str | None, types: dict[str, T], v: str) -> dict[str, Any]:
    if kind in GO_PRIMITIVE:
        out: dict[str, Any] = {"type": [kind, "null"], "x-go-type": go or GO_PRIMITIVE[kind]}
        if kind == I:
            out.update(INT64)
        return out
    if kind not in types:
        raise SystemExit(f"genschemas: unknown type {kind!r}")
    return {"$ref": f"#/definitions/{kind}"}


def _prop_schema(f: F, types: dict[str, T], v: str) -> dict[str, Any]:
    if f.kind == "list":
        assert f.items is not None
        item = _kind_schema(f.items, f.item_go, types, v)
        item_go = f.item_go or (
            GO_PRIMITIVE.get(f.items) if f.items in GO_PRIMITIVE else types[f.items].go
        )
        return {"type": ["array", "null"], "x-go-type": f.go or f"[]{item_go}", "items": item}
    return _kind_schema(f.kind, f.go, types, v)


def _reachable(types: dict[str, T], v: str) -> list[str]:
    seen: list[str] = []
    todo = ["config"]
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen.append(name)
        for f in types[name].props.values():
            if not f.present(v):
                continue
            sub = f.items if f.kind == "list" else f.kind
            if sub in types:
                todo.append(sub)
    return seen


def schema_for(v: str) -> dict[str, Any]:
    types = TYPES1 if v in V1 else TYPES2 if v in V2 else TYPES3
    defs: dict[str, Any] = {}
    for name in _reachable(types, v):
        t = types[name]
        props = {k: _prop_schema(f, types, v) for k, f in t.props.items() if f.present(v)}
        defs[name] = {"type": ["object", "null"], "x-go-type": t.go, "properties": props}
    root = defs.pop("config")
    line = "1" if v in V1 else v
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "id": f"https://pyignition.invalid/schema/ignition/{line}.json",
        "title": f"Ignition config, spec {line}",
        "description": (
            "Shape of an Ignition config as the reference decoder accepts it: null is allowed "
            "everywhere (unset), unknown keys are allowed (reported as warnings). Required "
            "fields and value rules are semantic checks, not part of this schema."
        ),
        "type": ["object", "null"],  # Go decodes a null document as the zero config
        "x-go-type": root["x-go-type"],
        "properties": root["properties"],
        "definitions": dict(sorted(defs.items())),
    }


def render(v: str) -> str:
    return json.dumps(schema_for(v), indent=2) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    OUT.mkdir(parents=True, exist_ok=True)
    stale = []
    for v in ORDER:
        path = OUT / f"{v}.json"
        text = render(v)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
        else:
            path.write_text(text)
    if stale:
        print("genschemas: out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
