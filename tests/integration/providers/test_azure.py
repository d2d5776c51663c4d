"""Azure: IMDS user data, then the provisioning medium's CustomData.bin, then the wireserver
health report; Azure Stack: the medium only."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.integration.providers import images
from tests.integration.providers.harness import Machine, config_for
from tests.integration.providers.standin import Answer, StandIn

IMDS = "/metadata/instance/compute/userData?api-version=2021-01-01&format=text"
VERSIONS, GOAL, HEALTH = "/?comp=versions", "/machine/?comp=goalstate", "/machine/?comp=health"
GOAL_XML = (
    b'<?xml version="1.0" encoding="utf-8"?><GoalState><Version>2012-11-30</Version>'
    b"<Incarnation>7</Incarnation><Container><ContainerId>cont-1</ContainerId>"
    b"<RoleInstanceList><RoleInstance><InstanceId>inst-1</InstanceId></RoleInstance>"
    b"</RoleInstanceList></Container></GoalState>"
)
VERSIONS_XML = (
    b'<?xml version="1.0" encoding="utf-8"?><Versions><Preferred><Version>2015-04-05'
    b"</Version></Preferred><Supported><Version>2015-04-05</Version><Version>2012-11-30"
    b"</Version></Supported></Versions>"
)
WS_HEADERS = {"x-ms-version": "2012-11-30"}


def _wireserver(server: StandIn) -> None:
    server.route("GET", VERSIONS, Answer(200, VERSIONS_XML))
    server.route("GET", GOAL, Answer(200, GOAL_XML, require=WS_HEADERS))
    server.route("POST", HEALTH, Answer(200, require=WS_HEADERS))


def _health(server: StandIn) -> ET.Element:
    (post,) = server.hits("POST", HEALTH)
    assert post.headers["content-type"].startswith("text/xml")
    return ET.fromstring(post.body)


def _medium(tmp: Path, files: dict[str, bytes], style: str = "udf") -> Path:
    return images.iso(
        tmp, "rd_rdfe_stable", {"ovf-env.xml": b"<Environment/>", **files}, style=style
    )


def _attach(machine: Machine, image: Path, name: str = "sr0") -> None:
    machine.put(f"/sys/class/block/{name}/dev", "11:0\n")
    (machine.host / "dev").mkdir(exist_ok=True)
    shutil.copyfile(image, machine.host / "dev" / name)


def test_imds_user_data_then_ready(machine: Machine, server: StandIn) -> None:
    body = base64.b64encode(config_for("azure"))
    server.route("GET", IMDS, Answer(200, body, require={"Metadata": "true"}))
    _wireserver(server)
    res = machine.run("azure", origin=server.origin)
    assert res.got("azure"), res.out
    health = _health(server)
    assert health.findtext("GoalStateIncarnation") == "7"
    assert health.findtext("Container/ContainerId") == "cont-1"
    assert health.findtext("Container/RoleInstanceList/Role/InstanceId") == "inst-1"
    assert health.findtext("Container/RoleInstanceList/Role/Health/State") == "Ready"


def test_imds_retries_404_410_429(machine: Machine, server: StandIn) -> None:
    body = base64.b64encode(config_for("azure"))
    server.route("GET", IMDS, Answer(404), Answer(410), Answer(429), Answer(200, body))
    _wireserver(server)
    assert machine.run("azure", origin=server.origin).got("azure")
    assert len(server.hits("GET", IMDS)) == 4


def test_empty_imds_reads_custom_data_from_the_medium(
    machine: Machine, server: StandIn, tmp_path: Path
) -> None:
    server.route("GET", IMDS, Answer(200, b""))
    _wireserver(server)
    _attach(machine, _medium(tmp_path, {"CustomData.bin": config_for("azure")}))
    res = machine.run("azure", origin=server.origin)
    assert res.got("azure"), res.out
    assert _health(server).findtext(".//State") == "Ready"


def test_medium_appearing_late(machine: Machine, server: StandIn, tmp_path: Path) -> None:
    server.route("GET", IMDS, Answer(200, b""))
    _wireserver(server)
    image = _medium(tmp_path, {"CustomData.bin": config_for("azure")})
    timer = threading.Timer(2.5, _attach, args=(machine, image))
    timer.start()
    try:
        res = machine.run("azure", origin=server.origin)
    finally:
        timer.cancel()
    assert res.got("azure"), res.out
    assert res.seconds > 2.5


def test_medium_without_custom_data_is_no_config(
    machine: Machine, server: StandIn, tmp_path: Path
) -> None:
    server.route("GET", IMDS, Answer(200, b"\n"))
    _wireserver(server)
    _attach(machine, _medium(tmp_path, {}))
    assert machine.run("azure", origin=server.origin).empty()


def test_a_medium_without_ovf_env_is_not_the_one(
    machine: Machine, server: StandIn, tmp_path: Path
) -> None:
    server.route("GET", IMDS, Answer(200, b""))
    _wireserver(server)
    other = images.iso(tmp_path, "other", {"CustomData.bin": b"{}"}, style="udf")
    _attach(machine, other, "sr1")
    _attach(machine, _medium(tmp_path, {"CustomData.bin": config_for("azure")}), "sr0")
    assert machine.run("azure", origin=server.origin).got("azure")


def test_imds_error_is_fatal_and_reported(machine: Machine, server: StandIn) -> None:
    server.route("GET", IMDS, Answer(400))
    _wireserver(server)
    res = machine.run("azure", origin=server.origin)
    assert res.code == 1
    health = _health(server)
    assert health.findtext(".//State") == "NotReady"
    assert health.findtext(".//SubStatus") == "ProvisioningFailed"
    assert "fetch stage failed" in (health.findtext(".//Description") or "")


def test_invalid_config_is_reported_without_its_content(machine: Machine, server: StandIn) -> None:
    secret = b'{"ignition": {"version": "3.4.0"}, "passwd": "hunter2-secret"'
    server.route("GET", IMDS, Answer(200, base64.b64encode(secret)))
    _wireserver(server)
    res = machine.run("azure", origin=server.origin)
    assert res.code == 1
    assert b"hunter2" not in server.hits("POST", HEALTH)[0].body
    assert "hunter2" not in res.out


def test_wireserver_down_does_not_fail_the_stage(machine: Machine, server: StandIn) -> None:
    server.route("GET", IMDS, Answer(200, base64.b64encode(config_for("azure"))))
    server.route("GET", VERSIONS, Answer(403))
    res = machine.run("azure", origin=server.origin)
    assert res.got("azure"), res.out
    assert "POST Status error" in res.out


def test_fetch_offline_needs_network(machine: Machine, server: StandIn) -> None:
    res = machine.run("azure", origin=server.origin, stage="fetch-offline")
    assert res.code == 0
    assert res.neednet
    assert server.requests == []


def test_azurestack_reads_an_iso9660_medium(
    machine: Machine, server: StandIn, tmp_path: Path
) -> None:
    _wireserver(server)
    image = _medium(tmp_path, {"CustomData.bin": config_for("azurestack")}, style="rockridge")
    _attach(machine, image)
    start = time.monotonic()
    res = machine.run("azurestack", origin=server.origin)
    assert res.got("azurestack"), res.out
    assert time.monotonic() - start < 20
    assert _health(server).findtext(".//State") == "Ready"
    assert server.hits("GET", IMDS) == []


def test_a_crashing_stage_is_reported_without_its_message(
    machine: Machine, server: StandIn
) -> None:
    """An unexpected exception (a bug) in a stage still tells Azure the stage failed, as any
    stage failure does, with nothing of the exception's message."""
    _wireserver(server)
    secret = "hunter2-secret"
    cache = machine.tmp / "cache.json"
    cache.write_text('{"ignition": {"version": "3.4.0"}}')
    code = (
        "import sys, ignition.stages.files as f\n"
        f"def bug(ctx):\n    raise KeyError({secret!r})\n"
        "f.run = bug\n"
        "from ignition.commands.cli import main\n"
        "sys.exit(main())\n"
    )
    env = {
        **os.environ,
        "PYIGNITION_HOST_ROOT": str(machine.host),
        "PYIGNITION_METADATA_ORIGIN": server.origin,
        "IGNITION_SYSTEM_CONFIG_DIR": str(machine.tmp / "sys-lib"),
    }
    argv = [sys.executable, "-c", code, "-platform", "azure", "-stage", "files"]
    argv += ["-root", str(machine.tmp / "root"), "-config-cache", str(cache)]
    argv += ["-state-file", str(machine.tmp / "state"), "-log-to-stdout"]
    p = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 1
    assert "ignition: internal error in the files stage (a bug" in p.stderr
    health = _health(server)
    assert health.findtext(".//State") == "NotReady"
    text = health.findtext(".//Description") or ""
    assert "internal error in the files stage" in text
    assert secret not in text
    assert secret not in p.stdout + p.stderr
