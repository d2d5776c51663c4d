"""systemd units and scripts a migration writes, the way a Butane user writes them by hand."""

from __future__ import annotations

from cloudinit.migrate.out import Out, Variant
from cloudinit.yamlout import Octal
from ignition.config.report import Path

FILES = ("storage", "files")
UNITS = ("systemd", "units")
STAMP_DIR = "/var/lib/ignition-convert"


def exec_quote(arg: str) -> str:
    """One word of an ``Exec*=`` line: quoted, with systemd's specifiers and variables kept
    literal (``%`` → ``%%``, ``$`` → ``$$``)."""
    body = (
        arg.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\t", "\\t")
        .replace("%", "%%")
        .replace("$", "$$")
    )
    plain = body == arg and arg and not any(c in arg for c in " ;'")
    return arg if plain else f'"{body}"'


def add_file(
    out: Out,
    path: str,
    text: str,
    comment: str,
    *,
    mode: int = 0o644,
) -> None:
    entry: dict[str, object] = {
        "path": path,
        "overwrite": True,
        "mode": Octal(mode),
        "contents": {"inline": text},
    }
    out.add(FILES, path, entry, comment)


def add_unit(out: Out, name: str, contents: str, comment: str, *, enabled: bool = True) -> None:
    entry: dict[str, object] = {"name": name}
    if enabled:
        entry["enabled"] = True
    entry["contents"] = contents
    out.add(UNITS, name, entry, comment)


def add_script(out: Out, variant: Variant, at: Path, name: str, lines: list[str]) -> str:
    """A ``#!/bin/sh`` script of ``lines`` in the variant's script directory; its path."""
    script = f"{variant.script_dir}/{name}"
    body = "#!/bin/sh\n" + "".join(f"{line}\n" for line in lines)
    add_file(out, script, body, out.source(at, "the commands, as a script"), mode=0o755)
    return script


def once_unit(
    description: str,
    name: str,
    exec_start: list[str],
    *,
    after: str = "",
    stamp_first: bool = False,
) -> str:
    """A oneshot unit that runs ``exec_start`` once: a stamp file under /var/lib records the
    run, after success (retried at the next boot on failure) or, with ``stamp_first``, before
    it (for a command that reboots)."""
    stamp = f"{STAMP_DIR}/{name}.done"
    pre = [f"ExecStartPre=/usr/bin/mkdir -p {STAMP_DIR}"]
    post = [f"ExecStartPost=/usr/bin/touch {stamp}"]
    if stamp_first:
        pre, post = [*pre, f"ExecStartPre=/usr/bin/touch {stamp}"], []
    lines = [
        "[Unit]",
        f"Description={description}",
        "Wants=network-online.target",
        f"After=network-online.target{' ' + after if after else ''}",
        f"ConditionPathExists=!{stamp}",
        "",
        "[Service]",
        "Type=oneshot",
        "RemainAfterExit=yes",
        *pre,
        *[f"ExecStart={e}" for e in exec_start],
        *post,
        "",
        "[Install]",
        "WantedBy=multi-user.target",
    ]
    return "\n".join(lines) + "\n"
