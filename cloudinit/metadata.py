"""What a provider knows about the machine, and the ``$private_ipv4`` substitutions.

coreos-cloudinit replaces ``$public_ipv4``, ``$private_ipv4``, ``$public_ipv6`` and
``$private_ipv6`` in the user data with the metadata service's addresses (or the
``COREOS_*`` environment variables); ``\\$private_ipv4`` stands for the text itself. When the
address is unknown the reference silently substitutes an empty string (``http://:2379``);
here that is a located error instead. Substitution applies to string values (and to whole
scripts), not to keys: positions stay exact.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from cloudinit.goyaml import GoKind
from cloudinit.typed import SVal
from ignition.config.report import Path
from ignition.util.record import record

if TYPE_CHECKING:
    from cloudinit.netconf import Netconf

VARIABLES = ("public_ipv4", "private_ipv4", "public_ipv6", "private_ipv6")
_REF = re.compile(r"(\\?)\$(public_ipv4|private_ipv4|public_ipv6|private_ipv6)")


@record
class Metadata:
    """coreos-cloudinit's ``datasource.Metadata``: user data is merged with it (its hostname
    is used when the user data sets none; its SSH keys are added for ``core``), and the
    networkd files ``-convert-netconf`` made of its network description (name, contents),
    with the bonding module's options."""

    hostname: str = ""
    public_ipv4: str = ""
    private_ipv4: str = ""
    public_ipv6: str = ""
    private_ipv6: str = ""
    ssh_public_keys: tuple[str, ...] = ()
    network_files: tuple[tuple[str, str], ...] = ()
    bonding_options: str = ""

    @staticmethod
    def from_environ(env: Mapping[str, str]) -> Metadata:
        """The addresses from ``COREOS_PUBLIC_IPV4`` etc., the reference's fallback."""

        def get(v: str) -> str:
            return env.get("COREOS_" + v.upper(), "")

        return Metadata(
            public_ipv4=get("public_ipv4"),
            private_ipv4=get("private_ipv4"),
            public_ipv6=get("public_ipv6"),
            private_ipv6=get("private_ipv6"),
        )

    @staticmethod
    def of(
        instance: object | None,
        env: Mapping[str, str] | None = None,
        network: Netconf | None = None,
    ) -> Metadata:
        """A provider's :class:`providers.base.InstanceMetadata` (same fields); addresses it
        lacks come from ``env``'s ``COREOS_*`` variables when given (the reference's order);
        ``network``: the files its network description converts to."""
        fallback = Metadata.from_environ(env or {})

        def get(name: str) -> str:
            value = getattr(instance, name, "") if instance is not None else ""
            return value if isinstance(value, str) and value else fallback.address(name)

        keys = getattr(instance, "ssh_public_keys", ()) if instance is not None else ()
        return Metadata(
            hostname=str(getattr(instance, "hostname", "") or ""),
            public_ipv4=get("public_ipv4"),
            private_ipv4=get("private_ipv4"),
            public_ipv6=get("public_ipv6"),
            private_ipv6=get("private_ipv6"),
            ssh_public_keys=tuple(k for k in keys if isinstance(k, str)),
            network_files=network.files if network is not None else (),
            bonding_options=network.bonding_options if network is not None else "",
        )

    def address(self, name: str) -> str:
        value = getattr(self, name)
        assert isinstance(value, str)
        return value


@record
class Unknown:
    """A reference to an address the metadata does not have."""

    path: Path
    variable: str
    offset: int  # character offset in the string value


def substitute_text(text: str, md: Metadata) -> tuple[str, list[tuple[str, int]]]:
    """Replace the variables; returns the text and the unknown ones (name, offset)."""
    unknown: list[tuple[str, int]] = []

    def repl(m: re.Match[str]) -> str:
        if m.group(1):
            return "$" + m.group(2)
        value = md.address(m.group(2))
        if not value:
            unknown.append((m.group(2), m.start()))
            return m.group(0)
        return value

    if "$" not in text:
        return text, unknown
    return _REF.sub(repl, text), unknown


def substitute_tree(v: SVal, md: Metadata, path: Path = ()) -> tuple[SVal, list[Unknown]]:
    """Substitute in every string of a decoded document."""
    found: list[Unknown] = []

    def walk(x: SVal, at: Path) -> SVal:
        if x.kind is GoKind.STRING and isinstance(x.value, str) and "$" in x.value:
            text, unknown = substitute_text(x.value, md)
            found.extend(Unknown(x.path or at, name, off) for name, off in unknown)
            return SVal(x.kind, text, path=x.path)
        if x.items:
            items = tuple(walk(i, i.path or at) for i in x.items)
            return SVal(x.kind, x.value, items, x.fields, x.struct, x.path)
        if x.fields:
            fields = {k: walk(f, f.path or (*at, k)) for k, f in x.fields.items()}
            return SVal(x.kind, x.value, x.items, fields, x.struct, x.path)
        return x

    return walk(v, path), found
