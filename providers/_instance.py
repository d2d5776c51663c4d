"""Shared pieces of :meth:`Provider.metadata`: optional attributes and address checks.

coreos-cloudinit's datasources treat a missing attribute (404) as "not known" and drop an
address that does not parse; so do we, with a warning that names the attribute (never its
value). Any other failure of the service is an error, as it was for coreos-cloudinit. Every
answer is read up to :data:`MAX_SIZE` bytes; a larger one, or a document that does not
decode (nested too deep included), is an error naming the endpoint.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Mapping
from typing import Any

from ignition.util.errors import NotFound
from providers import _imds
from providers.base import ProviderContext, ProviderError

MAX_SIZE = 1 << 20  # a metadata document is a few KiB; user data stays the providers' own


def optional(
    ctx: ProviderContext,
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    retry_codes: frozenset[int] = frozenset(),
) -> str:
    """The attribute's text (stripped), "" when the service has none."""
    try:
        raw = _imds.fetch(ctx, url, headers=headers, retry_codes=retry_codes, max_size=MAX_SIZE)
    except NotFound:
        return ""
    return raw.decode("utf-8", "replace").strip()


def json_document(
    ctx: ProviderContext,
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    source_port_max: int | None = None,
    retry_codes: frozenset[int] = frozenset(),
) -> Any:
    """A JSON metadata document; {} when the service has none."""
    raw = _document(ctx, url, headers, source_port_max, retry_codes)
    if raw is None:
        return {}
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise ProviderError(f"the metadata at {_imds.endpoint(url)} is not JSON") from None


def yaml_document(ctx: ProviderContext, url: str) -> Any:
    """A YAML metadata document (plain data: no tags, aliases only as YAML allows); {} when
    the service has none."""
    import yaml

    raw = _document(ctx, url, None, None, frozenset())
    if raw is None:
        return {}
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(raw, Loader=loader)
    except (yaml.YAMLError, ValueError, RecursionError):
        raise ProviderError(f"the metadata at {_imds.endpoint(url)} is not YAML") from None


def _document(
    ctx: ProviderContext,
    url: str,
    headers: Mapping[str, str] | None,
    source_port_max: int | None,
    retry_codes: frozenset[int],
) -> bytes | None:
    try:
        return _imds.fetch(
            ctx,
            url,
            headers=headers,
            source_port_max=source_port_max,
            retry_codes=retry_codes,
            max_size=MAX_SIZE,
        )
    except NotFound:
        return None


def string(doc: object, *path: str | int) -> str:
    """``field`` when it is a string (stripped), else ""."""
    value = field(doc, *path)
    return value.strip() if isinstance(value, str) else ""


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
