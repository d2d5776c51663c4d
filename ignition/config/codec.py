"""Convert between clean JSON trees (canonical keys, shape already checked) and the model.

``decode`` trusts the shape: :mod:`ignition.config.shape` has already rejected wrong types.
``null`` means "unset": the field keeps its default (None for optional fields, the zero value
for plain ones, as Go's decoder does). ``encode`` is the inverse, used for the config cache,
the transpilers' output and ``ignition-validate --print``.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Hashable
from functools import cache
from typing import Any, TypeVar, cast, get_args, get_origin

from ignition.config import model
from ignition.config.model import attr_name, json_name
from ignition.config.shape import taken
from ignition.record import fields, is_record

T = TypeVar("T")
Decoder = Callable[[Any], Any]


def _zero(tp: Any) -> Any:
    if tp is str:
        return ""
    if tp is int:
        return 0
    if tp is bool:
        return False
    if isinstance(tp, type) and is_record(tp):
        return tp()
    return None


def _decoder_for(tp: Any, consume: bool) -> Decoder | None:
    """How to decode a value of type ``tp``; None when the JSON value is used as it is."""
    origin = get_origin(tp)
    if origin is tuple:
        item = get_args(tp)[0]
        item_dec = _decoder_for(item, consume)
        zero = _zero(item)
        if item_dec is None:
            return lambda v: tuple(zero if x is None else x for x in v)
        if consume:
            return lambda v: tuple(zero if x is None else item_dec(x) for x in taken(v))
        return lambda v: tuple(zero if x is None else item_dec(x) for x in v)
    if origin in (typing.Union, types.UnionType):
        inner = next(a for a in get_args(tp) if a is not type(None))
        return _decoder_for(inner, consume)
    if is_record(tp):
        return lambda v: decode(tp, v, consume=consume)
    return None


@cache
def _plan(cls: Any, consume: bool = False) -> dict[str, tuple[str, Decoder | None]]:
    hints = typing.get_type_hints(cls, vars(model))
    return {json_name(name): (name, _decoder_for(hints[name], consume)) for name in fields(cls)}


def decode(cls: type[T], tree: dict[str, Any], *, consume: bool = False) -> T:
    plan = _plan(cast(Hashable, cls), consume)
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


_SCALARS = frozenset({str, int, float, bool, type(None)})


@cache
def _keys(cls: Any) -> tuple[tuple[str, str], ...]:
    return tuple((name, json_name(name)) for name in fields(cls))


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


__all__ = ["attr_name", "decode", "decode_config", "encode", "json_name"]
