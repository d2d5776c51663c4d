"""Proxy choice with Go's ``httpproxy`` semantics (what the reference uses).

- ``http://`` URLs use ``httpProxy``, ``https://`` URLs use ``httpsProxy`` (the reference's
  docs say httpProxy also covers HTTPS; its code does not, and neither do we);
- ``noProxy`` entries: ``*``, IP addresses, CIDR ranges, ``domain`` (itself and subdomains),
  ``.domain`` (subdomains only), each with an optional ``:port``;
- ``localhost`` and loopback addresses are never proxied;
- a proxy given without a scheme is taken as ``http://``.

The config's proxy section wins; when it sets no proxy at all the usual environment variables
are honoured (the reference ignores them: docs/deviations.md E5).
"""

from __future__ import annotations

import os

from ignition.util.record import record

# Every stage that may fetch takes the config's proxy settings; ``ipaddress`` is imported
# only when a host is matched against them.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import ipaddress
    from collections.abc import Mapping


@record
class ProxySettings:
    http_proxy: str = ""
    https_proxy: str = ""
    no_proxy: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ProxySettings:
        e = os.environ if env is None else env

        def get(name: str) -> str:
            return e.get(name.upper()) or e.get(name.lower()) or ""

        no_proxy = tuple(p for p in get("no_proxy").split(",") if p.strip())
        return cls(get("http_proxy"), get("https_proxy"), no_proxy)

    @property
    def empty(self) -> bool:
        return not self.http_proxy and not self.https_proxy

    def proxy_for(self, scheme: str, host: str, port: int | None) -> str | None:
        proxy = {"http": self.http_proxy, "https": self.https_proxy}.get(scheme, "")
        if not proxy or not _use_proxy(host.lower(), port, self.no_proxy):
            return None
        if "://" not in proxy:
            proxy = "http://" + proxy
        return proxy


def _use_proxy(host: str, port: int | None, no_proxy: tuple[str, ...]) -> bool:
    if host == "localhost":
        return False
    ip = _ip(host)
    if ip is not None and ip.is_loopback:
        return False
    entries = [p.strip().lower() for item in no_proxy for p in item.split(",") if p.strip()]
    for entry in entries:
        if entry == "*":
            return False
        # CIDR
        if "/" in entry:
            import ipaddress

            try:
                net = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                continue
            if ip is not None and ip in net:
                return False
            continue
        ehost, eport = _split_port(entry)
        if eport is not None and eport != port:
            continue
        eip = _ip(ehost)
        if eip is not None:
            if ip is not None and ip == eip:
                return False
            continue
        if ehost.startswith("*"):
            ehost = ehost[1:]
        if ehost.startswith("."):
            if host.endswith(ehost):
                return False
        elif host == ehost or host.endswith("." + ehost):
            return False
    return True


def _split_port(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):
        end = entry.find("]")
        rest = entry[end + 1 :]
        return entry[1:end], int(rest[1:]) if rest[1:].isdigit() else None
    if entry.count(":") == 1:
        h, _, p = entry.partition(":")
        return h, int(p) if p.isdigit() else None
    return entry, None


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    import ipaddress

    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return None
