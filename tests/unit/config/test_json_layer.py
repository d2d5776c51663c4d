"""The JSON layer: Go-worded syntax errors and their byte positions, encodings, duplicate and
case-variant keys, nulls, depth, big numbers and floats where integers belong."""

from __future__ import annotations

import io
import json
import sys
import time

import pytest

from ignition.commands.validate import validate_bytes
from ignition.config import jsondoc, model
from ignition.config.parse import parse
from ignition.config.result import BAD_VERSION
from tests.unit.config.helpers import E, W, entries, located, positions, run

HEAD = b'{"ignition":{"version":"3.0.0"}'  # 31 bytes: what follows starts at column 32


def syntax_error(raw: bytes) -> tuple[str, int | None, int | None]:
    result = parse(raw, legacy=False)
    assert result.config is None
    assert result.failure is None
    assert result.document is None
    [d] = result.report
    assert d.severity == "error"
    assert d.path is None
    return d.message, d.line, d.column


# --------------------------------------------------------------------------- syntax errors

SYNTAX_CASES = [
    (b'{"a" 1}', "invalid character '1' after object key", 1, 7),
    (b'{"a":1,}', "invalid character '}' looking for beginning of object key string", 1, 9),
    (b"[1,]", "invalid character ']' looking for beginning of value", 1, 5),
    (b'{"a":1 "b":2}', "invalid character '\"' after object key:value pair", 1, 9),
    (b"[1 2]", "invalid character '2' after array element", 1, 5),
    (b"{} x", "invalid character 'x' after top-level value", 1, 5),
    (b"{}{}", "invalid character '{' after top-level value", 1, 4),
    (b'{"a":tru}', "invalid character '}' in literal true (expecting 'e')", 1, 10),
    (b'{"a":nil}', "invalid character 'i' in literal null (expecting 'u')", 1, 8),
    (b'{"a":-}', "invalid character '}' in numeric literal", 1, 8),
    (b'{"a":1.}', "invalid character '}' after decimal point in numeric literal", 1, 9),
    (b'{"a":1e+}', "invalid character '}' in exponent of numeric literal", 1, 10),
    (b'{"a":01}', "invalid character '1' after object key:value pair", 1, 8),
    (b'{"a":+1}', "invalid character '+' looking for beginning of value", 1, 7),
    (b'{"a":.5}', "invalid character '.' looking for beginning of value", 1, 7),
    (b'{"a":NaN}', "invalid character 'N' looking for beginning of value", 1, 7),
    (b'{"a":Infinity}', "invalid character 'I' looking for beginning of value", 1, 7),
    (b'{"a":"\\q"}', "invalid escape sequence `\\q` in string", 1, 9),
    (b'{"a":"\\u12x4"}', "invalid escape sequence `\\u12x4` in string", 1, 13),
    (b'{"a":"x\ty"}', "invalid character '\\t' in string", 1, 9),
    (b'{"a":"x\ny"}', "invalid character '\\n' in string", 2, 1),  # just past the newline
    (b'{"a":"x\x01"}', "invalid character '\\x01' in string", 1, 9),
    (b"\x00", "invalid character '\\x00' looking for beginning of value", 1, 2),
    (b"\x7f", "invalid character '\\x7f' looking for beginning of value", 1, 2),
    (b"{'a':1}", "invalid character '\\'' looking for beginning of object key string", 1, 3),
    (b"# comment\n{}", "invalid character '#' looking for beginning of value", 1, 2),
    (
        b"ignition:\n  version: 3.0.0\n",
        "invalid character 'i' looking for beginning of value",
        1,
        2,
    ),
    (b'{"a": \xc3\xa9}', "invalid character '\xe9' looking for beginning of value", 1, 9),
    (b'{"\xc3\xa9": x}', "invalid character 'x' looking for beginning of value", 1, 9),
    (b"\xef\xbb\xbf{}", "invalid character '\\ufeff' looking for beginning of value", 1, 4),
    (b'{\n  "a": 1,\n  "b" 2\n}', "invalid character '2' after object key", 3, 8),
    (b'{\r\n"a" 2}', "invalid character '2' after object key", 2, 6),
    (b"\t[1,\n\t\t]", "invalid character ']' looking for beginning of value", 2, 4),
    # valid tokens before the error are scanned as Go does
    (
        b'{"a":"\\u00e9\\n","b":[],"c":{},"d":-1.5e+10,"e":[true,false,null] x',
        "invalid character 'x' after object key:value pair",
        1,
        67,
    ),
    (b"[0.5E3, -0, 12] ]", "invalid character ']' after top-level value", 1, 18),
    # at the end of the input: the real position (V2)
    (b'{"a":"abc', "unexpected end of JSON input", 1, 10),
    (b'{"a":fals', "unexpected end of JSON input", 1, 10),
    (b'{"a":1', "unexpected end of JSON input", 1, 7),
    (b'{"a":1,\n', "unexpected end of JSON input", 2, 1),
    (b'{"a":"\\u12', "unexpected end of JSON input", 1, 11),
    (b"[", "unexpected end of JSON input", 1, 2),
    (b'{"a"', "unexpected end of JSON input", 1, 5),
    (b'{"a":tr', "unexpected end of JSON input", 1, 8),
    (b'{"a":-', "unexpected end of JSON input", 1, 7),
    (b'{"a":1.', "unexpected end of JSON input", 1, 8),
    (b'{"a":1e', "unexpected end of JSON input", 1, 8),
    (b'{"a":"\\', "unexpected end of JSON input", 1, 8),
    (b"[1,", "unexpected end of JSON input", 1, 4),
    (b"{", "unexpected end of JSON input", 1, 2),
    (b" \n\t ", "unexpected end of JSON input", 2, 3),
]


@pytest.mark.parametrize(
    ("raw", "message", "line", "column"), SYNTAX_CASES, ids=[repr(c[0]) for c in SYNTAX_CASES]
)
def test_syntax_errors(raw: bytes, message: str, line: int, column: int) -> None:
    assert syntax_error(raw) == (message, line, column)


def test_go_syntax_error_offsets() -> None:
    # the offset counts the offending character (all its bytes); at the end it is len(raw)
    assert jsondoc.go_syntax_error(b"[1,\xc3\xa9]") == (
        "invalid character 'é' looking for beginning of value",
        5,
    )
    assert jsondoc.go_syntax_error(b'{"a":') == ("unexpected end of JSON input", 5)


def test_empty_input_is_not_a_syntax_error() -> None:
    result = parse(b"", legacy=False)
    assert result.failure == "not a config (empty)"
    assert len(result.report) == 0


# --------------------------------------------------------------------------- encodings


def test_byte_order_mark_inside_a_string_is_content() -> None:
    raw = HEAD + b',"storage":{"files":[{"path":"/\xef\xbb\xbfa"}]}}'
    result = parse(raw, legacy=False)
    assert result.config is not None
    assert result.config.storage.files[0].path == "/\ufeffa"


def test_invalid_utf8_in_strings_becomes_replacement_characters() -> None:
    raw = HEAD + b',"storage":{"files":[{"path":"/a\xffb\xfe\xfdc"}]}}'
    result = parse(raw, legacy=False)
    assert result.config is not None
    assert result.config.storage.files[0].path == "/a\ufffdb\ufffd\ufffdc"
    # one warning per run of bad bytes, at its first byte (V5)
    msg = "invalid UTF-8 byte sequence: replaced with U+FFFD"
    assert [located(d) for d in result.report] == [
        ("warning", "-", 1, 64, msg),
        ("warning", "-", 1, 66, msg),
    ]


def test_invalid_utf8_each_bad_byte_is_one_replacement_character() -> None:
    # Go decodes byte by byte: a truncated 3-byte sequence is two U+FFFD, not one
    raw = HEAD + b',"storage":{"files":[{"path":"/\xe2\x82x"}]}}'
    result = parse(raw, legacy=False)
    assert result.config is not None
    assert result.config.storage.files[0].path == "/\ufffd\ufffdx"


def test_positions_after_invalid_utf8_count_raw_bytes() -> None:
    raw = HEAD + b',"x":"\xff\xff\xff","y":1,"storage":{"files":[{"path":"rel"}]}}'
    # "x" at 33, bad bytes at 38-40, "y" at 43, path value at 75
    assert positions(raw) == [
        ("warning", "$.x", 1, 33, "unused key x"),
        ("warning", "-", 1, 38, "invalid UTF-8 byte sequence: replaced with U+FFFD"),
        ("warning", "$.y", 1, 43, "unused key y"),
        ("error", "$.storage.files.0.path", 1, 77, "path not absolute"),
    ]


def test_type_error_position_after_invalid_utf8() -> None:
    raw = HEAD + b',"x":"\xff\xff","storage":5}'
    assert syntax_free_errors(raw) == [
        (
            "error",
            "-",
            1,
            53,
            "json: cannot unmarshal number into Go struct field Config.storage "
            "of type types.Storage",
        )
    ]


def syntax_free_errors(raw: bytes) -> list[tuple[str, str, int | None, int | None, str]]:
    result = parse(raw, legacy=False)
    assert result.document is not None
    return [located(d) for d in result.report if d.is_error]


def test_invalid_utf8_outside_strings_is_a_syntax_error() -> None:
    assert syntax_error(b'{"a":\xff}') == (
        "invalid character '\\xff' looking for beginning of value",
        1,
        7,
    )


def test_lone_surrogate_escapes_become_replacement_characters() -> None:
    raw = HEAD + b',"storage":{"files":[{"path":"/\\ud800x\\udc00"}]}}'
    result = parse(raw, legacy=False)
    assert result.config is not None
    assert result.config.storage.files[0].path == "/\ufffdx\ufffd"


def test_surrogate_pair_escapes_combine() -> None:
    raw = HEAD + b',"storage":{"files":[{"path":"/\\ud83d\\ude00"}]}}'
    result = parse(raw, legacy=False)
    assert result.config is not None
    assert result.config.storage.files[0].path == "/\U0001f600"


def test_unknown_key_with_a_lone_surrogate_is_located_at_its_key() -> None:
    raw = HEAD + b',\n "\\ud800k": 1}'
    assert positions(raw) == [("warning", "$.\ufffdk", 2, 2, "unused key \ufffdk")]


def test_keys_that_differ_only_in_lone_surrogates_are_duplicates() -> None:
    # both keys decode to U+FFFD: one key, the later value wins; nothing unprintable leaks
    raw = HEAD + b',"storage":{"files":[{"path":"/a","\\ud800":1,"\\udfff":2}]}}'
    result = parse(raw, legacy=False)
    assert result.document is not None
    assert result.document.has_duplicate_keys
    assert jsondoc.parse(raw).value["storage"]["files"][0]["\ufffd"] == 2
    assert entries(raw) == [
        (W, "$.storage.files.0.\ufffd", "unused key \ufffd"),
        (W, "$.storage.files.0.\ufffd", "unused key \ufffd"),
    ]
    for fmt in ("text", "json"):
        out, err = io.StringIO(), io.StringIO()
        assert validate_bytes(raw, out=out, err=err, fmt=fmt, legacy=False) == 0
        out.getvalue().encode("utf-8")  # no surrogate reaches the output


@pytest.mark.xfail(
    strict=True,
    reason="positions of an earlier occurrence of a duplicate key point at the last occurrence",
)
def test_earlier_duplicate_unknown_key_is_located_at_itself() -> None:
    raw = HEAD + b',"x":1,"x":2}'
    assert positions(raw) == [
        ("warning", "$.x", 1, 33, "unused key x"),
        ("warning", "$.x", 1, 39, "unused key x"),
    ]


# --------------------------------------------------------------------------- duplicate keys


def test_duplicate_key_last_value_wins_with_a_warning() -> None:
    raw = HEAD + b',"storage":{"files":[{"path":"/a","mode":420,"mode":384}]}}'
    result = parse(raw, legacy=False)
    assert result.config is not None
    assert result.config.storage.files[0].mode == 384
    assert [located(d) for d in result.report] == [
        (
            "warning",
            "$.storage.files.0.mode",
            1,
            77,
            "duplicate key mode: only its last value is used",
        )
    ]


@pytest.mark.xfail(
    strict=True,
    reason="positions of an earlier occurrence of a duplicate key point at the last occurrence",
)
def test_duplicate_key_type_error_of_the_earlier_value_is_reported() -> None:
    # Go decodes both values into the same field: the first one fails
    raw = HEAD + b',"storage":{"files":[{"path":1,"path":"/a"}]}}'
    assert syntax_free_errors(raw) == [
        (
            "error",
            "-",
            1,
            62,
            "json: cannot unmarshal number into Go struct field "
            "Config.storage.files.0.path of type string",
        )
    ]


def test_duplicate_objects_are_not_merged() -> None:
    raw = HEAD + b',"storage":{"files":[{"path":"/a"}]},"storage":{"directories":[{"path":"/d"}]}}'
    result = parse(raw, legacy=False)
    assert result.config is not None
    assert result.config.storage.files == ()
    assert [d.path for d in result.config.storage.directories] == ["/d"]
    assert entries(raw) == [(W, "$.storage", "duplicate key storage: only its last value is used")]


# --------------------------------------------------------------------------- case-variant keys


def test_case_variant_key_is_used_and_reported_without_warnings_beneath() -> None:
    raw = HEAD + b',\n"Storage":{"FILES":[{"Path":"/a","MODE":420,"junk":1}]}}'
    result = parse(raw, legacy=False)
    assert result.config is not None
    assert result.config.storage.files[0] == model.File(path="/a", mode=420)
    assert [located(d) for d in result.report] == [
        ("warning", "$.Storage", 2, 1, "unused key Storage; did you mean storage?")
    ]


def test_errors_beneath_a_case_variant_key_use_canonical_paths_and_real_positions() -> None:
    raw = HEAD + b',\n"STORAGE":{"Files":[{"path":"rel"}]}}'
    assert positions(raw) == [
        ("warning", "$.STORAGE", 2, 1, "unused key STORAGE; did you mean storage?"),
        ("error", "$.storage.files.0.path", 2, 29, "path not absolute"),
    ]


def test_case_variant_version_key() -> None:
    raw = b'{"IGNITION":{"Version":"3.1.0"}}'
    result = parse(raw, legacy=False)
    assert result.version == "3.1.0"
    assert result.config is not None
    assert entries(raw) == [(W, "$.IGNITION", "unused key IGNITION; did you mean ignition?")]


def test_later_of_exact_and_case_variant_key_wins() -> None:
    raw = HEAD + b',"storage":{"files":[{"path":"/first","PATH":"/second"}]}}'
    result = parse(raw, legacy=False)
    assert result.config is not None
    assert result.config.storage.files[0].path == "/second"
    raw = HEAD + b',"storage":{"files":[{"PATH":"/first","path":"/second"}]}}'
    result = parse(raw, legacy=False)
    assert result.config is not None
    assert result.config.storage.files[0].path == "/second"


def test_type_error_beneath_a_case_variant_key() -> None:
    raw = HEAD + b',"Storage":{"files":[{"mode":"420"}]}}'
    assert syntax_free_errors(raw) == [
        (
            "error",
            "-",
            1,
            66,
            "json: cannot unmarshal string into Go struct field "
            "Config.storage.files.0.mode of type int",
        )
    ]


# --------------------------------------------------------------------------- nulls


def test_null_object_section_is_empty_with_a_warning() -> None:
    raw = HEAD + b',"storage":null,"systemd":{"units":null}}'
    result = parse(raw, legacy=False)
    assert result.config is not None
    assert result.config.storage == model.Storage()
    assert positions(raw) == [("warning", "$.storage", 1, 43, "storage is null: treated as empty")]


def test_null_scalars_and_lists_are_unset() -> None:
    doc = {
        "ignition": {"version": "3.3.0", "config": {"merge": None}},
        "storage": {
            "files": [
                {"path": "/a", "mode": None, "overwrite": None, "contents": {"source": None}}
            ],
            "links": [{"path": "/l", "target": "/t", "hard": None}],
        },
        "passwd": {"users": [{"name": "core", "uid": None, "groups": None}]},
    }
    result = run(doc)
    assert result.config is not None, list(result.report)
    assert len(result.report) == 0
    f = result.config.storage.files[0]
    assert (f.mode, f.overwrite, f.contents.source) == (None, None, None)
    assert result.config.passwd.users[0].uid is None


def test_null_list_elements_are_zero_values() -> None:
    doc = {
        "ignition": {"version": "3.6.0", "proxy": {"noProxy": [None, "a"]}},
        "storage": {"files": [None]},
    }
    result = run(doc)
    assert result.config is None
    assert [(d.severity, d.path, d.message) for d in result.report] == [
        ("error", ("storage", "files", 0, "path"), "path not specified"),
        ("warning", ("storage", "files", 0), "0 is null: treated as empty"),
    ]
    doc["storage"] = {}
    result = run(doc)
    assert result.config is not None
    assert result.config.ignition.proxy.no_proxy == ("", "a")


def test_null_ignition_section_has_no_version() -> None:
    assert parse(b'{"ignition":null}', legacy=False).failure == BAD_VERSION
    assert parse(b"null", legacy=False).failure == BAD_VERSION


# --------------------------------------------------------------------------- depth


def nested(depth: int) -> bytes:
    return HEAD + b',"x":' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("depth", [127, 128, 600])
def test_deep_documents_within_the_decoder_limit(depth: int) -> None:
    assert positions(nested(depth)) == [("warning", "$.x", 1, 33, "unused key x")]


@pytest.mark.parametrize("depth", [1_200, 5_000, 100_000])
def test_too_deep_documents(depth: int) -> None:
    # not a recursion error: one message, located at the first bracket deeper than 512 (V13)
    # (the root object is level 1: the 512th "[" opens level 513)
    assert syntax_error(nested(depth)) == ("document nested too deeply", 1, 37 + 511 + 1)


def test_depth_inside_strings_does_not_count() -> None:
    raw = HEAD + b',"x":"' + b"[{" * 2000 + b'"}'
    assert entries(raw) == [(W, "$.x", "unused key x")]


def test_syntax_error_before_deep_nesting_wins() -> None:
    raw = b"[" * 10 + b"x" + b"[" * 3000
    assert syntax_error(raw) == ("invalid character 'x' looking for beginning of value", 1, 12)


# --------------------------------------------------------------------------- numbers

SETUID = (
    "setuid/setgid/sticky bits are not supported or functional in spec versions older than 3.6.0"
)
MODE = "Go struct field Config.storage.files.0.mode of type int"


def mode_doc(literal: bytes) -> bytes:
    return HEAD + b',"storage":{"files":[{"path":"/a","mode":' + literal + b"}]}}"


@pytest.mark.parametrize(
    ("literal", "message"),
    [
        (b"420.0", f"json: cannot unmarshal number 420.0 into {MODE}"),
        (b"4.2e2", f"json: cannot unmarshal number 4.2e2 into {MODE}"),
        (b"1E400", f"json: cannot unmarshal number 1E400 into {MODE}"),
        (b"-0.0", f"json: cannot unmarshal number -0.0 into {MODE}"),
        (b"9223372036854775808", f"json: cannot unmarshal number 9223372036854775808 into {MODE}"),
        (
            b"-9223372036854775809",
            f"json: cannot unmarshal number -9223372036854775809 into {MODE}",
        ),
        (b"9" * 5000, f"json: cannot unmarshal number {'9' * 5000} into {MODE}"),
        (b'"420"', f"json: cannot unmarshal string into {MODE}"),
        (b"true", f"json: cannot unmarshal bool into {MODE}"),
        (b"[420]", f"json: cannot unmarshal array into {MODE}"),
        (b"{}", f"json: cannot unmarshal object into {MODE}"),
    ],
    ids=lambda v: v[:20] if isinstance(v, bytes) else None,
)
def test_integer_field_type_errors(literal: bytes, message: str) -> None:
    raw = mode_doc(literal)
    result = parse(raw, legacy=False)
    assert result.config is None
    [d] = result.report
    assert (d.severity, d.path, d.message) == ("error", None, message)
    # just past the value (one past the bracket for containers)
    start = raw.index(b'"mode":') + 7
    end = start + 1 if literal[:1] in b"[{" else start + len(literal)
    assert (d.line, d.column) == (1, end + 1)


def test_int64_bounds_are_integers() -> None:
    assert entries(mode_doc(b"9223372036854775807")) == [
        (E, "$.storage.files.0.mode", "illegal file mode"),
        (W, "$.storage.files.0.mode", SETUID),
    ]
    assert entries(mode_doc(b"-0")) == []


def test_huge_integer_under_an_unknown_key_is_ignored() -> None:
    raw = HEAD + b',"x":' + b"1" * 5000 + b',"storage":{"files":[{"path":"/a","mode":420}]}}'
    result = parse(raw, legacy=False)
    assert result.config is not None
    assert result.config.storage.files[0].mode == 420  # other integers are still integers
    assert [d.message for d in result.report] == ["unused key x"]


def test_float_for_a_string_field_has_no_literal() -> None:
    raw = HEAD + b',"storage":{"files":[{"path":1.5}]}}'
    [d] = parse(raw, legacy=False).report
    assert d.message == (
        "json: cannot unmarshal number into Go struct field Config.storage.files.0.path "
        "of type string"
    )


def test_every_type_error_is_reported_in_document_order() -> None:
    raw = (
        HEAD + b',\n"storage":{"files":[{"path":1,"mode":"x"}],"links":5},\n'
        b'"passwd":{"users":[{"name":"a","uid":1.5,"groups":"wheel"}]}}'
    )
    assert [(d.line, d.column, d.message.split(" into ")[1]) for d in parse(raw).report] == [
        (2, 30, "Go struct field Config.storage.files.0.path of type string"),
        (2, 41, "Go struct field Config.storage.files.0.mode of type int"),
        (2, 53, "Go struct field Config.storage.links of type []types.Link"),
        (3, 41, "Go struct field Config.passwd.users.0.uid of type int"),
        (3, 58, "Go struct field Config.passwd.users.0.groups of type []types.Group"),
    ]


def test_type_error_of_a_list_element() -> None:
    raw = HEAD + b',"storage":{"files":["/a"],"raid":[{"devices":[1]}]}}'
    assert [d.message for d in parse(raw).report] == [
        "json: cannot unmarshal string into Config.storage.files.0 of type types.File",
        "json: cannot unmarshal number into Config.storage.raid.0.devices.0 of type types.Device",
    ]


def test_root_type_errors() -> None:
    for raw, kind in ((b"[]", "array"), (b"5", "number"), (b'"x"', "string"), (b"true", "bool")):
        result = parse(raw)
        assert result.failure is None
        [d] = result.report
        assert d.message == f"json: cannot unmarshal {kind} into Go value of type util.versionStub"
        assert (d.line, d.column) == (1, 2 if kind == "array" else len(raw) + 1)


def test_document_is_kept_for_positions() -> None:
    raw = HEAD + b"}"
    doc = jsondoc.parse(raw)
    assert doc.value == json.loads(raw)
    assert doc.locate(("ignition", "version")) == (1, 24)
    assert doc.locate_key(("ignition",)) == (1, 2)
    assert doc.locate(("ignition", "nope", 3)) == (1, 14)  # deepest existing ancestor
    assert doc.byte_position(len(raw)) == (1, 33)


def test_stdout_encoding_is_not_ascii_sensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    # messages are text; they must survive being printed as UTF-8
    raw = HEAD + ',"ü":1}'.encode()
    out = io.StringIO()
    assert validate_bytes(raw, out=out, err=sys.stderr, fmt="text", legacy=False) == 0
    assert out.getvalue() == "warning at $.ü, line 1 col 33: unused key ü\n"


def test_many_invalid_bytes_decode_in_linear_time() -> None:
    # 400,000 bad bytes: a quadratic decoder takes minutes here, a linear one milliseconds
    raw = HEAD + b',"x":"' + b"\xff" * 400_000 + b'","y":"' + b"\xfea" * 20_000 + b'"}'
    start = time.monotonic()
    result = parse(raw, legacy=False)
    assert time.monotonic() - start < 5
    assert result.config is not None
    assert len(result.report) == 2 + 1 + 20_000  # two unused keys, one warning per run
