"""``coreos-cloudinit``: the reference's flags, output shape and exit codes, plus locations."""

from __future__ import annotations

import http.server
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ignition.commands.coreos_cloudinit import run
from ignition.engine.coreos_cloudinit import sources

BROKEN = b"#cloud-config\nhostname: a\nbogus: 1\ncoreos:\n  units:\n    - name: a.service\n"
BROKEN += b"      command: begin\n"


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = run(list(args), out=out, err=err)
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    p = tmp_path / "user-data"
    p.write_bytes(BROKEN)
    return p


def test_validate_prints_the_references_lines_each_with_its_place(broken: Path) -> None:
    rc, out, err = _run("-validate", "-from-file", str(broken))
    assert rc == 1
    assert out == ""
    assert err.splitlines() == [
        'line 3: warning: unrecognized key "bogus"',
        f"  at {broken}:3:1 (bogus)",
        "line 7: error: invalid value begin",
        f"  at {broken}:7:16 (coreos.units[0].command)",
    ]


@pytest.mark.parametrize(
    "args",
    [
        ("--validate", "--from-file=F"),
        ("-validate=true", "-from-file", "F"),
        ("-from-file", "F", "-validate"),
    ],
)
def test_go_flag_spellings(tmp_path: Path, args: tuple[str, ...]) -> None:
    p = tmp_path / "ud"
    p.write_bytes(b"#cloud-config\nhostname: a\n")
    rc, out, err = _run(*(a.replace("F", str(p)) for a in args))
    assert (rc, out, err) == (0, "", "")


def test_notes_never_change_the_exit_status(tmp_path: Path) -> None:
    p = tmp_path / "ud"
    p.write_bytes(b"#cloud-config\nhostname: a\nhostname: b\n")
    rc, _, err = _run("-validate", "-from-file", str(p))
    assert rc == 0
    assert err == (
        f"{p}:3:1: note: hostname: duplicate key: only this last value is used (the "
        "first is at line 2)\n"
    )


def test_a_crash_of_the_reference_prints_our_findings_but_no_report_lines(tmp_path: Path) -> None:
    p = tmp_path / "ud"
    p.write_bytes(b"#cloud-config\ncoreos:\n  update:\n    reboot_strategy: [off]\n")
    rc, _, err = _run("-validate", "-from-file", str(p))
    assert rc == 1
    assert "line " not in err.split("\n", 1)[1]
    assert err.startswith("Failed while validating user_data")
    assert (
        f"{p}:4:22: warning: coreos.update.reboot_strategy: incorrect type for "
        '"reboot_strategy" (want string)'
    ) in err


def test_json_format(broken: Path) -> None:
    rc, out, _ = _run("-validate", "-format", "json", "-from-file", str(broken))
    doc = json.loads(out)
    assert rc == doc["exit_code"] == 1
    first = doc["entries"][0]
    assert first["message"] == 'unrecognized key "bogus"'
    assert (first["kind"], first["line"], first["path"]) == ("warning", 3, "bogus")
    assert first["position"] == {"line": 3, "column": 1}


def test_no_datasource_is_a_usage_error() -> None:
    rc, out, _ = _run("-validate")
    assert rc == 2
    assert out.startswith("Provide at least one of --from-file")


def test_an_unreadable_file_fails_at_once(tmp_path: Path) -> None:
    rc, _, err = _run("-validate", "-from-file", str(tmp_path / "missing"))
    assert rc == 1
    assert "cannot read" in err


def test_applying_a_broken_document_is_a_located_error(broken: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    rc, out, err = _run("-from-file", str(broken), "-root", str(root))
    assert (rc, out) == (1, "")
    assert f"{broken}:7:16: error: coreos.units[0].command: invalid value <redacted>" in err
    assert "begin" not in err  # a value of the document: never logged
    assert list(root.iterdir()) == []
    rc, _, err = _run("-from-file", str(broken), "-root", str(root), "-ignore-failure")
    assert rc == 0
    assert "-ignore-failure" in err


def test_cloudsigma_elsewhere_is_an_error_without_touching_a_serial_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dmi = tmp_path / "sys/class/dmi/id"
    dmi.mkdir(parents=True)
    (dmi / "product_name").write_text("Standard PC (Q35 + ICH9, 2009)\n")
    monkeypatch.setenv("PYIGNITION_HOST_ROOT", str(tmp_path))
    rc, _, err = _run("-validate", "-from-cloudsigma-metadata")
    assert rc == 1
    assert "-from-cloudsigma-metadata: this is not CloudSigma" in err


def test_applying_to_the_running_system_needs_root(
    broken: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    rc, _, err = _run("-from-file", str(broken))
    assert rc == 1
    assert "applying to the running system (/) needs root" in err


def test_unknown_flags_and_oems() -> None:
    assert _run("-frobnicate")[0] == 2
    rc, out, _ = _run("-validate", "-oem", "nowhere", "-from-file", "x")
    assert rc == 2
    assert out.startswith("Invalid option to -oem")


def test_config_drive_and_waagent_directories(tmp_path: Path) -> None:
    drive = tmp_path / "drive" / "openstack" / "latest"
    drive.mkdir(parents=True)
    (drive / "user_data").write_bytes(b"#cloud-config\nbogus: 1\n")
    assert _run("-validate", "-from-configdrive", str(tmp_path / "drive"))[0] == 1
    (tmp_path / "CustomData").write_bytes(b"#cloud-config\nhostname: a\n")
    assert _run("-validate", "-from-waagent", str(tmp_path))[0] == 0


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/user-data":
            body = BROKEN
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_from_url(server: str) -> None:
    rc, _, err = _run("-validate", "-from-url", f"{server}/user-data")
    assert rc == 1
    assert f"at {server}/user-data:3:1 (bogus)" in err
    rc, _, err = _run("-validate", "-from-url", f"{server}/nothing")
    assert rc == 1
    assert "no user data at" in err


def test_from_proc_cmdline(server: str, tmp_path: Path) -> None:
    cmdline = tmp_path / "cmdline"
    cmdline.write_text(f"root=/dev/sda1 cloud-config-url={server}/user-data quiet\n")
    got = sources.from_proc_cmdline(str(cmdline)).fetch()
    assert got.data == BROKEN
    assert sources.cmdline_url("a cloud_config_url=http://x/1 b") == "http://x/1"
    cmdline.write_text("quiet\n")
    with pytest.raises(sources.SourceError, match="no cloud-config-url"):
        sources.from_proc_cmdline(str(cmdline)).fetch()


def test_version() -> None:
    rc, out, _ = _run("-version")
    assert rc == 0
    assert out.startswith("coreos-cloudinit ")
