"""Locate and load the JSON Schema files in ``schema/`` (data, not a Python package).

Looked up, in order: ``$PYIGNITION_SCHEMA_DIR``, the source tree next to this package (editable
installs and the initramfs copy), and ``<prefix>/share/pyignition/schema`` (wheel installs). The
prefix is the one this package is installed under (``<prefix>/lib/pythonX.Y/site-packages``):
``sys.prefix`` is not it for ``pip install --user``, Debian's ``/usr/local`` or ``python -S``.
"""

from __future__ import annotations

import json
import os
import sys
from functools import cache
from pathlib import Path
from typing import Any


@cache
def schema_dir() -> Path:
    candidates = []
    env = os.environ.get("PYIGNITION_SCHEMA_DIR")
    if env:
        candidates.append(Path(env))
    here = Path(__file__).resolve()
    candidates.append(here.parent.parent / "schema")
    if len(here.parents) > 4:  # <prefix>/lib/pythonX.Y/site-packages/ignition/schemas.py
        candidates.append(here.parents[4] / "share" / "pyignition" / "schema")
    candidates.append(Path(sys.prefix) / "share" / "pyignition" / "schema")
    for c in candidates:
        if (c / "ignition").is_dir():
            return c
    raise FileNotFoundError(
        "pyignition: schema files not found (looked in " + ", ".join(map(str, candidates)) + ")"
    )


@cache
def load(kind: str, version: str) -> dict[str, Any]:
    """The schema for ``kind`` ('ignition', 'cloud-config', ...) at ``version``."""
    path = schema_dir() / kind / f"{version}.json"
    with path.open("rb") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def available(kind: str) -> list[str]:
    return sorted(p.stem for p in (schema_dir() / kind).glob("*.json"))
