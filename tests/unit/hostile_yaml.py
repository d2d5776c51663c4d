"""Hostile YAML for the frontends' tests: alias bombs, control bytes, long lines, deep nesting,
and a runner that keeps a failing command from taking the machine down with it."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def list_bomb(outer: list[str], inner: str, *, width: int = 50_000, head: str = "") -> str:
    """A document whose list at ``outer`` holds ``width`` aliases of a mapping whose ``inner``
    list holds ``width`` aliases of a string: width² nodes (2.5 billion) from about 400 KB,
    every one of them in a field the frontend decodes (the bombs the issue reported)."""
    lines = [head.rstrip("\n")] if head else []
    strings = ", ".join(["*s"] * width)
    lines += ["x-s: &s ssh-ed25519 AAAA", f"x-m: &m {{name: core, {inner}: [{strings}]}}"]
    for depth, key in enumerate(outer[:-1]):
        lines.append("  " * depth + f"{key}:")
    mappings = ", ".join(["*m"] * width)
    lines.append("  " * (len(outer) - 1) + f"{outer[-1]}: [{mappings}]")
    return "\n".join(lines) + "\n"


def laughs(levels: int = 9, fan: int = 9, head: str = "") -> str:
    """The classic nested-anchor document: ``fan ** levels`` strings from a few hundred bytes."""
    lines = [head.rstrip("\n")] if head else []
    lines.append("a0: &a0 [" + ", ".join(['"lol"'] * fan) + "]")
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * fan) + "]")
    return "\n".join(lines) + "\n"


def nested(depth: int, head: str = "", key: str = "storage") -> str:
    """``key`` holding lists nested ``depth`` levels deep (flow style)."""
    return (
        (head.rstrip("\n") + "\n" if head else "") + f"{key}: " + "[" * depth + "]" * depth + "\n"
    )


def limited_memory() -> None:  # pragma: no cover - runs in the child before exec
    """Keep a run that would explode within 1.5 GiB of address space."""
    size = 1536 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size, size))


def run_tool(
    argv: list[str], *, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """One of the project's commands (name from ``.venv/bin``), bounded in memory and time."""
    import os

    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [str(BIN / argv[0]), *argv[1:]],
        input=stdin,
        capture_output=True,
        timeout=120,
        preexec_fn=limited_memory,
        env=full_env,
        check=False,
    )
