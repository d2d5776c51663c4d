"""The kernel command line as a config source (docs/engine.md, "Where the config comes from").

``ignition.config.url=<url>`` (Flatcar aliases ``flatcar.config.url``, ``coreos.config.url``)
is fetched with the normal fetcher; ``ignition.config.device=<label>`` with
``ignition.config.path=<path>`` reads a file from a labelled block device mounted read-only.
For repeated keys the last one wins. The file is ``/proc/cmdline`` unless
``IGNITION_KERNEL_CMDLINE_PATH`` says otherwise.

The text is split on white space like the reference (quotes are not interpreted); a NUL
counts as white space, invalid UTF-8 becomes U+FFFD, and a file larger than
:data:`CMDLINE_MAX` is refused (a kernel's is at most a few KiB; the environment variable
could name anything).
"""

from __future__ import annotations

import time

from ignition.config.model import Resource
from ignition.util import redact
from ignition.util.errors import ConfigError
from ignition.util.record import record

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from ignition.fetch.fetcher import ResourceFetcher
    from ignition.system import System

URL_KEYS = ("ignition.config.url", "flatcar.config.url", "coreos.config.url")
DEVICE_WAIT = 30.0
CMDLINE_MAX = 1 << 20


@record
class CmdlineSource:
    url: str | None = None
    device: str | None = None
    path: str | None = None


def split_args(text: str | bytes) -> list[tuple[str, str | None]]:
    """The words of a kernel command line as ``(key, value)``; value None without ``=``."""
    if isinstance(text, bytes):
        raw = text
    else:  # a caller's text, not the file's bytes: rare, so the helper is loaded here
        from ignition.util.utf8 import to_bytes

        raw = to_bytes(text)
    out: list[tuple[str, str | None]] = []
    # bytes.split() splits on ASCII white space only, the kernel's isspace()
    for word in raw.replace(b"\0", b" ").split():
        key, eq, value = word.decode("utf-8", "replace").partition("=")
        out.append((key, value if eq else None))
    return out


def parse_cmdline(text: str | bytes) -> dict[str, str]:
    """``key=value`` words (a bare word maps to ""); the last occurrence of a key wins."""
    return {key: value or "" for key, value in split_args(text)}


def read_cmdline(path: str) -> bytes | None:
    """The raw kernel command line in ``path`` (None when the file does not exist)."""
    from ignition.util.limits import read_file  # its callers have loaded it already

    try:
        raw = read_file(path, CMDLINE_MAX)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"couldn't read kernel command line {path}: {exc.strerror}") from None
    if raw is None:
        raise ConfigError(f"kernel command line {path} is larger than {CMDLINE_MAX} bytes")
    return raw


def read_args(path: str) -> dict[str, str]:
    """The kernel arguments in ``path`` (none when the file does not exist)."""
    raw = read_cmdline(path)
    return {} if raw is None else parse_cmdline(raw)


def read_source(path: str) -> CmdlineSource:
    args = read_args(path)
    url = None
    for key in URL_KEYS:
        if key in args:
            url = args[key]
    return CmdlineSource(url, args.get("ignition.config.device"), args.get("ignition.config.path"))


def fetch_from_cmdline(system: System, fetcher: ResourceFetcher) -> bytes | None:
    """The config named on the command line; None when the command line names none."""
    src = read_source(system.paths.kernel_cmdline)
    log = system.log
    if src.url is not None:
        if src.url == "":
            log.info("ignition.config.url is empty: ignoring it")
        else:
            if src.device is not None or src.path is not None:
                log.warning(
                    "both ignition.config.url and ignition.config.device/path are given: "
                    "using the URL"
                )
            log.info(f"fetching config from kernel command line URL {redact.url(src.url)}")
            return fetcher.fetch(Resource(source=src.url), what="config")
    if src.device is None and src.path is None:
        return None
    if src.device is None or src.path is None:
        raise ConfigError(
            'both "ignition.config.device" and "ignition.config.path" must be provided together'
        )
    return read_from_device(system, src.device, src.path)


def read_from_device(system: System, label: str, path: str) -> bytes:
    """``path`` on the device labelled ``label``, through :func:`ignition.system.mounts.read_file`:
    the medium is hostile like any input (a link on it stays on it, only a regular file of at
    most the config size is read, ``ro,nosuid,nodev,noexec``, always unmounted)."""
    from ignition.system import hostroot, mounts
    from ignition.util import limits

    if not label or "/" in label or label in (".", ".."):
        raise ConfigError(f'invalid device label "{label}": must be a single path component')
    device = f"/dev/disk/by-label/{label}"
    deadline = time.monotonic() + DEVICE_WAIT
    system.log.info(f'waiting for device "{label}" ({device})')
    while not hostroot.exists(device):
        if time.monotonic() >= deadline:
            raise ConfigError(f'device "{label}" did not appear within timeout')
        time.sleep(1)
    try:
        _, data = mounts.read_file(
            system.runner, hostroot.path(device), path, max_size=limits.config_size()
        )
    except mounts.MountError as exc:
        raise ConfigError(f'device "{label}": {exc}') from None
    if data is None:
        raise ConfigError(f'config file "{path}" not found on device "{label}"')
    return data
