"""The engine's cloud-config step (ignition/engine/cloudconfig.py) and what it relies on: the
decision (apply, defer, not a config), metadata asked only when needed, logs located and
without values, the /etc/environment addresses, and coreos-cloudinit's live activation."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudinit.convert import convert
from cloudinit.metadata import Metadata
from cloudinit.render import redacted
from ignition.config.model import Config, File, Resource, Storage, Systemd, Unit
from ignition.config.report import Diagnostic, Severity
from ignition.engine.cloudconfig import PLATFORM, CloudConfigUse, mode_from_cmdline
from ignition.engine.coreos_cloudinit import activate
from ignition.engine.userdata import to_config
from ignition.stages.files.environment import merge
from ignition.util.errors import ConfigError
from ignition.util.log import Logger
from providers.base import InstanceMetadata, NetworkConfig
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


def _netconf_use(network: NetworkConfig | None, netconf: str = PLATFORM) -> CloudConfigUse:
    return CloudConfigUse(metadata=lambda: InstanceMetadata(network=network), netconf=netconf)


DEBIAN = b"auto eth0.7\niface eth0.7 inet static\n address 10.7.0.2\n netmask 255.255.255.0\n"
BOND = b"iface bond0 inet dhcp\n bond-slaves eth0\n bond-mode 1\n"


def test_the_platforms_network_description_becomes_networkd_files(
    logger: Logger, log_sink: ListSink
) -> None:
    use = _netconf_use(NetworkConfig("debian", DEBIAN + BOND))
    cfg = to_config(b"#cloud-config\n", source="s", log=logger, cloud_config=use)
    assert cfg is not None
    files = {f.path: f for f in cfg.storage.files}
    assert sorted(files) == [
        "/etc/modprobe.d/coreos-cloudinit-bonding.conf",
        "/etc/systemd/network/00-bond0.netdev",
        "/etc/systemd/network/00-bond0.network",
        "/etc/systemd/network/00-eth0.7.netdev",
        "/etc/systemd/network/00-eth0.7.network",
        "/etc/systemd/network/01-eth0.network",
    ]
    assert files["/etc/modprobe.d/coreos-cloudinit-bonding.conf"].contents.source == (
        "data:,options%20bonding%20mode%3D1%0A"
    )
    assert files["/etc/systemd/network/00-bond0.network"].mode == 0o644
    assert "debian network configuration: 5 networkd files" in log_sink.text
    assert "10.7.0.2" not in log_sink.text
    # live: coreos-cloudinit loaded the modules before restarting networkd
    assert activate.kernel_modules(cfg) == ["8021q", "bonding"]
    assert activate.commands(cfg, "", set())[-1] == [
        "systemctl",
        "restart",
        "systemd-networkd.service",
    ]
    assert ["modprobe", "8021q"] in activate.commands(cfg, "", set())


def test_a_user_data_network_unit_replaces_a_generated_one(logger: Logger) -> None:
    ud = (
        b"#cloud-config\ncoreos:\n  units:\n    - name: 00-eth0.7.network\n"
        b"      content: |\n        [Match]\n        Name=eth0.7\n"
    )
    conv = convert(ud, metadata=Metadata(network_files=(("00-eth0.7.network", "generated\n"),)))
    assert conv.config is not None
    (f,) = conv.config.storage.files
    assert f.contents.source == "data:,%5BMatch%5D%0AName%3Deth0.7%0A"
    assert any("written twice: this later entry replaces" in d.message for d in conv.report)


def test_which_network_descriptions_the_engine_and_the_flag_take(logger: Logger) -> None:
    packet = NetworkConfig(
        "packet", {"interfaces": [{"name": "enp1s0", "mac": "0c:00:00:00:00:01"}]}
    )
    # the engine: only what coreos-cloudinit's OEMs converted (not Equinix Metal's)
    cfg = to_config(CLOUD_NONE, source="s", log=logger, cloud_config=_netconf_use(packet))
    assert cfg is not None
    assert cfg.storage.files == ()
    # -convert-netconf packet: converted
    cfg = to_config(CLOUD_NONE, source="s", log=logger, cloud_config=_netconf_use(packet, "packet"))
    assert cfg is not None
    assert [f.path for f in cfg.storage.files][-1] == "/etc/systemd/network/00-bond0.network"
    # "" (coreos-cloudinit without the flag): nothing
    debian = NetworkConfig("debian", DEBIAN)
    cfg = to_config(CLOUD_NONE, source="s", log=logger, cloud_config=_netconf_use(debian, ""))
    assert cfg is not None
    assert cfg.storage.files == ()
    with pytest.raises(ConfigError, match="network configuration is in the debian format"):
        to_config(CLOUD_NONE, source="s", log=logger, cloud_config=_netconf_use(debian, "vmware"))
    with pytest.raises(ConfigError, match="-convert-netconf vmware: the source gives no network"):
        to_config(CLOUD_NONE, source="s", log=logger, cloud_config=_netconf_use(None, "vmware"))
    bad = NetworkConfig("debian", b"iface eth0 inet static\n")
    with pytest.raises(
        ConfigError, match="cannot be converted: line 1 \\(eth0\\): missing address"
    ):
        to_config(CLOUD_NONE, source="s", log=logger, cloud_config=_netconf_use(bad))


CLOUD_NONE = b"#cloud-config\n"


def test_script_units_are_found_whatever_the_workspace() -> None:
    conv = convert(b"#!/bin/sh\ntrue\n", workspace="/opt/w")
    assert conv.config is not None
    (unit,) = conv.config.systemd.units
    assert "ExecStart=/bin/bash /opt/w/scripts/user-data\n" in (unit.contents or "")
    assert activate.runs_script(unit)
    assert not activate.runs_script(Unit(name="x.service", contents="ExecStart=/bin/bash /x\n"))
