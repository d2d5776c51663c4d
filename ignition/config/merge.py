"""Ignition's merge of a parent and a child config (spec 3.x, ``ignition.config.merge`` and base
configs), as a pure function on the model.

Rules (the reference's ``config/merge``):
- nested objects merge field by field; an object that is entirely unset yields the other side;
- plain scalars take the child's value, optional ones the child's only when it is set;
- lists of objects merge by key: matching entries merge (the parent's position is kept),
  unmatched child entries are appended; files, directories and links share one key space by
  path, and a child entry of another kind replaces the parent's;
- lists of strings are unions in parent order; option lists and ``append`` concatenate;
- kernel arguments share one key space: a child's shouldNotExist removes a parent's
  shouldExist and the other way round;
- an HTTP header whose child value is null deletes the parent's header of that name.
"""

from __future__ import annotations

from ignition.config import model as m
from ignition.util.record import fields, is_record, replace

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    T = TypeVar("T")
    KeyFn = Callable[[Any], str | None]

# lists that simply concatenate (duplicates are meaningful)
CONCAT = {
    (m.File, "append"),
    (m.Filesystem, "options"),
    (m.Filesystem, "mount_options"),
    (m.Luks, "options"),
    (m.Raid, "options"),
}


def _partition_key(p: m.Partition) -> str | None:
    if p.number:
        return f"number:{p.number}"
    if p.label is not None:
        return f"label:{p.label}"
    return None  # never matches: appended


KEYS: dict[tuple[type, str], KeyFn] = {
    (m.IgnitionConfig, "merge"): lambda r: r.source,
    (m.TLS, "certificate_authorities"): lambda r: r.source,
    (m.Resource, "http_headers"): lambda h: h.name,
    (m.Passwd, "users"): lambda u: u.name,
    (m.Passwd, "groups"): lambda g: g.name,
    (m.Storage, "disks"): lambda d: d.device,
    (m.Disk, "partitions"): _partition_key,
    (m.Storage, "raid"): lambda r: r.name,
    (m.Storage, "luks"): lambda lk: lk.name,
    (m.Clevis, "tang"): lambda t: t.url,
    (m.Storage, "filesystems"): lambda f: f.device,
    (m.Storage, "files"): lambda n: n.path,
    (m.Storage, "directories"): lambda n: n.path,
    (m.Storage, "links"): lambda n: n.path,
    (m.Systemd, "units"): lambda u: u.name,
    (m.Unit, "dropins"): lambda d: d.name,
}
NODE_LISTS = ("directories", "files", "links")


def merge(parent: T, child: T) -> T:
    """Merge two objects of the same model type, child over parent."""
    if parent == child:
        return child
    cls = type(parent)
    zero = _zero_instance(cls)
    if child == zero:
        return parent
    if parent == zero:
        return child
    if cls is m.Storage:
        parent = _drop_replaced_nodes(parent, child)  # type: ignore[arg-type, assignment]
    if cls is m.KernelArguments:
        return _merge_kargs(parent, child)  # type: ignore[arg-type, return-value]
    changes: dict[str, Any] = {}
    for name in fields(parent):
        changes[name] = _merge_field(cls, name, getattr(parent, name), getattr(child, name))
    return replace(parent, **changes)


def _merge_field(cls: type, name: str, pv: Any, cv: Any) -> Any:
    if isinstance(pv, tuple):
        if (cls, name) in CONCAT:
            return pv + cv
        key = KEYS.get((cls, name))
        if key is None:
            return _union(pv, cv)
        if cls is m.Resource and name == "http_headers":
            return _merge_headers(pv, cv)
        return _merge_keyed(pv, cv, key)
    if is_record(pv) or is_record(cv):
        if pv is None:
            return cv
        if cv is None:
            return pv
        return merge(pv, cv)
    if _is_optional(cls, name):
        return pv if cv is None else cv
    return cv


def _union(parent: tuple[Any, ...], child: tuple[Any, ...]) -> tuple[Any, ...]:
    seen = set(parent)
    return parent + tuple(x for x in child if not (x in seen or seen.add(x)))  # type: ignore[func-returns-value]


def _merge_keyed(parent: tuple[Any, ...], child: tuple[Any, ...], key: KeyFn) -> tuple[Any, ...]:
    out = list(parent)
    index = {}
    for i, item in enumerate(out):
        k = key(item)
        if k is not None:
            index[k] = i
    for item in child:
        k = key(item)
        if k is not None and k in index:
            out[index[k]] = merge(out[index[k]], item)
        else:
            if k is not None:
                index[k] = len(out)
            out.append(item)
    return tuple(out)


def _merge_headers(
    parent: tuple[m.HTTPHeader, ...], child: tuple[m.HTTPHeader, ...]
) -> tuple[m.HTTPHeader, ...]:
    out = list(parent)
    for h in child:
        existing = next((i for i, p in enumerate(out) if p.name == h.name), None)
        if h.value is None:
            if existing is not None:
                del out[existing]
        elif existing is not None:
            out[existing] = h
        else:
            out.append(h)
    return tuple(out)


def _drop_replaced_nodes(parent: m.Storage, child: m.Storage) -> m.Storage:
    """A child node of one kind replaces a parent node of another kind at the same path."""
    changes = {}
    for kind in NODE_LISTS:
        other_paths = {
            n.path for other in NODE_LISTS if other != kind for n in getattr(child, other)
        }
        nodes = getattr(parent, kind)
        kept = tuple(n for n in nodes if n.path not in other_paths)
        if len(kept) != len(nodes):
            changes[kind] = kept
    return replace(parent, **changes) if changes else parent


def _merge_kargs(parent: m.KernelArguments, child: m.KernelArguments) -> m.KernelArguments:
    should = [a for a in parent.should_exist if a not in child.should_not_exist]
    should_not = [a for a in parent.should_not_exist if a not in child.should_exist]
    for a in child.should_exist:
        if a not in should:
            should.append(a)
    for a in child.should_not_exist:
        if a not in should_not:
            should_not.append(a)
    return m.KernelArguments(should_exist=tuple(should), should_not_exist=tuple(should_not))


_ZEROS: dict[type, Any] = {}
_OPTIONAL: dict[tuple[type, str], bool] = {}


def _zero_instance(cls: type) -> Any:
    z = _ZEROS.get(cls)
    if z is None:
        z = _ZEROS[cls] = cls()
    return z


def _is_optional(cls: type, name: str) -> bool:
    key = (cls, name)
    opt = _OPTIONAL.get(key)
    if opt is None:
        opt = _OPTIONAL[key] = getattr(cls(), name) is None
    return opt


def merge_all(configs: list[m.Config]) -> m.Config:
    """Fold ``merge`` over configs in order (each later one is the child)."""
    result = configs[0]
    for c in configs[1:]:
        result = merge(result, c)
    return result
