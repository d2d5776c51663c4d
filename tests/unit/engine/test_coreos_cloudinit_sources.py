"""coreos-cloudinit's URL sources (``-from-url``, ``cloud-config-url=``, an OVF environment's
``coreos.config.url``) through the engine's HTTP client, on real servers on 127.0.0.1."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import pytest

from ignition import __version__
from ignition.engine.coreos_cloudinit import sources
from tests.conftest import ListSink
from tests.servers import Reply, http_server, make_test_ca, proxy_server

UD = b"#cloud-config\nhostname: a\n"


def test_server_errors_are_retried_with_the_engines_backoff(logger: Any) -> None:
    with http_server() as srv:
        srv.route("/ud", Reply(500), Reply(503), Reply(200, UD))
        assert sources.http_get(f"{srv.url}/ud", logger) == UD
        got = srv.requests
    assert len(got) == 3
    gaps = [b.at - a.at for a, b in itertools.pairwise(got)]
    assert gaps[0] >= 0.2
    assert gaps[1] >= 0.4
    assert got[0].headers["User-Agent"] == f"coreos-cloudinit/{__version__}"
    assert got[0].headers["Accept"] == "*/*"


def test_retries_end_at_the_timeout_with_a_clear_error() -> None:
    with http_server() as srv:
        srv.route("/ud", Reply(500))
        start = time.monotonic()
        with pytest.raises(sources.SourceError, match=r"^cannot fetch .*/ud: .*in time"):
            sources.from_url(f"{srv.url}/ud", timeout=1.5).fetch()
        assert time.monotonic() - start < 4
        assert len(srv.requests) >= 2  # retried (0.2 s, 0.4 s, ... apart) until the deadline


def test_a_4xx_is_an_immediate_error_without_the_query() -> None:
    with http_server() as srv:
        srv.route("/gone", Reply(404))
        srv.route("/denied", Reply(403))
        with pytest.raises(sources.SourceError) as exc:
            sources.http_get(f"{srv.url}/gone?token=hunter2")
        assert str(exc.value) == f"no user data at {srv.url}/gone?token=<redacted> (HTTP 404)"
        with pytest.raises(sources.SourceError, match="403 Forbidden"):
            sources.http_get(f"{srv.url}/denied")
        assert len(srv.requests) == 2


def test_redirects_are_followed() -> None:
    with http_server() as srv:
        srv.route("/old", Reply(302, headers={"Location": "/new"}))
        srv.route("/new", Reply(200, UD))
        assert sources.http_get(f"{srv.url}/old") == UD


def test_tls_uses_the_system_roots_and_ssl_cert_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = make_test_ca(tmp_path)
    with http_server(tls=ca.server_context) as srv:
        srv.route("/ud", Reply(200, UD))
        start = time.monotonic()
        with pytest.raises(sources.SourceError, match="TLS certificate verification failed"):
            sources.http_get(f"{srv.url}/ud")
        assert time.monotonic() - start < 5  # a certificate does not fix itself: no retries
        bundle = tmp_path / "ca.pem"
        bundle.write_bytes(ca.ca_pem)
        monkeypatch.setenv("SSL_CERT_FILE", str(bundle))  # as Go's client honours it
        assert sources.http_get(f"{srv.url}/ud") == UD


def test_proxy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with proxy_server(UD) as proxy:
        monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.server_address[1]}")
        assert sources.http_get("http://user-data.example/ud") == UD
        assert proxy.seen == ["http://user-data.example/ud"]


@pytest.mark.parametrize("url", ["file:///etc/shadow", "s3://bucket/ud", "ftp://host/ud"])
def test_only_http_urls(url: str) -> None:
    with pytest.raises(sources.SourceError, match="is not an http:// or https:// URL"):
        sources.http_get(url)


def test_attempts_go_to_the_commands_log(log_sink: ListSink, logger: Any, tmp_path: Path) -> None:
    with http_server() as srv:
        srv.route("/ud", Reply(500), Reply(200, UD))
        cmdline = tmp_path / "cmdline"
        cmdline.write_text(f"quiet cloud-config-url={srv.url}/ud?sig=s3cr3t\n")
        assert sources.from_proc_cmdline(str(cmdline), logger).fetch().data == UD
    assert "attempt #2" in log_sink.text
    assert "s3cr3t" not in log_sink.text
