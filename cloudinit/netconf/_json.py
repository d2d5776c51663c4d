"""Typed reads from a decoded JSON metadata document (Go's ``json.Unmarshal`` into structs
refused a value of the wrong type; so do these, naming the field, never the value)."""

from __future__ import annotations

from typing import Any

from cloudinit.netconf import MAX_INTERFACES, NetconfError


def obj(doc: object, where: str) -> dict[str, Any]:
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise NetconfError(f"{where} is not an object")
    return doc


def string(doc: dict[str, Any], key: str, where: str) -> str:
    value = doc.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise NetconfError(f"{where}.{key} is not a string")
    return value


def integer(doc: dict[str, Any], key: str, where: str) -> int:
    value = doc.get(key)
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool):
        raise NetconfError(f"{where}.{key} is not a number")
    return value


def array(doc: dict[str, Any], key: str, where: str) -> list[Any]:
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise NetconfError(f"{where}.{key} is not a list")
    if len(value) > MAX_INTERFACES:
        raise NetconfError(f"{where}.{key} has more than {MAX_INTERFACES} entries")
    return value
