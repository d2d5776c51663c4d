"""Cloud-config user data applied by the engine.

A ``#cloud-config`` document, a ``#!`` script or a MIME multipart message of those is
converted by :func:`cloudinit.convert.convert` into an Ignition config, which the later stages
apply like any other: files, units, users under the target root at first boot. The machine's
metadata (host name, the addresses ``$private_ipv4`` and friends stand for, SSH keys) comes
from the platform's provider, asked only for such user data, and so does the network
description that becomes networkd files where coreos-cloudinit's OEM flags converted it
(``-convert-netconf``: DigitalOcean, VMware, OpenStack config drives). What cannot be
expressed is a located error and nothing is applied; diagnostics are logged with their place,
never with the document's values.

Flatcar's way (no config here; coreos-cloudinit runs the user data after boot) stays one
kernel argument away: ``pyignition.cloudconfig=defer`` (docs/deviations.md C27).

This module is light (every fetch stage imports it); ``cloudinit`` is imported only when the
user data is cloud-config.
"""

from __future__ import annotations

from ignition.util.errors import ConfigError

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from cloudinit.convert import Conversion
    from cloudinit.netconf import Netconf
    from ignition.config.detect import UserData
    from ignition.config.model import Config
    from ignition.util.log import Logger
    from providers.base import InstanceMetadata

KARG = "pyignition.cloudconfig"
APPLY, DEFER = "apply", "defer"
PLATFORM = "platform"  # netconf: the platform's network description, in these formats
# the formats coreos-cloudinit's -oem table converted (digitalocean, rackspace-onmetal's
# config drive, vmware); its packet OEM left Equinix Metal's network to the image
PLATFORM_FORMATS = ("debian", "digitalocean", "vmware")


class CloudConfigUse:
    """What to do with user data that is cloud-config (None in ``to_config``: Flatcar's "not
    a config", for base and referenced configs, which must be Ignition)."""

    __slots__ = ("env", "environment", "metadata", "mode", "netconf", "workspace")

    def __init__(
        self,
        mode: str = APPLY,
        metadata: Callable[[], InstanceMetadata | None] | None = None,
        env: Mapping[str, str] | None = None,
        netconf: str = PLATFORM,
        workspace: str | None = None,
    ) -> None:
        self.mode = mode  # the kernel argument's value, checked when cloud-config arrives
        self.metadata = metadata  # the provider's, asked only when needed
        self.env = env  # COREOS_* fallbacks (coreos-cloudinit's CLI only)
        # networkd files from the metadata's network description: PLATFORM (the engine: each
        # platform gives the format coreos-cloudinit's OEM flags chose), "" (none), or the
        # format coreos-cloudinit's -convert-netconf demands
        self.netconf = netconf
        self.workspace = workspace  # coreos-cloudinit's -workspace (None: its default)
        # out: the COREOS_* variables the files stage merges into /etc/environment (state)
        self.environment: dict[str, str] = {}

    def applies(self) -> bool:
        if self.mode not in (APPLY, DEFER):
            raise ConfigError(f"{KARG}={self.mode!r} is not valid: use {APPLY} or {DEFER}")
        return self.mode == APPLY


def mode_from_cmdline(args: Mapping[str, str]) -> str:
    """``pyignition.cloudconfig=apply|defer`` (the last one wins; default apply)."""
    return args.get(KARG, APPLY).strip().lower()


def to_config(ud: UserData, *, source: str, log: Logger, use: CloudConfigUse) -> Config:
    """The Ignition config equivalent to the cloud-config user data ``ud``.

    Raises :class:`ConfigError` (one line, located) when the conversion has errors."""
    try:
        from cloudinit.convert import convert
        from cloudinit.metadata import Metadata
    except ImportError as exc:
        raise ConfigError(
            f"user data from {source} is {ud.describe()}, and this installation lacks the "
            f"cloud-config frontend ({exc.name}) to apply it"
        ) from None

    log.info(
        f"user data from {source} is {ud.describe()}: "
        "applying it via conversion to an Ignition config"
    )
    instance = use.metadata() if use.metadata is not None else None
    if instance is not None:
        known = instance.known()
        log.info(f"platform metadata: {', '.join(known) if known else 'nothing'}")
    md = Metadata.of(instance, use.env, network(instance, use.netconf, log))
    extra = {"workspace": use.workspace} if use.workspace else {}
    conv = convert(ud.data, metadata=md, name=source, environment_file=False, **extra)
    log_conversion(conv, source, log)
    if conv.config is None:
        raise ConfigError(failure_line(conv, source))
    summarize(conv.config, log)
    use.environment = dict(conv.environment)
    return conv.config


def network(instance: InstanceMetadata | None, netconf: str, log: Logger) -> Netconf | None:
    """The networkd files of the metadata's network description, when ``netconf`` asks."""
    if not netconf:
        return None
    given = instance.network if instance is not None else None
    if netconf == PLATFORM and (given is None or given.format not in PLATFORM_FORMATS):
        return None
    if given is None:
        raise ConfigError(f"-convert-netconf {netconf}: the source gives no network configuration")
    if netconf not in (PLATFORM, given.format):
        raise ConfigError(
            f"-convert-netconf {netconf}: the source's network configuration is in the "
            f"{given.format} format"
        )
    from cloudinit.netconf import NetconfError, generate

    try:
        result = generate(given.format, given.data)
    except NetconfError as exc:
        raise ConfigError(
            f"the {given.format} network configuration cannot be converted: {exc}"
        ) from None
    for w in result.warnings:
        log.warning(f"{given.format} network configuration: {w}")
    log.info(
        f"{given.format} network configuration: {len(result.files)} networkd files "
        "(coreos-cloudinit's -convert-netconf)"
    )
    return result


def log_conversion(conv: Conversion, source: str, log: Logger) -> None:
    from cloudinit.render import redacted
    from ignition.util.log import log_report

    log_report(conv.report, log, lambda d: redacted(d, source))


def failure_line(conv: Conversion, source: str) -> str:
    """One line: how many errors, and the first one with its place."""
    from cloudinit.render import redacted

    errors = conv.report.errors
    more = f" (and {len(errors) - 1} more, logged above)" if len(errors) > 1 else ""
    return f"cloud-config from {source} cannot be applied: {redacted(errors[0], source)}{more}"


def summarize(cfg: Config, log: Logger) -> None:
    st = cfg.storage
    log.info(
        f"cloud-config converted: {len(st.files)} files, {len(st.links)} links, "
        f"{len(cfg.systemd.units)} units, {len(cfg.passwd.users)} users"
    )
