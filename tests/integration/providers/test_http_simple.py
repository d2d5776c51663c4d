"""Every one-GET metadata platform against its stand-in: config present, absent (404 and empty
body), service errors (5xx retried, then success; 5xx until -fetch-timeout), slow answers, and
the headers each real service requires."""

from __future__ import annotations

import base64
import itertools

import pytest

from tests.integration.providers.harness import Machine, config_for
from tests.integration.providers.standin import Answer, StandIn

# platform -> (path, headers the real service demands, 404 means "no config", base64 body)
PLATFORMS: dict[str, tuple[str, dict[str, str], bool, bool]] = {
    "aliyun": ("/latest/user-data", {}, True, False),
    "exoscale": ("/1.0/user-data", {}, True, False),
    "hetzner": ("/hetzner/v1/userdata", {}, True, False),
    "upcloud": ("/metadata/v1/user_data", {}, True, False),
    "vultr": ("/user-data/user-data", {}, True, False),
    "gcp": (
        "/computeMetadata/v1/instance/attributes/user-data",
        {"Metadata-Flavor": "Google"},
        True,
        False,
    ),
    "digitalocean": ("/metadata/v1/user-data", {}, False, False),
    "oraclecloud": (
        "/opc/v2/instance/metadata/user_data",
        {"Authorization": "Bearer Oracle"},
        True,
        True,
    ),
    "scaleway": ("/user_data/cloud-init", {}, True, False),
    "packet": ("/userdata", {"Accept": "*/*"}, False, False),
}


def _body(platform: str) -> bytes:
    cfg = config_for(platform)
    return base64.b64encode(cfg) + b"\n" if PLATFORMS[platform][3] else cfg


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_config_present(platform: str, machine: Machine, server: StandIn) -> None:
    path, required, _, _ = PLATFORMS[platform]
    server.route("GET", path, Answer(200, _body(platform), require=required, missing_status=403))
    res = machine.run(platform, origin=server.origin)
    assert res.got(platform), res.out
    (req,) = server.hits("GET", path)
    for name, value in required.items():
        assert req.headers[name.lower()] == value
    assert config_for(platform).decode() not in res.out  # user data is never logged


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_not_found(platform: str, machine: Machine, server: StandIn) -> None:
    path, _, not_found_is_empty, _ = PLATFORMS[platform]
    server.route("GET", path, Answer(404))
    res = machine.run(platform, origin=server.origin)
    if not_found_is_empty:
        assert res.empty(), res.out
    else:  # DigitalOcean and Equinix Metal: the reference treats 404 as fatal
        assert res.code == 1, res.out
        assert "not found" in res.out
        assert res.cache is None


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_empty_body_is_no_config(platform: str, machine: Machine, server: StandIn) -> None:
    server.route("GET", PLATFORMS[platform][0], Answer(200, b""))
    res = machine.run(platform, origin=server.origin)
    assert res.empty(), res.out


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_server_errors_are_retried(platform: str, machine: Machine, server: StandIn) -> None:
    path = PLATFORMS[platform][0]
    server.route("GET", path, Answer(500), Answer(503), Answer(200, _body(platform)))
    res = machine.run(platform, origin=server.origin)
    assert res.got(platform), res.out
    hits = server.hits("GET", path)
    assert len(hits) == 3
    gaps = [b.at - a.at for a, b in itertools.pairwise(hits)]
    assert gaps[0] > 0.15  # 200 ms, then 400 ms
    assert gaps[1] > 0.3
    if platform != "scaleway":  # a random privileged port may be in use: one more attempt
        assert gaps[0] < 0.6
        assert gaps[1] < 1.0
    assert sum(gaps) < 3.0


@pytest.mark.parametrize("platform", ["gcp", "hetzner", "digitalocean"])
def test_errors_until_the_fetch_timeout(platform: str, machine: Machine, server: StandIn) -> None:
    server.route("GET", PLATFORMS[platform][0], Answer(500))
    res = machine.run(platform, origin=server.origin, fetch_timeout="3s")
    assert res.code == 1, res.out
    assert "unable to fetch resource in time" in res.out
    assert res.seconds < 15


@pytest.mark.parametrize("platform", ["vultr", "gcp"])
def test_slow_answer(platform: str, machine: Machine, server: StandIn) -> None:
    server.route("GET", PLATFORMS[platform][0], Answer(200, _body(platform), delay=2.0))
    res = machine.run(platform, origin=server.origin)
    assert res.got(platform), res.out
    assert res.seconds >= 2.0


def test_oraclecloud_retries_429(machine: Machine, server: StandIn) -> None:
    path = PLATFORMS["oraclecloud"][0]
    server.route("GET", path, Answer(429), Answer(200, _body("oraclecloud")))
    assert machine.run("oraclecloud", origin=server.origin).got("oraclecloud")
    assert len(server.hits("GET", path)) == 2


def test_oraclecloud_bad_base64_is_fatal(machine: Machine, server: StandIn) -> None:
    server.route("GET", PLATFORMS["oraclecloud"][0], Answer(200, b"{not base64}"))
    res = machine.run("oraclecloud", origin=server.origin)
    assert res.code == 1
    assert "not valid base64" in res.out


def test_other_4xx_is_fatal_without_retry(machine: Machine, server: StandIn) -> None:
    server.route("GET", PLATFORMS["gcp"][0], Answer(403))
    res = machine.run("gcp", origin=server.origin)
    assert res.code == 1
    assert len(server.hits("GET", PLATFORMS["gcp"][0])) == 1


def test_scaleway_uses_a_privileged_source_port(machine: Machine, server: StandIn) -> None:
    import os

    if os.geteuid() != 0:
        pytest.skip("binding a port below 1024 needs root")
    path = PLATFORMS["scaleway"][0]
    server.route("GET", path, Answer(500), Answer(200, _body("scaleway")))
    assert machine.run("scaleway", origin=server.origin).got("scaleway")
    assert all(1 <= r.client_port <= 1022 for r in server.hits("GET", path))


def test_fetch_offline_asks_for_the_network(machine: Machine, server: StandIn) -> None:
    server.route("GET", PLATFORMS["hetzner"][0], Answer(200, _body("hetzner")))
    res = machine.run("hetzner", origin=server.origin, stage="fetch-offline")
    assert res.code == 0
    assert res.neednet
    assert res.cache is None
    assert server.requests == []
