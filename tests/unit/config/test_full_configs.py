"""For every spec version a config that sets every property of its schema: it covers the schema
file completely, parses without any diagnostic (2.x and 1: only the deprecation warnings of the
deprecated fields it sets) and, for 3.x, its model round-trips through the codec."""

from __future__ import annotations

import json

import pytest

from ignition.config import codec, model, shape, versions
from ignition.config.parse import parse
from tests.unit.config.fullconfigs import (
    MOTD_SHA512,
    doc_paths,
    full_v1,
    full_v2,
    full_v3,
    schema_paths,
)
from tests.unit.config.helpers import W, entry

ALL = ("1", *versions.SPEC2, *versions.SPEC3)


def full(version: str) -> dict[str, object]:
    if version == "1":
        return full_v1()
    if version in versions.SPEC2:
        return full_v2(version)
    return full_v3(version)


@pytest.mark.parametrize("version", ALL)
def test_full_config_covers_its_schema(version: str) -> None:
    wanted = schema_paths(version)
    have = doc_paths(full(version))
    assert sorted(wanted - have) == []  # every property is set
    assert sorted(have - wanted) == []  # and nothing else


def test_coverage_helper_sees_missing_properties() -> None:
    doc = full_v3("3.6.0")
    del doc["storage"]["luks"][0]["clevis"]["tang"][0]["advertisement"]
    doc["kernelArguments"]["shouldNotExist"] = []
    missing = schema_paths("3.6.0") - doc_paths(doc)
    assert missing == {
        "storage.luks[].clevis.tang[].advertisement",
        "kernelArguments.shouldNotExist[]",
    }
    # versions differ by the fields they add
    assert schema_paths("3.0.0") < schema_paths("3.1.0")
    assert schema_paths("3.1.0") - schema_paths("3.0.0") >= {
        "ignition.proxy.httpsProxy",
        "ignition.config.merge[].compression",
        "storage.files[].contents.httpHeaders[].value",
        "storage.filesystems[].mountOptions[]",
    }
    assert "kernelArguments.shouldExist[]" in schema_paths("3.3.0")
    assert "kernelArguments.shouldExist[]" not in schema_paths("3.2.0")


@pytest.mark.parametrize("version", versions.SPEC3)
def test_full_3x_config_is_valid(version: str) -> None:
    raw = json.dumps(full_v3(version), indent=2).encode()
    for legacy in (False, True):
        result = parse(raw, legacy=legacy)
        assert [entry(d) for d in result.report] == []
        assert result.config is not None
        assert result.version == version


@pytest.mark.parametrize("version", versions.SPEC3)
def test_full_3x_model_round_trips_through_the_codec(version: str) -> None:
    doc = full_v3(version)
    checked = shape.check(doc, version)
    assert checked.type_errors == []
    assert checked.unused == []
    decoded = codec.decode_config(checked.tree)
    # the compact encoding of the decoded model is the document itself
    assert codec.encode(decoded, omit_empty=True) == doc
    # the full encoding decodes to the same model, for the version's model and the upgraded one
    assert codec.decode_config(codec.encode(decoded)) == decoded
    result = parse(json.dumps(doc).encode(), legacy=False)
    assert result.config is not None
    assert codec.decode_config(codec.encode(result.config)) == result.config
    assert codec.decode(model.Config, codec.encode(result.config, omit_empty=True)) == result.config


def test_full_3_5_config_upgrades_to_the_newest_spec() -> None:
    result = parse(json.dumps(full_v3("3.5.0")).encode(), legacy=False)
    cfg = result.config
    assert cfg is not None
    assert cfg.ignition.version == versions.LATEST
    luks = {lk.name: lk for lk in cfg.storage.luks}
    # exceeds the reference (quirk #1): the tang advertisement survives the 3.4→3.5 step
    assert luks["secure"].clevis.tang[0].advertisement is not None
    assert luks["cex"].cex.enabled is True
    assert cfg.storage.files[0].append[1].verification.hash is not None


def test_full_3_0_config_model() -> None:
    result = parse(json.dumps(full_v3("3.0.0")).encode(), legacy=False)
    cfg = result.config
    assert cfg is not None
    assert cfg.ignition.config.merge[0].source == "https://configs.example.com/base.ign"
    assert cfg.ignition.config.merge[0].compression is None  # not a 3.0 field
    assert cfg.ignition.config.replace.verification.hash == MOTD_SHA512
    assert cfg.storage.luks == ()
    assert cfg.kernel_arguments == model.KernelArguments()
    assert cfg.ignition.proxy == model.Proxy()


# --------------------------------------------------------------------------- spec 2.x and 1

SIZE = "deprecated: size is deprecated; use sizeMiB instead"
START = "deprecated: start is deprecated; use startMiB instead"
MOUNT_CREATE = "the create object has been deprecated in favor of mount-level options"
ENABLE = "deprecated: enable is deprecated; use enabled instead"
USER_CREATE = "the create object has been deprecated in favor of user-level options"


def deprecations_2x() -> list[tuple[str, str, str]]:
    return sorted(
        [
            (W, "$.storage.disks.0.partitions.0.size", SIZE),
            (W, "$.storage.disks.0.partitions.0.start", START),
            (W, "$.storage.filesystems.0.mount.create", MOUNT_CREATE),
            (W, "$.systemd.units.0.enable", ENABLE),
            (W, "$.passwd.users.0.create", USER_CREATE),
        ]
    )


@pytest.mark.parametrize("version", versions.SPEC2)
def test_full_2x_config_is_valid(version: str) -> None:
    raw = json.dumps(full_v2(version), indent=1).encode()
    result = parse(raw, legacy=True)
    assert sorted(entry(d) for d in result.report) == deprecations_2x()
    assert result.config is not None
    assert result.version == version


def test_full_spec1_config_is_valid() -> None:
    raw = json.dumps(full_v1(), indent=1).encode()
    result = parse(raw, legacy=True)
    assert sorted(entry(d) for d in result.report) == sorted(
        [
            (W, "$", "deprecated: config format deprecated (spec 1); translated to spec 3"),
            (W, "$.storage.disks.0.partitions.0.size", SIZE),
            (W, "$.storage.disks.0.partitions.0.start", START),
            (W, "$.storage.filesystems.0.create", MOUNT_CREATE),
            (W, "$.systemd.units.0.enable", ENABLE),
            (W, "$.passwd.users.0.create", USER_CREATE),
        ]
    )
    assert result.config is not None
    assert result.version == "1"
