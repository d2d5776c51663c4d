"""coreos-cloudinit's cloud-config: validation, conversion to the Ignition model, Butane.

A pure frontend (bytes in, typed result and report out; no I/O outside the ``*cli`` and
``sources`` modules). The entry points:

* :func:`cloudinit.validate.validate` — ``coreos-cloudinit -validate``: the reference's verdict
  and report lines, each finding with its true position and path.
* :func:`cloudinit.convert.convert` — user data (``#cloud-config``, ``#!`` script, MIME
  multipart, gzip) → an ``ignition.config.model.Config`` of the newest spec, the origin of every
  output path, and one report; what the engine applies.
* :func:`cloudinit.butane.to_butane` — that conversion as Butane, for migrating users.
"""
