"""Locate and load the JSON Schema files in ``schema/`` (data, not a Python package).

Looked up, in order: ``$PYIGNITION_SCHEMA_DIR``, the source tree next to this package (editable
installs and the initramfs copy), and ``<prefix>/share/pyignition/schema`` (wheel installs). The
prefix is the one this package is installed under (``<prefix>/lib/pythonX.Y/site-packages``):
``sys.prefix`` is not it for ``pip install --user``, Debian's ``/usr/local`` or ``python -S``.
"""

from __future__ import annotations

import os
import sys

from ignition.util import leanjson
from ignition.util.memo import cache

TYPE_CHECKING = False  # neither typing nor pathlib at run time: every fetch stage loads a schema
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any


def schema_dir() -> Path:
    from pathlib import Path

    return Path(_directory())


@cache
def _directory() -> str:
    candidates = []
    env = os.environ.get("PYIGNITION_SCHEMA_DIR")
    if env:
        candidates.append(env)
    here = os.path.realpath(__file__)
    ancestors = [os.path.dirname(here)]
    while ancestors[-1] != os.path.dirname(ancestors[-1]):
        ancestors.append(os.path.dirname(ancestors[-1]))
    candidates.append(os.path.join(ancestors[2], "schema"))
    if len(ancestors) > 5:  # <prefix>/lib/pythonX.Y/site-packages/ignition/config/schemas.py
        candidates.append(os.path.join(ancestors[5], "share", "pyignition", "schema"))
    candidates.append(os.path.join(sys.prefix, "share", "pyignition", "schema"))
    for c in candidates:
        if os.path.isdir(os.path.join(c, "ignition")):
            return c
    raise FileNotFoundError(
        "pyignition: schema files not found (looked in " + ", ".join(candidates) + ")"
    )


@cache
def load(kind: str, version: str) -> dict[str, Any]:
    """The schema for ``kind`` ('ignition', 'cloud-config', ...) at ``version``."""
    with open(os.path.join(_directory(), kind, f"{version}.json"), "rb") as fh:
        data: dict[str, Any] = leanjson.loads(fh.read())
    return data


def available(kind: str) -> list[str]:
    return sorted(p.stem for p in (schema_dir() / kind).glob("*.json"))
