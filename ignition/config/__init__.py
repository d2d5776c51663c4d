"""The config frontend: bytes in, a typed config of the newest spec and one report out."""
