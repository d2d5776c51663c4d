"""Spec 2.x config appending (``ignition.config.append`` and base configs of Ignition v0.x).

Unlike 3.x merging there are no keys: every list is concatenated (parent entries first), plain
scalars take the child's value even when it is empty, optional ones only when set, the parent's
``ignition.version`` is kept and the child's ``ignition.config`` is taken. Pure function on
clean 2.x trees (absent keys are unset).
"""

from __future__ import annotations

from typing import Any

Tree = dict[str, Any]

# Plain (non-pointer) strings of the 2.x Go types outside any list: the child's value replaces
# the parent's even when the child leaves it unset (the zero value then wins).
PLAIN_PROXY_FIELDS = ("httpProxy", "httpsProxy")


def append(parent: Tree, child: Tree) -> Tree:
    out = _append(parent, child)
    ign = dict(out.get("ignition") or {})
    if (parent.get("ignition") or {}).get("proxy") or (child.get("ignition") or {}).get("proxy"):
        proxy = dict(ign.get("proxy") or {})
        child_proxy = (child.get("ignition") or {}).get("proxy") or {}
        for key in PLAIN_PROXY_FIELDS:
            proxy[key] = child_proxy.get(key) or ""
        ign["proxy"] = proxy
    ign["version"] = (parent.get("ignition") or {}).get("version")
    child_cfg = (child.get("ignition") or {}).get("config")
    if child_cfg is not None:
        ign["config"] = child_cfg
    else:
        ign.pop("config", None)
    out["ignition"] = ign
    return out


def _append(parent: Tree, child: Tree) -> Tree:
    out = dict(parent)
    for key, cv in child.items():
        pv = parent.get(key)
        if isinstance(cv, list):
            out[key] = list(pv or []) + cv
        elif isinstance(cv, dict) and isinstance(pv, dict):
            out[key] = _append(pv, cv)
        elif cv is not None:
            out[key] = cv
    return out
