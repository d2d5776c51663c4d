"""``coreos-cloudinit``'s run time: where the user data and metadata come from (``sources``),
applying them to a root (``apply``), and what follows on a running system (``activate``)."""
