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
from dataclasses import dataclass
from typing import Any

from ignition.errors import FetchError, NotFound
from ignition.fetch import TimedOut
from ignition.fetch.limits import IDLE_TIMEOUT
from ignition.fetch.stream import Sink

CONNECT_TIMEOUT = 30.0

PARTITION_REGIONS = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}
CHUNK = 256 * 1024


@dataclass(frozen=True, slots=True)
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
) -> None:
    """``deadline`` (``httpTotal``) bounds each read and cuts the body when it passes."""
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

    def client(region: str, anonymous: bool) -> Any:
        left = _left(deadline)
        cfg = BotoConfig(
            signature_version=UNSIGNED if anonymous else None,
            retries={"max_attempts": 5, "mode": "standard"},
            connect_timeout=min(CONNECT_TIMEOUT, left),
            read_timeout=min(IDLE_TIMEOUT, left),
        )
        return session.client("s3", region_name=region, config=cfg)

    def get(anonymous: bool) -> None:
        region = hint if obj.fixed_region else _bucket_region(client(hint, anonymous), obj, hint)
        s3 = client(region, anonymous)
        kwargs: dict[str, Any] = {"Bucket": obj.bucket, "Key": obj.key}
        if obj.version_id:
            kwargs["VersionId"] = obj.version_id
        resp = s3.get_object(**kwargs)
        sink.reset()
        _stream(resp["Body"], sink, deadline)

    try:
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
