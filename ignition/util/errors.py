"""Exceptions that end a stage, drawn as one tree (callers catch at the level they need).

    IgnitionError
    ├── ConfigError          the config could not be obtained or is invalid (report attached)
    ├── FetchError           a resource could not be fetched or did not verify
    │   └── NotFound         HTTP 404 and friends (some providers treat it as "no config")
    ├── StageError           a stage failed (message names what and where)
    └── UsageError           bad command line (exit 2)

Messages never contain secrets: URLs are redacted, config bodies are never quoted.
"""

from __future__ import annotations


class IgnitionError(Exception):
    pass


class ConfigError(IgnitionError):
    pass


class FetchError(IgnitionError):
    pass


class NotFound(FetchError):
    pass


class StageError(IgnitionError):
    pass


class UsageError(IgnitionError):
    pass
