"""Small pure parts of the engine: command line, durations, proxies, providers, cache."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

import providers
from ignition.commands.cli import parse_duration
from ignition.commands.cliargs import UsageError as FlagError
from ignition.config.model import Config, File, Ignition, Storage
from ignition.engine import cache
from ignition.engine.cmdline import parse_cmdline, read_source
from ignition.fetch.proxy import ProxySettings
from ignition.stages.files.units import split_instance
from ignition.util.errors import UsageError


def test_go_durations() -> None:
    assert parse_duration("2m") == 120
    assert parse_duration("1m30s") == 90
    assert parse_duration("500ms") == 0.5
    assert parse_duration("0") == 0
    with pytest.raises(FlagError):
        parse_duration("2 minutes")


def test_cmdline_last_key_wins_and_aliases(tmp_path: Path) -> None:
    assert parse_cmdline("a=1 b a=2 ignition.firstboot") == {
        "a": "2",
        "b": "",
        "ignition.firstboot": "",
    }
    p = tmp_path / "cmdline"
    p.write_text("flatcar.config.url=http://x/1 ignition.config.device=CFG\n")
    src = read_source(str(p))
    assert src.url == "http://x/1"
    assert src.device == "CFG"
    assert read_source(str(tmp_path / "missing")).url is None


@pytest.mark.parametrize(
    ("no_proxy", "host", "proxied"),
    [
        ((), "example.com", True),
        (("example.com",), "example.com", False),
        (("example.com",), "www.example.com", False),
        ((".example.com",), "example.com", True),
        ((".example.com",), "a.example.com", False),
        (("10.0.0.0/8",), "10.1.2.3", False),
        (("*",), "anything", False),
        (("example.com:8080",), "example.com", True),
        ((), "localhost", False),
        ((), "127.0.0.1", False),
        ((), "::1", False),
    ],
)
def test_no_proxy_rules(no_proxy: tuple[str, ...], host: str, proxied: bool) -> None:
    p = ProxySettings("proxy:3128", "", no_proxy)
    got = p.proxy_for("http", host, 80)
    assert (got == "http://proxy:3128") is proxied


def test_https_uses_only_https_proxy() -> None:
    assert ProxySettings("h:1", "", ()).proxy_for("https", "x.test", 443) is None
    assert ProxySettings("", "s:2", ()).proxy_for("https", "x.test", 443) == "http://s:2"


def test_provider_registry() -> None:
    assert providers.get("metal").name == "metal"
    assert providers.names() == sorted(providers.PROVIDERS)
    with pytest.raises(
        UsageError, match=r"known platforms are akamai, .*, file, .*, metal, .*zvm$"
    ):
        providers.get("nowhere")


def test_instances_group_by_template() -> None:
    assert split_instance("echo@bar.service") == ("echo@.service", "bar")
    assert split_instance("plain.service") == ("plain.service", "")


def test_cache_roundtrip_is_private_and_prunable(tmp_path: Path) -> None:
    path = tmp_path / "run/ignition.json"
    cfg = Config(
        ignition=Ignition(version="3.7.0-experimental"),
        storage=Storage(files=(File(path="/a"),)),
    )
    cache.write(str(path), cfg)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert cache.read(str(path)) == cfg
    assert cache.read(str(path), "kargs").storage.files == ()
    assert json.loads(path.read_text())["storage"]["files"][0]["path"] == "/a"


def test_cas_are_inlined_as_data_urls_for_later_stages() -> None:
    from ignition.config.model import TLS, HTTPHeader, Resource, Security, Verification
    from ignition.config.urls import decode_data_url
    from ignition.engine.acquire import inline_cas

    ca = Resource(
        source="https://ca.example.test/ca.pem",
        compression="gzip",
        http_headers=(HTTPHeader("X", "y"),),
        verification=Verification("sha512-" + "a" * 128),
    )
    cfg = Config(ignition=Ignition(version="3.4.0", security=Security(tls=TLS((ca,)))))
    out = inline_cas(cfg, (b"-----BEGIN CERTIFICATE-----\n",))
    (new,) = out.ignition.security.tls.certificate_authorities
    assert decode_data_url(new.source or "").data == b"-----BEGIN CERTIFICATE-----\n"
    assert new.compression is None
    assert new.http_headers == ()
    assert new.verification == ca.verification


def test_platforms_acting_in_every_stage_get_no_work_summary() -> None:
    import providers
    from ignition.engine.engine import _has_hooks

    assert _has_hooks(providers.get("aws"))  # init
    assert _has_hooks(providers.get("packet"))  # status
    assert not _has_hooks(providers.get("file"))
    assert not _has_hooks(providers.get("qemu"))


@pytest.mark.parametrize(
    "zone", ["UTC", "Europe/Paris", "America/St_Johns", "Asia/Kolkata", "Africa/Monrovia"]
)
def test_result_file_date_is_what_datetime_writes(
    zone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime
    import time

    from ignition.stages.files.result import local_time

    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        for when in (0, 1e9, 1.78e9 + 0.9, -1e9):  # Monrovia's 1970 offset has seconds
            dt = datetime.datetime.fromtimestamp(int(when), datetime.UTC).astimezone()
            assert local_time(when) == dt.isoformat(timespec="seconds").replace("+00:00", "Z")
    finally:
        monkeypatch.undo()
        time.tzset()
