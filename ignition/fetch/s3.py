"""``s3://bucket/key[?versionId=v]`` and S3 ``arn:`` URLs through boto3.

Credentials: the usual environment/shared-file chain; the EC2 instance role only when the
platform allows it (the reference uses the role on the ``aws`` platform only, and contacting
the metadata service elsewhere would stall the boot). No credentials → anonymous request. A
credentialed request refused for lack of permission is retried anonymously, as the reference
does when the role lookup fails. Region: the hint (``AWS_REGION``, the platform's region, or
the ARN partition's default) is used to ask S3 for the bucket's region (HeadBucket's
``x-amz-bucket-region``), as ``GetBucketRegion`` does. boto3 is imported here only.
Endpoints follow boto3's own ``AWS_ENDPOINT_URL_S3`` setting (tests use moto's server).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from typing import Any

from ignition.fetch import TimedOut
from ignition.fetch.limits import IDLE_TIMEOUT
from ignition.fetch.stream import Sink
from ignition.util.errors import FetchError, NotFound
from ignition.util.record import record

CONNECT_TIMEOUT = 30.0

PARTITION_REGIONS = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}
CHUNK = 256 * 1024


@record
class S3Object:
    bucket: str  # bucket name or access-point ARN
    key: str
    version_id: str | None
    region_hint: str | None  # from an ARN
    fixed_region: bool = False  # access points name their region; no lookup


def parse_s3(host: str, path: str, version_id: str | None) -> S3Object:
    if not host:
        raise FetchError("invalid S3 URL: no bucket")
    return S3Object(host, path.lstrip("/"), version_id, None)


def parse_arn(opaque: str, version_id: str | None) -> S3Object:
    """``arn:<partition>:s3:::<bucket>/<key>`` or
    ``arn:<partition>:s3:<region>:<account>:accesspoint/<name>/object/<key>``."""
    fields = opaque.split(":", 4)  # the URL's opaque part: "arn:" is the scheme
    if len(fields) != 5 or fields[1] != "s3":
        raise FetchError("invalid S3 ARN format")
    partition, _, region, account, rest = fields
    if rest.startswith("accesspoint/"):
        ap, sep, key = rest[len("accesspoint/") :].partition("/object/")
        if not sep or not key or not region:
            raise FetchError("invalid S3 access point ARN format")
        arn = f"arn:{partition}:s3:{region}:{account}:accesspoint/{ap}"
        return S3Object(arn, key, version_id, region, fixed_region=True)
    bucket, sep, key = rest.partition("/")
    if not sep or not bucket or not key:
        raise FetchError("invalid S3 ARN format")
    return S3Object(bucket, key, version_id, PARTITION_REGIONS.get(partition, "us-east-1"))


def fetch(
    obj: S3Object,
    sink: Sink,
    *,
    instance_role: bool,
    region_hint: str | None,
    deadline: float | None = None,
    header_timeout: float | None = None,
) -> None:
    """``deadline`` (``httpTotal``) bounds the whole fetch: each attempt's wait for response
    headers (also cut by ``header_timeout``, ``httpResponseHeaders``), each read, and the
    body, which is cut when it passes."""
    try:
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config as BotoConfig
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError as exc:  # the s3 extra is optional: say how to get it
        why = f"no module {exc.name}" if isinstance(exc, ModuleNotFoundError) else str(exc)
        raise FetchError(
            f"s3:// and arn: URLs need boto3, an optional dependency ({why}): "
            "pip install 'pyignition[s3]' (for the initramfs: leave boto3 and botocore "
            "out of the dracut setting pyignition_exclude)"
        ) from None

    session = boto3.session.Session()
    if not instance_role:
        resolver = session._session.get_component("credential_provider")
        for name in ("iam-role", "container-role"):
            with contextlib.suppress(Exception):
                resolver.remove(name)
    try:
        creds = session.get_credentials()
    except BotoCoreError:
        creds = None
    hint = (
        obj.region_hint
        or region_hint
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or "us-east-1"
    )

    clients: list[Any] = []  # closed at the end: an attempt cut short leaves a connection

    def client(region: str, anonymous: bool) -> Any:
        left = _left(deadline)
        cfg = BotoConfig(
            signature_version=UNSIGNED if anonymous else None,
            retries={"max_attempts": 5, "mode": "standard"},
            connect_timeout=min(CONNECT_TIMEOUT, left),
            read_timeout=min(IDLE_TIMEOUT, left),
        )
        s3 = session.client("s3", region_name=region, config=cfg)
        _guard(s3, deadline, header_timeout)
        clients.append(s3)
        return s3

    def get(anonymous: bool) -> None:
        region = hint if obj.fixed_region else _bucket_region(client(hint, anonymous), obj, hint)
        s3 = client(region, anonymous)
        kwargs: dict[str, Any] = {"Bucket": obj.bucket, "Key": obj.key}
        if obj.version_id:
            kwargs["VersionId"] = obj.version_id
        resp = s3.get_object(**kwargs)
        sink.reset()
        _stream(resp["Body"], sink, deadline)

    from ignition.fetch import guard

    try:
        with guard.header_budget(None):  # set per attempt by _guard; reset afterwards
            try:
                get(anonymous=creds is None)
            except ClientError as exc:
                if creds is None or _code(exc) not in ("AccessDenied", "403", "InvalidAccessKeyId"):
                    raise
                get(anonymous=True)
    except ClientError as exc:
        code = _code(exc)
        if code in ("NoSuchKey", "NoSuchBucket", "404", "NotFound", "NoSuchVersion"):
            raise NotFound(f"resource not found (S3: {code})") from None
        raise FetchError(f"S3 GetObject failed: {code}") from None
    except BotoCoreError as exc:
        if deadline is not None and time.monotonic() >= deadline:
            raise TimedOut("unable to fetch resource in time") from None
        raise FetchError(f"S3 request failed: {type(exc).__name__}") from None
    finally:
        for s3 in clients:
            with contextlib.suppress(Exception):
                s3.close()


def _guard(s3: Any, deadline: float | None, header_timeout: float | None) -> None:
    """botocore's connections run under the fetcher's watches (:mod:`ignition.fetch.guard`):
    a per-read timeout alone restarts with every trickled byte. Before each attempt (botocore
    retries by itself) the wait for its headers gets what is left of the deadline, at most
    ``header_timeout``; an attempt that would start past the deadline ends the fetch."""
    from ignition.fetch import guard

    session = s3._endpoint.http_session
    session._pool_classes_by_scheme = _guarded_pools()
    session._manager.pool_classes_by_scheme = session._pool_classes_by_scheme

    def budget(**_kwargs: Any) -> None:
        left = _left(deadline) if deadline is not None else None
        if header_timeout is not None:
            left = header_timeout if left is None else min(left, header_timeout)
        guard.set_header_budget(left)

    s3.meta.events.register("before-send.s3", budget)


_POOLS: dict[str, Any] = {}


def _guarded_pools() -> dict[str, Any]:
    """botocore's connection and pool classes with the watches mixed in (made once)."""
    if not _POOLS:
        from botocore import awsrequest

        from ignition.fetch.guard import Guarded

        class Released:
            """The watch covers the headers only: the body is cut by :func:`_stream`'s
            timer, and nothing would release the watch's descriptor afterwards."""

            def getresponse(self) -> Any:
                resp = super().getresponse()  # type: ignore[misc]
                self.release_watch()  # type: ignore[attr-defined]
                return resp

        class HTTPConnection(Released, Guarded, awsrequest.AWSHTTPConnection):  # type: ignore[misc]
            pass

        class HTTPSConnection(Released, Guarded, awsrequest.AWSHTTPSConnection):  # type: ignore[misc]
            pass

        class HTTPPool(awsrequest.AWSHTTPConnectionPool):  # type: ignore[misc]
            ConnectionCls = HTTPConnection

        class HTTPSPool(awsrequest.AWSHTTPSConnectionPool):  # type: ignore[misc]
            ConnectionCls = HTTPSConnection

        _POOLS.update(http=HTTPPool, https=HTTPSPool)
    return dict(_POOLS)


def _left(deadline: float | None) -> float:
    if deadline is None:
        return IDLE_TIMEOUT
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimedOut("unable to fetch resource in time")
    return left


def _stream(body: Any, sink: Sink, deadline: float | None) -> None:
    """Copy the object's body; a body still arriving at the deadline is cut (a read timeout
    alone restarts with every byte of a trickle)."""
    raw = getattr(body, "_raw_stream", None)
    cut = getattr(raw, "shutdown", None)
    timer = None
    if deadline is not None and cut is not None:
        timer = threading.Timer(max(deadline - time.monotonic(), 0.0), cut)
        timer.daemon = True
        timer.start()
    try:
        for chunk in body.iter_chunks(CHUNK):
            sink.write(chunk)
            _left(deadline)
    finally:
        if timer is not None:
            timer.cancel()


def _bucket_region(s3: Any, obj: S3Object, hint: str) -> str:
    from botocore.exceptions import ClientError

    try:
        resp = s3.head_bucket(Bucket=obj.bucket)
        headers = resp.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    except ClientError as exc:
        headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    region = headers.get("x-amz-bucket-region")
    return str(region) if region else hint


def _code(exc: Any) -> str:
    return str(exc.response.get("Error", {}).get("Code", "unknown"))
