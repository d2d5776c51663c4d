"""Hostile bodies and servers against whole stage processes: every case ends in bounded time
with one clear error, no traceback, no secret printed, and nothing left in the root."""

from __future__ import annotations

import base64
import gzip
import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.harness import Machine, Run, new_machine
from tests.integration.providers.harness import Machine as ProviderMachine
from tests.servers import Reply, endless_body, http_server, scripted_server, trickle

MiB = 1024 * 1024
TOKEN = "tok-0123456789"


@pytest.fixture
def m(tmp_path: Path) -> Machine:
    return new_machine(tmp_path)


def bomb(mib: int) -> bytes:
    """gzip that expands to ``mib`` MiB of zeros."""
    return gzip.compress(b"\0" * MiB, 9) * mib


def files_config(*files: dict[str, Any], http_total: int | None = None) -> dict[str, Any]:
    ign: dict[str, Any] = {"version": "3.4.0"}
    if http_total is not None:
        ign["timeouts"] = {"httpTotal": http_total}
    return {"ignition": ign, "storage": {"files": list(files)}}


def failed_cleanly(run: Run, *expected: str) -> None:
    assert run.code == 1, run.text
    assert "Traceback" not in run.text, run.text
    for text in expected:
        assert text in run.text, run.text


def files_stage(m: Machine) -> Run:
    fetch = m.stage("fetch")
    assert fetch.code == 0, fetch.text
    return m.stage("files")


# ----------------------------------------------------------------------------- headers


def test_header_with_crlf_fails_cleanly_without_printing_it(m: Machine) -> None:
    with http_server() as srv:
        srv.route("/f", Reply(200, b"x"))
        header = {"name": "Authorization", "value": f"Bearer {TOKEN}\r\nX-Evil: 1"}
        config = files_config(
            {"path": "/etc/x", "contents": {"source": srv.url + "/f", "httpHeaders": [header]}}
        )
        m.write_config(config)
        fetch = m.stage("fetch")  # validation refuses it first, at its line and column
        failed_cleanly(fetch, "$.storage.files.0.contents.httpHeaders.0.value, line 1 col")
        # a cache holding it anyway: the fetcher itself refuses to send it
        header["value"] = "PLACEHOLDER"
        m.write_config(config)
        assert m.stage("fetch").code == 0
        m.cache.write_text(
            m.cache.read_text().replace("PLACEHOLDER", f"Bearer {TOKEN}\\r\\nX-Evil: 1")
        )
        run = m.stage("files")
    failed_cleanly(run, "Authorization")
    for text in (fetch.text, run.text):
        assert TOKEN not in text
    assert list(m.root.iterdir()) == []


# ----------------------------------------------------------------------------- bodies


def test_endless_file_body_ends_in_a_clear_error_and_leaves_nothing(m: Machine) -> None:
    with scripted_server({"/f": endless_body}) as srv:
        m.write_config(files_config({"path": "/var/big", "contents": {"source": srv.url + "/f"}}))
        start = time.monotonic()
        run = m.stage("fetch")
        assert run.code == 0, run.text
        run = m.stage("files", env={"PYIGNITION_MAX_FILE_SIZE": "16M"})
    failed_cleanly(run, "body is larger than 16 MiB", "PYIGNITION_MAX_FILE_SIZE")
    assert time.monotonic() - start < 60
    assert list(m.root.iterdir()) == []  # no staging directory, no partial file


def test_endless_body_with_a_deadline_ends_at_the_deadline(m: Machine) -> None:
    def slow_endless(conn: socket.socket, n: int) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
        while True:
            conn.sendall(b"\0" * 4096)
            time.sleep(0.01)

    with scripted_server({"/f": slow_endless}) as srv:
        src = srv.url + "/f"
        m.write_config(files_config({"path": "/var/f", "contents": {"source": src}}, http_total=2))
        start = time.monotonic()
        run = files_stage(m)
    failed_cleanly(run, "unable to fetch resource in time")
    assert time.monotonic() - start < 30
    assert list(m.root.iterdir()) == []


def test_gzip_bomb_file_ends_in_a_clear_error_and_leaves_nothing(m: Machine) -> None:
    with http_server() as srv:
        srv.route("/bomb.gz", Reply(200, bomb(1024)))  # 1 MiB on the wire, 1 GiB unpacked
        m.write_config(
            files_config(
                {
                    "path": "/var/x",
                    "contents": {"source": srv.url + "/bomb.gz", "compression": "gzip"},
                }
            )
        )
        start = time.monotonic()
        run = files_stage(m)
        assert srv.hits("/bomb.gz") == 1
    failed_cleanly(run, "gzip data expands more than 200 times", "PYIGNITION_MAX_GZIP_RATIO")
    assert time.monotonic() - start < 30
    assert list(m.root.iterdir()) == []


def test_gzip_bomb_in_a_data_url_ends_in_a_clear_error(m: Machine) -> None:
    src = "data:;base64," + base64.b64encode(bomb(256)).decode()
    m.write_config(
        files_config({"path": "/var/x", "contents": {"source": src, "compression": "gzip"}})
    )
    run = files_stage(m)
    failed_cleanly(run, "gzip data expands more than 200 times")
    assert list(m.root.iterdir()) == []


@pytest.mark.parametrize("kind", ["merge", "replace"])
def test_gzip_bombed_referenced_config_ends_in_a_clear_error(m: Machine, kind: str) -> None:
    with http_server() as srv:
        srv.route("/c.gz", Reply(200, bomb(1024)))
        ref = {"source": srv.url + "/c.gz", "compression": "gzip"}
        config = {"merge": [ref]} if kind == "merge" else {"replace": ref}
        m.write_config({"ignition": {"version": "3.4.0", "config": config}})
        start = time.monotonic()
        run = m.stage("fetch")
    failed_cleanly(run, "gzip data expands more than 200 times")
    assert time.monotonic() - start < 30
    assert not m.cache.exists()


def test_referenced_config_over_the_size_limit_ends_in_a_clear_error(m: Machine) -> None:
    with scripted_server({"/c": endless_body}) as srv:
        m.write_config(
            {"ignition": {"version": "3.4.0", "config": {"merge": [{"source": srv.url + "/c"}]}}}
        )
        run = m.stage("fetch")
    failed_cleanly(run, "body is larger than 64 MiB", "PYIGNITION_MAX_CONFIG_SIZE")


# ----------------------------------------------------------------------------- trickling


def test_trickled_headers_and_body_are_cut_at_http_total(m: Machine) -> None:
    heads = trickle(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10000, 0.1)
    body = trickle(b"HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n" + b"b" * 10000, 0.05)
    with scripted_server({"/heads": heads, "/body": body}) as srv:
        for path in ("/heads", "/body"):
            src = srv.url + path
            m.write_config(files_config({"path": "/f", "contents": {"source": src}}, http_total=3))
            start = time.monotonic()
            run = files_stage(m)
            failed_cleanly(run, "unable to fetch resource in time")
            assert time.monotonic() - start < 20, path
    assert list(m.root.iterdir()) == []


# ----------------------------------------------------------------------------- redirects


@pytest.mark.parametrize("target", ["file:///etc/shadow", "data:,owned"])
def test_redirect_to_a_local_scheme_ends_the_fetch_at_once(m: Machine, target: str) -> None:
    with http_server() as srv:
        srv.route("/r", Reply(302, headers={"Location": target}))
        src = srv.url.replace("://", "://user:pw-secret@") + "/r?token=q-secret"
        m.write_config(files_config({"path": "/f", "contents": {"source": src}}))
        start = time.monotonic()
        run = files_stage(m)  # httpTotal 0: the reference would retry forever
        assert srv.hits("/r") == 1
    failed_cleanly(run, "only http and https redirects are followed")
    assert "pw-secret" not in run.text
    assert "q-secret" not in run.text
    assert time.monotonic() - start < 20
    assert list(m.root.iterdir()) == []


# ----------------------------------------------------------------------------- local writes


@pytest.fixture
def small_root(m: Machine) -> Iterator[Machine]:
    """The root on a 1 MiB tmpfs (needs root to mount)."""
    if os.geteuid() != 0:
        pytest.skip("needs root (mount -t tmpfs)")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(m.root)], check=True)
    try:
        yield m
    finally:
        subprocess.run(["umount", str(m.root)], check=False)


@pytest.mark.root
def test_disk_full_fails_at_once_and_is_not_retried(small_root: Machine) -> None:
    m = small_root
    with http_server() as srv:
        srv.route("/f", Reply(200, b"d" * (4 * MiB)))
        m.write_config(files_config({"path": "/f", "contents": {"source": srv.url + "/f"}}))
        start = time.monotonic()
        run = files_stage(m)  # httpTotal 0: a retried write error would never end
        assert srv.hits("/f") == 1
    failed_cleanly(run, "No space left on device")
    assert time.monotonic() - start < 20
    assert list(m.root.iterdir()) == []


# ----------------------------------------------------------------------------- providers


def test_endless_metadata_answer_ends_in_a_clear_error(tmp_path: Path) -> None:
    machine = ProviderMachine(tmp_path)
    with scripted_server({"/metadata/v1/user-data": endless_body}) as srv:
        res = machine.run("digitalocean", origin=srv.url)
    assert res.code == 1, res.out
    assert "Traceback" not in res.out
    assert "PYIGNITION_MAX_CONFIG_SIZE" in res.out
    assert res.cache is None


def test_gzip_bombed_user_data_ends_in_a_clear_error(tmp_path: Path) -> None:
    machine = ProviderMachine(tmp_path)
    token = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\ntok"
    data = base64.b64encode(bomb(1024))
    answer = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(data)

    scripts = {
        "/v1/token": lambda conn, n: conn.sendall(token),
        "/v1/user-data": lambda conn, n: conn.sendall(answer + data),
    }
    with scripted_server(scripts) as srv:
        res = machine.run("akamai", origin=srv.url)
    assert res.code == 1, res.out
    assert "Traceback" not in res.out
    assert "gzip data expands beyond 64 MiB" in res.out
    assert json.dumps(res.cache) == "null"


def test_endless_config_over_vsock_ends_in_a_clear_error(tmp_path: Path) -> None:
    machine = ProviderMachine(tmp_path)
    with scripted_server({"/": endless_body}) as srv:
        res = machine.run("applehv", origin=srv.url)
    assert res.code == 1, res.out
    assert "Traceback" not in res.out
    assert "larger than 64 MiB (raise the limit with PYIGNITION_MAX_CONFIG_SIZE)" in res.out
