"""Rules shared by several sections: paths and other common values, resources and URLs, proxies.

Every rule has a config that passes and one that fails; the report is compared exactly as
(severity, path, message) triples.
"""

from __future__ import annotations

from typing import Any

from tests.unit.config.helpers import Case, E, W, cases_param, check_case, config, positions

V30, V31, V32, V33, V34, V35, V36, V37 = (
    "3.0.0",
    "3.1.0",
    "3.2.0",
    "3.3.0",
    "3.4.0",
    "3.5.0",
    "3.6.0",
    "3.7.0-experimental",
)
SHA512 = "sha512-" + "ab" * 64
SHA256 = "sha256-" + "cd" * 32


def files(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"storage": {"files": list(entries)}}


def dirs(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"storage": {"directories": list(entries)}}


def links(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"storage": {"links": list(entries)}}


def contents(version: str, res: dict[str, Any]) -> Case:
    return Case("", version, files({"path": "/f", "contents": res}))


F0 = "$.storage.files.0"

# --------------------------------------------------------------------------- paths

PATH_CASES = [
    Case("absolute", V36, files({"path": "/etc/motd"})),
    Case("root itself", V36, dirs({"path": "/"})),
    Case("empty", V36, files({"path": ""}), [(E, f"{F0}.path", "path not specified")]),
    Case("missing", V36, files({"mode": 420}), [(E, f"{F0}.path", "path not specified")]),
    Case("relative", V36, files({"path": "etc/motd"}), [(E, f"{F0}.path", "path not absolute")]),
    *[
        Case(
            f"unclean {p!r}",
            V36,
            files({"path": p}),
            [(E, f"{F0}.path", "path is not fully simplified")],
        )
        for p in ("/etc/", "/etc/../motd", "//etc", "/etc/./motd", "/etc//motd", "/..")
    ],
    Case(
        "directory relative",
        V30,
        dirs({"path": "d"}),
        [(E, "$.storage.directories.0.path", "path not absolute")],
    ),
    Case(
        "link unclean",
        V33,
        links({"path": "/a/", "target": "/b"}),
        [(E, "$.storage.links.0.path", "path is not fully simplified")],
    ),
    Case(
        "NUL in path (V7)",
        V36,
        files({"path": "/a\u0000b"}),
        [(E, f"{F0}.path", "path contains a NUL character; no file system accepts it")],
    ),
]


@cases_param(PATH_CASES)
def test_paths(case: Case) -> None:
    check_case(case)


# --------------------------------------------------------------------------- modes

HASH_FN = "unrecognized hash function"
SETUID = (
    "setuid/setgid/sticky bits are not supported or functional in spec versions older than 3.6.0"
)

MODE_CASES = [
    Case("0644", V35, files({"path": "/f", "mode": 0o644})),
    Case("07777 in 3.6", V36, files({"path": "/f", "mode": 0o7777})),
    Case("04755 in 3.6", V36, dirs({"path": "/d", "mode": 0o4755})),
    Case("0 is legal", V30, files({"path": "/f", "mode": 0})),
    Case(
        "04755 in 3.5",
        V35,
        files({"path": "/f", "mode": 0o4755}),
        [(W, f"{F0}.mode", SETUID)],
    ),
    Case(
        "01777 directory in 3.0",
        V30,
        dirs({"path": "/d", "mode": 0o1777}),
        [(W, "$.storage.directories.0.mode", SETUID)],
    ),
    Case(
        "010000 in 3.6",
        V36,
        files({"path": "/f", "mode": 0o10000}),
        [(E, f"{F0}.mode", "illegal file mode")],
    ),
    Case(
        "010000 in 3.5 (special bits clear)",
        V35,
        files({"path": "/f", "mode": 0o10000}),
        [(E, f"{F0}.mode", "illegal file mode")],
    ),
    Case(
        "negative in 3.6",
        V36,
        files({"path": "/f", "mode": -1}),
        [(E, f"{F0}.mode", "illegal file mode")],
    ),
    Case(
        "negative in 3.5: error and warning (quirk #25)",
        V35,
        dirs({"path": "/d", "mode": -8}),
        [
            (E, "$.storage.directories.0.mode", "illegal file mode"),
            (W, "$.storage.directories.0.mode", SETUID),
        ],
    ),
]


@cases_param(MODE_CASES)
def test_modes(case: Case) -> None:
    check_case(case)


# --------------------------------------------------------------------------- owners

OWNER_CASES = [
    Case("ids", V36, files({"path": "/f", "user": {"id": 0}, "group": {"id": 0}})),
    Case("names", V36, dirs({"path": "/d", "user": {"name": "core"}, "group": {"name": "core"}})),
    Case("id with empty name", V36, files({"path": "/f", "user": {"id": 1, "name": ""}})),
    Case(
        "user id and name",
        V36,
        files({"path": "/f", "user": {"id": 1, "name": "core"}}),
        [(E, f"{F0}.user", "cannot set both id and name")],
    ),
    Case(
        "group id and name",
        V30,
        dirs({"path": "/d", "group": {"id": 1, "name": "core"}}),
        [(E, "$.storage.directories.0.group", "cannot set both id and name")],
    ),
    Case(
        "empty user name (V8)",
        V36,
        files({"path": "/f", "user": {"name": ""}}),
        [(W, f"{F0}.user.name", "empty user name: ownership cannot be resolved")],
    ),
    Case(
        "empty group name on a link (V8)",
        V36,
        links({"path": "/l", "target": "/t", "group": {"name": ""}}),
        [(W, "$.storage.links.0.group.name", "empty group name: ownership cannot be resolved")],
    ),
]


@cases_param(OWNER_CASES)
def test_owners(case: Case) -> None:
    check_case(case)


# --------------------------------------------------------------------------- resource URLs

SRC = f"{F0}.contents.source"


def src_case(name: str, version: str, source: str, message: str | None = None) -> Case:
    case = contents(version, {"source": source})
    case.id = name
    if message is not None:
        case.expected = [(E, SRC, message)]
    return case


URL_CASES = [
    src_case("http", V30, "http://example.com/a"),
    src_case("https with port and query", V30, "https://example.com:8443/a?b=c#d"),
    src_case("tftp", V30, "tftp://10.0.0.1/a"),
    src_case("s3", V30, "s3://bucket/key"),
    src_case("s3 with versionId", V30, "s3://bucket/key?versionId=abc"),
    src_case("data percent", V30, "data:,hello%20world"),
    src_case("data base64", V30, "data:text/plain;charset=utf-8;base64,aGVsbG8="),
    src_case("data base64 unpadded", V31, "data:;base64,aGVsbG8"),
    src_case("ftp", V36, "ftp://example.com/a", "invalid url scheme"),
    src_case("file", V36, "file:///etc/passwd", "invalid url scheme"),
    src_case("no scheme", V36, "/etc/passwd", "invalid url scheme"),
    src_case("bad escape", V36, "http://example.com/%zz", "unable to parse url"),
    src_case("bad port", V36, "http://example.com:80x/", "unable to parse url"),
    src_case("control char", V36, "http://example.com/\u0001", "unable to parse url"),
    src_case("leading colon", V36, "://example.com", "unable to parse url"),
    src_case("empty versionId", V36, "s3://bucket/key?versionId=", "invalid S3 object VersionId"),
    src_case("gs in 3.1", V31, "gs://bucket/object", "invalid url scheme"),
    src_case("gs in 3.2", V32, "gs://bucket/object"),
    src_case("arn in 3.3", V33, "arn:aws:s3:::bucket/key", "invalid url scheme"),
    src_case("arn in 3.4", V34, "arn:aws:s3:::bucket/key"),
    src_case("arn access point", V34, "arn:aws:s3:us-east-1:123:accesspoint/ap/object/key"),
    src_case("arn bucket only", V34, "arn:aws:s3:::bucket", "invalid S3 ARN format"),
    src_case("arn other service", V34, "arn:aws:sns:::bucket/key", "invalid S3 ARN format"),
    src_case("arn sections", V34, "arn:aws:s3", "arn: not enough sections"),
    src_case(
        "arn access point without object",
        V34,
        "arn:aws:s3:us-east-1:123:accesspoint/ap",
        "invalid S3 ARN format",
    ),
    src_case(
        "arn empty versionId",
        V34,
        "arn:aws:s3:::bucket/key?versionId=",
        "invalid S3 object VersionId",
    ),
    src_case("data without comma", V36, "data:text/plain", "unterminated parameter sequence"),
    src_case("data media type", V36, "data:text;base64,AAAA", "missing media type slash"),
    src_case("data bad media type", V36, "data:te(xt/plain,x", "invalid media type"),
    src_case("data bare", V36, "data:", "missing comma"),
    src_case("data bad parameter", V36, "data:text/plain;foo,x", "unterminated parameter sequence"),
    src_case(
        "data bad escape", V36, "data:,100%zz", "rfc2396: invalid char 0x7a in unescape sequence"
    ),
    src_case(
        "data bad base64",
        V36,
        "data:;base64,!!!!",
        "illegal base64 data: Only base64 data is allowed",
    ),
    # an empty source means empty contents from 3.1; 3.0 parses it as a URL without scheme
    src_case("empty source in 3.1", V31, ""),
    src_case("empty source in 3.7", V37, ""),
    # 3.0 file contents: "" is an empty file (as the reference's runtime accepts it)
    src_case("empty contents source in 3.0", V30, ""),
    Case(
        "empty append source in 3.0",
        V30,
        files({"path": "/f", "append": [{"source": ""}]}),
        [(E, f"{F0}.append.0.source", "invalid url scheme")],
    ),
    Case(
        "empty replace source in 3.0",
        V30,
        {"ignition": {"version": V30, "config": {"replace": {"source": ""}}}},
        [(E, "$.ignition.config.replace.source", "invalid url scheme")],
    ),
]


@cases_param(URL_CASES)
def test_resource_urls(case: Case) -> None:
    check_case(case)


# --------------------------------------------------------------------------- hashes, compression

HASH = f"{F0}.contents.verification.hash"


def hash_case(name: str, version: str, value: str, *expected: tuple[str, str]) -> Case:
    case = contents(version, {"source": "data:,x", "verification": {"hash": value}})
    case.id = name
    case.expected = [(sev, HASH, msg) for sev, msg in expected]
    return case


HASH_CASES = [
    hash_case("sha512", V30, SHA512),
    hash_case("sha512 upper case", V36, SHA512.upper().replace("SHA512", "sha512")),
    hash_case("sha256 in 3.1", V31, SHA256),
    hash_case("sha256 in 3.0", V30, SHA256, (E, "unrecognized hash function")),
    hash_case("md5", V36, "md5-" + "a" * 32, (E, "unrecognized hash function")),
    hash_case("no dash", V36, "sha512", (E, "malformed hash specifier")),
    hash_case("short", V36, "sha512-abc", (E, "incorrect size for hash sum")),
    hash_case("sha256 long", V36, "sha256-" + "a" * 128, (E, "incorrect size for hash sum")),
    hash_case(
        "not hex (V6)",
        V36,
        "sha512-" + "z" * 128,
        (W, "hash sum is not hexadecimal: verification will always fail"),
    ),
    Case(
        "hash without source",
        V36,
        files({"path": "/f", "contents": {"verification": {"hash": SHA512}}}),
        [(E, HASH, "source must be specified if verification is specified")],
    ),
    Case(
        "hash with empty source",
        V36,
        files({"path": "/f", "contents": {"source": "", "verification": {"hash": SHA512}}}),
    ),
]


@cases_param(HASH_CASES)
def test_hashes(case: Case) -> None:
    check_case(case)


COMPRESSION_CASES = [
    Case(
        "gzip", V30, files({"path": "/f", "contents": {"source": "data:,", "compression": "gzip"}})
    ),
    Case("empty", V36, files({"path": "/f", "contents": {"source": "data:,", "compression": ""}})),
    Case(
        "xz",
        V36,
        files({"path": "/f", "contents": {"source": "data:,", "compression": "xz"}}),
        [(E, f"{F0}.contents.compression", "invalid compression method")],
    ),
    Case(
        "append with bzip2",
        V30,
        files({"path": "/f", "append": [{"source": "data:,", "compression": "bzip2"}]}),
        [(E, f"{F0}.append.0.compression", "invalid compression method")],
    ),
    Case(
        "merge reference gzip in 3.1",
        V31,
        {
            "ignition": {
                "version": V31,
                "config": {"merge": [{"source": "http://h/c", "compression": "gzip"}]},
            }
        },
    ),
    Case(
        "merge reference bad compression in 3.1",
        V31,
        {
            "ignition": {
                "version": V31,
                "config": {"replace": {"source": "http://h/c", "compression": "lz4"}},
            }
        },
        [(E, "$.ignition.config.replace.compression", "invalid compression method")],
    ),
    Case(
        "merge reference compression is not a 3.0 field",
        V30,
        {
            "ignition": {
                "version": V30,
                "config": {"replace": {"source": "http://h/c", "compression": "lz4"}},
            }
        },
        [(W, "$.ignition.config.replace.compression", "unused key compression")],
    ),
]


@cases_param(COMPRESSION_CASES)
def test_compression(case: Case) -> None:
    check_case(case)


# --------------------------------------------------------------------------- HTTP headers (3.1+)

H = f"{F0}.contents.httpHeaders"


def header_case(name: str, source: str | None, headers: list[Any], *expected: Any) -> Case:
    res: dict[str, Any] = {"httpHeaders": headers}
    if source is not None:
        res["source"] = source
    return Case(name, V31, files({"path": "/f", "contents": res}), list(expected))


HEADER_CASES = [
    header_case("http", "http://h/f", [{"name": "A", "value": "1"}, {"name": "B"}]),
    header_case("https", "https://h/f", [{"name": "Authorization", "value": "Bearer x"}]),
    header_case("empty list with data source", "data:,x", []),
    header_case(
        "data scheme",
        "data:,x",
        [{"name": "A", "value": "1"}],
        (E, H, "cannot use HTTP headers with this source scheme"),
    ),
    header_case(
        "s3 scheme",
        "s3://b/k",
        [{"name": "A"}],
        (E, H, "cannot use HTTP headers with this source scheme"),
    ),
    header_case("no source", None, [{"name": "A", "value": "1"}], (E, H, "unable to parse url")),
    header_case("empty source", "", [{"name": "A", "value": "1"}], (E, H, "unable to parse url")),
    header_case(
        "unparsable source",
        "http://h/%z",
        [{"name": "A", "value": "1"}],
        (E, f"{F0}.contents.source", "unable to parse url"),
        (E, H, "unable to parse url"),
    ),
    header_case(
        "empty name",
        "http://h/f",
        [{"name": "", "value": "1"}],
        (E, f"{H}.0.name", "HTTP header name can't be empty"),
    ),
    header_case(
        "empty value",
        "http://h/f",
        [{"name": "A", "value": ""}],
        (E, f"{H}.0.value", "unable to parse HTTP header"),
    ),
    header_case(
        "duplicate name",
        "http://h/f",
        [{"name": "A", "value": "1"}, {"name": "B", "value": "1"}, {"name": "A", "value": "2"}],
        (E, f"{H}.2", "duplicate entry defined"),
    ),
    Case(
        "headers are not a 3.0 field",
        V30,
        files({"path": "/f", "contents": {"source": "http://h/f", "httpHeaders": []}}),
        [(W, f"{F0}.contents.httpHeaders", "unused key httpHeaders")],
    ),
]


@cases_param(HEADER_CASES)
def test_http_headers(case: Case) -> None:
    check_case(case)


# --------------------------------------------------------------------------- ignition section

MERGE = "$.ignition.config.merge"
CA = "$.ignition.security.tls.certificateAuthorities"


def ign(version: str, **fields: Any) -> dict[str, Any]:
    return {"ignition": {"version": version, **fields}}


IGNITION_CASES = [
    Case(
        "merge and replace",
        V36,
        ign(
            V36, config={"merge": [{"source": "https://h/a"}], "replace": {"source": "https://h/b"}}
        ),
    ),
    Case("replace without source", V36, ign(V36, config={"replace": {}})),
    Case("replace with empty source", V36, ign(V36, config={"replace": {"source": ""}})),
    Case(
        "replace with bad scheme",
        V36,
        ign(V36, config={"replace": {"source": "ftp://h/b"}}),
        [(E, "$.ignition.config.replace.source", "invalid url scheme")],
    ),
    Case(
        "merge without source",
        V31,
        ign(V31, config={"merge": [{}]}),
        [(E, f"{MERGE}.0", "source is required")],
    ),
    Case(
        "merge with empty source",
        V36,
        ign(V36, config={"merge": [{"source": ""}]}),
        [(E, f"{MERGE}.0", "source is required")],
    ),
    Case(
        "merge with bad scheme: at the element and at source",
        V36,
        ign(V36, config={"merge": [{"source": "ftp://h/a"}]}),
        [(E, f"{MERGE}.0", "invalid url scheme"), (E, f"{MERGE}.0.source", "invalid url scheme")],
    ),
    Case("merge without source in 3.0", V30, ign(V30, config={"merge": [{}]})),
    Case(
        "merge with bad scheme in 3.0",
        V30,
        ign(V30, config={"merge": [{"source": "ftp://h/a"}]}),
        [(E, f"{MERGE}.0.source", "invalid url scheme")],
    ),
    Case(
        "duplicate merge sources",
        V36,
        ign(V36, config={"merge": [{"source": "https://h/a"}, {"source": "https://h/a"}]}),
        [(E, f"{MERGE}.1", "duplicate entry defined")],
    ),
    Case(
        "CA", V36, ign(V36, security={"tls": {"certificateAuthorities": [{"source": "data:,pem"}]}})
    ),
    Case(
        "CA without source",
        V36,
        ign(V36, security={"tls": {"certificateAuthorities": [{}]}}),
        [(E, f"{CA}.0", "source is required")],
    ),
    Case(
        "CA without source in 3.0",
        V30,
        ign(V30, security={"tls": {"certificateAuthorities": [{}]}}),
        [(E, f"{CA}.0.source", "invalid url scheme")],
    ),
    Case(
        "CA with bad hash",
        V36,
        ign(
            V36,
            security={
                "tls": {
                    "certificateAuthorities": [{"source": "data:,", "verification": {"hash": "x"}}]
                }
            },
        ),
        [(E, f"{CA}.0.verification.hash", "malformed hash specifier")],
    ),
    Case(
        "duplicate CA sources",
        V36,
        ign(
            V36,
            security={
                "tls": {"certificateAuthorities": [{"source": "data:,a"}, {"source": "data:,a"}]}
            },
        ),
        [(E, f"{CA}.1", "duplicate entry defined")],
    ),
    Case("timeouts", V30, ign(V30, timeouts={"httpResponseHeaders": 0, "httpTotal": 600})),
]


@cases_param(IGNITION_CASES)
def test_ignition_section(case: Case) -> None:
    check_case(case)


P = "$.ignition.proxy"

PROXY_CASES = [
    Case(
        "http and https proxies",
        V31,
        ign(
            V31,
            proxy={
                "httpProxy": "http://p:3128",
                "httpsProxy": "https://p:3129",
                "noProxy": ["a", "b"],
            },
        ),
    ),
    Case(
        "ftp proxy",
        V31,
        ign(V31, proxy={"httpProxy": "ftp://p"}),
        [(E, f"{P}.httpProxy", "proxies must be http(s)")],
    ),
    Case(
        "proxy without scheme",
        V36,
        ign(V36, proxy={"httpsProxy": "p:3128"}),
        [(E, f"{P}.httpsProxy", "proxies must be http(s)")],
    ),
    Case(
        "unparsable proxy",
        V36,
        ign(V36, proxy={"httpProxy": "http://p/%x"}),
        [(E, f"{P}.httpProxy", "unable to parse url")],
    ),
    Case(
        "plain http for https",
        V36,
        ign(V36, proxy={"httpsProxy": "http://p:3128"}),
        [(W, f"{P}.httpsProxy", "insecure plaintext HTTP proxy specified for HTTPS resources")],
    ),
    Case(
        "duplicate noProxy",
        V36,
        ign(V36, proxy={"noProxy": [".a", ".b", ".a"]}),
        [(E, f"{P}.noProxy.2", "duplicate entry defined")],
    ),
    Case("proxy is not a 3.0 field", V30, ign(V30, proxy={}), [(W, P, "unused key proxy")]),
]


@cases_param(PROXY_CASES)
def test_proxy(case: Case) -> None:
    check_case(case)


# --------------------------------------------------------------------------- positions


def test_positions_of_common_rules() -> None:
    # columns count bytes: the é before the hash is two
    text = (
        '{"ignition": {"version": "3.5.0"},\n'
        ' "storage": {"files": [\n'
        '   {"path": "rel", "mode": 2541,\n'
        '    "user": {"id": 1, "name": "x"},\n'
        '    "contents": {"source": "ftp://h/é", "verification": {"hash": "sha1-00"}}}\n'
        " ]}}\n"
    )
    assert positions(text) == [
        ("error", "$.storage.files.0.path", 3, 13, "path not absolute"),
        ("warning", "$.storage.files.0.mode", 3, 28, SETUID),
        ("error", "$.storage.files.0.user", 4, 14, "cannot set both id and name"),
        ("error", "$.storage.files.0.contents.source", 5, 28, "invalid url scheme"),
        ("error", "$.storage.files.0.contents.verification.hash", 5, 67, HASH_FN),
    ]


def test_every_rule_checks_each_list_element() -> None:
    doc = config(
        V36,
        storage={
            "files": [{"path": "/ok"}, {"path": "bad"}, {"path": "/ok2"}, {"path": "/x/"}],
        },
    )
    check_case(
        Case(
            "second and fourth",
            V36,
            {"storage": doc["storage"]},
            [
                (E, "$.storage.files.1.path", "path not absolute"),
                (E, "$.storage.files.3.path", "path is not fully simplified"),
            ],
        )
    )
