"""Merging a generated parent config under the user's config (Ignition's merge rules for the
lists Butane's sugar generates into), keeping the TranslationSet in step."""

from __future__ import annotations

from typing import Any

from ignition.config.report import Path
from transpiler.translations import TranslationSet

# list path suffix -> how its entries are keyed
_KEYS: dict[tuple[str, ...], str] = {
    ("storage", "disks"): "device",
    ("storage", "disks", "*", "partitions"): "partition",
    ("storage", "raid"): "name",
    ("storage", "filesystems"): "device",
    ("storage", "luks"): "name",
    ("storage", "files"): "path",
    ("storage", "directories"): "path",
    ("storage", "links"): "path",
    ("systemd", "units"): "name",
    ("systemd", "units", "*", "dropins"): "name",
    ("passwd", "users"): "name",
    ("passwd", "groups"): "name",
}


def _pattern(path: Path) -> tuple[str, ...]:
    return tuple("*" if isinstance(p, int) else p for p in path)


def _key(item: Any, how: str) -> object:
    if not isinstance(item, dict):
        return item
    if how == "partition":
        num = item.get("number", 0)
        return ("n", num) if num else ("l", item.get("label"))
    return item.get(how)


def merge(
    parent: dict[str, Any], pts: TranslationSet, child: dict[str, Any], cts: TranslationSet
) -> tuple[dict[str, Any], TranslationSet]:
    remap: dict[Path, dict[int, int]] = {}  # child list path -> child index -> result index
    result = _merge_obj(parent, child, (), remap)
    out = TranslationSet(dict(pts.entries))
    for to, frm in cts:
        out.entries[_remap(to, remap)] = frm
    return result, out


def _remap(path: Path, remap: dict[Path, dict[int, int]]) -> Path:
    if not remap:
        return path
    new: list[str | int] = []
    for i, p in enumerate(path):
        if isinstance(p, int):
            m = remap.get(path[:i])
            if m is not None:
                p = m.get(p, p)
        new.append(p)
    return tuple(new)


def _merge_obj(
    p: dict[str, Any], c: dict[str, Any], path: Path, remap: dict[Path, dict[int, int]]
) -> dict[str, Any]:
    out = dict(p)
    for k, cv in c.items():
        pv = p.get(k)
        sub = (*path, k)
        if isinstance(pv, dict) and isinstance(cv, dict):
            out[k] = _merge_obj(pv, cv, sub, remap)
        elif isinstance(pv, list) and isinstance(cv, list):
            out[k] = _merge_list(pv, cv, sub, remap)
        else:
            out[k] = cv
    return out


def _merge_list(
    p: list[Any], c: list[Any], path: Path, remap: dict[Path, dict[int, int]]
) -> list[Any]:
    how = _KEYS.get(_pattern(path)[-4:]) or _KEYS.get(_pattern(path)[-2:])
    out = list(p)
    mapping: dict[int, int] = {}
    if how is None:  # plain values: parent's, then the child's
        for i, v in enumerate(c):
            mapping[i] = len(out)
            out.append(v)
    else:
        index = {_key(v, how): i for i, v in enumerate(p)}
        for i, v in enumerate(c):
            j = index.get(_key(v, how))
            if j is None:
                mapping[i] = len(out)
                out.append(v)
            else:
                mapping[i] = j
                if isinstance(out[j], dict) and isinstance(v, dict):
                    out[j] = _merge_obj(out[j], v, (*path, i), remap)
                else:
                    out[j] = v
    if any(k != v for k, v in mapping.items()):
        remap[path] = mapping
    return out
