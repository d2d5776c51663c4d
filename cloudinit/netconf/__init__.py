"""``-convert-netconf``: the platform's network configuration as systemd-networkd files.

coreos-cloudinit turned the network description of four sources into ``.netdev`` and
``.network`` files (its ``network`` package); so does this package, with the same file names
(``<depth>-<name>``, the depth making lower devices sort first), sections and line order:

* ``debian``: an ifupdown ``interfaces`` file, as OpenStack/Rackspace config drives carry it
  (``meta_data.json``'s ``network_config.content_path``) — :mod:`cloudinit.netconf.debian`;
* ``digitalocean``: ``metadata/v1.json``'s ``interfaces`` and ``dns``;
* ``packet``: Equinix Metal's ``/metadata`` ``network`` (a bond over every interface);
* ``vmware``: the guestinfo keys ``interface.N.*`` and ``dns.*``.

Pure: decoded input in, :class:`Netconf` out. Where coreos-cloudinit wrote a file networkd
rejects (``Address=<nil>``, a hexadecimal mask) or crashed, here is a :class:`NetconfError`
naming the interface and option, never the value (metadata is not for logs).
"""

from __future__ import annotations

import importlib

from ignition.util.record import record

# the registry: format name (from the command line or the platform) -> its module
FORMATS = {
    "debian": "cloudinit.netconf.debian",
    "digitalocean": "cloudinit.netconf.digitalocean",
    "packet": "cloudinit.netconf.packet",
    "vmware": "cloudinit.netconf.vmware",
}
NETWORK_DIR = "/etc/systemd/network"
MAX_INTERFACES = 64  # a machine has a handful; more is hostile input


class NetconfError(Exception):
    """The network configuration cannot be converted (message without values)."""


@record
class Netconf:
    """The generated files (name, contents) in coreos-cloudinit's order, the bonding module's
    options (what it passed to ``modprobe bonding``), whether 802.1q is needed, and what was
    not carried over."""

    files: tuple[tuple[str, str], ...] = ()
    bonding_options: str = ""
    bond: bool = False
    vlan: bool = False
    warnings: tuple[str, ...] = ()


def generate(fmt: str, data: object) -> Netconf:
    """The files for ``data`` in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise NetconfError(
            f"unsupported network config format {fmt!r} (supported: {', '.join(FORMATS)})"
        )
    module = importlib.import_module(FORMATS[fmt])
    result: Netconf = module.process(data)
    return result
