"""TFTP, S3 (moto's server), gs:// and concurrent fetching, all on 127.0.0.1."""

from __future__ import annotations

import hashlib
import io
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ignition.config.model import Resource, Verification
from ignition.fetch import TooLarge, parallel
from ignition.fetch.fetcher import ResourceFetcher
from ignition.util.errors import FetchError, NotFound
from tests.servers import Reply, TFTPServer, http_server

BIG = bytes(range(256)) * 40  # 10 KiB: several TFTP blocks


def make(logger: Any) -> ResourceFetcher:
    f = ResourceFetcher(logger)
    f.total_timeout = 20.0
    return f


@pytest.fixture
def tftp() -> Iterator[TFTPServer]:
    srv = TFTPServer({"contents": BIG, "small": b"tiny"})
    yield srv
    srv.stop()


def test_tftp_multi_block(logger: Any, tftp: TFTPServer) -> None:
    data = make(logger).fetch(Resource(source=f"tftp://127.0.0.1:{tftp.port}/contents"))
    assert data == BIG
    assert tftp.requests == ["contents"]


def test_tftp_lost_packet_is_retransmitted(logger: Any) -> None:
    srv = TFTPServer({"f": BIG}, drop_first=True)
    try:
        assert make(logger).fetch(Resource(source=f"tftp://127.0.0.1:{srv.port}/f")) == BIG
    finally:
        srv.stop()


def test_tftp_not_found(logger: Any, tftp: TFTPServer) -> None:
    with pytest.raises(NotFound):
        make(logger).fetch(Resource(source=f"tftp://127.0.0.1:{tftp.port}/nothing"))


def test_tftp_hash_checked(logger: Any, tftp: TFTPServer) -> None:
    bad = Verification("sha512-" + "0" * 128)
    with pytest.raises(FetchError, match="hash verification failed"):
        make(logger).fetch(Resource(source=f"tftp://127.0.0.1:{tftp.port}/small", verification=bad))


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://{host}:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    import boto3

    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket="ign")
    client.put_object(Bucket="ign", Key="dir/config.ign", Body=b'{"ignition":{}}')
    yield client
    server.stop()


def test_s3_object(logger: Any, s3: Any) -> None:
    assert make(logger).fetch(Resource(source="s3://ign/dir/config.ign")) == b'{"ignition":{}}'


def test_s3_arn(logger: Any, s3: Any) -> None:
    data = make(logger).fetch(Resource(source="arn:aws:s3:::ign/dir/config.ign"))
    assert data == b'{"ignition":{}}'


def test_s3_version_id(logger: Any, s3: Any) -> None:
    s3.put_bucket_versioning(Bucket="ign", VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket="ign", Key="v", Body=b"one")["VersionId"]
    s3.put_object(Bucket="ign", Key="v", Body=b"two")
    f = make(logger)
    assert f.fetch(Resource(source=f"s3://ign/v?versionId={v1}")) == b"one"
    assert f.fetch(Resource(source="s3://ign/v")) == b"two"


def test_s3_missing_key_and_compression(logger: Any, s3: Any) -> None:
    with pytest.raises(NotFound):
        make(logger).fetch(Resource(source="s3://ign/nope"))
    with pytest.raises(FetchError, match="compression is not supported"):
        make(logger).fetch(Resource(source="s3://ign/dir/config.ign", compression="gzip"))


def test_s3_body_is_bounded(logger: Any, s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    s3.put_object(Bucket="ign", Key="big", Body=b"s" * (2 * 1024 * 1024))
    monkeypatch.setenv("PYIGNITION_MAX_CONFIG_SIZE", "1M")
    with pytest.raises(TooLarge, match="PYIGNITION_MAX_CONFIG_SIZE"):
        make(logger).fetch(Resource(source="s3://ign/big"))


def test_gs_through_the_json_api(logger: Any) -> None:
    with http_server() as srv:
        srv.route("/storage/v1/b/bucket/o/a%2Fb.ign", Reply(200, b"gcs"))
        f = make(logger)
        f.cloud.gcs_endpoint = srv.url
        f.cloud.gcs_token = lambda: "tok"
        assert f.fetch(Resource(source="gs://bucket/a/b.ign")) == b"gcs"
        req = srv.requests[0]
        assert req.path == "/storage/v1/b/bucket/o/a%2Fb.ign?alt=media"
        assert req.headers["Authorization"] == "Bearer tok"


def test_concurrent_fetches_overlap(logger: Any) -> None:
    with http_server() as srv:
        srv.route("*", Reply(200, b"x", behaviour="slow:0.3"))
        f = make(logger)
        outs = [io.BytesIO() for _ in range(16)]
        digest = hashlib.sha512(b"x").hexdigest()
        res = [
            Resource(source=f"{srv.url}/{i}", verification=Verification(hash=f"sha512-{digest}"))
            for i in range(16)
        ]
        jobs = [(lambda i=i: f.fetch_to(res[i], outs[i])) for i in range(16)]
        start = time.monotonic()
        digests = parallel.run_all(f, jobs)
        took = time.monotonic() - start
    assert all(o.getvalue() == b"x" for o in outs)
    assert digests == [digest] * 16
    assert took < 2.0  # one by one would take 4.8 s


def test_concurrent_failure_is_the_first_in_job_order(logger: Any) -> None:
    with http_server() as srv:
        srv.route("/slowfail", Reply(403, behaviour="slow:0.5"))
        srv.route("/fastfail", Reply(404))
        srv.route("/retry", Reply(500))
        f = make(logger)
        jobs = [
            lambda: f.fetch(Resource(source=srv.url + "/slowfail")),
            lambda: f.fetch(Resource(source=srv.url + "/fastfail")),
            lambda: f.fetch(Resource(source=srv.url + "/retry")),
        ]
        start = time.monotonic()
        with pytest.raises(FetchError, match="403"):
            parallel.run_all(f, jobs)
        assert time.monotonic() - start < 5  # the retrying job was cancelled
    assert f.cancel is None  # the batch's, gone with it


@pytest.mark.parametrize("url", ["s3://ign/dir/config.ign", "arn:aws:s3:::ign/dir/config.ign"])
def test_s3_without_the_extra_names_it(
    logger: Any, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # as in an install without [s3]
    with pytest.raises(FetchError) as exc:
        make(logger).fetch(Resource(source=url))
    assert "optional dependency" in str(exc.value)
    assert "pip install 'pyignition[s3]'" in str(exc.value)
