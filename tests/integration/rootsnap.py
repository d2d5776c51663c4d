"""A comparable picture of a scratch root: every node with its type, owner, mode, link count
and contents (or symlink target). The result file's date is left out (it differs per run)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

RESULT = "/etc/.ignition-result.json"


def snapshot(root: Path) -> dict[str, tuple[Any, ...]]:
    out: dict[str, tuple[Any, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            host = Path(dirpath) / name
            out["/" + str(host.relative_to(root))] = _node(host)
    return out


def _node(host: Path) -> tuple[Any, ...]:
    st = os.lstat(host)
    head = (stat.S_IFMT(st.st_mode), st.st_mode & 0o7777, st.st_uid, st.st_gid)
    if stat.S_ISLNK(st.st_mode):
        return (*head, os.readlink(host))
    if stat.S_ISREG(st.st_mode):
        data = host.read_bytes()
        if host.name == RESULT.rsplit("/", 1)[1]:
            result = json.loads(data)
            result.pop("provisioningDate", None)
            return (*head, st.st_nlink, json.dumps(result, sort_keys=True))
        return (*head, st.st_nlink, data)
    return head


def differences(a: dict[str, tuple[Any, ...]], b: dict[str, tuple[Any, ...]]) -> list[str]:
    """Readable differences, for assertion messages."""
    out = [f"only in the first: {p}" for p in sorted(a.keys() - b.keys())]
    out += [f"only in the second: {p}" for p in sorted(b.keys() - a.keys())]
    out += [
        f"differs: {p}: {a[p]!r:.200} != {b[p]!r:.200}"
        for p in sorted(a)
        if p in b and a[p] != b[p]
    ]
    return out
