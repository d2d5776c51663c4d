"""LUKS command lines, clevis pin configurations and crypttab lines (docs/disks.md)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from ignition.config.model import Clevis, ClevisCustom, Luks, Resource, Tang
from ignition.config.urls import decode_data_url
from ignition.stages.disks.context import DisksRun
from ignition.stages.disks.luks import clevis_binding, format_argv, key_data_url, open_argv
from ignition.stages.files.crypttab import crypttab_line
from tests.unit.disks.support import make_context

ADV = b'{"payload": "e30", "signatures": []}'


@pytest.fixture
def tang() -> Iterator[tuple[str, list[str]]]:
    """A Tang stand-in on loopback serving ``/adv``; yields (url, requested paths)."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(200 if self.path == "/adv" else 404)
            self.end_headers()
            if self.path == "/adv":
                self.wfile.write(ADV)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def run_for(tmp_path: Path) -> DisksRun:
    ctx, _ = make_context(tmp_path, {})
    return DisksRun(ctx)


def test_format_and_open_arguments() -> None:
    v = Luks(
        name="root",
        device="/dev/vda4",
        label="luks-root",
        uuid="0b7b1b5c-6fd2-4d8c-9c7e-4dcb3d5f2c11",
        options=("--cipher", "aes-xts-plain64"),
        discard=True,
        open_options=("--perf-no_read_workqueue",),
    )
    assert format_argv(v, "/a", "/k") == [
        "cryptsetup", "luksFormat", "--type", "luks2", "--key-file", "/k",
        "--label", "luks-root", "--uuid", "0b7b1b5c-6fd2-4d8c-9c7e-4dcb3d5f2c11",
        "--cipher", "aes-xts-plain64", "/a",
    ]  # fmt: skip
    assert open_argv(v, "/a", "/k") == [
        "cryptsetup", "luksOpen", "/a", "root", "--key-file", "/k", "--persistent",
        "--allow-discards", "--perf-no_read_workqueue",
    ]  # fmt: skip


def test_sss_config_with_offline_and_online_tang_and_tpm(
    tmp_path: Path, tang: tuple[str, list[str]]
) -> None:
    url, seen = tang
    v = Luks(
        name="root",
        device="/dev/x",
        clevis=Clevis(
            tang=(
                Tang(url=url, thumbprint="thp1"),
                Tang(url="http://offline.example", thumbprint="thp2", advertisement=ADV.decode()),
            ),
            tpm2=True,
            threshold=2,
        ),
    )
    b = clevis_binding(run_for(tmp_path), v)
    assert b.pin == "sss"
    assert json.loads(b.config) == {
        "t": 2,
        "pins": {
            "tang": [
                {"url": url, "thp": "thp1", "adv": json.loads(ADV)},
                {"url": "http://offline.example", "thp": "thp2", "adv": json.loads(ADV)},
            ],
            "tpm2": {},
        },
    }
    # one online Tang server + the TPM reach the threshold of 2: unlocking is proven at once
    assert b.verify
    assert seen == ["/adv"]  # only the server without an advertisement was asked


def test_tpm_only_omits_tang_and_custom_pins_pass_through(tmp_path: Path) -> None:
    run = run_for(tmp_path)
    b = clevis_binding(run, Luks(name="r", device="/d", clevis=Clevis(tpm2=True)))
    assert json.loads(b.config) == {"t": 1, "pins": {"tpm2": {}}}
    custom = Clevis(custom=ClevisCustom(pin="tpm2", config='{"pcr_ids":"7"}', needs_network=False))
    b = clevis_binding(run, Luks(name="r", device="/d", clevis=custom))
    assert (b.pin, b.config, b.verify) == ("tpm2", '{"pcr_ids":"7"}', False)


def test_crypttab_lines() -> None:
    plain = Luks(name="data", device="/d", key_file=Resource(source="data:,k"))
    assert crypttab_line(plain, "U1") == "data UUID=U1 /etc/luks/data luks,x-initrd.attach\n"
    tang = Luks(
        name="root", device="/d", clevis=Clevis(tang=(Tang(url="http://t", thumbprint="x"),))
    )
    assert crypttab_line(tang, "U2") == "root UUID=U2 none luks,_netdev,x-initrd.attach\n"
    net = Luks(
        name="c",
        device="/d",
        clevis=Clevis(custom=ClevisCustom(pin="p", config="{}", needs_network=True)),
    )
    assert crypttab_line(net, "U3") == "c UUID=U3 none luks,_netdev,x-initrd.attach\n"


def test_key_round_trips_through_the_state_url() -> None:
    key = bytes(range(256))
    assert decode_data_url(key_data_url(key)).data == key
