"""Hostile input for every frontend and its report rendering: alias structures, control
bytes (raw and escaped), long lines and deep nesting. Whatever comes in, each command gives a
result or a clean error, never an exception, and what it prints holds no raw control
character and stays bounded. Example counts scale with ``PYIGNITION_FUZZ_SCALE``."""

from __future__ import annotations

import io
import json
import re
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.config.helpers import examples

FUZZ = settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
HEADS = {
    "butane": "variant: fcos\nversion: 1.5.0\n",
    "ct": "ignition: {version: 2.3.0}\n",
    "cloud-config": "#cloud-config\n",
}
HOSTILE_CHARS = "\x00\x01\x07\x08\x1b\x7f\x85\x9b\u202e\u2066\u2028\ufeff\t\r"
ESCAPES = ["\\e", "\\x1b", "\\x9b", "\\u202e", "\\a", "\\0", "\\x7f", "\\N", "\\L"]

# --------------------------------------------------------------------------- generators


@st.composite
def alias_documents(draw: st.DrawFn) -> str:
    """Anchors and aliases in every arrangement: nested fan-outs, merges, self references,
    undefined and redefined anchors, aliases as keys."""
    n = draw(st.integers(1, 6))
    fan = draw(st.integers(1, 40))
    lines = [f"a0: &a0 [{', '.join(['x'] * draw(st.integers(1, 30)))}]"]
    for i in range(1, n):
        refs = [f"*a{draw(st.integers(0, i))}" for _ in range(fan)]  # may point at itself
        style = draw(st.sampled_from(["seq", "map", "merge"]))
        if style == "seq":
            lines.append(f"a{i}: &a{i} [{', '.join(refs)}]")
        elif style == "map":
            lines.append(f"a{i}: &a{i} {{{', '.join(f'k{j}: {r}' for j, r in enumerate(refs))}}}")
        else:
            lines.append(f"a{i}: &a{i} {{<<: [{', '.join(refs)}], k: v}}")
    target = draw(st.sampled_from(["storage", "passwd", "systemd", "write_files", "users", "x"]))
    lines.append(f"{target}: *a{draw(st.integers(0, n))}")
    if draw(st.booleans()):
        lines.append(f"*a{draw(st.integers(0, n - 1))} : key-is-an-alias")
    return "\n".join(lines) + "\n"


@st.composite
def control_documents(draw: st.DrawFn) -> str:
    """Configs with control characters raw or as double-quoted escapes, in keys and values."""
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        junk = draw(st.text(alphabet=HOSTILE_CHARS + "ab/", min_size=1, max_size=8))
        esc = "".join(draw(st.lists(st.sampled_from(ESCAPES), min_size=1, max_size=4)))
        where = draw(st.sampled_from(["key", "value", "path", "raw"]))
        if where == "key":
            parts.append(f'"k{esc}": 1')
        elif where == "value":
            parts.append(f'hostname: "h{esc}"')
        elif where == "path":
            parts.append(f'storage: {{files: [{{path: "/a{esc}", mode: "{esc}"}}]}}')
        else:
            parts.append(f"x: {junk}")
    return "\n".join(parts) + "\n"


@st.composite
def long_line_documents(draw: st.DrawFn) -> str:
    """One long line: many items, long scalars, errors all on it."""
    n = draw(st.integers(1, 300))
    width = draw(st.integers(0, 2000))
    item = draw(
        st.sampled_from(
            [
                "{{path: rel{i}, contents: {{inline: {pad}}}}}",
                "{{path: /a, mode: {pad}x}}",
                "{{name: u{i}, ssh_authorized_keys: [{pad}]}}",
                '"{pad}{i}"',
            ]
        )
    )
    pad = "x" * width
    body = ", ".join(item.format(i=i, pad=pad) for i in range(n))
    key = draw(st.sampled_from(["storage: {files: [", "passwd: {users: [", "write_files: ["]))
    closing = "]}" if "{" in key else "]"
    return f"{key}{body}{closing}\n"


@st.composite
def deep_documents(draw: st.DrawFn) -> str:
    depth = draw(st.integers(1, 3000))
    kind = draw(st.sampled_from(["flow-seq", "flow-map", "block", "mixed"]))
    if kind == "flow-seq":
        return "storage: " + "[" * depth + "]" * depth + "\n"
    if kind == "flow-map":
        return "storage: " + "{a: " * depth + "b" + "}" * depth + "\n"
    if kind == "block":
        depth = min(depth, 400)
        return "storage:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(depth))
    return "storage: " + "[{a: " * (depth // 2) + "x" + "}]" * (depth // 2) + "\n"


HOSTILE = st.one_of(alias_documents(), control_documents(), long_line_documents(), deep_documents())

# --------------------------------------------------------------------------- properties


def _printed(text: str, limit: int = 2_000_000) -> None:
    found = CONTROL.search(text)
    assert found is None, f"raw {found.group()!r} printed"
    assert len(text) < limit, len(text)


def _butane(raw: bytes) -> None:
    from ignition.commands.butane import Options, run

    for flags in (set(), {"raw-errors"}):
        out, err = io.StringIO(), io.StringIO()
        code = run(raw, Options(flags=flags | {"check"}), "f\x1bx.bu", out=out, err=err)
        assert code in (0, 1)
        _printed(err.getvalue())


def _ct(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    from ignition.commands.ct import run

    monkeypatch.setattr(sys, "stdout", io.StringIO())
    err = io.StringIO()
    opts: dict[str, object] = {"files-dir": "", "strict": True, "pretty": False, "out-file": ""}
    assert run(raw, opts, "<stdin>", "", err=err) in (0, 1)
    _printed(err.getvalue())


def _cloud_config(raw: bytes) -> None:
    from cloudinit.convert import convert
    from ignition.commands.coreos_cloudinit import report

    for fmt in ("text", "json"):
        out, err = io.StringIO(), io.StringIO()
        assert report(raw, "ud", fmt=fmt, out=out, err=err) in (0, 1)
        _printed(err.getvalue())
        if fmt == "json":  # JSON escapes C0 itself: look at the strings it carries
            doc = json.loads(out.getvalue())
            _printed(" ".join([*(e["message"] for e in doc["entries"]), *doc["notes"]]))
    for d in convert(raw, name="ud").report:
        assert d.line is not None, d


def _validate(raw: bytes) -> None:
    from ignition.commands.validate import validate_butane, validate_bytes

    for fmt in ("text", "json"):
        out, err = io.StringIO(), io.StringIO()
        assert validate_bytes(raw, out=out, err=err, fmt=fmt, legacy=True) in (0, 1)
        _printed(out.getvalue() + err.getvalue())
    out = io.StringIO()
    assert validate_butane(raw, "f", out=out, fmt="text", butane=True) in (0, 1)
    _printed(out.getvalue())


@FUZZ
@given(HOSTILE)
def test_butane_survives_hostile_yaml(doc: str) -> None:
    _butane((HEADS["butane"] + doc).encode())


@FUZZ
@given(HOSTILE)
def test_ct_survives_hostile_yaml(doc: str) -> None:
    with pytest.MonkeyPatch.context() as mp:
        _ct((HEADS["ct"] + doc).encode(), mp)


@FUZZ
@given(HOSTILE)
def test_cloud_config_validator_and_converter_survive_hostile_yaml(doc: str) -> None:
    _cloud_config((HEADS["cloud-config"] + doc).encode())


@FUZZ
@given(HOSTILE)
def test_ignition_validate_survives_hostile_butane(doc: str) -> None:
    _validate((HEADS["butane"] + doc).encode())


@st.composite
def hostile_json(draw: st.DrawFn) -> bytes:
    """JSON configs with deep nesting, control characters in keys and values, long lines."""
    kind = draw(st.sampled_from(["deep", "keys", "long"]))
    if kind == "deep":
        depth = draw(st.integers(1, 5000))
        return (
            b'{"ignition": {"version": "3.4.0"}, "storage": ' + b"[" * depth + b"]" * depth + b"}"
        )
    if kind == "keys":
        key = draw(st.text(alphabet=HOSTILE_CHARS + "ab\u202a", min_size=1, max_size=3000))
        value = draw(st.text(alphabet=HOSTILE_CHARS + "/ab", max_size=100))
        cfg = {"ignition": {"version": "3.4.0"}, key: 1, "storage": {"files": [{"path": value}]}}
        return json.dumps(cfg, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    n = draw(st.integers(1, 400))
    files = ",".join(f'{{"path":"rel{i}","mode":"x"}}' for i in range(n))
    return b'{"ignition":{"version":"3.4.0"},"storage":{"files":[' + files.encode() + b"]}}"


@FUZZ
@given(hostile_json())
def test_ignition_validate_survives_hostile_json(raw: bytes) -> None:
    _validate(raw)
