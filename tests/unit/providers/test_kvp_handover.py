"""Hyper-V: pools read from the KVP device travel through the state to the files stage,
which writes them as 0600 pool files (the device itself only exists in a Hyper-V guest: its
reader is replaced here by the pools it would return; everything after it is real)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from providers import _kvp


def test_pools_reach_the_files_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    host = tmp_path / "host"
    (host / "dev/vmbus").mkdir(parents=True)
    (host / "dev/vmbus/hv_kvp").write_bytes(b"")  # stands in for the character device
    root = tmp_path / "root"
    root.mkdir()
    cfg = '{"ignition":{"version":"3.4.0"}}'
    pools = {0: [("ignition.config", cfg), ("other", "x")], 3: [("HostName", "hv-host")]}
    driver = tmp_path / "run.py"
    driver.write_text(
        "import sys\n"
        "from ignition.system import hostroot\n"
        "from providers import _kvp\n"
        f"_kvp.read_device = lambda path: {pools!r}\n"
        "hostroot.is_char_device = lambda p: p == _kvp.DEVICE\n"
        "from ignition.commands.cli import main\n"
        "raise SystemExit(main(sys.argv[1:]))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IGNITION_", "PYIGNITION_"))}
    env.update(
        PYIGNITION_HOST_ROOT=str(host),
        IGNITION_KERNEL_CMDLINE_PATH=str(tmp_path / "none"),
        IGNITION_SYSTEM_CONFIG_DIR=str(tmp_path / "none"),
        IGNITION_SYSTEM_LOCAL_CONFIG_DIR=str(tmp_path / "none"),
        IGNITION_SYSTEM_RUNTIME_CONFIG_DIR=str(tmp_path / "none"),
    )
    common = [
        "-platform", "hyperv", "-root", str(root), "-log-to-stdout",
        "-config-cache", str(tmp_path / "cache.json"), "-state-file", str(tmp_path / "state"),
    ]  # fmt: skip
    done = subprocess.run(
        [sys.executable, str(driver), "-stage", "fetch", *common],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    state = json.loads((tmp_path / "state").read_text())
    paths = [f["path"] for f in state["providerOutputFiles"]]
    assert paths == ["/var/lib/hyperv/.kvp_pool_0", "/var/lib/hyperv/.kvp_pool_3"]
    assert all(f["mode"] == 0o600 for f in state["providerOutputFiles"])

    done = subprocess.run(
        [sys.executable, str(driver), "-stage", "files", *common],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    pool0 = root / "var/lib/hyperv/.kvp_pool_0"
    assert stat.S_IMODE(pool0.stat().st_mode) == 0o600
    assert _kvp.parse_pool(pool0.read_bytes()) == pools[0]
    assert _kvp.parse_pool((root / "var/lib/hyperv/.kvp_pool_3").read_bytes()) == pools[3]


def test_openstack_ipv6_link_local_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ignition.system import hostroot
    from providers import openstack

    (tmp_path / "proc/net").mkdir(parents=True)
    (tmp_path / "proc/net/if_inet6").write_text(
        "00000000000000000000000000000001 01 80 10 80       lo\n"
        "fe80000000000000505400fffe123456 02 40 20 80     eth0\n"
        "fe80000000000000505400fffe654321 03 40 20 80     eth1\n"
    )
    for name, state in (("eth0", "up"), ("eth1", "down")):
        (tmp_path / f"sys/class/net/{name}").mkdir(parents=True)
        (tmp_path / f"sys/class/net/{name}/operstate").write_text(state + "\n")
    monkeypatch.setenv(hostroot.ENV, str(tmp_path))
    monkeypatch.delenv("PYIGNITION_METADATA_ORIGIN", raising=False)
    assert openstack.service_urls() == [
        "http://169.254.169.254/openstack/latest/user_data",
        "http://[fe80::a9fe:a9fe%25eth0]/openstack/latest/user_data",
    ]
    monkeypatch.setenv("PYIGNITION_METADATA_ORIGIN", "http://127.0.0.1:1")
    assert len(openstack.service_urls()) == 1
