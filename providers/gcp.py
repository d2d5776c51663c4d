"""``gcp`` (Google Compute Engine): the instance attribute ``user-data``, asked with the
``Metadata-Flavor: Google`` header the server requires; 404 is "no config" (docs/providers.md).
Only that attribute is read, as the reference does (cloud-init also honours
``user-data-encoding``).

``gs://`` resources (docs/providers.md): when the instance's default service account has a
scope that can read Cloud Storage, requests carry ``Authorization: Bearer <token>`` from the
metadata server; otherwise they go anonymously. The token is asked only when a ``gs://`` URL is
actually fetched.

Metadata for cloud-config (coreos-cloudinit's GCE datasource): ``instance/hostname`` and the
first interface's internal and external IPv4 addresses; SSH keys stay with Google's guest
agent, as they did."""

from __future__ import annotations

import json

from ignition.util.errors import FetchError
from providers import _imds, _instance
from providers._simple import UserDataProvider
from providers.base import InstanceMetadata, ProviderContext

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar

ACCOUNT = "http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default"
STORAGE_SCOPES = (
    "https://www.googleapis.com/auth/devstorage.read_only",
    "https://www.googleapis.com/auth/devstorage.read_write",
    "https://www.googleapis.com/auth/devstorage.full_control",
    "https://www.googleapis.com/auth/cloud-platform",
)
TOKEN_WAIT = 15.0
INSTANCE = "http://169.254.169.254/computeMetadata/v1/instance"


class GcpProvider(UserDataProvider):
    name: ClassVar[str] = "gcp"
    url: ClassVar[str] = "http://169.254.169.254/computeMetadata/v1/instance/attributes/user-data"
    headers: ClassVar[dict[str, str]] = {"Metadata-Flavor": "Google"}

    def init(self, ctx: ProviderContext) -> None:
        ctx.fetcher.cloud.gcs_token = lambda: storage_token(ctx)

    def metadata(self, ctx: ProviderContext) -> InstanceMetadata:
        def get(name: str) -> str:
            return _instance.optional(ctx, f"{INSTANCE}/{name}", self.headers)

        nic = "network-interfaces/0"
        return InstanceMetadata(
            hostname=get("hostname"),
            private_ipv4=_instance.address(ctx, get(f"{nic}/ip"), f"{nic}/ip", 4),
            public_ipv4=_instance.address(
                ctx, get(f"{nic}/access-configs/0/external-ip"), "external-ip", 4
            ),
        )


def storage_token(ctx: ProviderContext) -> str | None:
    """The default service account's access token, if it may read Cloud Storage."""
    headers = {"Metadata-Flavor": "Google"}
    try:
        scopes = _imds.fetch(ctx, f"{ACCOUNT}/scopes", headers=headers, total_timeout=TOKEN_WAIT)
        if not set(scopes.decode("utf-8", "replace").split()) & set(STORAGE_SCOPES):
            return None
        raw = _imds.fetch(ctx, f"{ACCOUNT}/token", headers=headers, total_timeout=TOKEN_WAIT)
        token = json.loads(raw).get("access_token")
    except (FetchError, ValueError, AttributeError) as exc:
        ctx.log.info(
            f"no service-account token for Cloud Storage ({type(exc).__name__}): anonymous"
        )
        return None
    return token if isinstance(token, str) and token else None
