"""``ignition-validate`` as a function of its input bytes (JSON, Butane YAML, anything): always
an exit status of 0 or 1 and a report, never an exception. Counts scale with
``PYIGNITION_FUZZ_SCALE``."""

from __future__ import annotations

import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ignition.commands.validate import validate_input
from tests.unit.config.helpers import examples
from tests.unit.config.test_fuzz_parse import mutated

FUZZ = settings(
    max_examples=examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
BUTANE = (
    "variant: fcos\nversion: 1.5.0\npasswd:\n  users:\n    - name: core\n"
    "      ssh_authorized_keys: [ssh-ed25519 AAAA k]\nstorage:\n  files:\n    - path: /etc/a\n"
    "      contents:\n        inline: x\nsystemd:\n  units:\n    - name: a.service\n"
    "      enabled: true\n      contents: '[Install]'\n"
)
TOKENS = ["\n", " ", "- ", ": ", "[", "]", "{", "&a", "*a", "<<", "~", "'", '"', "\t", "|", "---",
          "\x00", "\x1b", "\ud800", "name", "-x", "a:b", "\r\n"]  # fmt: skip
EDITS = st.lists(
    st.tuples(st.integers(0, 10_000), st.integers(0, 3), st.sampled_from(TOKENS)), max_size=6
)


def mutate(seed: str, edits: list[tuple[int, int, str]]) -> bytes:
    text = seed
    for pos, cut, token in edits:
        p = pos % (len(text) + 1)
        text = text[:p] + token + text[p + cut :]
    return text.encode("utf-8", "surrogatepass")


OPTIONS = st.fixed_dictionaries(
    {
        "fmt": st.sampled_from(["text", "json"]),
        "legacy": st.booleans(),
        "butane": st.booleans(),
    }
)


def check(raw: bytes, opts: dict[str, object]) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = validate_input(raw, "config.ign", out=out, err=err, **opts)  # type: ignore[arg-type]
    assert code in (0, 1)
    text = out.getvalue()
    if opts["fmt"] == "json":
        report = json.loads(text)
        assert isinstance(report, list)
        assert code == 0 or any(e["severity"] == "error" for e in report) or err.getvalue()
    text.encode("utf-8")
    err.getvalue().encode("utf-8")


@FUZZ
@given(raw=st.binary(max_size=300), opts=OPTIONS)
def test_fuzz_validate_random_bytes(raw: bytes, opts: dict[str, object]) -> None:
    check(raw, opts)


@FUZZ
@given(raw=mutated(), opts=OPTIONS)
def test_fuzz_validate_mutated_configs(raw: bytes, opts: dict[str, object]) -> None:
    check(raw, opts)


@FUZZ
@given(edits=EDITS, opts=OPTIONS)
def test_fuzz_validate_mutated_butane(
    edits: list[tuple[int, int, str]], opts: dict[str, object]
) -> None:
    check(mutate(BUTANE, edits), opts)
