"""Property tests for what later stages read: the config cache, the state file and the kernel
command line. Whatever the bytes: a result or one clean error naming the file, never another
exception. Example counts scale with ``PYIGNITION_FUZZ_SCALE``."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ignition.config import codec
from ignition.config.model import LATEST_VERSION, Config
from ignition.config.parse import parse
from ignition.engine import cache
from ignition.engine.cmdline import parse_cmdline, split_args
from ignition.engine.state import State, StateError
from ignition.util.errors import ConfigError
from tests.unit.config.fullconfigs import full_v3
from tests.unit.config.helpers import examples
from tests.unit.config.strategies import json_values

FUZZ = settings(
    max_examples=examples(200),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
NAME = "/run/ignition.json"
STAGES = [None, "kargs", "disks", "mount", "umount", "files"]


def _full_cache() -> dict[str, Any]:
    result = parse(json.dumps(full_v3(LATEST_VERSION)).encode())
    assert result.config is not None, result.report.ignition_text()
    tree: dict[str, Any] = codec.encode(result.config)
    return tree


CACHE = _full_cache()
STATE = {
    "fetchedConfigs": [{"kind": "base", "source": "system", "referenced": False}],
    "luksPersistKeyFiles": {"v": "data:,k"},
    "notatedDirectories": ["/var/home"],
    "providerOutputFiles": [{"path": "/a", "contents": {"source": "data:,x"}, "mode": 384}],
    "luksPersistVolumeKeyFiles": None,
    "cloudConfigEnvironment": {"COREOS_PUBLIC_IPV4": "1.2.3.4"},
}


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def retyped(draw: st.DrawFn, seed: dict[str, Any]) -> bytes:
    """``seed`` with a few values replaced by random JSON (wrong types, nulls, deep nesting),
    then perhaps cut or with a byte flipped."""
    doc = json.loads(json.dumps(seed))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(doc)))
        if not path:
            continue
        parent = doc
        for p in path[:-1]:
            parent = parent[p]
        parent[path[-1]] = draw(json_values)
    raw = json.dumps(doc).encode()
    op = draw(st.sampled_from(["none", "none", "none", "cut", "flip"]))
    at = draw(st.integers(0, len(raw) - 1))
    if op == "cut":
        return raw[:at]
    if op == "flip":
        return raw[:at] + bytes([raw[at] ^ draw(st.integers(1, 255))]) + raw[at + 1 :]
    return raw


def read_cache(raw: bytes, stage: str | None) -> None:
    error: str | None = None
    try:
        cfg = cache.loads(raw, NAME, stage)
    except ConfigError as exc:
        error = str(exc)
    if error is not None:
        assert NAME in error
        assert "\n" not in error
    else:
        assert isinstance(cfg, Config)
        codec.encode(cfg)


@FUZZ
@given(raw=retyped(CACHE), stage=st.sampled_from(STAGES))
def test_fuzz_cache_retyped(raw: bytes, stage: str | None) -> None:
    read_cache(raw, stage)


@FUZZ
@given(raw=st.binary(max_size=200), stage=st.sampled_from(STAGES))
def test_fuzz_cache_random_bytes(raw: bytes, stage: str | None) -> None:
    read_cache(raw, stage)


@FUZZ
@given(value=json_values, stage=st.sampled_from(STAGES))
def test_fuzz_cache_random_json_under_our_version(value: Any, stage: str | None) -> None:
    read_cache(
        json.dumps({"ignition": {"version": LATEST_VERSION}, "storage": value}).encode(), stage
    )
    read_cache(json.dumps(value).encode(), stage)


def read_state(raw: bytes) -> None:
    error: str | None = None
    try:
        state = State.loads(raw, "/run/ignition/state")
    except StateError as exc:
        error = str(exc)
    if error is not None:
        assert "/run/ignition/state" in error
    else:  # what the stages rely on
        assert all(isinstance(c.kind, str) and isinstance(c.referenced, bool)
                   for c in state.fetched_configs)  # fmt: skip
        assert all(isinstance(d, str) for d in state.notated_directories)
        for table in (state.luks_persist_key_files, state.cloud_config_environment,
                      state.luks_persist_volume_key_files):  # fmt: skip
            assert all(isinstance(k, str) and isinstance(v, str) for k, v in table.items())
        assert all(isinstance(f, dict) for f in state.provider_output_files)
        json.dumps(state.as_json())


@FUZZ
@given(raw=retyped(STATE))
def test_fuzz_state_retyped(raw: bytes) -> None:
    read_state(raw)


@FUZZ
@given(raw=st.one_of(st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode())))
def test_fuzz_state_random(raw: bytes) -> None:
    read_state(raw)


WORDS = st.sampled_from(
    [b"ignition.config.url=", b"http://x/y", b"=", b'"', b" ", b"\t", b"\n", b"\x00", b"\xff",
     b"\xc3", b"ignition.config.device=", b"cloud-config-url=", b"a", b"=="]
)  # fmt: skip


@FUZZ
@given(raw=st.one_of(st.binary(max_size=300), st.lists(WORDS, max_size=40).map(b"".join)))
def test_fuzz_kernel_command_line(raw: bytes) -> None:
    args = parse_cmdline(raw)
    for key, value in args.items():
        assert isinstance(key, str)
        assert isinstance(value, str)
        assert not any(c in key + value for c in " \t\n\r\x00")
    assert len(split_args(raw)) >= len(args)
    again = raw.decode("utf-8", "surrogateescape")
    assert parse_cmdline(again).keys() == args.keys()


@FUZZ
@given(text=st.text(max_size=200))
def test_fuzz_kernel_command_line_text(text: str) -> None:
    for key, value in parse_cmdline(text).items():
        key.encode()
        value.encode()  # always valid UTF-8, whatever came in
