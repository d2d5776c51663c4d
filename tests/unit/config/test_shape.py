"""The compiled shape walker (``ignition/config/shape.py``) against the ``jsonschema`` library.

Documents are generated from each schema file: every property may be present, absent, null, of
its own type or of a wrong one, and objects may carry unknown keys. For every document the
walker and ``Draft4Validator`` must agree on whether it is well-typed and on the paths of the
type errors. (Keys matching a field only by letter case are the walker's Go-compatible
extension: they are covered by the JSON layer tests, not generated here.)
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ignition.config import schemas, shape
from ignition.config.jsondoc import FloatLiteral
from ignition.config.report import Path
from tests.unit.config.helpers import examples
from tests.unit.config.strategies import ALL, INT64, documents, json_values


def walker_errors(doc: Any, version: str) -> set[Path]:
    return {te.path for te in shape.check(doc, version).type_errors}


@cache
def validator(version: str) -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator(schemas.load("ignition", version))


def library_errors(doc: Any, version: str) -> set[Path]:
    return {tuple(e.absolute_path) for e in validator(version).iter_errors(doc)}


@pytest.mark.parametrize("version", ALL)
@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_walker_agrees_with_jsonschema(version: str, data: st.DataObject) -> None:
    doc = data.draw(documents(version))
    assert walker_errors(doc, version) == library_errors(doc, version)


@pytest.mark.parametrize("version", ["2.2.0", "3.0.0", "3.6.0"])
@settings(max_examples=examples(30), deadline=None)
@given(doc=json_values)
def test_walker_agrees_with_jsonschema_on_any_root(version: str, doc: Any) -> None:
    assert walker_errors(doc, version) == library_errors(doc, version)


# --------------------------------------------------------------------------- examples


def test_generated_documents_reach_deep_fields() -> None:
    # the generator is not trivially shallow: a hand-made deep document is in its space
    doc = {"storage": {"luks": [{"clevis": {"tang": [{"url": 5}]}}]}}
    assert library_errors(doc, "3.6.0") == {("storage", "luks", 0, "clevis", "tang", 0, "url")}
    assert walker_errors(doc, "3.6.0") == library_errors(doc, "3.6.0")


@pytest.mark.parametrize(
    ("doc", "errors"),
    [
        ({"storage": {"files": [{"mode": INT64 - 1}]}}, set()),
        ({"storage": {"files": [{"mode": INT64}]}}, {("storage", "files", 0, "mode")}),
        ({"storage": {"files": [{"mode": -INT64 - 1}]}}, {("storage", "files", 0, "mode")}),
        ({"storage": {"files": [{"mode": 420.0}]}}, {("storage", "files", 0, "mode")}),
        ({"storage": {"files": [{"mode": True}]}}, {("storage", "files", 0, "mode")}),
        ({"storage": {"files": [{"path": None, "mode": None}, None]}}, set()),
        ({"storage": {"files": [5, "x"]}}, {("storage", "files", 0), ("storage", "files", 1)}),
        ({"storage": {"files": {"path": "/a"}}}, {("storage", "files")}),
        ({"storage": {"x-unknown": [1], "files": [{"x-y": {}}]}}, set()),
        (
            {"passwd": {"users": [{"groups": ["a", 1, None]}]}},
            {("passwd", "users", 0, "groups", 1)},
        ),
    ],
)
def test_examples(doc: dict[str, Any], errors: set[Path]) -> None:
    assert library_errors(doc, "3.4.0") == errors
    assert walker_errors(doc, "3.4.0") == errors


def test_float_literals_keep_their_spelling() -> None:
    checked = shape.check({"storage": {"files": [{"mode": FloatLiteral("4.20e2")}]}}, "3.0.0")
    [te] = checked.type_errors
    assert te.message == (
        "json: cannot unmarshal number 4.20e2 into Go struct field "
        "Config.storage.files.0.mode of type int"
    )


def test_walker_result() -> None:
    doc = {
        "ignition": {"version": "3.3.0"},
        "Storage": {"FILES": [{"path": "/a", "junk": 1}]},
        "systemd": None,
        "passwd": {"users": [{"name": "a", "nam": "b"}]},
        "kernelArguments": {"shouldExist": ["x"]},
    }
    checked = shape.check(doc, "3.3.0")
    assert checked.type_errors == []
    assert checked.tree == {
        "ignition": {"version": "3.3.0"},
        "storage": {"files": [{"path": "/a"}]},
        "systemd": None,
        "passwd": {"users": [{"name": "a"}]},
        "kernelArguments": {"shouldExist": ["x"]},
    }
    assert [(u.path, u.key, u.hint()) for u in checked.unused] == [
        (("Storage",), "Storage", "storage"),
        (("passwd", "users", 0, "nam"), "nam", "name"),
    ]
    assert checked.null_objects == [("systemd",)]
    assert checked.document_path(("storage", "files", 0, "path")) == ("Storage", "FILES", 0, "path")
    assert checked.document_path(("passwd", "users")) == ("passwd", "users")
    # a field of a later spec version is unknown
    assert [u.key for u in shape.check(doc, "3.2.0").unused] == [
        "Storage",
        "nam",
        "kernelArguments",
    ]
