"""The generic Butane -> Ignition copy: snake_case fields to their Ignition names, following
the shape, recording a translation for every value; resources and the per-field sugar that
stays inside one object (``contents_local``, ``ssh_authorized_keys_local``) are handled here."""

from __future__ import annotations

import re
from typing import Any

from ignition.config.report import Path
from transpiler.butane.context import Ctx
from transpiler.dataurl import butane_encode
from transpiler.shapes import Kind, Shape

# Go fields that are not pointers: their zero value is omitted from the output
NON_POINTER = frozenset({"path", "name", "device", "number", "url", "pin", "config"})
NON_POINTER_OLD = NON_POINTER | {"target", "level"}  # spec < 3.3


def translate_config(ctx: Ctx, cfg: dict[str, Any]) -> dict[str, Any]:
    from transpiler.butane.schema import shape_for

    shape = shape_for(ctx.spec)
    skip = NON_POINTER_OLD if ctx.spec.ignition < "3.3.0" else NON_POINTER
    return _obj(ctx, cfg, shape, (), (), skip)


def _obj(
    ctx: Ctx, value: dict[str, Any], shape: Shape, y: Path, j: Path, skip: frozenset[str]
) -> dict[str, Any]:
    if shape.role == "resource":
        return resource(ctx, value, shape, y, j)
    out: dict[str, Any] = {}
    ts = ctx.ts.entries
    for key, v in value.items():
        jkey = shape.out.get(key)
        if jkey is None:
            continue
        fshape = shape.fields[key]
        yp, jp = (*y, key), (*j, jkey)
        kind = fshape.kind
        if kind is Kind.OBJECT:
            r: Any = _obj(ctx, v, fshape, yp, jp, skip)
            if not r:
                continue
        elif kind is Kind.ARRAY:
            r = _list(ctx, v, fshape, yp, jp, skip)
            if not r:
                continue
        else:
            if jkey in skip and (v == "" or v == 0):
                continue
            r = v
        out[jkey] = r
        ts[jp] = yp
    role = shape.role
    if role in ("unit", "dropin") and "contents_local" in value:
        data = ctx.read_local(value["contents_local"], (*y, "contents_local"))
        if data is not None:
            out["contents"] = data.decode("utf-8", errors="replace")
            ts[(*j, "contents")] = (*y, "contents_local")
    elif role == "passwdUser" and "ssh_authorized_keys_local" in value:
        keys = list(out.get("sshAuthorizedKeys", []))
        for rel in value["ssh_authorized_keys_local"]:
            at = (*y, "ssh_authorized_keys_local")
            data = ctx.read_local(rel, at)
            if data is None:
                continue
            for line in re.split(r"\r?\n", data.decode("utf-8", errors="replace")):
                if line:
                    ts[(*j, "sshAuthorizedKeys", len(keys))] = at
                    keys.append(line)
        if keys:
            out["sshAuthorizedKeys"] = keys
            ts[(*j, "sshAuthorizedKeys")] = (*y, "ssh_authorized_keys_local")
    elif role == "filesystem" and value.get("with_mount_unit"):
        ctx.mount_units.append((y, value))
    return out


def _list(
    ctx: Ctx, value: list[Any], shape: Shape, y: Path, j: Path, skip: frozenset[str]
) -> list[Any]:
    item = shape.items
    assert item is not None
    ts = ctx.ts.entries
    out: list[Any] = []
    for i, v in enumerate(value):
        yp, jp = (*y, i), (*j, i)
        ts[jp] = yp
        if item.kind is Kind.OBJECT:
            out.append(_obj(ctx, v, item, yp, jp, skip))
        elif item.kind is Kind.ARRAY:
            out.append(_list(ctx, v, item, yp, jp, skip))
        else:
            out.append(v)
    return out


def resource(ctx: Ctx, value: dict[str, Any], shape: Shape, y: Path, j: Path) -> dict[str, Any]:
    """Copy a resource; ``inline``/``local`` become a data URL (see dataurl.butane_encode)."""
    out: dict[str, Any] = {}
    ts = ctx.ts.entries
    for key in ("compression", "http_headers", "source", "verification"):
        if key not in value:
            continue
        jkey = shape.out[key]
        fshape = shape.fields[key]
        yp, jp = (*y, key), (*j, jkey)
        v = value[key]
        if fshape.kind is Kind.OBJECT:
            v = _obj(ctx, v, fshape, yp, jp, NON_POINTER)
            if not v:
                continue
        elif fshape.kind is Kind.ARRAY:
            v = _list(ctx, v, fshape, yp, jp, NON_POINTER)
            if not v:
                continue
        out[jkey] = v
        ts[jp] = yp
    data: bytes | None = None
    src = ""
    if "inline" in value:
        src = "inline"
        data = value["inline"].encode()
    elif "local" in value:
        src = "local"
        data = ctx.read_local(value["local"], (*y, "local"))
    if data is None:
        return out
    user_comp = "compression" in value
    v02 = ctx.spec.base_at_least("v0_2")
    url, gz = butane_encode(data, compress=v02 and ctx.auto_compress and not user_comp)
    out["source"] = url
    ts[(*j, "source")] = (*y, src)
    if not user_comp and v02:
        out["compression"] = "gzip" if gz else ""
        ts[(*j, "compression")] = (*y, src)
    if y[:3] == ("ignition", "config", "merge") or y[:3] == ("ignition", "config", "replace"):
        from transpiler.butane.children import check_child

        check_child(ctx, data, (*y, src), y, local=src == "local")
    return out
