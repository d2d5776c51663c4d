"""Names behave as the StrEnum members they replace, for everything the code does with them."""

from __future__ import annotations

import json
from enum import StrEnum

import pytest

from ignition.config.detect import Kind
from ignition.config.report import Severity
from ignition.util import leanjson
from ignition.util.names import Names


class Colour(Names):
    RED = "red"
    DARK_BLUE = "dark-blue"


class RefColour(StrEnum):
    RED = "red"
    DARK_BLUE = "dark-blue"


def test_members_are_instances_that_act_as_their_value() -> None:
    pairs: list[tuple[str, str]] = [
        (Colour.RED, RefColour.RED),
        (Colour.DARK_BLUE, RefColour.DARK_BLUE),
    ]
    for ours, ref in pairs:
        assert isinstance(ours, Colour)
        assert isinstance(ref, RefColour)
        assert str.__eq__(ours, ref)
        assert ours == ref.value
        assert hash(ours) == hash(ref)
        assert str(ours) == str(ref)
        assert f"{ours}" == f"{ref}"
        assert f"{ours:>10}" == f"{ref:>10}"
        assert repr(ours).replace("Colour", "RefColour") == repr(ref)
        assert (ours.value, ours.name) == (ref.value, ref.name)
        assert json.dumps(ours) == json.dumps(ref) == leanjson.dumps(ours)
        assert {str(ours): 1}[ref.value] == 1
        assert ours in {ref.value}
    assert Colour.RED is Colour.RED
    red: str = Colour.RED
    assert red != Colour.DARK_BLUE


def test_the_config_librarys_names() -> None:
    error: str = Severity.ERROR
    assert error == "error"
    assert Severity.WARNING.name == "WARNING"
    cloud_config: str = Kind.CLOUD_CONFIG
    assert cloud_config == "cloud-config"
    assert isinstance(Kind.EMPTY, Kind)


def test_the_class_iterates_counts_and_looks_up_as_a_strenum_does() -> None:
    assert [m.value for m in Colour] == [m.value for m in RefColour]
    assert all(isinstance(m, Colour) for m in Colour)
    assert len(Colour) == len(RefColour) == 2
    assert Colour("dark-blue") is Colour.DARK_BLUE
    assert RefColour("dark-blue") is RefColour.DARK_BLUE
    for cls in (Colour, RefColour):
        with pytest.raises(ValueError, match="'green' is not a valid"):
            cls("green")
    assert [s.value for s in Severity] == ["error", "warning", "info"]
