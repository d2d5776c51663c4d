"""Immutable records that import fast.

The config model has ~40 classes and every stage of the engine is a separate process in the
initramfs: ``dataclasses`` needs about 1 ms per frozen class at import (plus ``inspect``),
which is boot time. :func:`record` builds only what the model uses — a keyword ``__init__``
(one small ``exec`` per class), equality, hashing, ``repr`` and write protection — and is
declared with :func:`typing.dataclass_transform`, so mypy checks records exactly like frozen
dataclasses.
"""

from __future__ import annotations

# ``typing`` (with the ``re``, ``enum``, ``functools`` and ``contextlib`` it imports) costs a
# stage process more than the interpreter's own start: only the type checker sees it here
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar, dataclass_transform, overload

    T = TypeVar("T")


class FrozenRecordError(AttributeError):
    pass


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


if TYPE_CHECKING:

    @overload
    def field(*, default_factory: Callable[[], T]) -> T: ...
    @overload
    def field(*, default: T) -> T: ...


def field(*, default_factory: Callable[[], Any] | None = None, default: Any = None) -> Any:
    return _Factory(default_factory) if default_factory is not None else default


# Fields are read as attributes, never through ``__dict__``: an instance keeps its values in
# compact inline storage until something asks for its ``__dict__``, which then builds a dict
# that stays (a config of a million nodes, compared once, would double in size).


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return as_tuple(self) == as_tuple(other)


def _hash(self: Any) -> int:
    return hash(as_tuple(self))


def _repr(self: Any) -> str:
    args = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__record_fields__)
    return f"{self.__class__.__name__}({args})"


def _setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenRecordError(f"cannot assign to field {name!r}: records are immutable")


def _delattr(self: Any, name: str) -> None:
    raise FrozenRecordError(f"cannot delete field {name!r}: records are immutable")


if TYPE_CHECKING:

    @overload
    def record(cls: type[T], /) -> type[T]: ...
    @overload
    def record(*, frozen: bool = True) -> Callable[[type[T]], type[T]]: ...
    @dataclass_transform(frozen_default=True, field_specifiers=(field,))
    def record(cls: type[T] | None = None, /, *, frozen: bool = True) -> Any: ...

else:

    def record(cls=None, /, *, frozen=True):
        """Class decorator: ``@record`` (immutable) or ``@record(frozen=False)``."""
        if cls is None:
            return lambda c: _build(c, frozen=frozen)
        return _build(cls, frozen=frozen)


def _build(cls: type[T], *, frozen: bool) -> type[T]:
    # not inspect.get_annotations: importing inspect is what this module avoids
    names = tuple(cls.__dict__.get("__annotations__", {}))  # noqa: RUF063
    env: dict[str, Any] = {}
    params, body = [], []
    shareable = frozen
    for n in names:
        default = cls.__dict__.get(n)
        if isinstance(default, _Factory):
            # an immutable default (a frozen record of frozen records) is made once and
            # shared: a config of a million nodes does not carry two million empty ones
            share = getattr(default.make, "__record_shareable__", False)
            shareable = shareable and share
            env[f"_f_{n}"] = _once(default.make) if share else default.make
            params.append(f"{n}=None")
            body.append(f"    _set(self, '{n}', _f_{n}() if {n} is None else {n})")
        elif n not in cls.__dict__:  # no default: a required argument
            if any("=" in p for p in params):
                raise TypeError(f"non-default argument {n!r} follows default argument")
            params.append(n)
            body.append(f"    _set(self, '{n}', {n})")
        else:
            if isinstance(default, list | dict | set):  # as dataclasses: it would be shared
                raise ValueError(f"mutable default {type(default).__name__} for field {n!r}: "
                                 "use field(default_factory=...)")  # fmt: skip
            env[f"_d_{n}"] = default
            params.append(f"{n}=_d_{n}")
            body.append(f"    _set(self, '{n}', {n})")
        if n in cls.__dict__:
            delattr(cls, n)  # the instance dict holds the value
    # attributes set one by one (not through __dict__) stay in the instance's compact
    # inline storage: a third of the memory of a dict per record
    env["_set"] = object.__setattr__
    src = f"def __init__(self, {', '.join(params)}):\n"
    src += "\n".join(body) + "\n" if body else "    pass\n"
    attrs: dict[str, Any] = {
        "__init__": _deferred_init(cls, src, env),
        "__eq__": _eq,
        "__repr__": _repr,
        "__record_fields__": names,
        "__match_args__": names,
        "__record_shareable__": shareable,
    }
    if frozen:
        attrs.update(__hash__=_hash, __setattr__=_setattr, __delattr__=_delattr)
    else:
        attrs["__hash__"] = None
    for k, v in attrs.items():
        setattr(cls, k, v)
    return cls


def _deferred_init(cls: type, src: str, env: dict[str, Any]) -> Callable[..., None]:
    """An ``__init__`` that compiles the real one on the first call and puts it in its place:
    compiling costs about as much as the rest of a class, and a stage process instantiates
    only a few of the classes it imports."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        exec(src, env)
        init = env["__init__"]
        init.__qualname__ = f"{cls.__qualname__}.__init__"
        cls.__init__ = init  # type: ignore[misc]
        init(self, *args, **kwargs)

    return __init__


def _once(make: Callable[[], Any]) -> Callable[[], Any]:
    made: list[Any] = []

    def shared() -> Any:
        if not made:
            made.append(make())
        return made[0]

    return shared


def fields(obj_or_cls: Any) -> tuple[str, ...]:
    return obj_or_cls.__record_fields__  # type: ignore[no-any-return]


def is_record(obj: Any) -> bool:
    return hasattr(obj, "__record_fields__")


def replace(obj: T, **changes: Any) -> T:
    """A copy of ``obj`` with some fields changed (like :func:`dataclasses.replace`)."""
    unknown = set(changes) - set(obj.__record_fields__)  # type: ignore[attr-defined]
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field(s) {', '.join(sorted(unknown))}")
    new = object.__new__(type(obj))
    d = new.__dict__
    d.update(obj.__dict__)
    d.update(changes)
    return new


def as_tuple(obj: Any) -> tuple[Any, ...]:
    return tuple([getattr(obj, n) for n in obj.__record_fields__])
