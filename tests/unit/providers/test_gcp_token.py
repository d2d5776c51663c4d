"""GCE service-account token for gs:// fetches, against an in-process metadata stand-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ignition.fetch.fetcher import ResourceFetcher
from ignition.system.paths import Paths
from ignition.util.log import Logger
from providers.base import ProviderContext
from providers.gcp import GcpProvider, storage_token
from tests.integration.providers.standin import Answer, StandIn, standin

ACCOUNT = "/computeMetadata/v1/instance/service-accounts/default"
FLAVOR = {"Metadata-Flavor": "Google"}


@pytest.fixture
def ctx(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ProviderContext, StandIn]]:
    with standin() as server:
        monkeypatch.setenv("PYIGNITION_METADATA_ORIGIN", server.origin)
        log = Logger()
        yield ProviderContext(ResourceFetcher(log), log, Paths(), "files"), server


def test_token_when_a_storage_scope_is_granted(ctx: tuple[ProviderContext, StandIn]) -> None:
    pctx, server = ctx
    scopes = b"https://www.googleapis.com/auth/logging.write\nhttps://www.googleapis.com/auth/devstorage.read_only\n"
    server.route("GET", f"{ACCOUNT}/scopes", Answer(200, scopes, require=FLAVOR))
    token = b'{"access_token":"ya29.tok","expires_in":3599,"token_type":"Bearer"}'
    server.route("GET", f"{ACCOUNT}/token", Answer(200, token, require=FLAVOR))
    GcpProvider().init(pctx)
    assert pctx.fetcher.cloud.gcs_token is not None
    assert server.requests == []  # asked only when a gs:// URL is fetched
    assert pctx.fetcher.cloud.gcs_token() == "ya29.tok"


def test_no_storage_scope_or_no_account_is_anonymous(
    ctx: tuple[ProviderContext, StandIn],
) -> None:
    pctx, server = ctx
    server.route(
        "GET", f"{ACCOUNT}/scopes", Answer(200, b"https://www.googleapis.com/auth/logging.write\n")
    )
    assert storage_token(pctx) is None
    assert server.hits("GET", f"{ACCOUNT}/token") == []
    server.route("GET", f"{ACCOUNT}/scopes", Answer(404))
    assert storage_token(pctx) is None
