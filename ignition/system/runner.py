"""Running external tools: the one place the engine starts processes.

Commands are argument lists (never a shell). Each run is logged at DEBUG as the reference does
(``executing: "sgdisk" "--zap-all" ...``) with secrets replaced; a failure raises
:class:`CommandError` carrying the exit status and the (redacted, truncated) output.
Tests point a :class:`Runner` at stand-in tools through ``PATH`` or record calls with a
subclass; nothing else in the engine calls :mod:`subprocess`.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence

from ignition.util import redact
from ignition.util.errors import StageError
from ignition.util.log import Logger
from ignition.util.record import field, record

OUTPUT_LIMIT = 4096  # bytes of stdout/stderr kept in an error message
OUTPUT_LINES = 20  # lines of each shown
OUTPUT_LINE_WIDTH = 300  # characters of each line shown


def operand(value: str, what: str) -> str:
    """``value`` (from the config) as a positional argument of a tool. A leading ``-`` would
    make the tool read it as an option (``useradd --help`` "succeeds" and creates nothing),
    so it is refused here even where the validator already refused it (the cache is input
    too). Where a tool takes ``--``, callers pass that as well."""
    if value.startswith("-"):
        raise StageError(f"refusing to pass a {what} that starts with '-' to a tool")
    return value


@record
class Completed:
    argv: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8", "replace")


@record(frozen=False)
class CommandError(Exception):
    display: list[str]  # argv with secrets redacted
    returncode: int
    stdout: str
    stderr: str
    missing: bool = False

    def __str__(self) -> str:
        from ignition.config.report import printable  # only when a failure is shown

        cmd = " ".join(f'"{printable(a, OUTPUT_LIMIT)}"' for a in self.display)
        if self.missing:
            return f"{printable(self.display[0])}: command not found (needed for {cmd})"
        out = f"Cmd: {cmd} failed with exit status {self.returncode}"
        for label, text in (("Stdout", self.stdout), ("Stderr", self.stderr)):
            if text.strip():
                out += f"\n  {label}:\n{_indented(text)}"
        return out


def _indented(text: str) -> str:
    """A tool's output as it printed it, for a person: its own lines, indented under the
    command, control characters escaped (the output may echo config values), bounded."""
    from ignition.config.report import printable  # only when a failure is shown

    lines = [line.rstrip() for line in text.strip("\n").split("\n")]
    shown = [f"    {printable(line, OUTPUT_LINE_WIDTH)}" for line in lines[:OUTPUT_LINES]]
    if len(lines) > OUTPUT_LINES:
        shown.append(f"    ... ({len(lines) - OUTPUT_LINES} more lines)")
    return "\n".join(shown)


@record(frozen=False)
class Runner:
    log: Logger
    env: Mapping[str, str] | None = None
    calls: list[tuple[str, ...]] = field(default_factory=list)  # for plans and tests

    def run(
        self,
        argv: Sequence[str],
        *,
        input: bytes | None = None,
        check: bool = True,
        timeout: float | None = None,
        secrets: Collection[str] = (),
        env: Mapping[str, str] | None = None,
    ) -> Completed:
        import subprocess  # here: a stage that runs no tool does not pay for the import

        args = [str(a) for a in argv]
        hidden = frozenset(s for s in secrets if s)
        display = redact.argv(args, hidden)
        if any("\0" in a for a in args):  # execve cannot pass it; Python would raise
            shown = [a.replace("\0", "\\0") for a in display]
            raise CommandError(shown, -1, "", "not run: an argument contains a NUL character")
        self.log.debug("executing: " + " ".join(f'"{a}"' for a in display))
        self.calls.append(tuple(display))
        full_env = dict(os.environ if self.env is None else self.env)
        full_env.setdefault("LC_ALL", "C.UTF-8")
        if env:
            full_env.update(env)
        try:
            proc = subprocess.run(
                args,
                input=input,
                capture_output=True,
                timeout=timeout,
                env=full_env,
                check=False,
                stdin=None if input is not None else subprocess.DEVNULL,
            )
        except FileNotFoundError:
            raise CommandError(display, 127, "", "", missing=True) from None
        except subprocess.TimeoutExpired as exc:
            out = _clip(exc.stdout or b"", hidden)
            raise CommandError(display, -1, out, f"timed out after {timeout}s") from None
        done = Completed(tuple(args), proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            raise CommandError(
                display, proc.returncode, _clip(proc.stdout, hidden), _clip(proc.stderr, hidden)
            )
        return done


def _clip(data: bytes, secrets: frozenset[str]) -> str:
    text = data.decode("utf-8", "replace")
    if len(text) > OUTPUT_LIMIT:
        text = text[:OUTPUT_LIMIT] + "..."
    return redact.text(text, secrets)
