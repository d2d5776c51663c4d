"""The one fetcher for every URL scheme (the reference's ``resource.Fetcher``).

It carries what the current config says about fetching (timeouts, CAs, proxy), the offline
flag of fetch-offline, and the platform's cloud hints (instance role, region, GCS token), and
dispatches on the URL scheme. Everything is streamed through :class:`~ignition.fetch.stream.Sink`
(decompress → hash → write) and verified before the caller sees a byte.
"""

from __future__ import annotations

import _thread  # threading's Lock without threading: most stages never start a thread
import io
import time

from ignition.fetch import FetchOptions, NeedsNetwork
from ignition.util.errors import FetchError
from ignition.util.record import field, record

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    import threading
    from collections.abc import Callable
    from typing import BinaryIO

    from ignition.config.model import Config, Resource
    from ignition.fetch.http import HttpClient
    from ignition.fetch.limits import BodyLimit
    from ignition.fetch.proxy import ProxySettings
    from ignition.fetch.stream import Sink
    from ignition.util.log import Logger

# Module imports are kept to the minimum: every stage process creates a fetcher, few fetch.

DEFAULT_HEADER_TIMEOUT = 10.0
GCS_ENDPOINT = "https://storage.googleapis.com"
NETWORK_SCHEMES = ("http", "https", "tftp", "s3", "arn", "gs")


def needs_network(url: str | None) -> bool:
    """Does fetching ``url`` need the network? (the fetch-offline neednet rule)"""
    if not url:
        return False
    return url[:5].lower() != "data:"


@record(frozen=False)
class CloudOptions:
    """Platform hints that providers set (the providers issue plugs in here)."""

    instance_role: bool = False  # S3 may use the EC2 instance role (aws platform)
    region_hint: str | None = None  # S3 region hint (aws platform: instance region)
    gcs_token: Callable[[], str | None] | None = None  # GCE service-account token
    gcs_endpoint: str = GCS_ENDPOINT


@record(frozen=False)
class ResourceFetcher:
    log: Logger
    offline: bool = False
    total_timeout: float | None = None  # timeouts.httpTotal (None/0 = unlimited)
    header_timeout: float | None = DEFAULT_HEADER_TIMEOUT  # timeouts.httpResponseHeaders
    cas: tuple[bytes, ...] = ()
    proxy: ProxySettings | None = None  # None: from the environment, when first needed
    cloud: CloudOptions = field(default_factory=CloudOptions)
    cancel: threading.Event | None = None  # a concurrent batch's (parallel.run_all)
    _http: HttpClient | None = None
    _lock: _thread.LockType = field(default_factory=_thread.allocate_lock)

    # ------------------------------------------------------------------ configuration

    def apply_config(self, cfg: Config) -> None:
        """Take the config's timeouts, proxy and CAs (re-applied for every config loaded)."""
        t = cfg.ignition.timeouts
        self.total_timeout = float(t.http_total) if t.http_total else None
        self.header_timeout = (
            float(t.http_response_headers)
            if t.http_response_headers is not None
            else DEFAULT_HEADER_TIMEOUT
        )
        from ignition.fetch.proxy import ProxySettings

        p = cfg.ignition.proxy
        if p.http_proxy or p.https_proxy:
            self.proxy = ProxySettings(p.http_proxy or "", p.https_proxy or "", p.no_proxy)
        else:
            env = ProxySettings.from_env()
            self.proxy = ProxySettings(env.http_proxy, env.https_proxy, env.no_proxy + p.no_proxy)
        cas = tuple(
            self.fetch(ca, what="certificate authority")
            for ca in cfg.ignition.security.tls.certificate_authorities
        )
        for i, pem in enumerate(cas):
            self.log.info(
                f"adding CA certificate bundle {i} ({pem.count(b'BEGIN CERTIFICATE')} certs)"
            )
        self.cas = cas
        self._http = None

    def http(self) -> HttpClient:
        with self._lock:
            if self._http is None:
                from ignition.fetch.http import HttpClient
                from ignition.fetch.proxy import ProxySettings

                proxy = self.proxy or ProxySettings.from_env()
                self._http = HttpClient(log=self.log, cas=self.cas, proxy=proxy)
            return self._http

    # ------------------------------------------------------------------ fetching

    def fetch(self, resource: Resource, *, what: str = "resource") -> bytes:
        """Into memory: bounded by ``PYIGNITION_MAX_CONFIG_SIZE``."""
        from ignition.fetch import limits

        buf = io.BytesIO()
        self.fetch_url_to(resource.source or "", buf, _options(resource), limits.memory())
        return buf.getvalue()

    def fetch_to(self, resource: Resource, out: BinaryIO, *, what: str = "resource") -> str:
        """Stream, decompress and verify ``resource`` into ``out``; return the hex digest
        of the hash the config names ("" for none). Bounded by ``PYIGNITION_MAX_FILE_SIZE``."""
        from ignition.fetch import limits

        return self.fetch_url_to(resource.source or "", out, _options(resource), limits.file())

    def fetch_url(self, url: str, options: FetchOptions | None = None) -> bytes:
        from ignition.fetch import limits

        buf = io.BytesIO()
        self.fetch_url_to(url, buf, options or FetchOptions(), limits.memory())
        return buf.getvalue()

    def fetch_url_to(self, url: str, out: BinaryIO, opts: FetchOptions, limit: BodyLimit) -> str:
        """On any failure ``out`` is left as it was found: nothing partial survives."""
        from ignition.fetch.stream import Sink

        sink = Sink(
            out,
            limit=limit.capped(opts.max_size),
            compression=opts.compression,
            hash_spec=opts.hash,
            cancel=self.cancel,
        )
        try:
            if url:
                self._dispatch(url, sink, opts)
            return sink.finish()
        except BaseException as exc:
            try:  # noqa: SIM105 (contextlib costs a stage process ~1 ms: docs/initramfs.md)
                sink.reset()
            except FetchError:
                pass  # the first error is the one to report
            if isinstance(exc, Exception) and not isinstance(exc, FetchError):
                # a library's message may quote a header value or a URL with credentials
                raise FetchError(f"unexpected {type(exc).__name__} while fetching") from None
            raise

    def _dispatch(self, url: str, sink: Sink, opts: FetchOptions) -> None:
        from ignition.config.urls import URLError, decode_data_url, parse_url
        from ignition.util import redact

        try:
            u = parse_url(url)
        except URLError as exc:
            raise FetchError(f"invalid URL: {exc}") from None
        if u.scheme == "data":
            try:
                sink.write(decode_data_url(url).data)
            except URLError as exc:
                raise FetchError(f"invalid data URL: {exc}") from None
            return
        if u.scheme not in NETWORK_SCHEMES:
            raise FetchError("unsupported source scheme")
        if self.offline:
            raise NeedsNetwork(f"resource {redact.url(url)} requires networking")
        total = opts.total_timeout if opts.total_timeout is not None else self.total_timeout
        header = opts.header_timeout if opts.header_timeout is not None else self.header_timeout
        if u.scheme in ("http", "https"):
            self.http().fetch(
                url,
                sink,
                headers=opts.headers,
                method=opts.method,
                body=opts.body,
                retry_codes=opts.retry_codes,
                total_timeout=total or None,
                header_timeout=header or None,
                cancel=self.cancel,
                quiet_url=opts.quiet_url,
                source_port_max=opts.source_port_max,
            )
        elif u.scheme == "tftp":
            from ignition.fetch import tftp

            deadline = time.monotonic() + total if total else None
            tftp.fetch(u.hostname, u.port, u.path, sink, deadline=deadline)
        elif u.scheme in ("s3", "arn"):
            from ignition.fetch.stream import check_compression

            if check_compression(opts.compression):
                raise FetchError("compression is not supported with that scheme")
            from ignition.fetch import s3

            versions = u.query().get("versionId")
            version = versions[0] if versions else None
            obj = (
                s3.parse_s3(u.host, u.path, version)
                if u.scheme == "s3"
                else s3.parse_arn(u.opaque, version)
            )
            s3.fetch(
                obj,
                sink,
                instance_role=self.cloud.instance_role,
                region_hint=self.cloud.region_hint,
                deadline=time.monotonic() + total if total else None,
                header_timeout=header or None,
            )
        else:  # gs
            self._fetch_gs(u.host, u.path, sink, opts, total, header)

    def _fetch_gs(
        self,
        bucket: str,
        path: str,
        sink: Sink,
        opts: FetchOptions,
        total: float | None,
        header: float | None,
    ) -> None:
        from urllib.parse import quote

        obj = path.lstrip("/")
        url = f"{self.cloud.gcs_endpoint}/storage/v1/b/{bucket}/o/{quote(obj, safe='')}?alt=media"
        headers = dict(opts.headers)
        token = self.cloud.gcs_token() if self.cloud.gcs_token is not None else None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.http().fetch(
            url,
            sink,
            headers=headers,
            total_timeout=total or None,
            header_timeout=header or None,
            cancel=self.cancel,
        )


def _options(resource: Resource) -> FetchOptions:
    return FetchOptions(
        headers={h.name: h.value for h in resource.http_headers if h.value is not None},
        compression=resource.compression,
        hash=resource.verification.hash,
    )
