"""Keep a set of generated files equal to what a generator wants: write what is stale or
missing, delete strays, or (``--check``) only name them. Shared by the tools that write
committed files (``commanddocs.py``, ``editorschemas.py``)."""

from __future__ import annotations

import sys
from pathlib import Path


def sync(
    base: Path,
    wanted: dict[str, str],
    present: set[str],
    argv: list[str],
    tool: str,
    hint: str = "",
) -> int:
    """``wanted`` and ``present`` are paths relative to ``base``; exit status 1 when
    ``--check`` finds a difference, else 0."""
    extra = present - set(wanted)
    stale = {
        r
        for r, text in wanted.items()
        if not (base / r).is_file() or (base / r).read_text() != text
    }
    if "--check" in argv:
        if stale or extra:
            names = ", ".join(sorted(stale | extra))
            print(f"{tool}: out of date: {names}{hint}", file=sys.stderr)
            return 1
        return 0
    for rel in extra:
        (base / rel).unlink()
    for rel in stale:
        (base / rel).parent.mkdir(parents=True, exist_ok=True)
        (base / rel).write_text(wanted[rel])
    return 0
