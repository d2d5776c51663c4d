"""pyignition: first-boot provisioning compatible with Ignition, Butane, ct and coreos-cloudinit."""

__version__ = "0.1.0"
