"""Small sets of named strings, without :mod:`enum`.

``enum`` costs every process that imports it about 1.5 ms natively (far more under emulation),
and the config library's reports and user-data kinds are on every stage's path. A class that
derives from :class:`Names` declares its members as ``ERROR = "error"``; each becomes an
instance of the class (a ``str``), so members compare with ``is`` and ``==``, hash, print and
format as their value, as a ``StrEnum``'s do. The type checker sees a ``StrEnum``; at run time
only member access and the ``value``/``name`` attributes exist (no iteration, no lookup by
value): that is all the code using them needs.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from enum import StrEnum as Names
else:

    class Names(str):
        __slots__ = ()

        def __init_subclass__(cls) -> None:
            for key, value in list(vars(cls).items()):
                if not key.startswith("_") and isinstance(value, str):
                    setattr(cls, key, cls(value))

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
