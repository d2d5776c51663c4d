"""Version detection and dispatch (docs/architecture.md, "How a config is read"), semver
helpers, upgrade."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ignition.config import versions
from ignition.config.parse import parse, validate_tree
from ignition.config.result import BAD_VERSION, EMPTY, UNSUPPORTED
from ignition.config.versions import SemVer, at_least, before, canonical, parse_semver
from tests.unit.config.helpers import examples, located


def doc(version: object) -> bytes:
    return json.dumps({"ignition": {"version": version}}).encode()


@pytest.mark.parametrize(
    ("raw", "failure"),
    [
        (b"", EMPTY),
        (b"null", BAD_VERSION),
        (b"{}", BAD_VERSION),
        (b'{"ignition":{}}', BAD_VERSION),
        (b'{"ignition":null}', BAD_VERSION),
        (b'{"ignition":{"version":null}}', BAD_VERSION),
        (doc(""), BAD_VERSION),
        (doc("3.0"), BAD_VERSION),
        (doc("3"), BAD_VERSION),
        (doc(" 3.5.0"), BAD_VERSION),
        (doc("3.5.0 "), BAD_VERSION),
        (doc("v3.5.0"), BAD_VERSION),
        (doc("3.5.0-"), BAD_VERSION),
        (doc("3.8.0"), UNSUPPORTED),
        (doc("4.0.0"), UNSUPPORTED),
        (doc("3.6.0-experimental"), UNSUPPORTED),
        (doc("3.5.0+build"), UNSUPPORTED),
        (doc("3.7.0"), UNSUPPORTED),
        (doc("1.0.0"), UNSUPPORTED),
        (doc("2.5.0"), UNSUPPORTED),
        (doc("2.2.0"), UNSUPPORTED),  # upstream: spec 2 is not supported (V12)
        (b'{"ignitionVersion":1}', BAD_VERSION),
        (b'{"ignitionVersion":1,"ignition":{"version":"1"}}', BAD_VERSION),
    ],
)
def test_refused_before_validation(raw: bytes, failure: str) -> None:
    result = parse(raw, legacy=False)
    assert (result.failure, result.config, len(result.report)) == (failure, None, 0)


@pytest.mark.parametrize(
    ("raw", "failure"),
    [
        (b'{"ignitionVersion":2}', BAD_VERSION),
        (b'{"ignitionVersion":"1"}', BAD_VERSION),
        (b'{"ignitionVersion":1.0}', BAD_VERSION),
        (b'{"ignitionVersion":true}', BAD_VERSION),
        (doc("2.5.0"), UNSUPPORTED),
        (doc("2.4.0-experimental"), UNSUPPORTED),
        (doc("1"), BAD_VERSION),
    ],
)
def test_refused_with_legacy(raw: bytes, failure: str) -> None:
    result = parse(raw, legacy=True)
    assert (result.failure, result.config) == (failure, None)


@pytest.mark.parametrize("version", versions.SPEC3)
def test_every_3x_version_is_accepted(version: str) -> None:
    for legacy in (False, True):
        result = parse(doc(version), legacy=legacy)
        assert result.failure is None
        assert result.version == version
        assert result.config is not None
        assert result.config.ignition.version == versions.LATEST
        assert len(result.report) == 0


@pytest.mark.parametrize("version", versions.SPEC2)
def test_every_2x_version_needs_legacy(version: str) -> None:
    assert parse(doc(version), legacy=False).failure == UNSUPPORTED
    result = parse(doc(version), legacy=True)
    assert result.version == version
    assert result.config is not None
    assert result.config.ignition.version == versions.LATEST


def test_spec1_needs_legacy() -> None:
    result = parse(b'{"ignitionVersion": 1}', legacy=True)
    assert result.version == "1"
    assert result.config is not None


def test_leading_zeros_are_tolerated() -> None:
    result = parse(doc("03.00.000"), legacy=False)
    assert result.version == "3.0.0"
    assert result.config is not None


def test_version_wins_over_ignition_version() -> None:
    raw = b'{"ignitionVersion":1,"ignition":{"version":"3.2.0"}}'
    result = parse(raw, legacy=True)
    assert result.version == "3.2.0"
    assert [d.message for d in result.report] == ["unused key ignitionVersion"]


STUB = 'struct { Version string "json:\\"version,omitempty\\"" }'


@pytest.mark.parametrize(
    ("raw", "message", "column"),
    [
        (b"[1]", "json: cannot unmarshal array into Go value of type util.versionStub", 2),
        (b"42", "json: cannot unmarshal number into Go value of type util.versionStub", 3),
        (
            b'{"ignition":"3.0.0"}',
            "json: cannot unmarshal string into Go struct field versionStub.ignition "
            f"of type {STUB}",
            20,
        ),
        (
            b'{"ignition":{"version":3}}',
            "json: cannot unmarshal number into Go struct field versionStub.ignition.version "
            "of type string",
            25,
        ),
        (
            b'{"ignition":{"version":["3.0.0"]}}',
            "json: cannot unmarshal array into Go struct field versionStub.ignition.version "
            "of type string",
            25,
        ),
        (
            b'{"IGNITION":{"Version":true}}',
            "json: cannot unmarshal bool into Go struct field versionStub.IGNITION.Version "
            "of type string",
            28,
        ),
    ],
)
def test_version_stub_type_errors(raw: bytes, message: str, column: int) -> None:
    result = parse(raw, legacy=False)
    assert (result.failure, result.config) == (None, None)
    assert [located(d) for d in result.report] == [("error", "-", 1, column, message)]


def test_semver() -> None:
    assert parse_semver("3.7.0-experimental") == SemVer(3, 7, 0, "experimental")
    assert parse_semver("1.2.3-rc.1+build.5") == SemVer(1, 2, 3, "rc.1", "build.5")
    assert str(SemVer(1, 2, 3, "rc.1", "b")) == "1.2.3-rc.1+b"
    for bad in ("1.2", "1.2.3.4", "a.b.c", "1.2.3-", "1.2.3+", ""):
        assert parse_semver(bad) is None
    assert canonical("3.0.0") == "3.0.0"
    assert canonical("2.4.0") == "2.4.0"
    assert canonical("1") is None
    assert canonical("3.9.0") is None


def test_version_order() -> None:
    order = ["1", *versions.SPEC2, *versions.SPEC3]
    for i, a in enumerate(order):
        for j, b in enumerate(order):
            assert at_least(a, b) is (i >= j)
            assert before(a, b) is (i < j)
    assert versions.is_spec2("1")
    assert versions.is_spec2("2.0.0")
    assert not versions.is_spec2("3.0.0")


def test_upgrade_masks_special_mode_bits_before_3_6() -> None:
    tree = {
        "storage": {
            "files": [{"path": "/f", "mode": 0o6755}],
            "directories": [{"path": "/d", "mode": 0o1777}, {"path": "/e"}],
        }
    }
    for version, file_mode, dir_mode in (("3.5.0", 0o755, 0o777), ("3.6.0", 0o6755, 0o1777)):
        cfg, report = validate_tree({"ignition": {"version": version}, **tree}, version)
        assert cfg is not None, list(report)
        assert cfg.storage.files[0].mode == file_mode
        assert [d.mode for d in cfg.storage.directories] == [dir_mode, None]
        assert cfg.ignition.version == versions.LATEST


def test_validate_tree_reports_paths_without_positions() -> None:
    tree = {
        "ignition": {"version": "3.4.0"},
        "storage": {"files": [{"path": "x", "mode": "420"}]},
        "extra": 1,
    }
    cfg, report = validate_tree(tree, "3.4.0")
    assert cfg is None
    assert [(d.path, d.line, d.message) for d in report] == [
        (
            ("storage", "files", 0, "mode"),
            None,
            "json: cannot unmarshal string into Go struct field Config.storage.files.0.mode "
            "of type int",
        )
    ]
    del tree["storage"]["files"][0]["mode"]  # type: ignore[index]
    cfg, report = validate_tree(tree, "3.4.0")
    assert cfg is None
    assert [(d.severity, d.path, d.message) for d in report] == [
        ("error", ("storage", "files", 0, "path"), "path not absolute"),
        ("warning", ("extra",), "unused key extra"),
    ]
    tree["storage"] = {}
    cfg, report = validate_tree(tree, "3.4.0")
    assert cfg is not None
    assert [d.message for d in report] == ["unused key extra"]


# go-semver's grammar as a regular expression: parse_semver checks it with string methods
_SEMVER = re.compile(
    r"(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+(?P<meta>[0-9A-Za-z.-]+))?"
)
_PARTS = st.sampled_from(["0", "3", "12", "٣", "", ".", "-", "+", "a", "Z", " ", "\n", "_", "x-y"])


@settings(max_examples=examples(400), deadline=None)
@given(st.one_of(st.text(max_size=12), st.lists(_PARTS, max_size=10).map("".join)))
def test_parse_semver_is_the_grammar(text: str) -> None:
    for candidate in (text, "1.2.3" + text, "3.4.0-" + text, "1." + text):
        m = _SEMVER.fullmatch(candidate)
        want = (
            None
            if m is None
            else SemVer(
                int(m["major"]), int(m["minor"]), int(m["patch"]), m["pre"] or "", m["meta"] or ""
            )
        )
        assert parse_semver(candidate) == want, candidate
