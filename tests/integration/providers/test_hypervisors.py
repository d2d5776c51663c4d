"""Hypervisor channels under a host root: QEMU fw_cfg sysfs, Hyper-V KVP pool files, VMware
guestinfo (through a stand-in ``vmware-rpctool``), VirtualBox (stand-in ``VBoxControl``),
Apple HV (HTTP on the origin instead of vsock), BlueField boot FIFO, z/VM reader
(stand-in ``vmur``); plus metal and file."""

from __future__ import annotations

import base64
import gzip
import json
import platform as pyplatform
from pathlib import Path

import pytest

from providers import _kvp
from tests.integration.providers.harness import Machine, config_for
from tests.integration.providers.standin import Answer, StandIn

FW = "/sys/firmware/qemu_fw_cfg/by_name/opt/{}/config"


def _fw_cfg(machine: Machine, name: str, data: bytes, size: int | None = None) -> None:
    machine.put(FW.format(name) + "/raw", data)
    machine.put(FW.format(name) + "/size", f"{len(data) if size is None else size}\n")


@pytest.mark.skipif(pyplatform.machine() in ("s390x", "ppc64le"), reason="fw_cfg is x86/arm")
def test_qemu_fw_cfg(machine: Machine) -> None:
    _fw_cfg(machine, "com.coreos", config_for("qemu"))
    assert machine.run("qemu").got("qemu")


def test_qemu_flatcar_name(machine: Machine) -> None:
    _fw_cfg(machine, "org.flatcar-linux", config_for("qemu"))
    assert machine.run("qemu").got("qemu")


def test_qemu_no_fw_cfg_entry_is_no_config(machine: Machine) -> None:
    machine.put("/sys/firmware/qemu_fw_cfg/by_name/etc/boot-fail-wait/size", "4\n")
    assert machine.run("qemu").empty()


def test_qemu_size_mismatch_is_an_error(machine: Machine) -> None:
    _fw_cfg(machine, "com.coreos", config_for("qemu"), size=10)
    res = machine.run("qemu")
    assert res.code == 1
    assert "expected 10" in res.out


def _pool(machine: Machine, records: list[tuple[str, str]]) -> None:
    machine.put("/var/lib/hyperv/.kvp_pool_0", _kvp.pool_file(records), 0o600)


def test_hyperv_single_key(machine: Machine) -> None:
    _pool(machine, [("other", "x"), ("ignition.config", config_for("hyperv").decode())])
    assert machine.run("hyperv").got("hyperv")


def test_hyperv_split_keys(machine: Machine) -> None:
    cfg = config_for("hyperv").decode()
    chunks = [cfg[i : i + 40] for i in range(0, len(cfg), 40)]
    records = [(f"ignition.config.{i}", c) for i, c in reversed(list(enumerate(chunks)))]
    _pool(machine, records)
    assert machine.run("hyperv").got("hyperv")


def test_hyperv_no_key_is_no_config(machine: Machine) -> None:
    _pool(machine, [("ignition.config.1", "{}")])  # no .0: nothing to concatenate
    assert machine.run("hyperv").empty()


RPCTOOL = """\
store={store}
case "$1" in
  "info-get guestinfo."*) k=${{1#info-get guestinfo.}}
     [ -f "$store/$k" ] || {{ echo "No value found" >&2; exit 1; }}
     cat "$store/$k"; echo ;;
  "info-set guestinfo."*) rest=${{1#info-set guestinfo.}}; k=${{rest%% *}}
     printf '%s' "${{rest#* }}" > "$store/$k" ;;
  *) exit 2 ;;
esac
"""


def _vmware(machine: Machine, tmp: Path, values: dict[str, str]) -> Path:
    store = tmp / "guestinfo"
    store.mkdir()
    for k, v in values.items():
        (store / k).write_text(v)
    machine.put("/sys/class/dmi/id/sys_vendor", "VMware, Inc.\n")
    machine.tool("vmware-rpctool", RPCTOOL.format(store=store))
    return store


needs_amd64 = pytest.mark.skipif(pyplatform.machine() != "x86_64", reason="vmware is amd64 only")


@needs_amd64
@pytest.mark.parametrize("encoding", ["", "base64", "gzip+base64", "gz+b64"])
def test_vmware_guestinfo(encoding: str, machine: Machine, tmp_path: Path) -> None:
    data = config_for("vmware")
    if "gz" in encoding:
        data = gzip.compress(data)
    text = base64.b64encode(data).decode() if "64" in encoding else data.decode()
    values = {"ignition.config.data": text}
    if encoding:
        values["ignition.config.data.encoding"] = encoding
    _vmware(machine, tmp_path, values)
    assert machine.run("vmware").got("vmware")


OVF = """<?xml version="1.0" encoding="UTF-8"?>
<Environment xmlns="http://schemas.dmtf.org/ovf/environment/1"
  xmlns:oe="http://schemas.dmtf.org/ovf/environment/1">
  <PropertySection>
    <Property oe:key="guestinfo.ignition.config.data" oe:value="{data}"/>
    <Property oe:key="guestinfo.ignition.config.data.encoding" oe:value="base64"/>
    <Property oe:key="hostname" oe:value="node1"/>
  </PropertySection>
</Environment>"""


@needs_amd64
def test_vmware_ovf_env_and_rmcfg(machine: Machine, tmp_path: Path) -> None:
    ovf = OVF.format(data=base64.b64encode(config_for("vmware")).decode())
    store = _vmware(machine, tmp_path, {"ovfenv": ovf})
    assert machine.run("vmware").got("vmware")
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYIGNITION_HOST_ROOT=str(machine.host))
    done = subprocess.run(
        [sys.executable, "-m", "ignition.commands.rmcfg", "--platform", "vmware"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    pruned = (store / "ovfenv").read_text()
    assert "ignition.config.data" not in pruned
    assert "node1" in pruned
    assert machine.run("vmware").empty()


@needs_amd64
def test_vmware_direct_value_wins_over_ovf(machine: Machine, tmp_path: Path) -> None:
    ovf = OVF.format(data=base64.b64encode(b'{"ignition":{"version":"3.4.0"}}').decode())
    values = {
        "ovfenv": ovf,
        "ignition.config.data": base64.b64encode(config_for("vmware")).decode(),
    }
    _vmware(machine, tmp_path, values)
    assert machine.run("vmware").got("vmware")


@needs_amd64
def test_vmware_unknown_encoding_is_fatal(machine: Machine, tmp_path: Path) -> None:
    values = {"ignition.config.data": "x", "ignition.config.data.encoding": "rot13"}
    _vmware(machine, tmp_path, values)
    res = machine.run("vmware")
    assert res.code == 1
    assert "unsupported encoding" in res.out


@needs_amd64
def test_vmware_not_vmware_is_no_config(machine: Machine, tmp_path: Path) -> None:
    _vmware(machine, tmp_path, {"ignition.config.data": config_for("vmware").decode()})
    machine.put("/sys/class/dmi/id/sys_vendor", "QEMU\n")
    assert machine.run("vmware").empty()


VBOXCONTROL = """\
store={store}
[ "$1" = --nologo ] && shift
[ "$1" = guestproperty ] || exit 2
case "$2" in
  get) f="$store/$(echo "$3" | tr / _)"
       [ -f "$f" ] || {{ echo "No value set!"; exit 2; }}
       printf 'Value: '; cat "$f"; echo ;;
  delete) rm -f "$store/$(echo "$3" | tr / _)" ;;
  *) exit 2 ;;
esac
"""


def _vbox(machine: Machine, tmp: Path, values: dict[str, str]) -> None:
    store = tmp / "props"
    store.mkdir()
    for k, v in values.items():
        (store / k.replace("/", "_")).write_text(v)
    machine.tool("VBoxControl", VBOXCONTROL.format(store=store))


def test_virtualbox_guest_property(machine: Machine, tmp_path: Path) -> None:
    _vbox(machine, tmp_path, {"/Ignition/Config": config_for("virtualbox").decode()})
    assert machine.run("virtualbox").got("virtualbox")


def test_virtualbox_absent_and_encoding(machine: Machine, tmp_path: Path) -> None:
    _vbox(machine, tmp_path, {"/Ignition/Config/Encoding": "gzip"})
    res = machine.run("virtualbox")
    assert res.code == 1
    assert "must be empty" in res.out
    (tmp_path / "props" / "_Ignition_Config_Encoding").unlink()
    assert machine.run("virtualbox").empty()


def test_virtualbox_without_device_or_tool_fails(machine: Machine) -> None:
    res = machine.run("virtualbox")
    assert res.code == 1
    assert "/dev/vboxguest" in res.out


def test_applehv(machine: Machine, server: StandIn) -> None:
    server.route(
        "GET", "/", Answer(200, config_for("applehv"), require={"Accept": "application/json"})
    )
    assert machine.run("applehv", origin=server.origin).got("applehv")
    server.route("GET", "/", Answer(200, b""))
    assert machine.run("applehv", origin=server.origin).empty()
    server.route("GET", "/", Answer(500))
    res = machine.run("applehv", origin=server.origin)
    assert res.code == 1  # one attempt, no retry
    assert len(server.hits("GET", "/")) == 3


BOOTFIFO = "/sys/bus/platform/devices/MLNXBF04:00/bootfifo"


def test_bluefield_bootfifo(machine: Machine) -> None:
    machine.put(BOOTFIFO, config_for("nvidiabluefield") + b"\x00" * 64)
    assert machine.run("nvidiabluefield").got("nvidiabluefield")
    machine.put(BOOTFIFO, b"\x00" * 16)
    assert machine.run("nvidiabluefield").empty()


def test_bluefield_bootfifo_nuls_at_both_ends(machine: Machine) -> None:
    machine.put(BOOTFIFO, b"\x00" * 37 + config_for("nvidiabluefield") + b"\x00" * 64)
    res = machine.run("nvidiabluefield")
    assert res.got("nvidiabluefield"), res.out


def test_bluefield_bootfifo_read_is_bounded(machine: Machine) -> None:
    fifo = machine.put(BOOTFIFO, config_for("nvidiabluefield"))
    with open(fifo, "r+b") as fh:  # sparse: 64 MiB + 1 of NULs after the config, no disk used
        fh.truncate(64 * 1024 * 1024 + 1)
    res = machine.run("nvidiabluefield")
    assert res.code == 1
    assert f"{BOOTFIFO} holds more than {64 * 1024 * 1024} bytes" in res.out
    assert res.cache is None


VMUR = """\
case "$1" in
  li) cat <<'LIST'
ORIGINID FILE CLASS RECORDS  CPY HOLD DATE  TIME     NAME      TYPE     DIST
T6360025 0461 A PUN 00000002 001 NONE 06/11 15:07:24 notes     txt      T6360025
T6360025 0463 A PUN 00000032 001 NONE 06/11 15:07:25 config    {type}      T6360025
LIST
  ;;
  re) [ "$2" = -f ] && [ "$3" = 0463 ] || exit 3; cp {src} "$4" ;;
  *) exit 2 ;;
esac
"""


@pytest.mark.parametrize("kind", ["ign", "txt"])
def test_zvm_reader(kind: str, machine: Machine, tmp_path: Path) -> None:
    src = tmp_path / "spool"
    src.write_bytes(config_for("zvm") + b"\x00" * 80)
    machine.tool("vmur", VMUR.format(type=kind, src=src))
    res = machine.run("zvm")
    assert res.got("zvm") if kind == "ign" else res.empty(), res.out


def test_metal_has_no_config(machine: Machine) -> None:
    assert machine.run("metal").empty()


def test_file(machine: Machine) -> None:
    (machine.tmp / "config.ign").write_bytes(config_for("file"))
    assert machine.run("file").got("file")


def test_unknown_platform_lists_the_known_ones(machine: Machine) -> None:
    res = machine.run("nimbus")
    assert res.code == 2
    for name in ("aws", "azure", "vmware", "zvm"):
        assert name in res.out


def test_state_records_the_provider(machine: Machine) -> None:
    machine.put(BOOTFIFO, config_for("nvidiabluefield"))
    res = machine.run("nvidiabluefield")
    assert res.state is not None
    assert {"kind": "user", "source": "nvidiabluefield", "referenced": False} in res.state[
        "fetchedConfigs"
    ]
    assert json.dumps(res.state).count("MLNX") == 0


def test_hyperv_stand_in_device_file_is_not_the_kernel_device(machine: Machine) -> None:
    machine.put("/dev/vmbus/hv_kvp", b"")  # a regular file: the pool files are read instead
    _pool(machine, [("ignition.config", config_for("hyperv").decode())])
    assert machine.run("hyperv").got("hyperv")


def test_zvm_reader_failure_is_an_error(machine: Machine) -> None:
    machine.tool("vmur", "echo 'vmur: Reader device 000c not online' >&2; exit 1\n")
    res = machine.run("zvm")
    assert res.code == 1
    assert "z/VM reader" in res.out
