"""Where ``coreos-cloudinit`` reads user data and metadata from (its ``-from-*`` flags).

The reference polls every configured source until one is available (up to five minutes, so a
typo in ``-from-file`` hangs a boot for five minutes); here a source that cannot be read is an
immediate, clear error. The metadata services are pyignition's providers (``providers/``):
``-from-ec2-metadata URL`` is the ``aws`` provider with its service at URL, and so on; they
give the user data and the machine's metadata (host name, addresses, SSH keys, network
description); CloudSigma's server context is the ``cloudsigma`` provider.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, TypeVar

from ignition import __version__
from ignition.util import redact
from ignition.util.record import record

if TYPE_CHECKING:
    from ignition.util.log import Level, Logger
    from providers.base import InstanceMetadata, Provider, ProviderContext

T = TypeVar("T")

PROC_CMDLINE = "/proc/cmdline"
CMDLINE_FLAGS = ("cloud-config-url", "cloud_config_url")
HTTP_TIMEOUT = 10.0  # for a response's headers (the reference's per-request timeout)
URL_TIMEOUT = 60.0  # retrying a URL source (the reference: 15 attempts, about 45 s of waits)
PROVIDER_TIMEOUT = 120.0  # bounds a provider's waits for its service
MAX_METADATA = 1 << 20  # a network description read from a drive


class SourceError(Exception):
    pass


@record
class UserData:
    data: bytes
    name: str  # how diagnostics name it: a file name or URL


@record
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
        from ignition.util.limits import InputTooLarge, read_path

        try:
            return read_path(path)  # a device or a pipe is never read whole
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
        except InputTooLarge as exc:
            raise SourceError(f"cannot read {path}: {exc}") from None

    return Source("local-file", path, read)


def _read_optional(path: FsPath) -> bytes | None:
    """A metadata file's bytes; None when it does not exist."""
    from ignition.util.limits import read_file

    try:
        data = read_file(str(path), MAX_METADATA)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
    if data is None:
        raise SourceError(f"{path} is larger than {MAX_METADATA} bytes")
    return data


def from_config_drive(root: str) -> Source:
    """``openstack/latest/user_data``, and ``meta_data.json``'s host name, keys and the
    interfaces file its ``network_config`` names."""
    user_data = from_file(str(FsPath(root) / "openstack" / "latest" / "user_data"))
    meta = FsPath(root) / "openstack" / "latest" / "meta_data.json"

    def metadata() -> InstanceMetadata | None:
        from providers.openstack import parse_metadata

        raw = _read_optional(meta)
        if raw is None:
            return None
        return _provided(lambda: parse_metadata(raw, partial(_drive_file, root)))

    return Source("configdrive", user_data.name, user_data.read, metadata)


def _drive_file(root: str, path: str) -> bytes | None:
    """``openstack/<path>`` of the drive at ``root``, never through a link out of it."""
    base = os.path.realpath(os.path.join(root, "openstack"))
    full = os.path.realpath(os.path.join(base, path))
    if not full.startswith(base + os.sep):
        raise SourceError(f"{path} leads out of the config drive")
    return _read_optional(FsPath(full))


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


def from_url(url: str, log: Logger | None = None, *, timeout: float = URL_TIMEOUT) -> Source:
    return Source("url", url, lambda: http_get(url, log, timeout=timeout))


def from_proc_cmdline(cmdline: str = PROC_CMDLINE, log: Logger | None = None) -> Source:
    def read() -> bytes:
        from ignition.engine.cmdline import read_cmdline
        from ignition.util.errors import ConfigError

        try:
            text = read_cmdline(cmdline)
        except ConfigError as exc:
            raise SourceError(str(exc)) from None
        if text is None:
            raise SourceError(f"cannot read {cmdline}: No such file or directory")
        url = cmdline_url(text)
        if url is None:
            raise SourceError(f"{cmdline} has no cloud-config-url= argument")
        return http_get(url, log)

    return Source("proc-cmdline", cmdline, read)


def cmdline_url(text: str | bytes) -> str | None:
    """The value of the last ``cloud-config-url=`` kernel argument."""
    from ignition.engine.cmdline import split_args

    found = None
    for name, value in split_args(text):
        if value is not None and name in CMDLINE_FLAGS:
            found = value
    return found


def http_get(url: str, log: Logger | None = None, *, timeout: float = URL_TIMEOUT) -> bytes:
    """GET through the engine's fetcher, as coreos-cloudinit users expect of a URL source:
    network errors and 5xx are retried (200 ms doubling to 5 s) for up to ``timeout``
    seconds, each answer's headers within 10 s; redirects are followed; TLS is checked against
    the system's roots (``SSL_CERT_FILE`` too); ``http(s)_proxy``/``no_proxy`` apply; any 4xx
    means there is no user data there."""
    from ignition.fetch import FetchOptions
    from ignition.fetch.fetcher import ResourceFetcher
    from ignition.util.errors import FetchError, NotFound
    from ignition.util.log import Logger

    shown = redact.url(url)
    if url.partition("://")[0].lower() not in ("http", "https"):
        raise SourceError(f"{shown} is not an http:// or https:// URL")
    fetcher = ResourceFetcher(log or Logger(_Discard()))
    fetcher.total_timeout = timeout
    fetcher.header_timeout = HTTP_TIMEOUT
    headers = {"Accept": "*/*", "User-Agent": f"coreos-cloudinit/{__version__}"}
    try:
        return fetcher.fetch_url(url, FetchOptions(headers=headers))
    except NotFound:
        raise SourceError(f"no user data at {shown} (HTTP 404)") from None
    except FetchError as exc:
        raise SourceError(f"cannot fetch {shown}: {exc}") from None


class _Discard:
    """The log of a URL source read without one (its failure is the error it raises)."""

    def write(self, level: Level, message: str, fields: Mapping[str, str] | None = None) -> None:
        pass


def from_vmware_ovf_env(path: str, log: Logger) -> Source:
    """An OVF environment file (``-from-vmware-ovf-env``, typically the vApp's
    ``ovf-env.xml``): its ``guestinfo.*`` properties stand in for guestinfo, as in
    coreos-cloudinit: ``coreos.config.data`` (with ``.encoding``), else the document at
    ``coreos.config.url``; and the same metadata and network keys as ``vmware``."""
    props: dict[str, dict[str, str]] = {}

    def properties() -> dict[str, str]:
        if not props:
            from ignition.util.limits import read_capped
            from providers.vmware import ovf_properties

            try:
                with open(path, "rb") as fh:
                    raw = read_capped(fh, MAX_METADATA)
            except OSError as exc:
                raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
            if raw is None:
                raise SourceError(f"{path} is larger than {MAX_METADATA} bytes")
            text = raw.decode("utf-8", "replace")
            props["p"] = _provided(lambda: ovf_properties(text)) if text.strip() else {}
        return props["p"]

    def get(key: str) -> str:
        return properties().get(key, "").strip()

    def read() -> bytes:
        from providers.vmware import decode

        data = properties().get("coreos.config.data", "")
        if data:
            return _provided(lambda: decode(data, get("coreos.config.data.encoding")))
        url = get("coreos.config.url")
        return http_get(url, log) if url else b""

    def metadata() -> InstanceMetadata | None:
        from providers.vmware import metadata_from

        ctx = _context(log, None)
        return _provided(lambda: metadata_from(ctx, get))

    return Source("vmware", path, read, metadata)


def from_cloudsigma(log: Logger) -> Source:
    """CloudSigma's server context (the ``cloudsigma`` provider), only where DMI says this is
    CloudSigma: coreos-cloudinit waited for that in vain elsewhere; here it is an error."""
    inner = from_provider("from-cloudsigma-metadata", "cloudsigma", None, log)

    def available() -> None:
        from providers.cloudsigma import is_cloudsigma

        if not is_cloudsigma():
            raise SourceError(
                "-from-cloudsigma-metadata: this is not CloudSigma "
                "(DMI product_name does not start with CloudSigma)"
            )

    def read() -> bytes:
        available()
        return inner.read()

    def metadata() -> InstanceMetadata | None:
        available()
        return inner.metadata()

    return Source("server-context", inner.name, read, metadata)


def _context(log: Logger, base: str | None) -> ProviderContext:
    """What a provider works in when coreos-cloudinit asks it (after boot: the network is up,
    the service may be at ``base``)."""
    from ignition.fetch.fetcher import ResourceFetcher
    from ignition.system.paths import Paths
    from providers.base import ProviderContext

    fetcher = ResourceFetcher(log, offline=False)
    fetcher.total_timeout = PROVIDER_TIMEOUT
    return ProviderContext(fetcher, log, Paths.from_env(), "fetch", PROVIDER_TIMEOUT, base)


def from_provider(flag: str, platform: str, base: str | None, log: Logger) -> Source:
    """A metadata service through pyignition's provider ``platform``; ``base`` (the flag's
    URL) is where its service answers, its paths kept."""
    state: dict[str, tuple[Provider, ProviderContext]] = {}

    def provider() -> tuple[Provider, ProviderContext]:
        if not state:
            import providers

            state["p"] = (providers.get(platform), _context(log, base))
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
    from ignition.util.errors import IgnitionError

    try:
        return ask()
    except IgnitionError as exc:
        raise SourceError(str(exc)) from None
    except OSError as exc:
        raise SourceError(exc.strerror or str(exc)) from None
