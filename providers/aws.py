"""``aws`` (EC2): IMDSv2 token, then ``GET /2019-10-01/user-data`` (docs/providers.md).

- Token: ``PUT /latest/api/token`` with ``X-aws-ec2-metadata-token-ttl-seconds: 21600``, then
  every request carries ``X-aws-ec2-metadata-token``. A 404 on the token means IMDSv1 only
  (logged, plain GETs); any other token error is fatal, as in the reference.
- The hop-limit trap: with ``HttpPutResponseHopLimit`` 1 and one hop too many (a container),
  the PUT's answer is dropped and the request hangs. The reference would wait forever; we wait
  for the *network* as long as ``-fetch-timeout`` (TCP connect, issue coreos/ignition#1158 is
  why the reference waits at all), then give the token request ``TOKEN_WAIT`` seconds and fall
  back to IMDSv1 with a warning that names the hop limit (docs/deviations.md P2).
- Init (every stage): the token, then the region for S3 (15 s, default ``us-east-1``), and S3
  may use the instance role.
- User data 404 is "no config".
- Metadata for cloud-config (coreos-cloudinit's EC2 datasource, same paths): ``hostname``
  (first word, first label), ``local-ipv4``, ``public-ipv4`` and the ``public-keys``.
"""

from __future__ import annotations

import os

from ignition.fetch import NeedsNetwork, TimedOut
from ignition.util.errors import FetchError, NotFound
from providers import _imds, _instance
from providers.base import InstanceMetadata, Provider, ProviderContext, ProviderError

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar

BASE = "http://169.254.169.254"
TOKEN_URL = f"{BASE}/latest/api/token"
USER_DATA_URL = f"{BASE}/2019-10-01/user-data"
REGION_URL = f"{BASE}/latest/meta-data/placement/region"
META = f"{BASE}/2009-04-04/meta-data"  # coreos-cloudinit's API version
TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aws-ec2-metadata-token"
TOKEN_TTL = "21600"
TOKEN_WAIT = 10.0  # the reference's response-header timeout: a slower IMDS is a dropped answer
REGION_WAIT = 15.0
DEFAULT_REGION = "us-east-1"
HOP_LIMIT_HINT = (
    "the IMDSv2 token request was not answered in time; this is what happens when the "
    "instance's HttpPutResponseHopLimit is too low for this network path (containers need 2)"
)


class AwsProvider(Provider):
    name: ClassVar[str] = "aws"

    def __init__(self) -> None:
        self._resolved = False
        self._token: str | None = None
        self._token_timed_out = False

    def token(self, ctx: ProviderContext) -> str | None:
        """The IMDSv2 token, or None for IMDSv1 (asked once per process)."""
        if self._resolved:
            return self._token
        _imds.wait_for_service(ctx, TOKEN_URL, limit=ctx.fetch_timeout)
        try:
            raw = _imds.fetch(
                ctx,
                TOKEN_URL,
                method="PUT",
                headers={TTL_HEADER: TOKEN_TTL},
                total_timeout=TOKEN_WAIT,
                header_timeout=TOKEN_WAIT,
            )
            self._token = raw.decode("ascii", "replace").strip() or None
        except NotFound:
            ctx.log.info("IMDSv2 service is unavailable; falling back to IMDSv1")
        except TimedOut:
            ctx.log.warning(f"{HOP_LIMIT_HINT}: falling back to IMDSv1")
            self._token_timed_out = True
        except NeedsNetwork:
            raise
        except FetchError as exc:
            raise ProviderError(f"failed to fetch IMDSv2 session token: {exc}") from None
        self._resolved = True
        return self._token

    def _headers(self, ctx: ProviderContext) -> dict[str, str]:
        tok = self.token(ctx)
        return {TOKEN_HEADER: tok} if tok else {}

    def init(self, ctx: ProviderContext) -> None:
        headers = self._headers(ctx)
        region = DEFAULT_REGION
        try:
            answer = _imds.fetch(ctx, REGION_URL, headers=headers, total_timeout=REGION_WAIT)
            region = answer.decode("ascii", "replace").strip() or DEFAULT_REGION
        except NeedsNetwork:
            raise
        except FetchError as exc:
            ctx.log.warning(f"couldn't determine the EC2 region ({exc}): assuming {region}")
        ctx.fetcher.cloud.instance_role = True
        ctx.fetcher.cloud.region_hint = region
        origin = _imds.origin()
        if origin is not None:  # the SDK's instance-role lookup must use the stand-in too
            os.environ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = origin

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        headers = self._headers(ctx)
        try:
            data = _imds.fetch(ctx, USER_DATA_URL, headers=headers)
        except NotFound:
            ctx.log.info("the instance has no user data (404): no config")
            return None
        except FetchError as exc:
            if self._token_timed_out and not isinstance(exc, NeedsNetwork | TimedOut):
                raise ProviderError(
                    f"fetching user data over IMDSv1: {exc}; {HOP_LIMIT_HINT}"
                ) from None
            raise
        return data or None

    def metadata(self, ctx: ProviderContext) -> InstanceMetadata:
        headers = self._headers(ctx)

        def get(name: str) -> str:
            return _instance.optional(ctx, f"{META}/{name}", headers)

        keys = []
        for line in get("public-keys").splitlines():  # "0=my-key" lines
            index, eq, _ = line.partition("=")
            if not eq or not index.strip().isdigit():
                raise ProviderError("the metadata's public-keys list is malformed")
            keys.append(get(f"public-keys/{index.strip()}/openssh-key"))
        words = get("hostname").split()
        return InstanceMetadata(
            hostname=words[0].split(".")[0] if words else "",
            private_ipv4=_instance.address(ctx, get("local-ipv4"), "local-ipv4", 4),
            public_ipv4=_instance.address(ctx, get("public-ipv4"), "public-ipv4", 4),
            ssh_public_keys=_instance.keys(keys),
        )
