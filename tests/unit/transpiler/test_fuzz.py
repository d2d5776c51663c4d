# ruff: noqa: E501
"""Random and mutated YAML never raises: every outcome is output or located diagnostics."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.config.helpers import examples
from transpiler.butane.translate import translate as butane
from transpiler.ct.convert import translate as ct

SEED = (
    "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/a\n      mode: 0644\n"
    "      contents:\n        inline: x\n  filesystems:\n    - device: /dev/sda\n"
    "      format: xfs\n      path: /var\n      with_mount_unit: true\nsystemd:\n  units:\n"
    "    - name: a.service\n      enabled: true\n      contents: '[Install]'\n"
    "boot_device:\n  mirror:\n    devices: [/dev/a, /dev/b]\n"
)
CT_SEED = (
    "etcd:\n  version: 3.1.0\n  name: n\nstorage:\n  disks:\n    - device: /dev/sda\n"
    "      partitions:\n        - size: 1GiB\n  files:\n    - path: /a\nlocksmith:\n"
    "  window_start: Mon 10:00\n  window_length: 1h\n"
)
TOKENS = ["\n", " ", "  ", "- ", ": ", "[", "]", "{", "}", "&a", "*a", "<<", "~", "0644", "yes",
          "'", '"', "#", "\t", "|", ">", "---", "version", "1.6.0", "storage", "files", "path"]  # fmt: skip


def mutate(seed: str, edits: list[tuple[int, int, str]]) -> str:
    text = seed
    for pos, cut, token in edits:
        p = pos % (len(text) + 1)
        text = text[:p] + token + text[p + cut % 4 :]
    return text


EDITS = st.lists(
    st.tuples(st.integers(0, 10_000), st.integers(0, 3), st.sampled_from(TOKENS)), max_size=6
)


def check_butane(text: str) -> None:
    result = butane(text.encode())
    assert result.output is not None or result.failure is not None or result.report.is_fatal
    for d in result.report:
        assert d.path is not None or d.line is not None or d.message


@settings(max_examples=examples(150), deadline=None)
@given(EDITS)
def test_mutated_butane(edits: list[tuple[int, int, str]]) -> None:
    check_butane(mutate(SEED, edits))


@settings(max_examples=examples(150), deadline=None)
@given(st.text(max_size=200))
def test_random_text_butane(text: str) -> None:
    check_butane("variant: fcos\nversion: 1.6.0\n" + text)


@settings(max_examples=examples(150), deadline=None)
@given(EDITS)
def test_mutated_ct(edits: list[tuple[int, int, str]]) -> None:
    res = ct(mutate(CT_SEED, edits).encode(), files=None, platform="ec2")
    assert res.output is not None or res.parse_failed or res.error or res.convert.is_fatal
