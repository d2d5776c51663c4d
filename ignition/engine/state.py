"""Cross-stage state: the JSON file at ``--state-file`` (``/run/ignition/state``).

Stages run as separate processes; whatever one stage leaves for a later one travels here (no
hidden global state). Format and field names are the reference's, so tooling that reads the
file keeps working. Directory 0700, file 0600 (it holds LUKS keys between disks and files),
written atomically, only after a successful stage.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ignition.record import field, record


@record(frozen=False)
class FetchedConfig:
    kind: str  # "base" | "user"
    source: str
    referenced: bool

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "source": self.source, "referenced": self.referenced}


@record(frozen=False)
class State:
    fetched_configs: list[FetchedConfig] = field(default_factory=list)
    luks_persist_key_files: dict[str, str] = field(default_factory=dict)  # name -> data URL
    notated_directories: list[str] = field(default_factory=list)  # root-relative, by mount
    provider_output_files: list[dict[str, Any]] = field(default_factory=list)  # JSON File objects
    luks_persist_volume_key_files: dict[str, str] = field(default_factory=dict)
    # cloud-config's COREOS_* addresses, merged into /etc/environment by the files stage
    cloud_config_environment: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str) -> State:
        try:
            with open(path, "rb") as fh:
                data = json.load(fh)
        except FileNotFoundError:
            return cls()
        return cls(
            fetched_configs=[FetchedConfig(**c) for c in data.get("fetchedConfigs") or []],
            luks_persist_key_files=dict(data.get("luksPersistKeyFiles") or {}),
            notated_directories=list(data.get("notatedDirectories") or []),
            provider_output_files=list(data.get("providerOutputFiles") or []),
            luks_persist_volume_key_files=dict(data.get("luksPersistVolumeKeyFiles") or {}),
            cloud_config_environment=dict(data.get("cloudConfigEnvironment") or {}),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "fetchedConfigs": [c.as_json() for c in self.fetched_configs],
            "luksPersistKeyFiles": self.luks_persist_key_files or None,
            "notatedDirectories": self.notated_directories or None,
            "providerOutputFiles": self.provider_output_files or None,
            "luksPersistVolumeKeyFiles": self.luks_persist_volume_key_files or None,
            "cloudConfigEnvironment": self.cloud_config_environment or None,
        }

    def save(self, path: str) -> None:
        directory = os.path.dirname(path) or "."
        os.makedirs(directory, mode=0o700, exist_ok=True)
        # a unique name without the tempfile module (its imports cost every stage process)
        tmp = os.path.join(directory, f".state-{os.getpid()}-{os.urandom(4).hex()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(self.as_json(), fh)
                fh.write("\n")
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
