"""``cache``: :func:`functools.cache` for functions of hashable positional arguments.

``functools`` brings ``collections`` (for ``lru_cache``'s statistics) and with it ``keyword``,
``operator``, ``reprlib`` and ``itertools``: about 3 ms natively for every process that imports
it, and the config library's few cached functions are on every stage's path. A dictionary does
what they need.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import ParamSpec, TypeVar

    P = ParamSpec("P")
    R = TypeVar("R")


def cache(function: Callable[P, R]) -> Callable[P, R]:
    """``function``, remembering its result for each tuple of positional arguments (keyword
    arguments are not cached: the callers pass none)."""
    results: dict[object, R] = {}

    def cached(*args: P.args, **kwargs: P.kwargs) -> R:
        if kwargs:
            return function(*args, **kwargs)
        try:
            return results[args]
        except KeyError:
            result = results[args] = function(*args, **kwargs)
            return result

    cached.__name__, cached.__doc__ = function.__name__, function.__doc__
    cached.__wrapped__ = function  # type: ignore[attr-defined]
    return cached
