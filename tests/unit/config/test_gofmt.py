"""Go's ``%q``, ``%s`` and ``%v``. ``%v`` of a float64 (``strconv.FormatFloat(f, 'g', -1,
64)``), which the drop-ins coreos-cloudinit writes depend on, is computed without the
``decimal`` module."""

from __future__ import annotations

import math
import random
import struct
from decimal import Decimal

import pytest

from ignition.config import gofmt
from ignition.config.gofmt import format_float, shortest_digits


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.5, "1.5"),
        (2.0, "2"),
        (100.0, "100"),
        (123456.0, "123456"),
        (1e6, "1e+06"),
        (1234567.0, "1.234567e+06"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (0.000123, "0.000123"),
        (-2.5, "-2.5"),
        (1e21, "1e+21"),
        (5e-324, "5e-324"),
        (-0.0, "-0"),
        (math.inf, "+Inf"),
        (math.nan, "NaN"),
    ],
)
def test_format_float_as_go(value: float, text: str) -> None:
    assert format_float(value) == text


def test_shortest_digits_agree_with_decimal_on_random_doubles() -> None:
    rnd = random.Random(7)
    checked = 0
    while checked < 20000:
        f = struct.unpack("d", struct.pack("Q", rnd.getrandbits(64)))[0]
        if not math.isfinite(f) or f == 0:
            continue
        _, digits, exp = Decimal(repr(abs(f))).normalize().as_tuple()
        assert isinstance(exp, int)
        ds = "".join(map(str, digits))
        assert shortest_digits(f) == (ds, len(ds) + exp), f
        checked += 1


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.5, "1.5"),
        (2.0, "2"),
        (1e6, "1e+06"),
        (123456789.0, "1.23456789e+08"),
        (0.0001, "0.0001"),
        (1e-05, "1e-05"),
        (-0.0, "-0"),
        (math.inf, "+Inf"),
        (True, "true"),
        (420, "420"),
        ("off", "off"),
    ],
)
def test_percent_v(value: object, text: str) -> None:
    assert gofmt.format_value(value) == text


def test_percent_q_and_percent_s() -> None:
    assert gofmt.quote('a"b\\c\n\x01é\u200b') == '"a\\"b\\\\c\\n\\x01é\\u200b"'
    assert gofmt.quote("\udcff") == '"\\xff"'
    assert gofmt.sprint_s(123) == "%!s(int=123)"
    assert gofmt.sprint_s(True) == "%!s(bool=true)"
    assert gofmt.sprint_s(None) == "%!s(<nil>)"
    assert gofmt.sprint_s(1.5) == "%!s(float64=1.5)"
