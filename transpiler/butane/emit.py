"""Output key order: Ignition's Go struct field order (Go field names sorted, the embedded
Node fields of files/directories/links first)."""

from __future__ import annotations

from typing import Any

_GO_NAMES = {
    "sshAuthorizedKeys": "SSHAuthorizedKeys",
    "uid": "UID",
    "uuid": "UUID",
    "guid": "GUID",
    "typeGuid": "TypeGUID",
    "url": "URL",
    "httpHeaders": "HTTPHeaders",
    "httpResponseHeaders": "HTTPResponseHeaders",
    "httpProxy": "HTTPProxy",
    "httpsProxy": "HTTPSProxy",
    "tls": "TLS",
    "id": "ID",
}
_NODE = ("group", "overwrite", "path", "user")


def _go(key: str) -> str:
    return _GO_NAMES.get(key) or key[:1].upper() + key[1:]


def ordered(value: Any, node: bool = False) -> Any:
    if isinstance(value, dict):
        keys = sorted(value, key=_go)
        if node:
            keys = [k for k in _NODE if k in value] + [k for k in keys if k not in _NODE]
        return {k: ordered(value[k], k in ("files", "directories", "links")) for k in keys}
    if isinstance(value, list):
        return [ordered(v, node) for v in value]
    return value
