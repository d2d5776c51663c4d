"""The engine's cloud-config step (ignition/engine/cloudconfig.py) and what it relies on: the
decision (apply, defer, not a config), metadata asked only when needed, logs located and
without values, the /etc/environment addresses, and coreos-cloudinit's live activation."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudinit import activate
from cloudinit.convert import convert
from cloudinit.metadata import Metadata
from cloudinit.render import redacted
from ignition.config.model import Config, File, Resource, Storage, Systemd, Unit
from ignition.engine.cloudconfig import CloudConfigUse, mode_from_cmdline
from ignition.engine.userdata import to_config
from ignition.errors import ConfigError
from ignition.log import Logger
from ignition.report import Diagnostic, Severity
from ignition.stages.files.environment import merge
from providers.base import InstanceMetadata
from tests.conftest import ListSink

IGNITION = b'{"ignition": {"version": "3.4.0"}}'
CLOUD = b"#cloud-config\nwrite_files:\n  - path: /etc/a\n    content: $private_ipv4\n"


def test_redacted_keeps_places_and_key_names_but_no_values() -> None:
    def d(message: str, path: tuple[str | int, ...] = ("coreos", "units", 0, "command")) -> str:
        return redacted(Diagnostic(Severity.ERROR, path, message, 7, 16), "ud")

    assert d("invalid value s3cret-start") == (
        "ud:7:16: error: coreos.units[0].command: invalid value <redacted>"
    )
    assert d("'pa$$word' is not a valid host name", ("hostname",)) == (
        "ud:7:16: error: hostname: <redacted> is not a valid host name"
    )
    assert d('unrecognized key "bogus"', ("bogus",)) == (
        'ud:7:16: error: bogus: unrecognized key "bogus"'
    )
    assert d('content cannot be decoded as "b64": bad', ("write_files", 0, "content")) == (
        'ud:7:16: error: write_files[0].content: content cannot be decoded as "b64": bad'
    )
    assert (
        d('owner "x\\"y" is odd')
        == "ud:7:16: error: coreos.units[0].command: owner <redacted> is odd"
    )


def test_the_kernel_argument_decides_and_a_bad_value_fails_only_for_cloud_config(
    logger: Logger, log_sink: ListSink
) -> None:
    assert mode_from_cmdline({}) == "apply"
    assert mode_from_cmdline({"pyignition.cloudconfig": "Defer"}) == "defer"
    bad = CloudConfigUse(mode_from_cmdline({"pyignition.cloudconfig": "later"}))
    assert to_config(IGNITION, source="s", log=logger, cloud_config=bad) is not None
    with pytest.raises(ConfigError, match=r"pyignition\.cloudconfig='later' is not valid"):
        to_config(CLOUD, source="s", log=logger, cloud_config=bad)
    assert to_config(CLOUD, source="s", log=logger, cloud_config=CloudConfigUse("defer")) is None
    assert "coreos-cloudinit handles it after boot" in log_sink.text
    assert to_config(CLOUD, source="base.d/x.ign", log=logger) is None  # base, referenced


def test_metadata_is_asked_only_for_cloud_config(logger: Logger, log_sink: ListSink) -> None:
    asked: list[int] = []

    def metadata() -> InstanceMetadata:
        asked.append(1)
        return InstanceMetadata(private_ipv4="10.1.1.1", ssh_public_keys=("k1",))

    use = CloudConfigUse(metadata=metadata)
    assert to_config(IGNITION, source="s", log=logger, cloud_config=use) is not None
    assert asked == []
    cfg = to_config(CLOUD, source="s", log=logger, cloud_config=use)
    assert asked == [1]
    assert cfg is not None
    files = {f.path: f for f in cfg.storage.files}
    assert files["/etc/a"].contents.source == "data:,10.1.1.1"
    assert "platform metadata: private_ipv4, 1 SSH keys" in log_sink.text
    assert "10.1.1.1" not in log_sink.text


def test_failure_is_one_located_line_without_values(logger: Logger, log_sink: ListSink) -> None:
    secret_hash = "$6$salt$SECRETHASHSECRETHASHSECRETHASH"
    ud = (
        b"#cloud-config\nusers:\n  - name: x\n    passwd: " + secret_hash.encode() + b"\n"
        b"  - passwd: orphan-secret\n"
        b"write_files:\n  - path: /run/x\n    content: topsecretcontent\n"
    )
    with pytest.raises(ConfigError) as info:
        to_config(ud, source="ud", log=logger, cloud_config=CloudConfigUse())
    message = str(info.value)
    assert "\n" not in message
    assert message == (
        "cloud-config from ud cannot be applied: ud:5:5: error: users[1]: user has no name: "
        "coreos-cloudinit skips such an entry (and 1 more, logged above)"
    )
    assert "ud:7:11: error: write_files[0].path: /run/x cannot be written" in log_sink.text
    for secret in (secret_hash, "orphan-secret", "topsecretcontent"):
        assert secret not in log_sink.text


def test_metadata_of_a_provider_with_the_coreos_environment_as_fallback() -> None:
    env = {"COREOS_PRIVATE_IPV4": "192.0.2.1", "COREOS_PUBLIC_IPV6": "2001:db8::1"}
    inst = InstanceMetadata(hostname="h", private_ipv4="10.0.0.1", ssh_public_keys=("k",))
    assert Metadata.of(inst, env) == Metadata(
        hostname="h", private_ipv4="10.0.0.1", public_ipv6="2001:db8::1", ssh_public_keys=("k",)
    )
    assert Metadata.of(None, env).private_ipv4 == "192.0.2.1"
    assert Metadata.of(None) == Metadata()


def test_environment_file_holds_the_addresses_unless_the_user_writes_it() -> None:
    md = Metadata(private_ipv4="10.0.0.2", public_ipv4="203.0.113.2")
    conv = convert(b"#cloud-config\n", metadata=md)
    assert conv.config is not None
    (env,) = conv.config.storage.files
    assert (env.path, env.overwrite, env.contents.source) == ("/etc/environment", None, None)
    assert [a.source for a in env.append] == [
        "data:,COREOS_PRIVATE_IPV4%3D10.0.0.2%0ACOREOS_PUBLIC_IPV4%3D203.0.113.2%0A"
    ]
    own = b"#cloud-config\nwrite_files:\n  - path: /etc/environment\n    content: A=1\n"
    conv = convert(own, metadata=md)
    assert conv.config is not None
    (env,) = conv.config.storage.files
    assert env.contents.source == "data:,A%3D1"
    assert convert(b"#cloud-config\n").config == convert(b"").config  # no addresses: no file


def test_the_engine_takes_the_environment_as_variables_not_as_an_appended_file() -> None:
    md = Metadata(private_ipv4="10.0.0.2", public_ipv4="203.0.113.2")
    conv = convert(b"#cloud-config\n", metadata=md, environment_file=False)
    assert conv.config is not None
    assert conv.config.storage.files == ()
    assert conv.environment == (
        ("COREOS_PRIVATE_IPV4", "10.0.0.2"),
        ("COREOS_PUBLIC_IPV4", "203.0.113.2"),
    )
    own = b"#cloud-config\nwrite_files:\n  - path: /etc/environment\n    content: A=1\n"
    assert convert(own, metadata=md, environment_file=False).environment == ()


def test_merge_replaces_names_in_place_drops_repeats_and_appends_the_missing() -> None:
    old = "A=1\nCOREOS_PUBLIC_IPV4=old\nB=2\nCOREOS_PUBLIC_IPV4=older\nC=3"
    env = {"COREOS_PRIVATE_IPV4": "10.0.0.2", "COREOS_PUBLIC_IPV4": "203.0.113.2"}
    merged = merge(old, env)
    assert merged == (
        "A=1\nCOREOS_PUBLIC_IPV4=203.0.113.2\nB=2\nC=3\nCOREOS_PRIVATE_IPV4=10.0.0.2\n"
    )
    assert merge(merged, env) == merged
    assert merge("", env) == "COREOS_PRIVATE_IPV4=10.0.0.2\nCOREOS_PUBLIC_IPV4=203.0.113.2\n"


def _live_config() -> Config:
    script = "[Service]\nExecStart=/bin/bash /var/lib/coreos-cloudinit/scripts/setup.sh\n"
    return Config(
        storage=Storage(
            files=(
                File(path="/etc/hostname", contents=Resource(source="data:,n1%0A")),
                File(path="/etc/systemd/network/00-eth0.network"),
                File(path="/etc/coreos/update.conf"),
            )
        ),
        systemd=Systemd(
            units=(
                Unit(name="docker-tcp.socket", enabled=True),
                Unit(name="coreos-cloudinit-commands.service", enabled=True),
                Unit(name="coreos-cloudinit-setup.sh.service", enabled=True, contents=script),
                Unit(name="coreos-cloudinit-mine.service", contents="[Service]\n"),
            )
        ),
    )


def test_locksmith_follows_the_reboot_strategy() -> None:
    masked = Config(systemd=Systemd(units=(Unit(name="locksmithd.service", mask=True),)))
    assert activate.commands(masked, "", {"REBOOT_STRATEGY"})[-1] == [
        "systemctl",
        "stop",
        "--no-block",
        "locksmithd.service",
    ]
    assert activate.commands(Config(), "", {"REBOOT_STRATEGY"})[-1][1] == "restart"
    assert activate.commands(Config(), "", set()) == [["systemctl", "daemon-reload"]]


def test_live_activation_does_what_coreos_cloudinit_did_over_dbus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, logger: Logger, log_sink: ListSink
) -> None:
    ran: list[list[str]] = []
    monkeypatch.setattr(activate, "SYSTEMD_RUNNING", str(tmp_path / "nope"))
    activate.activate(_live_config(), logger, ran.append)
    assert ran == []
    assert "take effect at the next boot" in log_sink.text
    monkeypatch.setattr(activate, "SYSTEMD_RUNNING", str(tmp_path))
    written = {"/etc/hostname": "n1\n", "/etc/coreos/update.conf": "GROUP=beta\n"}
    monkeypatch.setattr(activate, "read", written.__getitem__)
    activate.activate(_live_config(), logger, ran.append)
    enabled = ["docker-tcp.socket", "coreos-cloudinit-commands.service"]
    assert ran == [
        ["systemctl", "daemon-reload"],
        ["systemctl", "enable", "--", *enabled, "coreos-cloudinit-setup.sh.service"],
        ["hostnamectl", "set-hostname", "--", "n1"],
        ["systemctl", "restart", "systemd-networkd.service"],
        ["systemctl", "restart", "--no-block", "update-engine.service"],
        [
            "systemctl",
            "start",
            "--no-block",
            "--",
            "coreos-cloudinit-commands.service",
            "coreos-cloudinit-setup.sh.service",
        ],
    ]
