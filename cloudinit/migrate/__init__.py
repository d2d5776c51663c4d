"""``ignition-convert``'s other two input dialects, written as Butane.

* :mod:`cloudinit.migrate.canonical`: canonical cloud-init's ``#cloud-config``;
* :mod:`cloudinit.migrate_ct`: a Container Linux Config (ct's input); beside this package,
  not in it: it runs ct's own translation, so it depends on both frontends.

coreos-cloudinit's ``#cloud-config`` goes through :mod:`cloudinit.butane`, the conversion the
engine itself applies. :mod:`cloudinit.migrate.dialect` tells the three apart.
"""
