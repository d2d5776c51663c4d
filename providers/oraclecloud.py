"""``oraclecloud``: ``GET http://169.254.169.254/opc/v2/instance/metadata/user_data`` with
``Authorization: Bearer Oracle`` (the v2 endpoints refuse requests without it); 429 is retried
like a 5xx; the answer is base64 of the user data; 404 is "no config" (docs/providers.md).

Metadata for cloud-config, with the same header: ``/opc/v2/instance/``'s ``hostname`` and
``metadata.ssh_authorized_keys`` (one key per line), and the first VNIC's ``privateIp`` from
``/opc/v2/vnics/``. Oracle Cloud's metadata has no public address (it is translated outside
the instance): ``$public_ipv4`` stays unknown."""

from __future__ import annotations

from providers._simple import UserDataProvider
from providers.base import InstanceMetadata, ProviderContext

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar

HEADERS = {"Authorization": "Bearer Oracle"}
INSTANCE_URL = "http://169.254.169.254/opc/v2/instance/"
VNICS_URL = "http://169.254.169.254/opc/v2/vnics/"


class OraclecloudProvider(UserDataProvider):
    name: ClassVar[str] = "oraclecloud"
    url: ClassVar[str] = "http://169.254.169.254/opc/v2/instance/metadata/user_data"
    headers: ClassVar[dict[str, str]] = HEADERS
    retry_codes: ClassVar[frozenset[int]] = frozenset({429})
    base64: ClassVar[bool] = True

    def metadata(self, ctx: ProviderContext) -> InstanceMetadata:
        from providers import _instance  # only for cloud-config user data

        retry = self.retry_codes
        doc = _instance.json_document(ctx, INSTANCE_URL, HEADERS, retry_codes=retry)
        vnics = _instance.json_document(ctx, VNICS_URL, HEADERS, retry_codes=retry)
        keys = _instance.field(doc, "metadata", "ssh_authorized_keys")
        private = _instance.field(vnics, 0, "privateIp")
        return InstanceMetadata(
            hostname=_instance.string(doc, "hostname"),
            private_ipv4=_instance.address(ctx, private, "privateIp", 4),
            ssh_public_keys=_instance.keys([keys]),
        )
