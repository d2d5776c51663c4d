"""Hostile servers and bodies against the fetcher, all on 127.0.0.1: endless and bombed
bodies, trickled headers and bodies, stalls, bad redirects, headers that would break the
request, local write errors. Every case must end, in bounded time, in one clear error."""

from __future__ import annotations

import base64
import gzip
import io
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from ignition.config.model import HTTPHeader, Resource
from ignition.fetch import TimedOut, TooLarge, limits
from ignition.fetch.fetcher import ResourceFetcher
from ignition.util.errors import FetchError
from tests.servers import (
    Reply,
    TFTPServer,
    endless_body,
    http_server,
    scripted_server,
    trickle,
)

MiB = 1024 * 1024
T = TypeVar("T")


def fetcher(logger: Any, total: float | None = 20.0, header: float | None = 5.0) -> ResourceFetcher:
    f = ResourceFetcher(logger)
    f.total_timeout = total
    f.header_timeout = header
    return f


def within(seconds: float, fn: Callable[[], T]) -> T:
    """``fn()``, which must return or raise within ``seconds`` (a hang fails the test
    instead of hanging the run)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = fn()
        except BaseException as exc:
            box["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    if t.is_alive():
        pytest.fail(f"still running after {seconds} s")
    if "error" in box:
        raise box["error"]
    return box["result"]  # type: ignore[no-any-return]


def bomb(mib: int) -> bytes:
    """gzip that expands to ``mib`` MiB of zeros (one member per MiB, each ~1 KiB)."""
    return gzip.compress(b"\0" * MiB, 9) * mib


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(limits.CONFIG_SIZE_VAR, "1M")
    monkeypatch.setenv(limits.FILE_SIZE_VAR, "2M")


# ----------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Authorization", "Bearer tok-123\r\nX-Injected: 1"),
        ("Authorization", "Bearer tok-123\nmore"),
        ("Authorization", "Bearer tok-123\0"),
        ("X-Bad\r\nName", "Bearer tok-123"),
    ],
)
def test_header_with_control_characters_is_refused_without_its_value(
    logger: Any, log_sink: Any, name: str, value: str
) -> None:
    with http_server() as srv:
        srv.route("/f", Reply(200, b"x"))
        res = Resource(source=srv.url + "/f", http_headers=(HTTPHeader(name, value),))
        with pytest.raises(FetchError) as err:
            within(5, lambda: fetcher(logger).fetch(res))
        assert srv.requests == []  # refused before sending anything
    message = str(err.value)
    assert type(err.value) is FetchError
    assert "tok-123" not in message
    assert "tok-123" not in log_sink.text
    assert "header" in message
    assert "\r" not in message
    assert "\n" not in message
    assert "\0" not in message


def test_utf8_header_values_go_out_as_utf8(logger: Any) -> None:
    with http_server() as srv:
        srv.route("/f", Reply(200, b"x"))
        res = Resource(source=srv.url + "/f", http_headers=(HTTPHeader("X-Name", "Zoë ✓"),))
        assert fetcher(logger).fetch(res) == b"x"
        sent = srv.requests[0].headers["X-Name"]
    assert sent.encode("latin-1").decode("utf-8") == "Zoë ✓"


# ----------------------------------------------------------------------------- endless bodies


def test_endless_body_into_memory_stops_at_the_config_limit(logger: Any) -> None:
    with (
        scripted_server({"/cfg": endless_body}) as srv,
        pytest.raises(TooLarge, match=limits.CONFIG_SIZE_VAR) as err,
    ):
        within(30, lambda: fetcher(logger).fetch(Resource(source=srv.url + "/cfg")))
    assert "64 MiB" in str(err.value)


def test_endless_body_after_the_deadline_is_not_drained(logger: Any) -> None:
    def slow_endless(conn: socket.socket, n: int) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
        while True:
            conn.sendall(b"\0" * 1024)
            time.sleep(0.01)

    with scripted_server({"/f": slow_endless}) as srv:
        start = time.monotonic()
        with pytest.raises(TimedOut):
            within(10, lambda: fetcher(logger, total=1.0).fetch(Resource(source=srv.url + "/f")))
    assert time.monotonic() - start < 3


def test_endless_body_to_a_file_stops_and_leaves_nothing(logger: Any, small_limits: None) -> None:
    with scripted_server({"/f": endless_body}) as srv:
        out = io.BytesIO(b"")
        with pytest.raises(TooLarge, match=limits.FILE_SIZE_VAR):
            within(30, lambda: fetcher(logger).fetch_to(Resource(source=srv.url + "/f"), out))
    assert out.getvalue() == b""  # nothing partial survives
    assert srv.hits["/f"] == 1  # a limit is not retried


def test_declared_length_over_the_limit_fails_before_reading(
    logger: Any, small_limits: None
) -> None:
    with http_server() as srv:
        srv.route("/f", Reply(200, b"y" * (2 * MiB)))
        with pytest.raises(TooLarge, match="1 MiB"):
            fetcher(logger).fetch(Resource(source=srv.url + "/f"))
        assert srv.hits("/f") == 1


def test_limits_are_raised_by_their_environment_variable(
    logger: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = b"z" * (3 * MiB)
    with http_server() as srv:
        srv.route("/f", Reply(200, body))
        monkeypatch.setenv(limits.CONFIG_SIZE_VAR, "2MiB")
        with pytest.raises(TooLarge):
            fetcher(logger).fetch(Resource(source=srv.url + "/f"))
        monkeypatch.setenv(limits.CONFIG_SIZE_VAR, "4M")
        assert fetcher(logger).fetch(Resource(source=srv.url + "/f")) == body
        monkeypatch.setenv(limits.CONFIG_SIZE_VAR, "lots\x1b[2J")
        with pytest.raises(FetchError, match=limits.CONFIG_SIZE_VAR) as err:
            fetcher(logger).fetch(Resource(source=srv.url + "/f"))
    assert "\x1b" not in str(err.value)


# ----------------------------------------------------------------------------- gzip bombs


def test_gzip_bomb_to_a_file_stops_at_the_ratio_and_leaves_nothing(logger: Any) -> None:
    with http_server() as srv:
        srv.route("/bomb.gz", Reply(200, bomb(1024)))  # 1 MiB that would be 1 GiB
        out = io.BytesIO()
        res = Resource(source=srv.url + "/bomb.gz", compression="gzip")
        start = time.monotonic()
        with pytest.raises(TooLarge, match=limits.GZIP_RATIO_VAR):
            within(30, lambda: fetcher(logger).fetch_to(res, out))
        assert srv.hits("/bomb.gz") == 1
    assert time.monotonic() - start < 10
    assert out.getvalue() == b""


def test_gzip_bomb_in_a_data_url_stops_in_memory(logger: Any) -> None:
    src = "data:;base64," + base64.b64encode(bomb(256)).decode()
    with pytest.raises(TooLarge, match=limits.GZIP_RATIO_VAR):
        fetcher(logger).fetch(Resource(source=src, compression="gzip"))


def test_gzip_output_is_bounded_per_step(logger: Any, small_limits: None) -> None:
    # one member expanding to 64 MiB arrives in one chunk: it must stop at the limit, not
    # be decompressed whole first
    one = gzip.compress(b"\0" * (64 * MiB), 9)
    src = "data:;base64," + base64.b64encode(one).decode()
    with pytest.raises(TooLarge, match="1 MiB"):
        fetcher(logger).fetch(Resource(source=src, compression="gzip"))


def test_a_plain_compressible_file_still_passes(logger: Any) -> None:
    body = b"".join(b"line %d of a log that repeats itself\n" % (i % 50) for i in range(200000))
    with http_server() as srv:
        srv.route("/log.gz", Reply(200, gzip.compress(body)))
        out = io.BytesIO()
        fetcher(logger).fetch_to(Resource(source=srv.url + "/log.gz", compression="gzip"), out)
    assert out.getvalue() == body


# ----------------------------------------------------------------------------- trickling


def test_trickled_headers_are_cut_by_the_total_deadline(logger: Any) -> None:
    script = trickle(b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 1000, 0.1)
    with scripted_server({"/f": script}) as srv:
        start = time.monotonic()
        with pytest.raises(TimedOut):
            within(15, lambda: fetcher(logger, total=2.0).fetch(Resource(source=srv.url + "/f")))
    assert time.monotonic() - start < 3.5


def test_trickled_headers_are_cut_by_the_header_timeout_and_retried(
    logger: Any, log_sink: Any
) -> None:
    good = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"

    def script(conn: socket.socket, n: int) -> None:
        if n > 1:
            conn.sendall(good)
            return
        trickle(b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 1000, 0.1)(conn, n)

    with scripted_server({"/f": script}) as srv:
        start = time.monotonic()
        f = fetcher(logger, total=None, header=1.0)  # httpTotal 0: only the header timeout
        assert within(15, lambda: f.fetch(Resource(source=srv.url + "/f"))) == b"ok"
        assert srv.hits["/f"] == 2
    assert time.monotonic() - start < 4
    assert "GET error" in log_sink.text


def test_trickled_body_is_cut_by_the_total_deadline(logger: Any) -> None:
    script = trickle(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"b" * 1000, 0.05)
    with scripted_server({"/f": script}) as srv:
        start = time.monotonic()
        with pytest.raises(TimedOut):
            within(30, lambda: fetcher(logger, total=2.0).fetch(Resource(source=srv.url + "/f")))
    assert time.monotonic() - start < 4


def test_stalled_body_without_a_deadline_is_cut_and_retried(
    logger: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "IDLE_TIMEOUT", 0.5)
    stalled = threading.Event()

    def script(conn: socket.socket, n: int) -> None:
        if n > 1:
            conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbody")
            return
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbo")
        stalled.wait(30)  # then nothing, connection open

    with scripted_server({"/f": script}) as srv:
        f = fetcher(logger, total=None, header=None)  # httpTotal 0, httpResponseHeaders 0
        try:
            assert within(10, lambda: f.fetch(Resource(source=srv.url + "/f"))) == b"body"
        finally:
            stalled.set()
        assert srv.hits["/f"] == 2


# ----------------------------------------------------------------------------- redirects


@pytest.mark.parametrize(
    "target", ["file:///etc/passwd", "data:,injected", "ftp://x/y", "gopher://x"]
)
def test_redirect_to_another_scheme_ends_the_fetch_at_once(logger: Any, target: str) -> None:
    with http_server() as srv:
        srv.route("/a", Reply(302, headers={"Location": target}))
        start = time.monotonic()
        with pytest.raises(FetchError, match="only http and https redirects") as err:
            within(10, lambda: fetcher(logger, total=None).fetch(Resource(source=srv.url + "/a")))
        assert srv.hits("/a") == 1
    assert type(err.value) is FetchError
    assert time.monotonic() - start < 1


def test_malformed_redirect_ends_the_fetch_at_once(logger: Any) -> None:
    with http_server() as srv:
        srv.route("/a", Reply(302, headers={"Location": "http://127.0.0.1:99999999/x"}))
        with pytest.raises(FetchError, match="invalid redirect location"):
            within(10, lambda: fetcher(logger, total=None).fetch(Resource(source=srv.url + "/a")))
        assert srv.hits("/a") == 1


# ----------------------------------------------------------------------------- local writes


def test_a_file_too_large_for_the_destination_is_not_retried(tmp_path: Path) -> None:
    # EFBIG, as a vfat ESP gives for a file over 4 GiB; here from RLIMIT_FSIZE in a child
    child = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
from ignition.config.model import Resource
from ignition.fetch.fetcher import ResourceFetcher
from ignition.util.log import Logger, StreamSink
f = ResourceFetcher(Logger(StreamSink(sys.stderr)))
f.total_timeout = 20
with open(sys.argv[1], "w+b") as out:
    try:
        f.fetch_to(Resource(source=sys.argv[2]), out)
    except Exception as exc:
        print(type(exc).__name__, exc)
"""
    with http_server() as srv:
        srv.route("/f", Reply(200, b"d" * 200_000))
        start = time.monotonic()
        argv = [sys.executable, "-c", child, str(tmp_path / "out"), srv.url + "/f"]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        took = time.monotonic() - start
        hits = srv.hits("/f")
    assert p.stdout.strip() == "WriteFailed cannot write the body: File too large", p.stderr
    assert hits == 1
    assert took < 5
    assert (tmp_path / "out").stat().st_size == 0


# ----------------------------------------------------------------------------- other schemes


def test_tftp_body_is_bounded(logger: Any, small_limits: None) -> None:
    srv = TFTPServer({"big": b"t" * (2 * MiB)})
    try:
        with pytest.raises(TooLarge, match=limits.CONFIG_SIZE_VAR):
            within(
                30,
                lambda: fetcher(logger).fetch(Resource(source=f"tftp://127.0.0.1:{srv.port}/big")),
            )
    finally:
        srv.stop()


def test_gs_body_is_bounded(logger: Any, small_limits: None) -> None:
    with scripted_server({"/storage/v1/b/bucket/o/obj": endless_body}) as srv:
        f = fetcher(logger)
        f.cloud.gcs_endpoint = srv.url
        with pytest.raises(TooLarge):
            within(30, lambda: f.fetch(Resource(source="gs://bucket/obj")))


def test_data_url_body_is_bounded(logger: Any, small_limits: None) -> None:
    src = "data:;base64," + base64.b64encode(b"d" * (2 * MiB)).decode()
    with pytest.raises(TooLarge):
        fetcher(logger).fetch(Resource(source=src))


def test_tftp_server_that_only_repeats_itself_is_given_up_on(
    logger: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ignition.fetch import tftp

    monkeypatch.setattr(tftp, "STALL", 1.0)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    done = threading.Event()

    def serve() -> None:  # answers every request with the same stale block, forever
        _, client = sock.recvfrom(2048)
        while not done.is_set():
            sock.sendto(b"\x00\x03\x00\x07" + b"s" * 512, client)
            time.sleep(0.05)

    threading.Thread(target=serve, daemon=True).start()
    src = f"tftp://127.0.0.1:{sock.getsockname()[1]}/f"
    try:
        with pytest.raises(FetchError, match="tftp: server stopped sending"):
            within(10, lambda: fetcher(logger, total=None).fetch(Resource(source=src)))
    finally:
        done.set()
        time.sleep(0.1)
        sock.close()


def test_a_failure_in_a_batch_stops_the_bodies_still_arriving(logger: Any) -> None:
    from ignition.fetch import parallel
    from ignition.util.errors import NotFound

    def slow_endless(conn: socket.socket, n: int) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
        while True:
            conn.sendall(b"\0" * 4096)
            time.sleep(0.005)

    with scripted_server({"/endless": slow_endless}) as srv:
        f = fetcher(logger, total=None)
        out = io.BytesIO()

        def failing() -> None:
            time.sleep(0.3)  # the other body is well under way
            f.fetch(Resource(source=srv.url + "/missing"))

        jobs = [lambda: f.fetch_to(Resource(source=srv.url + "/endless"), out), failing]
        with pytest.raises(NotFound):
            within(10, lambda: parallel.run_all(f, jobs))
    assert out.getvalue() == b""


# ----------------------------------------------------------------------------- S3


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Point boto3's S3 endpoint at a local server (anonymous requests)."""
    pytest.importorskip("boto3")
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return lambda url: monkeypatch.setenv("AWS_ENDPOINT_URL_S3", url)


@pytest.mark.parametrize("path", ["/ign", "/ign/config.ign"])
def test_s3_trickled_headers_are_cut_by_the_total_deadline(
    logger: Any, s3_endpoint: Callable[[str], None], path: str
) -> None:
    """botocore bounds each read only: headers arriving a byte at a time kept the bucket's
    region lookup (HEAD /ign) or the GET waiting far past httpTotal, attempt after attempt."""
    slow = trickle(b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 1000, 0.1)

    def region(conn: socket.socket, n: int) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nx-amz-bucket-region: us-east-1\r\nContent-Length: 0\r\n\r\n"
        )

    scripts = {"/ign": slow} if path == "/ign" else {"/ign": region, path: slow}
    with scripted_server(scripts) as srv:
        s3_endpoint(srv.url)
        start = time.monotonic()
        with pytest.raises(TimedOut):
            within(
                30, lambda: fetcher(logger, total=2.0).fetch(Resource(source="s3://ign/config.ign"))
            )
    assert time.monotonic() - start < 4


def test_s3_trickled_headers_are_cut_by_the_header_timeout(
    logger: Any, s3_endpoint: Callable[[str], None]
) -> None:
    slow = trickle(b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 1000, 0.1)
    with scripted_server({"/ign": slow}) as srv:
        s3_endpoint(srv.url)
        start = time.monotonic()
        f = fetcher(logger, total=None, header=1.0)  # httpTotal 0: only the header timeout
        with pytest.raises(FetchError, match="S3 request failed"):
            within(30, lambda: f.fetch(Resource(source="s3://ign/config.ign")))
    assert srv.hits["/ign"] >= 3  # botocore's attempts, each cut after a second
    assert time.monotonic() - start < 15
