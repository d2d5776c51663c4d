"""``azurestack``: custom data from the provisioning medium only (UDF or ISO 9660 with
``ovf-env.xml``), waiting for it forever; no ``CustomData.bin`` is "no config" (providers.md
§1a). Reports to the wireserver like ``azure``: Ready after the files stage (Azure Stack needs
no network to fetch, so the fetch stage usually does not run)."""

from __future__ import annotations

from typing import ClassVar

from providers import _azuremedia
from providers.azure import AzureProvider
from providers.base import ProviderContext


class AzurestackProvider(AzureProvider):
    name: ClassVar[str] = "azurestack"

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        return _azuremedia.wait_custom_data(ctx, self.media_kinds)
