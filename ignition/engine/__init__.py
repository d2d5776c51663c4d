"""The engine: acquire and assemble the config, then run one stage."""
