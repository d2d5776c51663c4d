"""The two test seams and the small shared helpers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ignition.system import hostroot
from providers import _dhcp, _imds, _kvp, _wireserver, limits
from providers.base import ProviderError
from providers.vmware import decode, ovf_properties, prune_ovf
from providers.zvm import spool_id


def test_origin_replaces_scheme_host_port_keeps_path_and_query(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = "http://169.254.169.254/metadata/instance/compute/userData?api-version=2021-01-01&format=text"
    assert _imds.endpoint(url) == url
    monkeypatch.setenv(_imds.ENV, "http://127.0.0.1:8123")
    assert _imds.endpoint(url) == (
        "http://127.0.0.1:8123/metadata/instance/compute/userData?api-version=2021-01-01&format=text"
    )
    assert (
        _imds.endpoint("https://metadata.packet.net/userdata") == "http://127.0.0.1:8123/userdata"
    )
    monkeypatch.setenv(_imds.ENV, "http://127.0.0.1:8123/some/path")
    with pytest.raises(ProviderError):
        _imds.endpoint(url)


def test_host_root_resolves_links_inside_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "dev/disk/by-label").mkdir(parents=True)
    (tmp_path / "dev/sr0").write_bytes(b"medium")
    (tmp_path / "dev/disk/by-label/abs").symlink_to("/dev/sr0")
    (tmp_path / "dev/disk/by-label/rel").symlink_to("../../sr0")
    (tmp_path / "dev/disk/by-label/loop").symlink_to("loop")
    (tmp_path / "dev/disk/by-label/real").symlink_to(tmp_path / "dev/sr0")
    monkeypatch.setenv(hostroot.ENV, str(tmp_path))
    assert hostroot.read_bytes("/dev/disk/by-label/abs") == b"medium"
    assert hostroot.read_bytes("/dev/disk/by-label/rel") == b"medium"
    assert hostroot.read_bytes("/dev/disk/by-label/real") == b"medium"
    assert hostroot.path("/../../dev/sr0") == f"{tmp_path}/dev/sr0"  # cannot climb out
    assert hostroot.read_bytes("/dev/nothing") is None
    with pytest.raises(OSError, match="symbolic links"):
        hostroot.path("/dev/disk/by-label/loop")
    assert hostroot.which("sh") is None  # tools come from the tree, not the real PATH


def test_bounded_host_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(hostroot.ENV, str(tmp_path))
    (tmp_path / "fifo").write_bytes(b"x" * (hostroot.CHUNK + 5))
    assert hostroot.read_bytes("/fifo", limit=hostroot.CHUNK + 5) == b"x" * (hostroot.CHUNK + 5)
    with pytest.raises(hostroot.TooLarge):
        hostroot.read_bytes("/fifo", limit=hostroot.CHUNK + 4)
    assert hostroot.read_bytes("/absent", limit=1) is None


def test_no_host_root_means_the_real_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(hostroot.ENV, raising=False)
    assert hostroot.path("/proc/cmdline") == "/proc/cmdline"
    assert hostroot.which("sh") is not None


def test_kvp_pool_records_are_2560_bytes() -> None:
    data = _kvp.pool_file([("ignition.config.0", "{"), ("ignition.config.1", "}")])
    assert len(data) == 2 * 2560
    assert data[512:513] == b"{"
    records = _kvp.parse_pool(data + b"\x00" * 100)  # a partial record is ignored
    assert records == [("ignition.config.0", "{"), ("ignition.config.1", "}")]
    assert _kvp.config_from(records) == "{}"
    assert _kvp.config_from([("ignition.config", ""), ("ignition.config.0", "x")]) == "x"
    assert _kvp.config_from([]) is None


def test_dhcp_leases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(hostroot.ENV, str(tmp_path))
    assert _dhcp.server_address() is None
    assert _dhcp.option_245() is None
    lease = tmp_path / "var/lib/dhclient/dhclient.leases"
    lease.parent.mkdir(parents=True)
    lease.write_text(
        "lease {\n  option dhcp-server-identifier 10.0.0.1;\n  option unknown-245 a8:3f:81:10;\n}\n"
    )
    assert _dhcp.server_address() == "10.0.0.1"
    assert _dhcp.option_245() == "168.63.129.16"
    nd = tmp_path / "run/systemd/netif/leases/3"
    nd.parent.mkdir(parents=True)
    nd.write_text("SERVER_ADDRESS=10.9.9.9\nOPTION_245=0a000001\n")
    assert _dhcp.server_address() == "10.9.9.9"
    assert _dhcp.option_245() == "10.0.0.1"


def test_health_document_escapes_the_reason() -> None:
    doc = _wireserver.health_document("1", "c", "i", "bad <value> & more")
    assert "<State>NotReady</State>" in doc
    assert "bad &lt;value&gt; &amp; more" in doc
    assert "<State>Ready</State>" in _wireserver.health_document("1", "c", "i", None)


def test_vmware_encodings_and_ovf() -> None:
    import base64
    import gzip

    assert decode("abc", "") == b"abc"
    assert decode(base64.b64encode(b"abc").decode(), "B64") == b"abc"
    assert decode(base64.b64encode(gzip.compress(b"abc")).decode(), "gzip+base64") == b"abc"
    with pytest.raises(ProviderError, match="unsupported encoding"):
        decode("abc", "zstd")
    with pytest.raises(ProviderError, match="not valid"):
        decode("@@@", "base64")
    ovf = (
        '<Environment xmlns="http://schemas.dmtf.org/ovf/environment/1" '
        'xmlns:oe="http://schemas.dmtf.org/ovf/environment/1"><PropertySection>'
        '<Property oe:key="guestinfo.ignition.config.data" oe:value="x"/>'
        '<Property oe:key="keep" oe:value="y"/></PropertySection></Environment>'
    )
    assert ovf_properties(ovf) == {"ignition.config.data": "x", "keep": "y"}
    assert ovf_properties(prune_ovf(ovf)) == {"keep": "y"}


def test_zvm_spool_listing() -> None:
    listing = (
        "ORIGINID FILE CLASS RECORDS  CPY HOLD DATE  TIME     NAME      TYPE     DIST\n"
        "T6360025 0461 A PUN 00000002 001 NONE 06/11 15:07:24 notes     txt      T6360025\n"
        "T6360025 0463 A PUN 00000032 001 NONE 06/11 15:07:25 config    ign      T6360025\n"
        "T6360025 0464 A PUN 00000032 001 NONE 06/11 15:07:26 other     ign      T6360025\n"
    )
    assert spool_id(listing) == "0463"
    assert spool_id(listing.replace("ign ", "txt ")) is None


def test_size_limits() -> None:
    assert limits.check("aws", b"{}") is None
    assert limits.check("metal", b"x" * 10**6) is None
    compressible = b'{"ignition":{"version":"3.4.0"}}' + b" " * 20000
    warning = limits.check("aws", compressible)
    assert warning is not None
    assert "16384" in warning
    assert "gzip it" in warning
    assert "ignition" in warning
    import hashlib

    random_ish = b"".join(hashlib.sha256(str(i).encode()).digest() for i in range(2200))
    warning = limits.check("azure", random_ish)
    assert warning is not None
    assert "gzip is not enough" in warning
    assert "base64 characters" in warning


def test_validate_platform_flag(tmp_path: Path) -> None:
    cfg = tmp_path / "big.ign"
    cfg.write_text('{"ignition":{"version":"3.4.0"}}' + " " * 20000)
    argv = [
        sys.executable,
        "-c",
        "from ignition.commands.validate import main; raise SystemExit(main())",
    ]
    done = subprocess.run([*argv, "--platform", "aws", str(cfg)], capture_output=True, text=True)
    assert done.returncode == 0
    assert "aws accepts at most 16384 bytes" in done.stderr
    done = subprocess.run([*argv, "--platform", "gcp", str(cfg)], capture_output=True, text=True)
    assert "warning" not in done.stderr
