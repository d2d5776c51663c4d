"""Every registered (variant, version) translates a minimal config to its Ignition version."""

from __future__ import annotations

import pytest
import yaml

from tests.unit.transpiler.helpers import butane, output
from transpiler.butane.registry import all_specs

OPENSHIFT_META = (
    "metadata:\n  name: m\n  labels:\n    machineconfiguration.openshift.io/role: worker\n"
)


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: f"{s.variant}-{s.version}")
def test_each_variant_emits_its_ignition_version(spec: object) -> None:
    from transpiler.butane.registry import Spec

    assert isinstance(spec, Spec)
    text = f"variant: {spec.variant}\nversion: {spec.version}\n"
    if spec.openshift:
        text += OPENSHIFT_META
        result = butane(text)
        assert result.output is not None
        mc = yaml.safe_load(result.output)
        assert mc["kind"] == "MachineConfig"
        assert mc["spec"]["config"]["ignition"]["version"] == spec.ignition
        raw = output(butane(text, raw=True))
        assert raw["ignition"]["version"] == spec.ignition
    else:
        assert output(butane(text)) == {"ignition": {"version": spec.ignition}}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("version: 1.5.0\n", "error parsing variant; must be specified"),
        ("variant: fcos\nversion: 1.5\n", "error parsing version; must be a valid semver"),
        ("variant: fcos\nversion: 1\n", "error parsing version; must be a valid semver"),
        (
            "variant: fcos\nversion: 1.9.0\n",
            "No translator exists for variant fcos with version 1.9.0",
        ),
        (
            "variant: FCOS\nversion: 1.5.0\n",
            "No translator exists for variant FCOS with version 1.5.0",
        ),
        (
            "variant: fcos\nversion: 1.8.0\n",
            "No translator exists for variant fcos with version 1.8.0",
        ),
    ],
)
def test_version_dispatch_failures(text: str, reason: str) -> None:
    result = butane(text)
    assert result.failure is not None
    assert result.failure.reason == reason


def test_rhcos_is_removed() -> None:
    result = butane("variant: rhcos\nversion: 0.1.0\n")
    assert result.failure is not None
    assert "rhcos variant has been removed" in result.failure.reason


def test_field_of_newer_spec_is_an_unused_key_warning() -> None:
    result = butane("variant: fcos\nversion: 1.3.0\nkernel_arguments:\n  should_exist: [a]\n")
    assert output(result) == {"ignition": {"version": "3.2.0"}}
    [d] = result.report.entries
    assert (d.message, d.line, d.column) == ("unused key kernel_arguments", 3, 1)
