"""The provider protocol: what a platform (``--platform``/``ignition.platform.id``) supplies.

A provider returns the raw user-data bytes, or ``None`` for "this platform has no config"
(the reference's ``ErrEmpty``: not an error). Detecting, parsing and validating are the
engine's job, so cloud-config and scripts work on every platform. All retry, timeout, TLS and
decompression logic lives in the shared fetcher (:attr:`ProviderContext.fetcher`), which
providers use for their metadata services (extra headers, extra retried status codes, a PUT
for tokens, own timeouts: :class:`ignition.fetch.FetchOptions`).

Optional hooks, with the reference's defaults: :meth:`Provider.init` runs at the start of every
stage (AWS: IMDSv2 token, region hint); :meth:`Provider.metadata` describes the machine for
cloud-config user data (asked only when the user data is cloud-config);
:meth:`Provider.status` reports a stage's outcome (Equinix Metal, and Azure's report-ready);
:meth:`Provider.delete_config` backs ``ignition-rmcfg`` (VMware, VirtualBox). A provider that
leaves files for the files stage (Hyper-V KVP pool files) appends them to
:attr:`ProviderContext.output_files`, which the engine stores in the state's
``providerOutputFiles``.
"""

from __future__ import annotations

from ignition.util.errors import IgnitionError
from ignition.util.record import field, record

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import Any, ClassVar

    from ignition.fetch.fetcher import ResourceFetcher
    from ignition.system.paths import Paths
    from ignition.util.log import Logger


class ProviderError(IgnitionError):
    """The platform could not be asked (fatal: the reference does not fall through)."""


@record(frozen=False)
class ProviderContext:
    fetcher: ResourceFetcher  # offline in fetch-offline: network fetches raise NeedsNetwork
    log: Logger
    paths: Paths
    stage: str
    fetch_timeout: float | None = 120.0  # -fetch-timeout: bounds waits for the network
    # coreos-cloudinit's -from-ec2-metadata URL (etc.): the metadata service lives there
    metadata_base: str | None = None
    # spec File objects (JSON) for the files stage, kept in the state (Hyper-V KVP pools)
    output_files: list[dict[str, Any]] = field(default_factory=list)


@record
class NetworkConfig:
    """The platform's description of the machine's network, in one of coreos-cloudinit's
    ``-convert-netconf`` formats: ``debian`` (an interfaces file's bytes), ``digitalocean``
    (the decoded ``v1.json``), ``packet`` (the decoded ``network`` object), ``vmware`` (the
    guestinfo keys, ``guestinfo.`` dropped). Turned into networkd files by
    :mod:`cloudinit.netconf`."""

    format: str
    data: object


@record
class InstanceMetadata:
    """What the platform says about this machine, as coreos-cloudinit's datasources did: the
    host name, the addresses ``$private_ipv4`` and friends stand for, SSH keys for ``core``
    and the network description. An empty string is "not known"."""

    hostname: str = ""
    public_ipv4: str = ""
    private_ipv4: str = ""
    public_ipv6: str = ""
    private_ipv6: str = ""
    ssh_public_keys: tuple[str, ...] = ()
    network: NetworkConfig | None = None

    def known(self) -> list[str]:
        """The names of the fields that have a value (what logs may say: never the values)."""
        names = [n for n in ADDRESS_FIELDS if getattr(self, n)]
        if self.hostname:
            names.insert(0, "hostname")
        if self.ssh_public_keys:
            names.append(f"{len(self.ssh_public_keys)} SSH keys")
        if self.network is not None:
            names.append(f"network config ({self.network.format})")
        return names


ADDRESS_FIELDS = ("public_ipv4", "private_ipv4", "public_ipv6", "private_ipv6")


class Provider:
    """Base class with the reference's defaults for the optional hooks."""

    name: ClassVar[str] = ""

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        """Raw user data, or None when the platform has none."""
        raise NotImplementedError

    def init(self, ctx: ProviderContext) -> None:
        """Prepare the fetcher (credentials, region hints); runs at the start of every stage."""

    def metadata(self, ctx: ProviderContext) -> InstanceMetadata | None:
        """The machine's metadata, or None when the platform offers none."""
        return None

    def status(self, ctx: ProviderContext, stage: str, error: BaseException | None) -> None:
        """Report the outcome of a stage to the platform (failures here are only logged)."""

    def delete_config(self, ctx: ProviderContext) -> None:
        raise ProviderError("cannot delete config on this platform")
