"""Convert between clean JSON trees (canonical keys, shape already checked) and the model.

``decode`` trusts the shape: :mod:`ignition.config.shape` has already rejected wrong types.
``null`` means "unset": the field keeps its default (None for optional fields, the zero value
for plain ones, as Go's decoder does). ``encode`` is the inverse, used for the config cache,
the transpilers' output and ``ignition-validate --print``. :func:`decode_checked` decodes a
tree whose shape is *not* known yet in the same pass that checks it (the config cache, read by
every stage process), and gives up on the first thing it does not expect.

What each field holds is read from the model's annotations as written (``str | None``,
``tuple[File, ...]``): ``typing.get_type_hints`` would evaluate them and import ``typing``
(with ``re`` and ``enum``) into every stage process.
"""

from __future__ import annotations

from ignition.config import model
from ignition.config.model import attr_name, json_name
from ignition.util.record import fields, is_record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any, TypeVar

    T = TypeVar("T")
    Decoder = Callable[[Any], Any]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
_ZEROS: dict[Any, Any] = {str: "", int: 0, bool: False}


def taken(items: list[Any]) -> Iterator[Any]:
    """Each item, dropped from the list as it is handed out: a walk that builds a new tree
    from a large one releases the old one as it goes, so the two never coexist whole."""
    for i in range(len(items)):
        x = items[i]
        items[i] = None
        yield x


def field_type(cls: type, name: str) -> tuple[bool, Any]:
    """(is a list, item type) of a model field: the item type is ``str``, ``int``, ``bool`` or
    a record class of the model."""
    text = cls.__annotations__[name].removesuffix(" | None")
    listed = text.startswith("tuple[") and text.endswith(", ...]")
    if listed:
        text = text[len("tuple[") : -len(", ...]")]
    item = {"str": str, "int": int, "bool": bool}.get(text) or getattr(model, text, None)
    if item is None or (item not in _ZEROS and not is_record(item)):
        raise TypeError(f"{cls.__name__}.{name}: annotation {text!r} is not a model type")
    return listed, item


def _zero(item: Any) -> Any:
    return _ZEROS[item] if item in _ZEROS else item()


def _decoder_for(listed: bool, item: Any, consume: bool) -> Decoder | None:
    """How to decode a value of the field; None when the JSON value is used as it is."""
    if not listed:
        return (lambda v: decode(item, v, consume=consume)) if is_record(item) else None
    zero = _zero(item)
    if item in _ZEROS:
        return lambda v: tuple(zero if x is None else x for x in v)
    if consume:
        return lambda v: tuple(zero if x is None else decode(item, x, consume=True)
                               for x in taken(v))  # fmt: skip
    return lambda v: tuple(zero if x is None else decode(item, x) for x in v)


_PLANS: dict[tuple[type, bool], dict[str, tuple[str, Decoder | None]]] = {}


def _plan(cls: type, consume: bool = False) -> dict[str, tuple[str, Decoder | None]]:
    plan = _PLANS.get((cls, consume))
    if plan is None:
        plan = _PLANS[cls, consume] = {
            json_name(n): (n, _decoder_for(*field_type(cls, n), consume)) for n in fields(cls)
        }
    return plan


def decode(cls: type[T], tree: dict[str, Any], *, consume: bool = False) -> T:
    plan = _plan(cls, consume)
    kwargs = {}
    for key, value in tree.items():
        if value is None:
            continue
        entry = plan.get(key)
        if entry is None:
            continue
        name, dec = entry
        kwargs[name] = value if dec is None else dec(value)
    return cls(**kwargs)


def decode_config(tree: dict[str, Any], *, consume: bool = False) -> model.Config:
    """The model of a clean tree; with ``consume`` the tree's lists are emptied on the way
    (for a caller that owns the tree and is done with it)."""
    return decode(model.Config, tree, consume=consume)


# --------------------------------------------------------------------------- checked decoding


class Mismatch(Exception):
    """The tree is not what :func:`decode_checked` expects (a wrong type, a key that is not a
    field's exact name): the caller's full walk says what and where."""


_CHECK_PLANS: dict[type, dict[str, tuple[str, bool, Any]]] = {}


def _check_plan(cls: type) -> dict[str, tuple[str, bool, Any]]:
    plan = _CHECK_PLANS.get(cls)
    if plan is None:
        plan = _CHECK_PLANS[cls] = {json_name(n): (n, *field_type(cls, n)) for n in fields(cls)}
    return plan


def decode_checked(cls: type[T], tree: Any) -> T:
    """The model of ``tree`` (parsed JSON), checking every value's type on the way: JSON
    objects for records, arrays for lists, strings, booleans and 64-bit integers where the
    model has them, ``null`` anywhere (unset). Raises :class:`Mismatch` on anything else,
    including keys that are not exactly a field's name (Go would match them ignoring case)."""
    if tree.__class__ is not dict:
        raise Mismatch
    plan = _check_plan(cls)
    kwargs = {}
    for key, value in tree.items():
        if value is None:
            continue
        entry = plan.get(key)
        if entry is None:
            raise Mismatch
        name, listed, item = entry
        if not listed:
            kwargs[name] = _checked(item, value)
        elif value.__class__ is list:
            kwargs[name] = tuple(_checked(item, x) for x in value)
        else:
            raise Mismatch
    return cls(**kwargs)


def _checked(item: Any, x: Any) -> Any:
    if x is None:
        return _zero(item)
    cls = x.__class__
    if item is str:
        if cls is str:
            return x
    elif item is int:
        if cls is int and INT64_MIN <= x <= INT64_MAX:
            return x
    elif item is bool:
        if cls is bool:
            return x
    else:
        return decode_checked(item, x)
    raise Mismatch


# --------------------------------------------------------------------------- encoding


_SCALARS = frozenset({str, int, float, bool, type(None)})
_KEYS: dict[type, tuple[tuple[str, str], ...]] = {}


def _keys(cls: type) -> tuple[tuple[str, str], ...]:
    keys = _KEYS.get(cls)
    if keys is None:
        keys = _KEYS[cls] = tuple((name, json_name(name)) for name in fields(cls))
    return keys


def encode(obj: Any, *, omit_empty: bool = False) -> Any:
    """Model → JSON tree. With ``omit_empty``, unset fields, empty lists and empty objects are
    left out (the compact form Butane prints); otherwise every field is present."""
    cls = obj.__class__
    if cls in _SCALARS:
        return obj
    if cls is tuple:
        return [encode(x, omit_empty=omit_empty) for x in obj]
    if is_record(obj) and not isinstance(obj, type):
        # this runs for every node of the config cache each stage writes: keys are cached per
        # class and scalars skip the recursion
        d = obj.__dict__
        out: dict[str, Any] = {}
        for name, key in _keys(cls):
            value = d[name]
            if value.__class__ not in _SCALARS:
                value = encode(value, omit_empty=omit_empty)
            if omit_empty and (value is None or value == [] or value == {}):
                continue
            out[key] = value
        return out
    if isinstance(obj, tuple):
        return [encode(x, omit_empty=omit_empty) for x in obj]
    return obj


__all__ = ["Mismatch", "attr_name", "decode", "decode_checked", "decode_config", "encode",
           "json_name"]  # fmt: skip
