"""Shared pieces of :meth:`Provider.metadata`: optional attributes and address checks.

coreos-cloudinit's datasources treat a missing attribute (404) as "not known" and drop an
address that does not parse; so do we, with a warning that names the attribute (never its
value). Any other failure of the service is an error, as it was for coreos-cloudinit.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Mapping
from typing import Any

from ignition.errors import NotFound
from providers import _imds
from providers.base import ProviderContext, ProviderError


def optional(
    ctx: ProviderContext,
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    retry_codes: frozenset[int] = frozenset(),
) -> str:
    """The attribute's text (stripped), "" when the service has none."""
    try:
        raw = _imds.fetch(ctx, url, headers=headers, retry_codes=retry_codes)
    except NotFound:
        return ""
    return raw.decode("utf-8", "replace").strip()


def json_document(
    ctx: ProviderContext,
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    source_port_max: int | None = None,
) -> Any:
    """A JSON metadata document; {} when the service has none."""
    try:
        raw = _imds.fetch(ctx, url, headers=headers, source_port_max=source_port_max)
    except NotFound:
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise ProviderError(f"the metadata at {_imds.endpoint(url)} is not JSON") from None


def address(ctx: ProviderContext, value: object, what: str, version: int | None = None) -> str:
    """``value`` as an IP address (a ``/prefix`` dropped), or "" when it is none."""
    if not isinstance(value, str) or not value.strip():
        return ""
    text = value.strip().partition("/")[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        ctx.log.warning(f"the metadata's {what} is not an IP address: ignored")
        return ""
    if version is not None and ip.version != version:
        ctx.log.warning(f"the metadata's {what} is not an IPv{version} address: ignored")
        return ""
    return str(ip)


def keys(values: Iterable[object]) -> tuple[str, ...]:
    """SSH keys, one per entry or line, empty ones dropped, each once."""
    out: list[str] = []
    for v in values:
        if not isinstance(v, str):
            continue
        for line in v.splitlines():
            k = line.strip()
            if k and k not in out:
                out.append(k)
    return tuple(out)


def field(doc: object, *path: str | int) -> object:
    """``doc[path0][path1]...`` through dicts and lists; None where the path ends."""
    cur: Any = doc
    for p in path:
        if isinstance(p, int):
            if not isinstance(cur, list) or len(cur) <= p:
                return None
        elif not isinstance(cur, dict) or p not in cur:
            return None
        cur = cur[p]
    return cur
