"""The editor schemas (schema/editor/): current, valid draft-07, and in agreement with the tools.

Every config in the project's test data is run through both the schema and the tool it is for:
configs the tool accepts without a warning (``butane --strict``, a clean ``ignition-validate``)
must be accepted, configs it refuses for a reason a schema can state (an unknown key, a wrong
type, a value outside an enum, a missing required field) must be refused.
"""

from __future__ import annotations

import copy
import importlib
import json
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from ignition.config import versions
from ignition.config.parse import parse
from tests.unit.config.fullconfigs import full_v1, full_v2, full_v3
from tests.unit.config.helpers import Case
from transpiler.butane.registry import all_specs
from transpiler.butane.translate import translate
from transpiler.ct.convert import translate as ct_translate
from transpiler.localfiles import OsFilesDir

ROOT = Path(__file__).resolve().parents[2]
EDITOR = ROOT / "schema" / "editor"
DATA = ROOT / "tests" / "data"
BUTANE_FILES = DATA / "butane" / "files"
IGNITION_VERSIONS = ("1", *versions.SPEC2, *versions.SPEC3)

# Validator messages for rules the schemas state (enums, patterns, ranges, required fields)
SCHEMA_RULES = (
    "unused key",
    "invalid filesystem format",
    "malformed hash specifier",
    "unrecognized hash function",
    "incorrect size for hash sum",
    "hash sum is not hexadecimal",
    "invalid compression method",
    "invalid systemd unit extension",
    "invalid systemd drop-in extension",
    "invalid networkd unit extension",
    "illegal file mode",
    "setuid/setgid/sticky bits",
    "invalid raid level",
    "doesn't match the form",
)


# ------------------------------------------------------------------------------ loading


class _EditorLoader(yaml.SafeLoader):
    """YAML as an editor sees it for a schema: no timestamps (a date stays a string)."""


_EditorLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=_EditorLoader)


def schema_files() -> list[str]:
    return sorted(p.relative_to(EDITOR).as_posix() for p in EDITOR.rglob("*.json"))


@cache
def registry() -> Registry:
    resources = [
        (f"file://{EDITOR}/{rel}", Resource.from_contents(_load(rel), DRAFT7))
        for rel in schema_files()
    ]
    return Registry().with_resources(resources)


@cache
def _load(rel: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EDITOR / rel).read_text())
    return data


def validator(rel: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator({"$ref": f"file://{EDITOR}/{rel}"}, registry=registry())


def errors(rel: str, doc: Any) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in validator(rel).iter_errors(doc)]


def accepts(rel: str, doc: Any) -> bool:
    return not errors(rel, doc)


# ------------------------------------------------------------------------------ the files


def run_generator(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "tools" / "editorschemas.py"), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_committed_schemas_are_what_the_generator_writes() -> None:
    done = run_generator(ROOT, "--check")
    assert (done.returncode, done.stderr) == (0, "")


def test_check_notices_stale_missing_and_extra_files(tmp_path: Path) -> None:
    (tmp_path / "tools").mkdir()
    for name in ("genschemas.py", "schemadocs.py", "editorschemas.py", "generated.py"):
        shutil.copy(ROOT / "tools" / name, tmp_path / "tools")
    shutil.copytree(ROOT / "schema", tmp_path / "schema")
    out = tmp_path / "schema" / "editor"
    stale = out / "butane" / "fcos" / "1.5.0.json"
    stale.write_text(stale.read_text().replace('"xfs", ', "", 1))
    (out / "ignition" / "3.2.0.json").unlink()
    (out / "butane" / "fcos" / "9.9.9.json").write_text("{}\n")
    done = run_generator(tmp_path, "--check")
    assert done.returncode == 1
    assert done.stderr == (
        "editorschemas: out of date: butane/fcos/1.5.0.json, butane/fcos/9.9.9.json, "
        "ignition/3.2.0.json\n"
    )
    assert run_generator(tmp_path).returncode == 0  # rewrites them
    assert run_generator(tmp_path, "--check").returncode == 0
    assert stale.read_text() == (EDITOR / "butane" / "fcos" / "1.5.0.json").read_text()
    assert not (out / "butane" / "fcos" / "9.9.9.json").exists()


def test_one_schema_per_butane_spec_and_ignition_version() -> None:
    wanted = {f"butane/{s.variant}/{s.version}.json" for s in all_specs()}
    wanted |= {f"ignition/{v}.json" for v in IGNITION_VERSIONS}
    wanted |= {"butane.json", "ignition.json", "ct/config.json"}
    assert set(schema_files()) == wanted


def test_every_schema_directory_is_installed() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    data_files = project["tool"]["setuptools"]["data-files"]
    dirs = {(EDITOR / rel).parent.relative_to(ROOT).as_posix() for rel in schema_files()}
    for d in dirs:
        target = "share/pyignition/" + d
        assert data_files.get(target) == [f"{d}/*.json"], target


@pytest.mark.parametrize("rel", schema_files())
def test_schema_is_draft7_refuses_unknown_keys_and_describes_fields(rel: str) -> None:
    schema = _load(rel)
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    if rel in ("butane.json", "ignition.json"):
        return
    objects = [schema, *schema["definitions"].values()]
    undescribed = []
    for obj in objects:
        assert obj["additionalProperties"] is False
        undescribed += [k for k, v in obj["properties"].items() if "description" not in v]
    assert undescribed == []


# ------------------------------------------------------------------------------ Ignition


def full(version: str) -> dict[str, Any]:
    if version == "1":
        return full_v1()
    return full_v2(version) if version in versions.SPEC2 else full_v3(version)


@pytest.mark.parametrize("version", IGNITION_VERSIONS)
def test_config_setting_every_field_is_accepted(version: str) -> None:
    doc = full(version)
    assert errors(f"ignition/{version}.json", doc) == []
    assert errors("ignition.json", doc) == []


@pytest.mark.parametrize("version", IGNITION_VERSIONS)
def test_other_versions_and_unknown_versions_are_refused(version: str) -> None:
    doc = full(version)
    other = "3.0.0" if version != "3.0.0" else "3.1.0"
    assert not accepts(f"ignition/{other}.json", doc)
    if version != "1":
        doc["ignition"]["version"] = "3.9.0"
        assert not accepts("ignition.json", doc)


def _strip(doc: Any, path: tuple[Any, ...], key: str) -> Any:
    out = copy.deepcopy(doc)
    node = out
    for p in path:
        node = node[p]
    del node[key]
    return out


def _required_sites(schema: dict[str, Any], node: Any, doc: Any, path: tuple[Any, ...]) -> Any:
    """(path, key) for every required key of every object present in ``doc``."""
    defs = schema["definitions"]
    ref = node.get("$ref")
    if ref is not None:
        node = defs[ref.rsplit("/", 1)[-1]]
    if isinstance(doc, dict):
        for key in node.get("required", ()):
            if key in doc:
                yield path, key
        for key, value in doc.items():
            sub = node.get("properties", {}).get(key)
            if sub is not None:
                yield from _required_sites(schema, sub, value, (*path, key))
    elif isinstance(doc, list) and "items" in node:
        for i, value in enumerate(doc):
            yield from _required_sites(schema, node["items"], value, (*path, i))


@pytest.mark.parametrize("version", IGNITION_VERSIONS)
def test_every_required_field_is_one_the_validator_requires(version: str) -> None:
    doc = full(version)
    schema = _load(f"ignition/{version}.json")
    sites = list(_required_sites(schema, schema, doc, ()))
    assert sites
    for path, key in sites:
        stripped = _strip(doc, path, key)
        result = parse(json.dumps(stripped).encode(), legacy=version in ("1", *versions.SPEC2))
        complaints = [d for d in result.report if "deprecated" not in d.message]
        assert result.failure is not None or complaints, (path, key)
        assert not accepts(f"ignition/{version}.json", stripped)


def rule_cases() -> list[Case]:
    """Every rule case of the config tests (their configs and the exact reports they give)."""
    cases: list[Case] = []
    for name in ("common", "storage", "systemd_passwd"):
        mod = importlib.import_module(f"tests.unit.config.test_rules_{name}")
        cases += [c for k, v in vars(mod).items() if k.endswith("_CASES") for c in v]
    legacy = importlib.import_module("tests.unit.config.test_legacy_rules")
    cases += [c for k, v in vars(legacy).items() if k.endswith("_CASES") for c in v]
    return cases


def _clean(case: Case) -> bool:
    return all("deprecated" in message for _, _, message in case.expected)


def _schema_rule(case: Case) -> bool:
    return any(
        message.lower().startswith(rule) or rule in message.lower()
        for _, _, message in case.expected
        for rule in SCHEMA_RULES
    )


@pytest.mark.parametrize("case", rule_cases(), ids=lambda c: f"{c.version}-{c.id}")
def test_rule_case_verdict_matches_the_validator(case: Case) -> None:
    rel = f"ignition/{case.version}.json"
    if _clean(case):
        assert errors(rel, case.full()) == []
    elif _schema_rule(case):
        assert errors(rel, case.full()) != []


def test_rule_cases_cover_both_verdicts() -> None:
    cases = rule_cases()
    assert sum(map(_clean, cases)) > 50
    assert sum(map(_schema_rule, cases)) > 20


def test_shipped_examples() -> None:
    good = json.loads((ROOT / "examples" / "example.ign").read_text())
    bad = json.loads((ROOT / "examples" / "broken.ign").read_text())
    assert errors("ignition.json", good) == []
    found = errors("ignition.json", bad)
    assert any("contnets" in e for e in found)  # the misspelt key
    assert any("$.storage.files[0].contents.compression" in e for e in found)


# ------------------------------------------------------------------------------ Butane


def butane_samples(kind: str) -> list[Path]:
    return sorted((DATA / "butane" / kind).glob("*.bu"))


def strict_ok(path: Path) -> bool:
    """``butane --strict --files-dir tests/data/butane/files`` succeeds."""
    result = translate(path.read_bytes(), files=OsFilesDir(str(BUTANE_FILES)))
    return result.failure is None and len(result.report) == 0


def butane_verdicts(doc: Any) -> list[bool]:
    """Acceptance by butane.json and, when the variant and version exist, by their file."""
    verdicts = [accepts("butane.json", doc)]
    rel = f"butane/{doc.get('variant')}/{doc.get('version')}.json"
    if isinstance(doc, dict) and (EDITOR / rel).exists():
        verdicts.append(accepts(rel, doc))
    return verdicts


@pytest.mark.parametrize("path", butane_samples("valid"), ids=lambda p: p.name)
def test_butane_accepted_by_the_tool_is_accepted(path: Path) -> None:
    assert strict_ok(path)
    doc = load_yaml(path)
    assert errors("butane.json", doc) == []
    assert errors(f"butane/{doc['variant']}/{doc['version']}.json", doc) == []


@pytest.mark.parametrize("path", butane_samples("invalid"), ids=lambda p: p.name)
def test_butane_refused_for_a_schema_reason_is_refused(path: Path) -> None:
    assert not strict_ok(path)
    assert butane_verdicts(load_yaml(path)) in ([False], [False, False])


@pytest.mark.parametrize("path", butane_samples("semantic"), ids=lambda p: p.name)
def test_butane_refused_for_a_rule_beyond_a_schema_is_accepted(path: Path) -> None:
    # what the schemas cannot see: kept so a schema that starts to refuse them is noticed
    assert not strict_ok(path)
    assert butane_verdicts(load_yaml(path)) == [True, True]


def test_butane_samples_cover_every_variant() -> None:
    variants = {load_yaml(p)["variant"] for p in butane_samples("valid")}
    assert variants == {s.variant for s in all_specs()}


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: f"{s.variant}-{s.version}")
def test_each_butane_schema_pins_its_variant_and_version(spec: Any) -> None:
    doc: dict[str, Any] = {"variant": spec.variant, "version": spec.version}
    if spec.openshift:
        doc["metadata"] = {
            "name": "m",
            "labels": {"machineconfiguration.openshift.io/role": "worker"},
        }
    rel = f"butane/{spec.variant}/{spec.version}.json"
    assert errors(rel, doc) == []
    assert errors("butane.json", doc) == []
    other = "1.0.0" if spec.version != "1.0.0" else "1.1.0"
    assert not accepts(rel, {**doc, "version": other})
    assert not accepts(rel, {**doc, "storage": None})  # --strict: a null section warns


@pytest.mark.parametrize(
    "spec", [s for s in all_specs() if s.fcos >= 3], ids=lambda s: f"{s.variant}-{s.version}"
)
def test_boot_device_layouts_are_the_transpilers(spec: Any) -> None:
    schema = _load(f"butane/{spec.variant}/{spec.version}.json")
    layouts = schema["definitions"]["BootDevice"]["properties"]["layout"]["enum"]
    head = f"variant: {spec.variant}\nversion: {spec.version}\n"
    for layout in [*layouts[:-1], "riscv64"]:
        text = head + f"boot_device:\n  layout: {layout}\n"
        result = translate(text.encode())
        refused = any("layout must be one of" in d.message for d in result.report)
        assert refused is (layout == "riscv64"), layout


@pytest.mark.parametrize("version", versions.SPEC3)
def test_filesystem_formats_are_the_validators(version: str) -> None:
    enum = _load(f"ignition/{version}.json")["definitions"]["Filesystem"]["properties"]["format"]
    for fmt in [*enum["enum"], "ext5"]:
        if fmt in ("", None):
            continue
        fs = {"device": "/dev/vdb", "format": fmt}
        doc = {"ignition": {"version": version}, "storage": {"filesystems": [fs]}}
        result = parse(json.dumps(doc).encode())
        refused = any(d.message == "invalid filesystem format" for d in result.report)
        assert refused is (fmt == "ext5"), fmt


# ------------------------------------------------------------------------------ ct


@pytest.mark.parametrize(
    "path", sorted((DATA / "ct").glob("*/*.clc")), ids=lambda p: f"{p.parent.name}-{p.name}"
)
def test_ct_samples(path: Path) -> None:
    result = ct_translate(path.read_bytes(), files=None)  # as ct -strict judges it
    tool_ok = not result.parse_failed and result.error is None
    tool_ok = tool_ok and len(result.parse) == 0 and len(result.convert) == 0
    assert tool_ok is (path.parent.name == "valid")
    assert accepts("ct/config.json", load_yaml(path)) is tool_ok
