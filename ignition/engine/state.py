"""Cross-stage state: the JSON file at ``--state-file`` (``/run/ignition/state``).

Stages run as separate processes; whatever one stage leaves for a later one travels here (no
hidden global state). Format and field names are the reference's, so tooling that reads the
file keeps working. Directory 0700, file 0600 (it holds LUKS keys between disks and files),
written atomically, only after a successful stage. Reading it checks every field's JSON type
with the config library's shape walker (the same Go-worded messages as for a config), so a
corrupt or hand-edited file is one :class:`StateError` naming the file and the JSON path.
"""

from __future__ import annotations

import os

from ignition.util import leanjson
from ignition.util.errors import IgnitionError
from ignition.util.record import field, record

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import Any


class StateError(IgnitionError):
    pass


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
        from ignition.util.limits import config_size, read_file

        limit = config_size()  # it holds at most what the config gave (LUKS keys)
        try:
            raw = read_file(path, limit)
        except FileNotFoundError:
            return cls()
        except OSError as exc:
            raise StateError(f"couldn't read state file {path}: {exc.strerror}") from None
        if raw is None:
            raise StateError(f"state file {path} is larger than {limit} bytes")
        return cls.loads(raw, path)

    @classmethod
    def loads(cls, raw: bytes, path: str) -> State:
        """:meth:`load` for bytes already read from ``path``."""
        try:
            data = leanjson.loads(raw)
        except (ValueError, RecursionError):
            raise StateError(f"state file {path} is not valid JSON") from None
        if not _as_written(data):
            data = _checked(path, data)
        # null means the zero value, as for Go's decoder
        return cls(
            fetched_configs=[
                FetchedConfig(c.get("kind") or "", c.get("source") or "", bool(c.get("referenced")))
                for c in data.get("fetchedConfigs") or []
                if c is not None
            ],
            luks_persist_key_files=_strings(data.get("luksPersistKeyFiles")),
            notated_directories=[d or "" for d in data.get("notatedDirectories") or []],
            provider_output_files=[f for f in data.get("providerOutputFiles") or [] if f],
            luks_persist_volume_key_files=_strings(data.get("luksPersistVolumeKeyFiles")),
            cloud_config_environment=_strings(data.get("cloudConfigEnvironment")),
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
                fh.write(leanjson.dumps(self.as_json()) + "\n")
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise


def _list(items: dict[str, Any], go: str) -> dict[str, Any]:
    return {"type": ["array", "null"], "x-go-type": go, "items": items}


def _map(go: str) -> dict[str, Any]:
    return {"type": ["object", "null"], "x-go-type": go, "additionalProperties": _STRING}


_STRING: dict[str, Any] = {"type": ["string", "null"], "x-go-type": "string"}
# The file's schema in the dialect of schema/ignition/*.json; provider output files are the
# config's own File objects, checked against the newest spec's definition.
SCHEMA: dict[str, Any] = {
    "type": "object",
    "x-go-type": "state.State",
    "properties": {
        "fetchedConfigs": _list(
            {
                "type": ["object", "null"],
                "x-go-type": "state.FetchedConfig",
                "properties": {
                    "kind": _STRING,
                    "source": _STRING,
                    "referenced": {"type": ["boolean", "null"], "x-go-type": "bool"},
                },
            },
            "[]state.FetchedConfig",
        ),
        "luksPersistKeyFiles": _map("map[string]string"),
        "notatedDirectories": _list(_STRING, "[]string"),
        "providerOutputFiles": _list({"$ref": "#/definitions/file"}, "[]types.File"),
        "luksPersistVolumeKeyFiles": _map("map[string]string"),
        "cloudConfigEnvironment": _map("map[string]string"),
    },
}


_FETCHED = {"kind": str, "source": str, "referenced": bool}
_MAPS = ("luksPersistKeyFiles", "luksPersistVolumeKeyFiles", "cloudConfigEnvironment")
_KEYS = {"fetchedConfigs", "notatedDirectories", "providerOutputFiles", *_MAPS}


def _as_written(data: Any) -> bool:
    """Is ``data`` a state as :meth:`State.save` writes it (exact keys, right types, no
    provider output files)? Then the schema walk, which needs the whole config schema for
    ``providerOutputFiles``, would accept it unchanged; anything else gets that walk."""
    if data.__class__ is not dict or not data.keys() <= _KEYS or data.get("providerOutputFiles"):
        return False
    fetched = data.get("fetchedConfigs")
    if fetched is not None and not (
        fetched.__class__ is list and all(_fetched_as_written(c) for c in fetched)
    ):
        return False
    dirs = data.get("notatedDirectories")
    if dirs is not None and not (
        dirs.__class__ is list and all(d is None or d.__class__ is str for d in dirs)
    ):
        return False
    for name in _MAPS:
        m = data.get(name)
        if m is not None and not (
            m.__class__ is dict and all(v is None or v.__class__ is str for v in m.values())
        ):
            return False
    return data.get("providerOutputFiles") in (None, [])


def _fetched_as_written(c: Any) -> bool:
    return c.__class__ is dict and all(
        k in _FETCHED and (v is None or v.__class__ is _FETCHED[k]) for k, v in c.items()
    )


def _checked(path: str, data: Any) -> dict[str, Any]:
    """``data`` with every field of the right JSON type (unknown keys dropped), or an error."""
    from ignition.config import shape
    from ignition.config.model import LATEST_VERSION
    from ignition.config.report import dotted
    from ignition.config.schemas import load

    definitions = load("ignition", LATEST_VERSION).get("definitions", {})
    checked = shape.check_shape(data, shape.compile_schema(SCHEMA, definitions))
    if checked.type_errors:
        first = checked.type_errors[0]
        raise StateError(f"state file {path} is corrupt at {dotted(first.path)}: {first.message}")
    tree: dict[str, Any] = checked.tree or {}
    return tree


def _strings(value: dict[str, str | None] | None) -> dict[str, str]:
    return {k: v or "" for k, v in (value or {}).items()}
