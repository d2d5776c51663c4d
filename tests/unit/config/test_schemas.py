"""The schema files: current (``tools/genschemas.py --check``) and valid draft-04 schemas."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from ignition.config import schemas, versions

ROOT = Path(__file__).resolve().parents[3]
ALL = ("1", *versions.SPEC2, *versions.SPEC3)


def genschemas(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "tools" / "genschemas.py"), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_schema_files_are_current() -> None:
    done = genschemas(ROOT, "--check")
    assert (done.returncode, done.stderr) == (0, "")


def test_check_notices_a_stale_schema(tmp_path: Path) -> None:
    (tmp_path / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "genschemas.py", tmp_path / "tools")
    shutil.copytree(ROOT / "schema", tmp_path / "schema")
    stale = tmp_path / "schema" / "ignition" / "3.2.0.json"
    stale.write_text(stale.read_text().replace('"luks"', '"lux"', 1))
    (tmp_path / "schema" / "ignition" / "2.1.0.json").unlink()
    done = genschemas(tmp_path, "--check")
    assert done.returncode == 1
    assert done.stderr == "genschemas: out of date: 2.1.0.json, 3.2.0.json\n"
    assert genschemas(tmp_path).returncode == 0  # rewrites them
    assert genschemas(tmp_path, "--check").returncode == 0
    assert stale.read_text() == (ROOT / "schema" / "ignition" / "3.2.0.json").read_text()


def test_every_version_has_a_schema_file() -> None:
    assert sorted(schemas.available("ignition")) == sorted(ALL)


@pytest.mark.parametrize("version", ALL)
def test_schema_is_valid_draft4(version: str) -> None:
    schema = schemas.load("ignition", version)
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    jsonschema.Draft4Validator.check_schema(schema)
    assert jsonschema.validators.validator_for(schema) is jsonschema.Draft4Validator


@pytest.mark.parametrize("version", ALL)
def test_every_reference_resolves_and_every_definition_is_used(version: str) -> None:
    schema = schemas.load("ignition", version)
    defs = schema["definitions"]
    used: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                assert ref.startswith("#/definitions/")
                name = ref.removeprefix("#/definitions/")
                assert name in defs
                used.add(name)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert used == set(defs)


def test_schemas_describe_go_types() -> None:
    schema = schemas.load("ignition", "3.4.0")
    assert schema["x-go-type"] == "Config"
    mode = schema["definitions"]["file"]["properties"]["mode"]
    assert mode == {
        "type": ["integer", "null"],
        "x-go-type": "int",
        "minimum": -(2**63),
        "maximum": 2**63 - 1,
    }
    assert "additionalProperties" not in schema["definitions"]["file"]
