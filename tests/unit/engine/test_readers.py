"""The files later stages read (config cache, state file, kernel command line) are input too:
a corrupt or wrongly typed one is one clean error naming the file and the JSON path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ignition.config.model import LATEST_VERSION, Config
from ignition.engine import cache
from ignition.engine.cmdline import CMDLINE_MAX, parse_cmdline, read_args, split_args
from ignition.engine.state import FetchedConfig, State, StateError
from ignition.util.errors import ConfigError

IGN = {"ignition": {"version": LATEST_VERSION}}


def write(tmp_path: Path, data: bytes | str | object, name: str = "f.json") -> str:
    p = tmp_path / name
    if isinstance(data, bytes):
        p.write_bytes(data)
    elif isinstance(data, str):
        p.write_text(data)
    else:
        p.write_text(json.dumps(data))
    return str(p)


# --------------------------------------------------------------------------- cache


WRONG_TYPES = [
    ("kargs", "$.kernelArguments.shouldExist", {"kernelArguments": {"shouldExist": "abc"}}),
    ("files", "$.storage.files.0.path", {"storage": {"files": [{"path": 7}]}}),
    (None, "$.storage.files", {"storage": {"files": "x"}}),
    ("mount", "$.storage.filesystems.0.device", {"storage": {"filesystems": [{"device": 5}]}}),
    ("files", "$.passwd.users.0.groups", {"passwd": {"users": [{"name": "a", "groups": "g"}]}}),
    ("files", "$.systemd.units.0.enabled", {"systemd": {"units": [{"enabled": "yes"}]}}),
    ("disks", "$.storage.disks.0.wipeTable", {"storage": {"disks": [{"wipeTable": 1}]}}),
]


@pytest.mark.parametrize(("stage", "where", "sections"), WRONG_TYPES)
def test_cache_with_a_wrong_type_names_file_and_path(
    tmp_path: Path, stage: str | None, where: str, sections: dict[str, object]
) -> None:
    path = write(tmp_path, {**IGN, **sections})
    with pytest.raises(ConfigError) as exc:
        cache.read(path, stage)
    assert str(exc.value).startswith(f"cached config {path} is corrupt at {where}: json: ")


def test_a_stage_does_not_read_sections_it_does_not_use(tmp_path: Path) -> None:
    path = write(tmp_path, {**IGN, "storage": {"files": [{"path": 7}]}})
    assert cache.read(path, "kargs").kernel_arguments.should_exist == ()


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"", "not a config (empty)"),
        (b"{", "line 1 col 2: unexpected end of JSON input"),
        (b'{"ignition": [1]}', "line 1 col 15: json: cannot unmarshal array"),
        (b'{"ignition": "x"}', "json: cannot unmarshal string"),
        (b"[" * 100_000, "document nested too deeply"),
        (b"\xff\xfe\x00", "invalid character"),
        (b'{"ignition": {"version": "3.1.0"}, "storage": {"files": [{"path": "rel"}]}}',
         "$.storage.files.0.path, line 1 col 67: path not absolute"),
    ],
)  # fmt: skip
def test_unparsable_cache_is_one_located_error(tmp_path: Path, raw: bytes, says: str) -> None:
    path = write(tmp_path, raw)
    with pytest.raises(ConfigError) as exc:
        cache.read(path, "files")
    assert str(exc.value).startswith(f"couldn't parse cached config {path}: ")
    assert says in str(exc.value)


def test_cache_of_an_older_spec_is_still_read(tmp_path: Path) -> None:
    path = write(
        tmp_path, {"ignition": {"version": "3.1.0"}, "storage": {"files": [{"path": "/a"}]}}
    )
    assert isinstance(cache.read(path, "files"), Config)


def test_unreadable_cache(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="couldn't read cached config"):
        cache.read(str(tmp_path), "files")  # a directory
    with pytest.raises(ConfigError, match="the fetch stage must run first"):
        cache.read(str(tmp_path / "none"), "files")


# --------------------------------------------------------------------------- state


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ([1, 2], "$: json: cannot unmarshal array into Go value of type state.State"),
        ({"fetchedConfigs": [{"kind": 5}]}, "$.fetchedConfigs.0.kind"),
        ({"fetchedConfigs": {"a": 1}}, "$.fetchedConfigs"),
        ({"fetchedConfigs": [{"referenced": "yes"}]}, "$.fetchedConfigs.0.referenced"),
        ({"notatedDirectories": "abc"}, "$.notatedDirectories"),
        ({"notatedDirectories": [1]}, "$.notatedDirectories.0"),
        ({"luksPersistKeyFiles": [1]}, "$.luksPersistKeyFiles"),
        ({"luksPersistKeyFiles": {"a": 1}}, "$.luksPersistKeyFiles.a"),
        ({"luksPersistVolumeKeyFiles": {"a": {}}}, "$.luksPersistVolumeKeyFiles.a"),
        ({"cloudConfigEnvironment": {"COREOS_X": True}}, "$.cloudConfigEnvironment.COREOS_X"),
        ({"providerOutputFiles": [{"path": 1}]}, "$.providerOutputFiles.0.path"),
        ({"providerOutputFiles": [{"path": "/a", "contents": {"source": []}}]},
         "$.providerOutputFiles.0.contents.source"),
    ],
)  # fmt: skip
def test_state_with_a_wrong_type_names_file_and_path(
    tmp_path: Path, data: object, where: str
) -> None:
    path = write(tmp_path, data)
    with pytest.raises(StateError) as exc:
        State.load(path)
    assert str(exc.value).startswith(f"state file {path} is corrupt at {where}")


@pytest.mark.parametrize("raw", [b"", b"{", b"\xff", b"[" * 100_000, b"nul"])
def test_state_that_is_not_json(tmp_path: Path, raw: bytes) -> None:
    path = write(tmp_path, raw)
    with pytest.raises(StateError, match=f"state file {path} is not valid JSON"):
        State.load(path)


def test_state_nulls_and_unknown_keys_read_as_go_would(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "fetchedConfigs": [None, {"kind": "user", "source": None, "referenced": None}],
            "notatedDirectories": [None, "/home"],
            "luksPersistKeyFiles": {"a": None},
            "providerOutputFiles": None,
            "later": {"field": 1},
        },
    )
    st = State.load(path)
    assert st.fetched_configs == [FetchedConfig("user", "", False)]
    assert st.notated_directories == ["", "/home"]
    assert st.luks_persist_key_files == {"a": ""}
    assert st.provider_output_files == []


def test_state_round_trip(tmp_path: Path) -> None:
    st = State(
        fetched_configs=[FetchedConfig("base", "system", False)],
        luks_persist_key_files={"v": "data:,k"},
        notated_directories=["/var/home"],
        provider_output_files=[{"path": "/a", "contents": {"source": "data:,x"}, "mode": 384}],
        cloud_config_environment={"COREOS_PUBLIC_IPV4": "1.2.3.4"},
    )
    path = str(tmp_path / "state")
    st.save(path)
    assert State.load(path) == st
    assert State.load(str(tmp_path / "missing")) == State()
    with pytest.raises(StateError, match="couldn't read state file"):
        State.load(str(tmp_path))


# --------------------------------------------------------------------------- kernel command line


def test_cmdline_hostile_bytes() -> None:
    assert parse_cmdline(b"a=1\x00b=2\tc=\xff\xfe d") == {
        "a": "1",
        "b": "2",
        "c": "\ufffd\ufffd",
        "d": "",
    }
    assert parse_cmdline('x="a b" y="') == {
        "x": '"a',
        'b"': "",
        "y": '"',
    }  # quotes: as the reference
    assert parse_cmdline("k=\ud800") == {
        "k": "\ufffd\ufffd\ufffd"
    }  # a lone surrogate from str input
    assert split_args(b"=v k= k2") == [("", "v"), ("k", ""), ("k2", None)]
    assert parse_cmdline("") == {}
    assert parse_cmdline("\x00" * 10) == {}


def test_cmdline_file_is_bounded(tmp_path: Path) -> None:
    big = tmp_path / "cmdline"
    big.write_bytes(b"a=" + b"x" * CMDLINE_MAX)
    with pytest.raises(ConfigError, match="is larger than"):
        read_args(str(big))
    with pytest.raises(ConfigError, match="couldn't read kernel command line"):
        read_args(str(tmp_path))
    assert read_args(str(tmp_path / "missing")) == {}
    big.write_bytes(b"ignition.config.url=http://x/\x00y quiet\n")
    assert read_args(str(big))["ignition.config.url"] == "http://x/"
