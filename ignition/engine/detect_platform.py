"""``ignition.platform.id=auto`` and ``ignition detect``: name the platform from DMI facts.

The reference never guesses (the image builder bakes the id into the kernel command line), and
neither do we unless asked with ``auto`` (docs/providers.md). The facts are cloud-init's
``ds-identify`` checks (EC2 product UUID, GCE product name/serial, Azure's chassis asset tag,
OpenStack product names and asset tags, DigitalOcean's vendor) and VMware's vendor; the other
vendor strings are the values those platforms put in SMBIOS (our additions, each one line
below). Every file is read through the host root, so a test can describe a machine with a tree.
"""

from __future__ import annotations

from collections.abc import Callable

from ignition.system import hostroot
from ignition.util.record import record

DMI = "/sys/class/dmi/id"
AZURE_ASSET_TAG = "7783-7084-3265-9085-8269-3286-77"
OPENSTACK_PRODUCTS = ("OpenStack Nova", "OpenStack Compute")
OPENSTACK_ASSET_TAGS = (
    "OpenTelekomCloud",
    "SAP CCloud VM",
    "HUAWEICLOUD",
    "Samsung Cloud Platform",
)


@record
class Facts:
    sys_vendor: str
    product_name: str
    product_uuid: str
    product_serial: str
    chassis_asset_tag: str
    hypervisor_uuid: str
    fw_cfg: bool

    @classmethod
    def read(cls) -> Facts:
        def dmi(name: str) -> str:
            try:
                return hostroot.read_text(f"{DMI}/{name}") or ""
            except OSError:  # product_serial/uuid are root-only
                return ""

        return cls(
            sys_vendor=dmi("sys_vendor"),
            product_name=dmi("product_name"),
            product_uuid=dmi("product_uuid").lower(),
            product_serial=dmi("product_serial"),
            chassis_asset_tag=dmi("chassis_asset_tag"),
            hypervisor_uuid=(hostroot.read_text("/sys/hypervisor/uuid") or "").lower(),
            fw_cfg=hostroot.exists("/sys/firmware/qemu_fw_cfg"),
        )


def _ec2_uuid(uuid: str) -> bool:
    """``ec2`` at the start, in either byte order of the first field (ds-identify)."""
    swapped = uuid[6:8] + uuid[4:6] + uuid[2:4] + uuid[0:2]
    return uuid.startswith("ec2") or swapped.startswith("ec2")


RULES: list[tuple[str, str, Callable[[Facts], bool]]] = [
    ("azure", "chassis asset tag is Azure's", lambda f: f.chassis_asset_tag == AZURE_ASSET_TAG),
    (
        "aws",
        "product or hypervisor UUID starts with ec2",
        lambda f: _ec2_uuid(f.product_uuid) or f.hypervisor_uuid.startswith("ec2"),
    ),
    ("aws", "vendor is Amazon EC2", lambda f: f.sys_vendor == "Amazon EC2"),
    (
        "gcp",
        "product is Google Compute Engine",
        lambda f: (
            f.product_name in ("Google Compute Engine", "Google")
            or f.product_serial.startswith("GoogleCloud-")
        ),
    ),
    (
        "openstack",
        "product or asset tag is OpenStack's",
        lambda f: (
            f.product_name in OPENSTACK_PRODUCTS or f.chassis_asset_tag in OPENSTACK_ASSET_TAGS
        ),
    ),
    ("digitalocean", "vendor is DigitalOcean", lambda f: f.sys_vendor == "DigitalOcean"),
    ("vmware", "vendor is VMware", lambda f: f.sys_vendor.startswith("VMware")),
    # our additions: the platforms' own SMBIOS strings
    (
        "oraclecloud",
        "asset tag is OracleCloud.com",
        lambda f: f.chassis_asset_tag == "OracleCloud.com",
    ),
    ("aliyun", "vendor is Alibaba Cloud", lambda f: f.sys_vendor == "Alibaba Cloud"),
    ("hetzner", "vendor is Hetzner", lambda f: f.sys_vendor == "Hetzner"),
    ("vultr", "vendor is Vultr", lambda f: f.sys_vendor == "Vultr"),
    ("upcloud", "vendor is UpCloud", lambda f: f.sys_vendor == "UpCloud"),
    ("scaleway", "vendor is Scaleway", lambda f: f.sys_vendor == "Scaleway"),
    ("exoscale", "vendor is Exoscale", lambda f: f.sys_vendor == "Exoscale"),
    ("akamai", "vendor is Linode/Akamai", lambda f: f.sys_vendor in ("Linode", "Akamai")),
    ("nutanix", "vendor is Nutanix", lambda f: f.sys_vendor == "Nutanix"),
    ("kubevirt", "product is KubeVirt", lambda f: f.product_name == "KubeVirt"),
    ("virtualbox", "product is VirtualBox", lambda f: f.product_name == "VirtualBox"),
    (
        "hyperv",
        "Microsoft virtual machine outside Azure",
        lambda f: f.sys_vendor == "Microsoft Corporation" and f.product_name == "Virtual Machine",
    ),
    ("qemu", "QEMU fw_cfg is present", lambda f: f.fw_cfg or f.sys_vendor == "QEMU"),
]


def detect(facts: Facts | None = None) -> tuple[str | None, str]:
    """(platform id, the fact that decided) or (None, why not)."""
    f = facts or Facts.read()
    for platform, reason, rule in RULES:
        if rule(f):
            return platform, reason
    return None, (
        f"no platform matches vendor {f.sys_vendor!r}, product {f.product_name!r}: "
        "set ignition.platform.id explicitly"
    )
