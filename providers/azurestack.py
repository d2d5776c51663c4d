"""``azurestack``: custom data from the provisioning medium only (UDF or ISO 9660 with
``ovf-env.xml``), waiting for it forever; no ``CustomData.bin`` is "no config"
(docs/providers.md). Reports to the wireserver like ``azure``: Ready after the files stage
(Azure Stack needs no network to fetch, so the fetch stage usually does not run). Metadata
for cloud-config: the host name of the medium's ``ovf-env.xml`` (Azure Stack has no IMDS
here)."""

from __future__ import annotations

from providers import _azuremedia
from providers.azure import AzureProvider
from providers.base import InstanceMetadata, ProviderContext

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar


class AzurestackProvider(AzureProvider):
    name: ClassVar[str] = "azurestack"

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        return _azuremedia.wait_custom_data(ctx, self.media_kinds)

    def metadata(self, ctx: ProviderContext) -> InstanceMetadata:
        return InstanceMetadata(hostname=_azuremedia.ovf_hostname(self.media_kinds))
