"""``brightbox``: OpenStack's sources and semantics (docs/providers.md)."""

from __future__ import annotations

from typing import ClassVar

from providers.openstack import OpenstackProvider


class BrightboxProvider(OpenstackProvider):
    name: ClassVar[str] = "brightbox"
