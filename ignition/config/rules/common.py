"""Rules shared by several sections: paths, URLs, resources, hashes, headers, owners, modes.

Messages are the reference's (``config/shared/errors`` in Ignition), so scripts that grep
``ignition-validate`` output keep working.
"""

from __future__ import annotations

from ignition.config import model, urls
from ignition.config.report import Path, Report
from ignition.config.versions import at_least, before

HASH_SIZES = {"sha512": 128, "sha256": 64}
_TOKEN = urls.HTTP_TOKEN
_HEADER_VALUE_BREAK = urls.HEADER_VALUE_BREAK


def go_clean(p: str) -> str:
    """Go's ``path.Clean``."""
    if p == "":
        return "."
    rooted = p.startswith("/")
    out: list[str] = []
    for part in p.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if out and out[-1] != "..":
                out.pop()
            elif not rooted:
                out.append("..")
            continue
        out.append(part)
    s = "/".join(out)
    if rooted:
        return "/" + s
    return s or "."


def check_path(r: Report, path: Path, value: str | None) -> bool:
    """``path not specified`` / ``path not absolute`` / ``path is not fully simplified``."""
    if value is None or value == "":
        r.error(path, "path not specified")
        return False
    if not value.startswith("/"):
        r.error(path, "path not absolute")
        return False
    if go_clean(value) != value:
        r.error(path, "path is not fully simplified")
        return False
    if "\x00" in value:
        r.error(path, "path contains a NUL character; no file system accepts it")
        return False
    return True


def allowed_schemes(version: str) -> set[str]:
    schemes = {"http", "https", "tftp", "s3", "data"}
    if at_least(version, "3.2.0"):
        schemes.add("gs")
    if at_least(version, "3.4.0"):
        schemes.add("arn")
    return schemes


def url_error(source: str, version: str) -> str | None:
    """The reference's complaint about a resource URL, or None when it is acceptable."""
    if source == "" and at_least(version, "3.1.0"):
        return None  # an empty source means empty contents (3.0 had no such rule)
    try:
        u = urls.parse_url(source)
    except urls.URLError:
        return "unable to parse url"
    scheme = u.scheme
    if scheme not in allowed_schemes(version):
        return "invalid url scheme"
    if scheme == "s3":
        vid = u.query().get("versionId")
        if vid is not None and (not vid or vid[0] == ""):
            return "invalid S3 object VersionId"
    elif scheme == "arn":
        return arn_error(source)
    elif scheme == "data":
        del u  # its opaque part is a copy of the whole body: not kept while decoding it
        try:
            urls.decode_data_url(source)
        except urls.URLError as exc:
            return str(exc)
    return None


def arn_error(source: str) -> str | None:
    if not source.startswith("arn:"):
        return "arn: invalid prefix"
    sections = source.split(":", 5)
    if len(sections) != 6:
        return "arn: not enough sections"
    _, _partition, service, _region, _account, resource = sections
    if service != "s3":
        return "invalid S3 ARN format"
    resource = resource.split("?", 1)[0]
    if resource.startswith("accesspoint/"):
        parts = resource.split("/")
        if len(parts) < 4 or parts[2] != "object" or not parts[1] or not parts[3]:
            return "invalid S3 ARN format"
        return None
    if "/" not in resource:
        return "invalid S3 ARN format"
    try:
        vid = urls.parse_url("x://h/?" + source.split("?", 1)[1]).query() if "?" in source else {}
    except urls.URLError:
        vid = {}
    versions = vid.get("versionId")
    if versions is not None and (not versions or versions[0] == ""):
        return "invalid S3 object VersionId"
    return None


def check_hash(r: Report, path: Path, value: str, version: str) -> None:
    func, sep, digest = value.partition("-")
    if not sep:
        r.error(path, "malformed hash specifier")
        return
    allowed = {"sha512", "sha256"} if at_least(version, "3.1.0") else {"sha512"}
    if func not in allowed:
        r.error(path, "unrecognized hash function")
        return
    if len(digest) != HASH_SIZES[func]:
        r.error(path, "incorrect size for hash sum")
        return
    if any(c not in "0123456789abcdefABCDEF" for c in digest):
        # The reference checks only the length; a non-hex sum can never verify at run time.
        r.warning(path, "hash sum is not hexadecimal: verification will always fail")


def check_resource(
    r: Report,
    path: Path,
    res: model.Resource,
    version: str,
    *,
    has_compression: bool = True,
) -> bool:
    """Validate one resource; return False when its source is unusable."""
    ok = True
    # Spec 3.0 file contents: "" means an empty file (the reference's runtime accepts it; the
    # blackbox corpus runs links.sym.writeover at 3.0.0 with a pre-validated config).
    empty_file_ok = res.source == "" and path[-1:] == ("contents",) and path[:1] == ("storage",)
    if res.source is not None and not empty_file_ok:
        err = url_error(res.source, version)
        if err is not None:
            r.error((*path, "source"), err)
            ok = False
    if has_compression and res.compression not in (None, "", "gzip"):
        r.error((*path, "compression"), "invalid compression method")
    h = res.verification.hash
    if h is not None:
        if res.source is None:
            r.error(
                (*path, "verification", "hash"),
                "source must be specified if verification is specified",
            )
        else:
            check_hash(r, (*path, "verification", "hash"), h, version)
    if res.http_headers:
        check_headers(r, path, res, version)
    return ok


def check_headers(r: Report, path: Path, res: model.Resource, version: str) -> None:
    hpath = (*path, "httpHeaders")
    src = res.source
    scheme = None
    if src:
        try:
            scheme = urls.parse_url(src).scheme
        except urls.URLError:
            scheme = None
    if scheme is None:
        r.error(hpath, "unable to parse url")
    elif scheme not in ("http", "https"):
        r.error(hpath, "cannot use HTTP headers with this source scheme")
    for i, h in enumerate(res.http_headers):
        if h.name == "":
            r.error((*hpath, i, "name"), "HTTP header name can't be empty")
        elif not _TOKEN.issuperset(h.name):
            r.error((*hpath, i, "name"), "HTTP header name must be a token (RFC 9110)")
        if h.value is not None and h.value == "":
            r.error((*hpath, i, "value"), "unable to parse HTTP header")
        elif h.value is not None and not _HEADER_VALUE_BREAK.isdisjoint(h.value):
            # the fetch would fail (or, worse, send two headers); the value is never quoted
            r.error(
                (*hpath, i, "value"),
                "HTTP header value must not contain a line break, NUL or control character",
            )


def check_owner(r: Report, path: Path, node: model.Node) -> None:
    if node.user.id is not None and node.user.name:
        r.error((*path, "user"), "cannot set both id and name")
    if node.group.id is not None and node.group.name:
        r.error((*path, "group"), "cannot set both id and name")
    for key, owner in (("user", node.user), ("group", node.group)):
        if owner.name == "" and owner.id is None:
            r.warning((*path, key, "name"), f"empty {key} name: ownership cannot be resolved")


def check_mode(r: Report, path: Path, mode: int | None, version: str) -> None:
    if mode is None:
        return
    if mode < 0 or mode > 0o7777:
        r.error((*path, "mode"), "illegal file mode")
    if before(version, "3.6.0") and (mode < 0 or mode & 0o7000):
        r.warning(
            (*path, "mode"),
            "setuid/setgid/sticky bits are not supported or functional in spec versions "
            "older than 3.6.0",
        )
