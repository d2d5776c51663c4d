"""Host paths, tools and the ``PYIGNITION_HOST_ROOT`` test seam.

Every host path a provider reads (``/sys``, ``/proc``, ``/dev/disk/by-label``, KVP pool files,
...) and every helper tool it runs (``vmware-rpctool``, ``vmur``, ...) goes through here. When
``PYIGNITION_HOST_ROOT=DIR`` is set, paths are looked up under DIR, symlinks included (an
absolute link target such as ``/dev/sr0`` stays inside DIR), and tools are looked up only in
DIR's ``bin`` directories, so a test can stand a tree in for the machine. Nothing else changes.
"""

from __future__ import annotations

import os
import posixpath

# Every stage process imports this (through its platform): the runner only where a tool
# runs, the rest for the type checker.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import BinaryIO

    from ignition.system.runner import Completed

ENV = "PYIGNITION_HOST_ROOT"
BIN_DIRS = ("/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin")
MAX_LINKS = 40
CHUNK = 1 << 16


def root() -> str:
    """The host root directory ("" for the real machine)."""
    value = os.environ.get(ENV, "")
    return value.rstrip("/") if value.strip("/") else ""


def path(p: str) -> str:
    """``p`` (an absolute host path) with symlinks resolved inside the host root."""
    base = root()
    if not base:
        return p
    parts = [x for x in p.split("/") if x and x != "."]
    resolved = ""
    links = 0
    while parts:
        part = parts.pop(0)
        if part == "..":
            resolved = posixpath.dirname(resolved)
            continue
        candidate = f"{resolved}/{part}"
        full = base + candidate
        if os.path.islink(full):
            links += 1
            if links > MAX_LINKS:
                raise OSError(40, "too many levels of symbolic links", p)
            target = os.readlink(full)
            if target.startswith(base + "/"):  # a link made with the tree's real path
                target = target[len(base) :]
            if target.startswith("/"):
                resolved = ""
            parts = [x for x in target.split("/") if x and x != "."] + parts
            continue
        resolved = candidate
    return base + (resolved or "/")


def exists(p: str) -> bool:
    return os.path.exists(path(p))


def is_char_device(p: str) -> bool:
    """A real kernel interface (``/dev/vmbus/hv_kvp``, ``/dev/vboxguest``), not a stand-in file."""
    import stat

    try:
        return stat.S_ISCHR(os.stat(path(p)).st_mode)
    except OSError:
        return False


class TooLarge(OSError):
    """A host file holds more than the caller's bound."""


def read_bytes(p: str, *, limit: int | None = None) -> bytes | None:
    """The file's bytes, or None when it does not exist. At most ``limit`` bytes are read
    (by default the config size limit): a longer file raises :class:`TooLarge`."""
    if limit is None:
        from ignition.util import limits

        limit = limits.config_size()
    try:
        with open(path(p), "rb") as fh:
            return _read_bounded(fh, p, limit)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _read_bounded(fh: BinaryIO, p: str, limit: int) -> bytes:
    # in chunks: one read(limit + 1) would allocate the whole bound up front
    chunks: list[bytes] = []
    size = 0
    while chunk := fh.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"{p}: more than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def read_text(p: str) -> str | None:
    data = read_bytes(p)
    return None if data is None else data.decode("utf-8", "replace").strip()


def listdir(p: str) -> list[str]:
    try:
        return sorted(os.listdir(path(p)))
    except (FileNotFoundError, NotADirectoryError):
        return []


def which(tool: str) -> str | None:
    """The helper tool's path: under the host root when one is set, else on ``PATH``."""
    base = root()
    if not base:
        import shutil

        return shutil.which(tool)
    for d in BIN_DIRS:
        candidate = path(f"{d}/{tool}")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


class ToolFailed(OSError):
    """A helper tool exited with a failure status (``check=True``)."""


def run(argv: Sequence[str], *, timeout: float | None = 60.0, check: bool = True) -> Completed:
    """Run a helper tool found with :func:`which`; stdout/stderr captured (never logged here:
    they may carry user data). Failures are :class:`OSError`: not found, :class:`ToolFailed`,
    :class:`TooLarge` (more output than twice the config size limit: a guestinfo answer
    carries a config, encoded) or :class:`~ignition.system.runner.TimedOut`."""
    from ignition.system.runner import spawn
    from ignition.util import limits

    exe = which(argv[0])
    if exe is None:
        raise FileNotFoundError(2, f"{argv[0]} not found", argv[0])
    bound = 2 * limits.config_size()
    done = spawn([exe, *argv[1:]], os.environ, timeout=timeout, limit=bound + 1)
    if len(done.stdout) > bound:
        raise TooLarge(f"{argv[0]}: more than {bound} bytes of output")
    if check and done.returncode != 0:
        raise ToolFailed(f"{argv[0]} exited with status {done.returncode}")
    return done


def modprobe(module: str) -> None:
    """Best effort ``modprobe`` (a module built into the kernel, or a host-root tree without
    the tool, is fine: the caller checks for the interface afterwards)."""
    try:
        run(["modprobe", module], check=False, timeout=30)
    except OSError:
        return  # (not contextlib.suppress: its import is not worth it here)
