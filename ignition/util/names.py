"""Small sets of named strings, without :mod:`enum`.

``enum`` costs every process that imports it about 1.5 ms natively (far more under emulation),
and the config library's reports and user-data kinds are on every stage's path. A class that
derives from :class:`Names` declares its members as ``ERROR = "error"``; each becomes an
instance of the class (a ``str``), so members compare with ``is`` and ``==``, hash, print and
format as their value, as a ``StrEnum``'s do. As with a ``StrEnum``, iterating the class gives
its members in order, ``Cls("error")`` is the member of that value (else ``ValueError``),
``len(Cls)`` counts them, and each member has ``value`` and ``name``. The type checker sees a
``StrEnum``.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from enum import StrEnum as Names
else:

    class _NamesType(type):
        """Class-level behaviour of a ``StrEnum``: iteration, length, lookup by value."""

        _members: tuple[str, ...]

        def __iter__(cls):  # type: ignore[no-untyped-def]
            return iter(cls._members)

        def __len__(cls) -> int:
            return len(cls._members)

        def __call__(cls, value):  # type: ignore[no-untyped-def]
            for member in cls._members:
                if member == value:
                    return member
            raise ValueError(f"{value!r} is not a valid {cls.__name__}")

    class Names(str, metaclass=_NamesType):
        __slots__ = ()
        _members: tuple[str, ...] = ()

        def __init_subclass__(cls) -> None:
            members = []
            for key, value in list(vars(cls).items()):
                if not key.startswith("_") and isinstance(value, str):
                    member = str.__new__(cls, value)
                    setattr(cls, key, member)
                    members.append(member)
            cls._members = tuple(members)

        @property
        def value(self) -> str:
            return str(self)

        @property
        def name(self) -> str:
            return next(k for k, v in vars(type(self)).items() if v is self)

        def __str__(self) -> str:
            return str.__str__(self)

        def __repr__(self) -> str:
            return f"<{type(self).__name__}.{self.name}: {str.__repr__(self)}>"


__all__ = ["Names"]
