"""Platform providers: an explicit registry, imported lazily.

``PROVIDERS`` maps a platform id (``--platform``, ``ignition.platform.id``) to
``"module:Class"``; only the selected provider's module is imported, so a stage process never
pays for the others (or for their SDKs). Unknown ids are a usage error that lists the known
ones; the platform is never guessed.
"""

from __future__ import annotations

import importlib

from ignition.errors import UsageError
from providers.base import Provider, ProviderContext, ProviderError

__all__ = ["PROVIDERS", "Provider", "ProviderContext", "ProviderError", "get", "names"]

PROVIDERS: dict[str, str] = {
    "file": "providers.file:FileProvider",
    "metal": "providers.metal:MetalProvider",
}


def names() -> list[str]:
    return sorted(PROVIDERS)


def get(name: str) -> Provider:
    target = PROVIDERS.get(name)
    if target is None:
        raise UsageError(
            f"invalid platform name {name!r}: known platforms are {', '.join(names())}"
        )
    module, _, cls = target.partition(":")
    provider: Provider = getattr(importlib.import_module(module), cls)()
    return provider
