"""The registry (every platform id of the reference, lazily imported) and auto-detection."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import providers
from ignition.engine.detect_platform import Facts, detect
from ignition.system import hostroot

REFERENCE_IDS = [
    "akamai",
    "aliyun",
    "applehv",
    "aws",
    "azure",
    "azurestack",
    "brightbox",
    "cloudstack",
    "digitalocean",
    "exoscale",
    "file",
    "gcp",
    "hetzner",
    "hyperv",
    "ibmcloud",
    "kubevirt",
    "metal",
    "nutanix",
    "nvidiabluefield",
    "openstack",
    "oraclecloud",
    "packet",
    "powervs",
    "proxmoxve",
    "qemu",
    "scaleway",
    "upcloud",
    "virtualbox",
    "vmware",
    "vultr",
    "zvm",
]


EXTRA_IDS = ["cloudsigma"]  # coreos-cloudinit's (and old Flatcar Ignition's) server context


def test_every_reference_platform_is_registered() -> None:
    assert providers.names() == sorted(REFERENCE_IDS + EXTRA_IDS)
    for name in REFERENCE_IDS + EXTRA_IDS:
        assert providers.get(name).name == name


def test_only_the_selected_provider_is_imported() -> None:
    code = (
        "import sys, providers; providers.get('gcp'); "
        "print(sorted(m for m in sys.modules if m.startswith('providers.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = eval(out.stdout)
    assert "providers.gcp" in loaded
    for other in ("providers.aws", "providers.azure", "providers.media", "providers.vmware"):
        assert other not in loaded


@pytest.mark.parametrize("name", ["azure", "azurestack", "scaleway"])
def test_metadata_helpers_load_only_for_cloud_config(name: str) -> None:
    """An Ignition config on these platforms never asks for metadata: its helpers stay out."""
    code = (
        f"import sys, providers; providers.get({name!r}); "
        "print(sorted(m for m in sys.modules if m.startswith('providers.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = eval(out.stdout)
    assert f"providers.{name}" in loaded
    assert "providers._instance" not in loaded


def _facts(**kw: str | bool) -> Facts:
    base: dict[str, str | bool] = dict(
        sys_vendor="",
        product_name="",
        product_uuid="",
        product_serial="",
        chassis_asset_tag="",
        hypervisor_uuid="",
        fw_cfg=False,
    )
    base.update(kw)
    return Facts(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("facts", "platform"),
    [
        ({"chassis_asset_tag": "7783-7084-3265-9085-8269-3286-77"}, "azure"),
        ({"product_uuid": "ec2e1916-9099-7caf-fd21-012345abcdef"}, "aws"),
        ({"product_uuid": "45e12aec-dcd1-b213-94ed-012345abcdef"}, "aws"),  # swapped bytes
        ({"hypervisor_uuid": "ec2abcd0-0000-0000-0000-000000000000"}, "aws"),
        ({"product_name": "Google Compute Engine"}, "gcp"),
        ({"product_serial": "GoogleCloud-1234"}, "gcp"),
        ({"product_name": "OpenStack Nova"}, "openstack"),
        ({"chassis_asset_tag": "HUAWEICLOUD"}, "openstack"),
        ({"sys_vendor": "DigitalOcean"}, "digitalocean"),
        ({"sys_vendor": "VMware, Inc."}, "vmware"),
        ({"sys_vendor": "QEMU", "product_name": "Standard PC (Q35 + ICH9, 2009)"}, "qemu"),
        ({"fw_cfg": True}, "qemu"),
        ({"sys_vendor": "Microsoft Corporation", "product_name": "Virtual Machine"}, "hyperv"),
    ],
)
def test_detect(facts: dict[str, str | bool], platform: str) -> None:
    assert detect(_facts(**facts))[0] == platform


def test_detect_nothing() -> None:
    found, reason = detect(_facts(sys_vendor="Dell Inc."))
    assert found is None
    assert "ignition.platform.id" in reason


def test_detect_command_and_auto_platform(tmp_path: Path) -> None:
    dmi = tmp_path / "sys/class/dmi/id"
    dmi.mkdir(parents=True)
    (dmi / "sys_vendor").write_text("DigitalOcean\n")
    env = {hostroot.ENV: str(tmp_path), "PATH": "/usr/bin:/bin"}
    run = [sys.executable, "-m", "ignition"]
    done = subprocess.run([*run, "detect"], env=env, capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "digitalocean\n")
    (dmi / "sys_vendor").write_text("Dell Inc.\n")
    done = subprocess.run([*run, "detect"], env=env, capture_output=True, text=True)
    assert done.returncode == 1
    done = subprocess.run(
        [*run, "-platform", "auto", "-stage", "fetch"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "platform auto" in done.stderr


def test_rmcfg_on_a_platform_without_deletion(tmp_path: Path) -> None:
    env = {hostroot.ENV: str(tmp_path), "PATH": "/usr/bin:/bin"}
    argv = [sys.executable, "-m", "ignition.commands.rmcfg", "--platform", "gcp", "--log-to-stdout"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert "cannot delete config on this platform" in done.stdout
    done = subprocess.run(argv[:3], env=env, capture_output=True, text=True)
    assert done.returncode == 2
