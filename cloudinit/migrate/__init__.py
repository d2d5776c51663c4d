"""``ignition-convert``'s other two input dialects, written as Butane.

* :mod:`cloudinit.migrate.canonical`: canonical cloud-init's ``#cloud-config``;
* :mod:`transpiler.ct.to_butane`: a Container Linux Config (ct's input).

coreos-cloudinit's ``#cloud-config`` goes through :mod:`cloudinit.butane`, the conversion the
engine itself applies. :mod:`cloudinit.migrate.dialect` tells the three apart.
"""
