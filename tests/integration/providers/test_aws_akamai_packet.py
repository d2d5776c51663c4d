"""AWS (IMDSv2 token, IMDSv1 fallback, the hop-limit trap), Akamai (token + base64/gzip) and
Equinix Metal (fatal 404, status events) against their stand-ins."""

from __future__ import annotations

import base64
import gzip
import json

from tests.integration.providers.harness import Machine, config_for
from tests.integration.providers.standin import Answer, StandIn

TOKEN, USER_DATA, REGION = (
    "/latest/api/token",
    "/2019-10-01/user-data",
    ("/latest/meta-data/placement/region"),
)
TOKEN_HDR = {"X-aws-ec2-metadata-token": "tok-123"}


def _imdsv2(server: StandIn, user_data: Answer) -> None:
    server.route("PUT", TOKEN, Answer(200, b"tok-123"))
    server.route("GET", REGION, Answer(200, b"eu-west-3", require=TOKEN_HDR, missing_status=401))
    server.route("GET", USER_DATA, user_data)


def test_aws_imdsv2(machine: Machine, server: StandIn) -> None:
    _imdsv2(server, Answer(200, config_for("aws"), require=TOKEN_HDR, missing_status=401))
    res = machine.run("aws", origin=server.origin)
    assert res.got("aws"), res.out
    (put,) = server.hits("PUT", TOKEN)  # one token per process, shared by init and fetch
    assert put.headers["x-aws-ec2-metadata-token-ttl-seconds"] == "21600"
    assert len(server.hits("GET", REGION)) == 1
    assert "tok-123" not in res.out  # tokens are never logged


def test_aws_user_data_404_is_no_config(machine: Machine, server: StandIn) -> None:
    _imdsv2(server, Answer(404))
    assert machine.run("aws", origin=server.origin).empty()


def test_aws_imdsv1_fallback_on_token_404(machine: Machine, server: StandIn) -> None:
    server.route("PUT", TOKEN, Answer(404))
    server.route("GET", USER_DATA, Answer(200, config_for("aws")))
    res = machine.run("aws", origin=server.origin)
    assert res.got("aws"), res.out
    assert "falling back to IMDSv1" in res.out
    assert "x-aws-ec2-metadata-token" not in server.hits("GET", USER_DATA)[0].headers
    assert "assuming us-east-1" in res.out  # no region: the reference's default


def test_aws_token_hang_falls_back_to_imdsv1(machine: Machine, server: StandIn) -> None:
    server.route("PUT", TOKEN, Answer(hang=True))
    server.route("GET", USER_DATA, Answer(200, config_for("aws")))
    res = machine.run("aws", origin=server.origin)
    assert res.got("aws"), res.out
    assert "HttpPutResponseHopLimit" in res.out
    assert 9.5 < res.seconds < 38, res.seconds  # one 10 s token wait (two 20 s fetches: 40)
    assert len(server.hits("PUT", TOKEN)) == 1


def test_aws_token_hang_on_an_imdsv2_only_instance(machine: Machine, server: StandIn) -> None:
    server.route("PUT", TOKEN, Answer(hang=True))
    server.route("GET", USER_DATA, Answer(401))
    res = machine.run("aws", origin=server.origin)
    assert res.code == 1
    assert "HttpPutResponseHopLimit" in res.out
    assert res.cache is None


def test_aws_token_refused_is_fatal(machine: Machine, server: StandIn) -> None:
    server.route("PUT", TOKEN, Answer(403))
    res = machine.run("aws", origin=server.origin)
    assert res.code == 1
    assert "IMDSv2 session token" in res.out


def test_aws_token_5xx_then_success(machine: Machine, server: StandIn) -> None:
    server.route("PUT", TOKEN, Answer(503), Answer(200, b"tok-123"))
    server.route("GET", REGION, Answer(200, b"eu-west-3"))
    server.route("GET", USER_DATA, Answer(200, config_for("aws"), require=TOKEN_HDR))
    assert machine.run("aws", origin=server.origin).got("aws")


def test_aws_fetch_offline_needs_network(machine: Machine, server: StandIn) -> None:
    res = machine.run("aws", origin=server.origin, stage="fetch-offline")
    assert res.code == 0
    assert res.neednet
    assert server.requests == []


AKAMAI_TOKEN, AKAMAI_DATA = "/v1/token", "/v1/user-data"
AKAMAI_HDR = {"Metadata-Token": "ak-tok"}


def test_akamai_base64_and_gzip(machine: Machine, server: StandIn) -> None:
    server.route(
        "PUT",
        AKAMAI_TOKEN,
        Answer(200, b"ak-tok", require={"Metadata-Token-Expiry-Seconds": "300"}),
    )
    body = base64.b64encode(gzip.compress(config_for("akamai")))
    server.route("GET", AKAMAI_DATA, Answer(200, body, require=AKAMAI_HDR, missing_status=401))
    res = machine.run("akamai", origin=server.origin)
    assert res.got("akamai"), res.out
    assert server.hits("GET", AKAMAI_DATA)[0].headers["accept"] == "*/*"


def test_akamai_plain_base64(machine: Machine, server: StandIn) -> None:
    server.route("PUT", AKAMAI_TOKEN, Answer(200, b"ak-tok"))
    server.route("GET", AKAMAI_DATA, Answer(200, base64.b64encode(config_for("akamai"))))
    assert machine.run("akamai", origin=server.origin).got("akamai")


def test_akamai_empty_and_404(machine: Machine, server: StandIn) -> None:
    server.route("PUT", AKAMAI_TOKEN, Answer(200, b"ak-tok"))
    server.route("GET", AKAMAI_DATA, Answer(200, b""))
    assert machine.run("akamai", origin=server.origin).empty()
    server.route("GET", AKAMAI_DATA, Answer(404))
    res = machine.run("akamai", origin=server.origin)
    assert res.code == 1  # every Akamai error is fatal


def test_packet_reports_status_events(machine: Machine, server: StandIn) -> None:
    server.route("GET", "/userdata", Answer(200, config_for("packet")))
    meta = {"phone_home_url": "http://tinkerbell.example.net/phone-home"}
    server.route("GET", "/metadata", Answer(200, json.dumps(meta).encode()))
    server.route("POST", "/events", Answer(201))
    assert machine.run("packet", origin=server.origin).got("packet")
    (event,) = server.hits("POST", "/events")
    assert json.loads(event.body) == {
        "state": "running",
        "message": "[fetch] Ignition status: finished successfully",
    }


def test_packet_reports_a_failure(machine: Machine, server: StandIn) -> None:
    server.route("GET", "/userdata", Answer(404))
    meta = {"phone_home_url": "http://tinkerbell.example.net/phone-home"}
    server.route("GET", "/metadata", Answer(200, json.dumps(meta).encode()))
    server.route("POST", "/events", Answer(200))
    res = machine.run("packet", origin=server.origin)
    assert res.code == 1
    (event,) = server.hits("POST", "/events")
    body = json.loads(event.body)
    assert body["state"] == "failed"
    assert body["message"].startswith("[fetch] Ignition error: ")
