"""Where ``coreos-cloudinit`` reads user data and metadata from (its ``-from-*`` flags).

The reference polls every configured source until one is available (up to five minutes, so a
typo in ``-from-file`` hangs a boot for five minutes); here a source that cannot be read is an
immediate, clear error. The metadata services are pyignition's providers (``providers/``):
``-from-ec2-metadata URL`` is the ``aws`` provider with its service at URL, and so on; they
give the user data and the machine's metadata (host name, addresses, SSH keys). CloudSigma's
server context has no provider and is refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, TypeVar

from ignition import redact

if TYPE_CHECKING:
    from ignition.log import Logger
    from providers.base import InstanceMetadata, Provider

T = TypeVar("T")

PROC_CMDLINE = "/proc/cmdline"
CMDLINE_FLAGS = ("cloud-config-url", "cloud_config_url")
HTTP_TIMEOUT = 10.0
HTTP_ATTEMPTS = 4
PROVIDER_TIMEOUT = 120.0  # bounds a provider's waits for its service


class SourceError(Exception):
    pass


class NotYet(SourceError):
    """A source pyignition does not read yet."""


@dataclass(frozen=True, slots=True)
class UserData:
    data: bytes
    name: str  # how diagnostics name it: a file name or URL


@dataclass(frozen=True, slots=True)
class Source:
    kind: str  # the reference's datasource type name ("local-file", "url", ...)
    name: str
    read: Callable[[], bytes]
    # the machine's metadata from the same source (None: this source has none)
    metadata: Callable[[], InstanceMetadata | None] = lambda: None

    def fetch(self) -> UserData:
        return UserData(self.read(), self.name)


def from_file(path: str) -> Source:
    def read() -> bytes:
        try:
            return FsPath(path).read_bytes()
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None

    return Source("local-file", path, read)


def _read_optional(path: FsPath) -> bytes | None:
    """A metadata file's bytes; None when it does not exist."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None


def from_config_drive(root: str) -> Source:
    """``openstack/latest/user_data``, and ``meta_data.json``'s host name and keys."""
    user_data = from_file(str(FsPath(root) / "openstack" / "latest" / "user_data"))
    meta = FsPath(root) / "openstack" / "latest" / "meta_data.json"

    def metadata() -> InstanceMetadata | None:
        from providers.openstack import parse_metadata

        raw = _read_optional(meta)
        if raw is None:
            return None
        return _provided(lambda: parse_metadata(raw))

    return Source("configdrive", user_data.name, user_data.read, metadata)


def from_waagent(root: str) -> Source:
    """``CustomData`` as WALinuxAgent wrote it, and the host name of its ``ovf-env.xml``. The
    reference also read addresses from ``SharedConfig.xml``; that format is not specified
    here, so the addresses come from the ``COREOS_*`` variables (docs/deviations.md C7)."""
    user_data = from_file(str(FsPath(root) / "CustomData"))
    ovf = FsPath(root) / "ovf-env.xml"

    def metadata() -> InstanceMetadata | None:
        from providers._ovfenv import hostname_of
        from providers.base import InstanceMetadata

        raw = _read_optional(ovf)
        if raw is None:
            return None
        return InstanceMetadata(hostname=hostname_of(raw))

    return Source("waagent", user_data.name, user_data.read, metadata)


def from_url(url: str, *, sleep: Callable[[float], None] = time.sleep) -> Source:
    return Source("url", url, lambda: http_get(url, sleep=sleep))


def from_proc_cmdline(cmdline: str = PROC_CMDLINE) -> Source:
    def read() -> bytes:
        from ignition.engine.cmdline import read_cmdline
        from ignition.errors import ConfigError

        try:
            text = read_cmdline(cmdline)
        except ConfigError as exc:
            raise SourceError(str(exc)) from None
        if text is None:
            raise SourceError(f"cannot read {cmdline}: No such file or directory")
        url = cmdline_url(text)
        if url is None:
            raise SourceError(f"{cmdline} has no cloud-config-url= argument")
        return http_get(url)

    return Source("proc-cmdline", cmdline, read)


def cmdline_url(text: str | bytes) -> str | None:
    """The value of the last ``cloud-config-url=`` kernel argument."""
    from ignition.engine.cmdline import split_args

    found = None
    for name, value in split_args(text):
        if value is not None and name in CMDLINE_FLAGS:
            found = value
    return found


def http_get(url: str, *, sleep: Callable[[float], None] = time.sleep) -> bytes:
    """GET with the reference's client rules: network errors and 5xx are retried (backoff
    from 100 ms), any 4xx means there is no user data there."""
    import requests  # only the URL sources pay for importing requests

    delay = 0.1
    last = ""
    for attempt in range(HTTP_ATTEMPTS):
        try:
            resp = requests.get(url, timeout=HTTP_TIMEOUT)
        except requests.RequestException as exc:
            last = f"cannot fetch {url}: {type(exc).__name__}"
        else:
            if resp.status_code < 400:
                return resp.content
            if resp.status_code < 500:
                raise SourceError(f"no user data at {url} (HTTP {resp.status_code})")
            last = f"cannot fetch {url}: HTTP {resp.status_code}"
        if attempt + 1 < HTTP_ATTEMPTS:
            sleep(delay)
            delay = min(delay * 2, 5.0)
    raise SourceError(last)


def not_yet(flag: str) -> Source:
    def read() -> bytes:
        raise NotYet(
            f"-{flag} is not supported: pyignition has no provider for it; "
            "fetch the user data yourself and pass -from-file"
        )

    return Source(flag, flag, read)


def from_provider(flag: str, platform: str, base: str | None, log: Logger) -> Source:
    """A metadata service through pyignition's provider ``platform``; ``base`` (the flag's
    URL) is where its service answers, its paths kept."""
    from providers.base import ProviderContext

    state: dict[str, tuple[Provider, ProviderContext]] = {}

    def provider() -> tuple[Provider, ProviderContext]:
        if not state:
            import providers
            from ignition.fetch.fetcher import ResourceFetcher
            from ignition.system.paths import Paths

            fetcher = ResourceFetcher(log, offline=False)
            fetcher.total_timeout = PROVIDER_TIMEOUT
            paths = Paths.from_env()
            ctx = ProviderContext(fetcher, log, paths, "fetch", PROVIDER_TIMEOUT, base)
            state["p"] = (providers.get(platform), ctx)
        return state["p"]

    def read() -> bytes:
        p, ctx = provider()
        return _provided(lambda: p.fetch_config(ctx)) or b""

    def metadata() -> InstanceMetadata | None:
        p, ctx = provider()
        return _provided(lambda: p.metadata(ctx))

    where = redact.url(base) if base else "its own address"
    return Source(flag, f"{platform} metadata service ({where})", read, metadata)


def _provided(ask: Callable[[], T]) -> T:
    """A provider's answer; its failures (fetch, timeout, bad data) as a SourceError."""
    from ignition.errors import IgnitionError

    try:
        return ask()
    except IgnitionError as exc:
        raise SourceError(str(exc)) from None
    except OSError as exc:
        raise SourceError(exc.strerror or str(exc)) from None
