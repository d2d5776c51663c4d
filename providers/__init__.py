"""Platform providers: an explicit registry, imported lazily.

``PROVIDERS`` maps a platform id (``--platform``, ``ignition.platform.id``) to
``"module:Class"``; only the selected provider's module is imported, so a stage process never
pays for the others (or for their SDKs). Unknown ids are a usage error that lists the known
ones; the platform is never guessed.
"""

from __future__ import annotations

from ignition.util.errors import UsageError
from providers.base import Provider, ProviderContext, ProviderError

__all__ = ["PROVIDERS", "Provider", "ProviderContext", "ProviderError", "get", "names"]

PROVIDERS: dict[str, str] = {
    "akamai": "providers.akamai:AkamaiProvider",
    "aliyun": "providers.aliyun:AliyunProvider",
    "applehv": "providers.applehv:ApplehvProvider",
    "aws": "providers.aws:AwsProvider",
    "azure": "providers.azure:AzureProvider",
    "azurestack": "providers.azurestack:AzurestackProvider",
    "brightbox": "providers.brightbox:BrightboxProvider",
    "cloudsigma": "providers.cloudsigma:CloudsigmaProvider",
    "cloudstack": "providers.cloudstack:CloudstackProvider",
    "digitalocean": "providers.digitalocean:DigitaloceanProvider",
    "exoscale": "providers.exoscale:ExoscaleProvider",
    "file": "providers.file:FileProvider",
    "gcp": "providers.gcp:GcpProvider",
    "hetzner": "providers.hetzner:HetznerProvider",
    "hyperv": "providers.hyperv:HypervProvider",
    "ibmcloud": "providers.ibmcloud:IbmcloudProvider",
    "kubevirt": "providers.kubevirt:KubevirtProvider",
    "metal": "providers.metal:MetalProvider",
    "nutanix": "providers.nutanix:NutanixProvider",
    "nvidiabluefield": "providers.nvidiabluefield:NvidiabluefieldProvider",
    "openstack": "providers.openstack:OpenstackProvider",
    "oraclecloud": "providers.oraclecloud:OraclecloudProvider",
    "packet": "providers.packet:PacketProvider",
    "powervs": "providers.powervs:PowervsProvider",
    "proxmoxve": "providers.proxmoxve:ProxmoxveProvider",
    "qemu": "providers.qemu:QemuProvider",
    "scaleway": "providers.scaleway:ScalewayProvider",
    "upcloud": "providers.upcloud:UpcloudProvider",
    "virtualbox": "providers.virtualbox:VirtualboxProvider",
    "vmware": "providers.vmware:VmwareProvider",
    "vultr": "providers.vultr:VultrProvider",
    "zvm": "providers.zvm:ZvmProvider",
}


def names() -> list[str]:
    return sorted(PROVIDERS)


def get(name: str) -> Provider:
    target = PROVIDERS.get(name)
    if target is None:
        raise UsageError(
            f"invalid platform name {name!r}: known platforms are {', '.join(names())}"
        )
    module, _, cls = target.partition(":")
    # __import__, not importlib: that package (with warnings) costs every stage process
    provider: Provider = getattr(__import__(module, fromlist=[cls]), cls)()
    return provider
