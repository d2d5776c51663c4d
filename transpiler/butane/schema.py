"""The Butane schema of a (variant, version), derived from the Ignition schema it emits.

Butane mirrors every Ignition field with a snake_case name, so the shapes are compiled from
``schema/ignition/<version>.json`` (renaming keys, remembering the Ignition name for the
generic copy) and the sugar fields of each base layer are added on top. The result is cached
per spec.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ignition.config import schemas
from transpiler.butane.registry import Spec
from transpiler.shapes import Kind, Shape
from transpiler.translations import snake

_KINDS = {
    "object": Kind.OBJECT,
    "array": Kind.ARRAY,
    "string": Kind.STRING,
    "integer": Kind.INT,
    "boolean": Kind.BOOL,
}


def _go(name: str, pkg: str) -> str:
    return name.replace("types.", f"{pkg}.")


def _compile(node: dict[str, Any], defs: dict[str, Any], memo: dict[str, Shape], pkg: str) -> Shape:
    ref = node.get("$ref")
    if ref is not None:
        name = ref.rsplit("/", 1)[-1]
        if name not in memo:
            target = defs[name]
            shape = Shape(Kind.OBJECT, _go(target.get("x-go-type", name), pkg), role=name)
            memo[name] = shape
            _fill(shape, target, defs, memo, pkg)
        return memo[name]
    types = node.get("type", [])
    kinds = [t for t in ([types] if isinstance(types, str) else types) if t != "null"]
    kind = _KINDS[kinds[0] if kinds else "object"]
    shape = Shape(kind, _go(node.get("x-go-type", kinds[0] if kinds else "object"), pkg))
    if kind is Kind.OBJECT:
        _fill(shape, node, defs, memo, pkg)
    elif kind is Kind.ARRAY:
        shape.items = _compile(node.get("items", {}), defs, memo, pkg)
    return shape


def _fill(
    shape: Shape, node: dict[str, Any], defs: dict[str, Any], memo: dict[str, Shape], pkg: str
) -> None:
    for key, sub in node.get("properties", {}).items():
        name = snake(key)
        shape.fields[name] = _compile(sub, defs, memo, pkg)
        shape.out[name] = key


def _s() -> Shape:
    return Shape(Kind.STRING, "*string")


def _b() -> Shape:
    return Shape(Kind.BOOL, "*bool")


def _i() -> Shape:
    return Shape(Kind.INT, "*int")


def _list(item: Shape, go: str) -> Shape:
    return Shape(Kind.ARRAY, go, items=item)


def _obj(go: str, role: str = "", **fields: Shape) -> Shape:
    return Shape(Kind.OBJECT, go, dict(fields), role=role)


@cache
def shape_for(spec: Spec) -> Shape:
    base = spec.base.replace("_exp", "")
    raw = schemas.load("ignition", spec.ignition)
    defs = raw.get("definitions", {})
    memo: dict[str, Shape] = {}
    root = Shape(Kind.OBJECT, f"{spec.package}.Config", role="config")
    _fill(root, raw, defs, memo, base)
    ign = memo["ignition"]
    del ign.fields["version"], ign.out["version"]
    root.fields["variant"] = Shape(Kind.STRING, "string")
    root.fields["version"] = Shape(Kind.STRING, "string")

    v02 = spec.base_at_least("v0_2")
    for name in ("resource", "caReference", "configReference"):
        res = memo.get(name)
        if res is None:
            continue
        res.role = "resource"
        if name == "resource" or v02:
            res.fields["inline"] = _s()
        if v02:
            res.fields["local"] = _s()
    if v02:
        memo["filesystem"].fields["with_mount_unit"] = _b()
        tree = _obj(f"{base}.Tree", "tree", local=Shape(Kind.STRING, "string"), path=_s())
        if spec.base_at_least("v0_7"):
            tree.fields["user"] = _obj(f"{base}.NodeUser", id=_i(), name=_s())
            tree.fields["group"] = _obj(f"{base}.NodeGroup", id=_i(), name=_s())
            tree.fields["file_mode"] = _i()
            tree.fields["dir_mode"] = _i()
        memo["storage"].fields["trees"] = _list(tree, f"[]{base}.Tree")
    if spec.base_at_least("v0_5"):
        memo["unit"].fields["contents_local"] = _s()
        memo["dropin"].fields["contents_local"] = _s()
        memo["passwdUser"].fields["ssh_authorized_keys_local"] = _list(_s(), "[]string")
    if spec.base_at_least("v0_8_exp"):
        qdrop = _obj(
            f"{base}.QuadletDropin",
            name=Shape(Kind.STRING, "string"),
            contents=_s(),
            contents_local=_s(),
        )
        quadlet = _obj(
            f"{base}.Quadlet",
            "quadlet",
            name=Shape(Kind.STRING, "string"),
            contents=_s(),
            contents_local=_s(),
            rootful=_b(),
            dropins=_list(qdrop, f"[]{base}.QuadletDropin"),
        )
        memo["systemd"].fields["quadlets"] = _list(quadlet, f"[]{base}.Quadlet")
    if spec.fcos >= 3:
        _add_boot_device(root, spec)
    if spec.fcos >= 5:
        guser = _obj(
            f"{spec.package}.GrubUser", name=Shape(Kind.STRING, "string"), password_hash=_s()
        )
        root.fields["grub"] = _obj(f"{spec.package}.Grub", users=_list(guser, "[]GrubUser"))
    if spec.openshift:
        root.fields["metadata"] = _obj(
            f"{spec.package}.Metadata",
            name=Shape(Kind.STRING, "string"),
            labels=Shape(Kind.STRMAP, "map[string]string"),
        )
        root.fields["openshift"] = _obj(
            f"{spec.package}.OpenShift",
            kernel_arguments=_list(Shape(Kind.STRING, "string"), "[]string"),
            extensions=_list(Shape(Kind.STRING, "string"), "[]string"),
            fips=_b(),
            kernel_type=_s(),
        )
    return root


def _add_boot_device(root: Shape, spec: Spec) -> None:
    pkg = spec.package
    tang = _obj(f"{pkg}.Tang", url=Shape(Kind.STRING, "string"), thumbprint=_s())
    luks = _obj(
        f"{pkg}.BootDeviceLuks", tang=_list(tang, f"[]{pkg}.Tang"), threshold=_i(), tpm2=_b()
    )
    if spec.fcos >= 5:
        tang.fields["advertisement"] = _s()
        luks.fields["discard"] = _b()
    if spec.fcos >= 6:
        luks.fields["device"] = _s()
        luks.fields["cex"] = _obj(f"{pkg}.Cex", enabled=_b())
    mirror = _obj(
        f"{pkg}.BootDeviceMirror", devices=_list(Shape(Kind.STRING, "string"), "[]string")
    )
    root.fields["boot_device"] = _obj(f"{pkg}.BootDevice", layout=_s(), luks=luks, mirror=mirror)
