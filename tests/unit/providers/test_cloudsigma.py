"""``cloudsigma``: the server context over the serial port, with a stand-in hypervisor on the
master side of a real pseudo-terminal whose device node is the host tree's ``/dev/ttyS1``."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import providers
from ignition.commands.coreos_cloudinit import run
from ignition.fetch.fetcher import ResourceFetcher
from ignition.system.paths import Paths
from ignition.util.log import Logger
from providers import cloudsigma
from providers.base import InstanceMetadata, ProviderContext, ProviderError
from tests.conftest import ListSink
from tests.integration.test_cloud_config import scratch_root

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEf user@laptop"
CONTEXT = {
    "name": "sigma-node",
    "uuid": "2b7cd2a9-9d1b-4f4b-9bbb-7d5b0f5c1a11",
    "cpu": 2000,
    "mem": 2147483648,
    "meta": {
        "ssh_public_key": KEY,
        "base64_fields": "cloudinit-user-data",
        "cloudinit-user-data": base64.b64encode(b"#cloud-config\nhostname: from-sigma\n").decode(),
    },
    "nics": [
        {
            "ip_v4_conf": {"conf": "static", "ip": {"uuid": "185.12.6.183"}},
            "mac": "22:bd:c4:f2:60:3a",
            "vlan": None,
        },
        {
            "ip_v4_conf": None,
            "mac": "00:00:00:00:00:00",  # the host tree maps this MAC to lo: 127.0.0.1
            "vlan": {"uuid": "34fe1f13-0e1d-4a5b-8f0b-0e0fc0a3e4a1"},
        },
    ],
}


@dataclass
class Hypervisor:
    """Answers requests on the master side: ``answer`` (bytes or None: stay silent)."""

    master: int
    answer: bytes | None = b""
    requests: list[bytes] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def serve(self) -> None:
        buf = b""
        while not self.stop.is_set():
            import select

            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                buf += os.read(self.master, 4096)
            except OSError:  # no slave open right now
                continue
            while b">" in buf:
                req, _, buf = buf.partition(b">")
                self.requests.append(req + b">")
                if self.answer is not None:
                    os.write(self.master, self.answer)


@pytest.fixture
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Hypervisor]]:
    if os.geteuid() != 0:
        pytest.skip("needs root: /dev/pts is bind-mounted into the host tree")
    (tmp_path / "sys/class/dmi/id").mkdir(parents=True)
    (tmp_path / "sys/class/dmi/id/product_name").write_text("CloudSigma\n")
    (tmp_path / "sys/class/net/lo").mkdir(parents=True)
    (tmp_path / "sys/class/net/lo/address").write_text("00:00:00:00:00:00\n")
    pts = tmp_path / "dev/pts"
    pts.mkdir(parents=True)
    master, slave = os.openpty()
    name = os.ttyname(slave)
    assert name.startswith("/dev/pts/")
    subprocess.run(["mount", "--bind", "/dev/pts", str(pts)], check=True, capture_output=True)
    # the host tree's serial port is this terminal (a link inside the tree, as udev makes)
    (tmp_path / "dev/ttyS1").symlink_to(name.removeprefix("/dev/"))
    hv = Hypervisor(master, json.dumps(CONTEXT).encode() + b"\x04")
    thread = threading.Thread(target=hv.serve, daemon=True)
    thread.start()
    monkeypatch.setenv("PYIGNITION_HOST_ROOT", str(tmp_path))
    try:
        yield tmp_path, hv
    finally:
        hv.stop.set()
        thread.join()
        subprocess.run(["umount", str(pts)], check=False, capture_output=True)
        os.close(slave)
        os.close(master)


def _ctx(sink: ListSink | None = None) -> ProviderContext:
    log = Logger(sink or ListSink())
    return ProviderContext(ResourceFetcher(log), log, Paths(), "fetch")


def test_user_data_and_metadata_from_one_request(host: tuple[Path, Hypervisor]) -> None:
    _, hv = host
    p = providers.get("cloudsigma")
    ctx = _ctx()
    assert p.fetch_config(ctx) == b"#cloud-config\nhostname: from-sigma\n"
    assert p.metadata(ctx) == InstanceMetadata(
        hostname="sigma-node",
        public_ipv4="185.12.6.183",
        private_ipv4="127.0.0.1",
        ssh_public_keys=(KEY,),
    )
    assert hv.requests == [b"<\n\n>"]  # the whole context, asked once


def test_plain_user_data_uuid_as_host_name_and_no_user_data(
    host: tuple[Path, Hypervisor],
) -> None:
    _, hv = host
    meta = {"cloudinit-user-data": "#!/bin/sh\necho hi\n", "ssh_public_key": ""}
    hv.answer = json.dumps({"uuid": "u-1", "meta": meta}).encode() + b"\x04"
    p = providers.get("cloudsigma")
    assert p.fetch_config(_ctx()) == b"#!/bin/sh\necho hi\n"
    assert p.metadata(_ctx()) == InstanceMetadata(hostname="u-1")
    hv.answer = b'{"meta": {}}\x04'
    assert providers.get("cloudsigma").fetch_config(_ctx()) is None


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (None, "no answer from the server context on /dev/ttyS1 within 0.5 s"),
        (b'{"meta": {"cloudinit-user-data": "x"', "no answer"),  # no EOT: never ends
        (b"[1, 2]\x04", "not a JSON object"),
        (b"\x00\xff garbage\x04", "not JSON"),
        (b"[" * 100_000 + b"\x04", "not JSON"),
        (
            b'{"meta": {"base64_fields": "cloudinit-user-data", "cloudinit-user-data": "%%"}}\x04',
            "is not valid base64",
        ),
        (b"{" + b" " * (1 << 20) + b"}\x04", "larger than 1048576 bytes"),
    ],
)
def test_hostile_or_silent_server_context(
    host: tuple[Path, Hypervisor],
    monkeypatch: pytest.MonkeyPatch,
    answer: bytes | None,
    message: str,
) -> None:
    _, hv = host
    monkeypatch.setattr(cloudsigma, "TIMEOUT", 0.5)
    hv.answer = answer
    with pytest.raises(ProviderError, match=message):
        providers.get("cloudsigma").fetch_config(_ctx())


def test_elsewhere_nothing_is_written_to_the_serial_port(host: tuple[Path, Hypervisor]) -> None:
    root, hv = host
    (root / "sys/class/dmi/id/product_name").write_text("KVM\n")
    sink = ListSink()
    assert providers.get("cloudsigma").fetch_config(_ctx(sink)) is None
    assert "not running on CloudSigma" in sink.text
    assert hv.requests == []


def test_coreos_cloudinit_from_cloudsigma_metadata(
    host: tuple[Path, Hypervisor], tmp_path_factory: pytest.TempPathFactory
) -> None:
    target = scratch_root(tmp_path_factory.mktemp("root"))  # useradd --root needs its files
    out, err = io.StringIO(), io.StringIO()
    rc = run(["-oem", "cloudsigma", "-root", str(target)], out=out, err=err)
    assert rc == 0, err.getvalue()
    assert (target / "etc/hostname").read_text() == "from-sigma\n"  # user data beats metadata
    keys = target / "home/core/.ssh/authorized_keys.d/coreos-cloudinit"
    assert keys.read_text() == KEY + "\n"  # meta.ssh_public_key
    out, err = io.StringIO(), io.StringIO()
    assert run(["-validate", "-from-cloudsigma-metadata"], out=out, err=err) == 0
