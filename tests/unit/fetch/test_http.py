"""HTTP(S) against real servers on 127.0.0.1, with injected faults."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import time
from pathlib import Path
from typing import Any

import pytest

from ignition.config.model import (
    TLS,
    Config,
    HTTPHeader,
    Ignition,
    Proxy,
    Resource,
    Security,
    Timeouts,
    Verification,
)
from ignition.fetch import FetchOptions, HashMismatch, NeedsNetwork, TimedOut
from ignition.fetch.fetcher import ResourceFetcher
from ignition.util.errors import FetchError, NotFound
from tests.servers import Reply, http_server, make_test_ca, proxy_server

BODY = b"the body of a remote file\n" * 50


def sha512(data: bytes) -> str:
    return "sha512-" + hashlib.sha512(data).hexdigest()


def fetcher(logger: Any, **kw: Any) -> ResourceFetcher:
    f = ResourceFetcher(logger)
    f.total_timeout = kw.get("total", 20.0)
    f.header_timeout = kw.get("header", 5.0)
    return f


def test_5xx_is_retried_with_backoff(logger: Any, log_sink: Any) -> None:
    with http_server() as srv:
        srv.route("/f", Reply(500), Reply(503), Reply(200, BODY))
        start = time.monotonic()
        data = fetcher(logger).fetch(Resource(source=srv.url + "/f"))
        took = time.monotonic() - start
        assert data == BODY
        assert srv.hits("/f") == 3
    assert 0.6 <= took < 3  # 200 ms then 400 ms
    assert "attempt #3" in log_sink.text
    assert "GET result: Service Unavailable" in log_sink.text


def test_reset_connection_is_retried(logger: Any) -> None:
    with http_server() as srv:
        srv.route("/f", Reply(behaviour="reset"), Reply(200, BODY))
        assert fetcher(logger).fetch(Resource(source=srv.url + "/f")) == BODY
        assert srv.hits("/f") == 2


def test_truncated_body_is_retried_and_discarded(logger: Any) -> None:
    with http_server() as srv:
        srv.route("/f", Reply(200, BODY, behaviour="truncate"), Reply(200, BODY))
        out = io.BytesIO()
        fetcher(logger).fetch_to(Resource(source=srv.url + "/f"), out)
        assert out.getvalue() == BODY  # not half a body followed by the whole one
        assert srv.hits("/f") == 2


def test_truncated_forever_gives_up_in_time(logger: Any) -> None:
    with http_server() as srv:
        srv.route("/f", Reply(200, BODY, behaviour="truncate"))
        start = time.monotonic()
        with pytest.raises(TimedOut, match="unable to fetch resource in time"):
            fetcher(logger, total=1.5).fetch(Resource(source=srv.url + "/f"))
        assert time.monotonic() - start < 3
        assert srv.hits("/f") >= 3


def test_slow_headers_time_out_and_are_retried(logger: Any, log_sink: Any) -> None:
    with http_server() as srv:
        srv.route("/f", Reply(200, BODY, behaviour="slow:1.5"), Reply(200, BODY))
        data = fetcher(logger, header=0.5).fetch(Resource(source=srv.url + "/f"))
        assert data == BODY
        assert srv.hits("/f") == 2
    assert "GET error" in log_sink.text


def test_404_is_not_found_and_not_retried(logger: Any) -> None:
    with http_server() as srv:
        with pytest.raises(NotFound):
            fetcher(logger).fetch(Resource(source=srv.url + "/missing"))
        assert len(srv.requests) == 1


def test_other_4xx_fails_at_once(logger: Any) -> None:
    with http_server() as srv:
        srv.route("/f", Reply(403))
        with pytest.raises(FetchError, match="403 Forbidden"):
            fetcher(logger).fetch(Resource(source=srv.url + "/f"))
        assert srv.hits("/f") == 1


def test_extra_retry_codes_for_providers(logger: Any) -> None:
    with http_server() as srv:
        srv.route("/md", Reply(404), Reply(429), Reply(200, b"userdata"))
        opts = FetchOptions(retry_codes=frozenset({404, 429}), headers={"Metadata": "true"})
        assert fetcher(logger).fetch_url(srv.url + "/md", opts) == b"userdata"
        assert srv.requests[-1].headers["Metadata"] == "true"


def test_put_with_body_for_tokens(logger: Any) -> None:
    with http_server() as srv:
        srv.route("/token", Reply(200, b"TOKEN"))
        opts = FetchOptions(method="PUT", headers={"X-TTL": "21600"}, body=b"")
        assert fetcher(logger).fetch_url(srv.url + "/token", opts) == b"TOKEN"
        assert srv.requests[0].method == "PUT"


def test_hash_mismatch_is_not_retried(logger: Any) -> None:
    with http_server() as srv:
        srv.route("/f", Reply(200, BODY))
        res = Resource(source=srv.url + "/f", verification=Verification(sha512(b"other")))
        with pytest.raises(HashMismatch, match="hash verification failed"):
            fetcher(logger).fetch(res)
        assert srv.hits("/f") == 1


def test_hash_accepts_uppercase_hex_and_sha256(logger: Any) -> None:
    with http_server() as srv:
        srv.route("/f", Reply(200, BODY))
        h = "sha256-" + hashlib.sha256(BODY).hexdigest().upper()
        res = Resource(source=srv.url + "/f", verification=Verification(h))
        assert fetcher(logger).fetch(res) == BODY


def test_gzip_is_decompressed_and_hash_is_over_the_plain_body(logger: Any) -> None:
    with http_server() as srv:
        srv.route("/f.gz", Reply(200, gzip.compress(BODY)))
        res = Resource(
            source=srv.url + "/f.gz", compression="gzip", verification=Verification(sha512(BODY))
        )
        assert fetcher(logger).fetch(res) == BODY


def test_default_headers_and_config_overrides(logger: Any) -> None:
    with http_server() as srv:
        srv.route("/f", Reply(200, BODY))
        f = fetcher(logger)
        f.fetch(Resource(source=srv.url + "/f"))
        h = srv.requests[-1].headers
        assert h["Accept"] == "application/vnd.coreos.ignition+json;version=3.6.0, */*;q=0.1"
        assert h["Accept-Encoding"] == "identity"
        assert h["User-Agent"].startswith("Ignition/")
        res = Resource(
            source=srv.url + "/f",
            http_headers=(HTTPHeader("accept", "application/json"), HTTPHeader("X-Auth", "s3cr3t")),
        )
        f.fetch(res)
        h = srv.requests[-1].headers
        assert h["accept"] == "application/json"
        assert "Accept" not in h
        assert h["X-Auth"] == "s3cr3t"


def test_redirect_drops_the_config_headers(logger: Any, log_sink: Any) -> None:
    with http_server() as srv:
        srv.route("/a", Reply(302, headers={"Location": "/b"}))
        srv.route("/b", Reply(200, BODY))
        res = Resource(source=srv.url + "/a", http_headers=(HTTPHeader("X-Auth", "s3cr3t"),))
        assert fetcher(logger).fetch(res) == BODY
        first, second = srv.requests
        assert first.headers["X-Auth"] == "s3cr3t"
        assert "X-Auth" not in second.headers
        assert second.path == "/b"
    assert "s3cr3t" not in log_sink.text


def test_redirect_loops_stop(logger: Any) -> None:
    with http_server() as srv:
        srv.route("/a", Reply(302, headers={"Location": "/a"}))
        with pytest.raises(FetchError, match="redirects"):
            fetcher(logger).fetch(Resource(source=srv.url + "/a"))


def test_query_values_are_not_logged(logger: Any, log_sink: Any) -> None:
    with http_server() as srv:
        srv.route("/f", Reply(200, BODY))
        fetcher(logger).fetch(Resource(source=srv.url + "/f?X-Amz-Signature=topsecret"))
    assert "topsecret" not in log_sink.text
    assert "X-Amz-Signature=<redacted>" in log_sink.text


def _ca_config(pem: bytes) -> Config:
    src = "data:;base64," + base64.b64encode(pem).decode()
    tls = TLS(certificate_authorities=(Resource(source=src),))
    return Config(ignition=Ignition(version="3.4.0", security=Security(tls=tls)))


def test_https_needs_the_configured_ca(logger: Any, tmp_path: Path) -> None:
    ca = make_test_ca(tmp_path)
    with http_server(ca.server_context) as srv:
        srv.route("/f", Reply(200, BODY))
        f = fetcher(logger)
        start = time.monotonic()
        with pytest.raises(FetchError, match="certificate verification failed"):
            f.fetch(Resource(source=srv.url + "/f"))
        assert time.monotonic() - start < 5  # not retried until the deadline
        f.apply_config(_ca_config(ca.ca_pem))
        assert f.fetch(Resource(source=srv.url + "/f")) == BODY


def test_proxy_from_config_with_no_proxy(logger: Any) -> None:
    with proxy_server(b"via proxy") as proxy, http_server() as direct:
        direct.route("/f", Reply(200, b"direct"))
        f = fetcher(logger)
        port = proxy.server_address[1]
        cfg = Config(
            ignition=Ignition(
                version="3.1.0",
                proxy=Proxy(http_proxy=f"127.0.0.1:{port}", no_proxy=("skip.example.test",)),
            )
        )
        f.apply_config(cfg)
        # a name that does not resolve: only the proxy can answer (no DNS lookup happens)
        assert f.fetch(Resource(source="http://www.fake.tld/config")) == b"via proxy"
        assert proxy.seen == ["http://www.fake.tld/config"]
        # loopback is never proxied
        assert f.fetch(Resource(source=direct.url + "/f")) == b"direct"
        with pytest.raises(FetchError):  # excluded: goes direct and cannot resolve
            f.fetch_url("http://skip.example.test/x", FetchOptions(total_timeout=1))
        assert len(proxy.seen) == 1


def test_proxy_from_environment_when_config_has_none(
    logger: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with proxy_server(b"env proxy") as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
        f = fetcher(logger)
        f.apply_config(Config(ignition=Ignition(version="3.4.0")))
        assert f.fetch(Resource(source="http://config.example.test/")) == b"env proxy"


def test_total_timeout_from_config(logger: Any) -> None:
    with http_server() as srv:
        srv.route("/f", Reply(500))
        f = fetcher(logger)
        f.apply_config(Config(ignition=Ignition(version="3.4.0", timeouts=Timeouts(http_total=1))))
        start = time.monotonic()
        with pytest.raises(TimedOut):
            f.fetch(Resource(source=srv.url + "/f"))
        assert time.monotonic() - start < 2.5


def test_offline_mode_needs_network(logger: Any) -> None:
    f = fetcher(logger)
    f.offline = True
    assert f.fetch(Resource(source="data:,x")) == b"x"
    with pytest.raises(NeedsNetwork):
        f.fetch(Resource(source="https://example.test/x"))


def test_unsupported_scheme_and_bad_compression(logger: Any) -> None:
    with pytest.raises(FetchError, match="unsupported source scheme"):
        fetcher(logger).fetch(Resource(source="ftp://x/y"))
    with pytest.raises(FetchError, match="invalid compression method"):
        fetcher(logger).fetch(Resource(source="data:,x", compression="xz"))
    with pytest.raises(FetchError, match="gzip"):
        fetcher(logger).fetch(Resource(source="data:,notgzip", compression="gzip"))
