"""``write_files``: decoded, with owner, mode, ``append``, ``defer`` and ``source``."""

from __future__ import annotations

import base64
import binascii
import posixpath

from cloudinit.migrate import values as v
from cloudinit.migrate.out import Out, Variant
from cloudinit.migrate.units import FILES
from cloudinit.userdata import gunzip
from cloudinit.yamlout import Octal
from ignition.config.report import Path

_B64 = ("b64", "base64")
_GZ = ("gz", "gzip")
_GZ_B64 = ("gz+b64", "gz+base64", "gzip+b64", "gzip+base64")
_VOLATILE = ("/run/", "/proc/", "/sys/", "/dev/", "/tmp/")
_USR_LINKS = ("/bin/", "/sbin/", "/lib/", "/lib64/")  # links into /usr on both OSes


def write_files(out: Out, variant: Variant, at: Path, value: object) -> None:
    found = v.items(out, at, value)
    for i, f in enumerate(found or []):
        entry = v.mapping(out, (*at, i), f)
        if entry is not None:
            _one(out, (*at, i), entry)


def _decode(out: Out, at: Path, entry: dict[str, object]) -> tuple[bytes, bool] | None:
    """The content's bytes, and whether they are gzip data to keep compressed."""
    content = entry.get("content", "")
    encoding = entry.get("encoding", "text/plain")
    if isinstance(content, bytes):  # !!binary: already decoded by YAML
        data = content
        if encoding in _B64 or encoding in _GZ_B64:
            encoding = "gzip" if encoding in _GZ_B64 else "text/plain"
    elif isinstance(content, str):
        data = content.encode("utf-8", "surrogateescape")
    else:
        v.text(out, (*at, "content"), content)
        return None
    if encoding not in ("text/plain", *_B64, *_GZ, *_GZ_B64):
        out.error((*at, "encoding"), f"unknown encoding {encoding!r}: not carried over")
        return None
    try:
        if encoding in _B64 or encoding in _GZ_B64:
            data = base64.b64decode(b"".join(data.split()), validate=True)
        if encoding in _GZ or encoding in _GZ_B64:
            gunzip(data)  # checked completely now, kept compressed in the Butane
            return data, True
    except (ValueError, binascii.Error) as exc:
        out.error((*at, "content"), f"the content cannot be decoded as {encoding}: {exc}")
        return None
    return data, False


def _mode(out: Out, at: Path, raw: object) -> int | None:
    if raw is None:
        return 0o644
    if isinstance(raw, int) and not isinstance(raw, bool):
        mode = raw
    elif isinstance(raw, str):
        try:
            mode = int(raw.strip() or "x", 8)
        except ValueError:
            mode = -1
    else:
        mode = -1
    if not 0 <= mode <= 0o7777:
        out.error(at, "permissions: not an octal file mode (such as '0644'): not carried over")
        return None
    return mode


def _contents(data: bytes, gz: bool) -> dict[str, object]:
    if not gz:
        try:
            return {"inline": data.decode("utf-8")}
        except UnicodeDecodeError:
            pass
    url = "data:;base64," + base64.b64encode(data).decode("ascii")
    return {"compression": "gzip", "source": url} if gz else {"source": url}


def _one(out: Out, at: Path, entry: dict[str, object]) -> None:
    raw_path = v.text(out, (*at, "path"), entry.get("path"))
    if raw_path is None:
        return
    if not raw_path.startswith("/"):
        out.error((*at, "path"), "path must be absolute: not carried over")
        return
    path = posixpath.normpath(raw_path)
    if (path + "/").startswith(_VOLATILE):
        out.error(
            (*at, "path"),
            f"{path} is on a file system created empty at every boot: a file written "
            "before the first boot is not there afterwards",
        )
        return
    read_only = path.startswith("/usr/") and not path.startswith("/usr/local/")
    if read_only or path.startswith(_USR_LINKS):
        out.error(
            (*at, "path"),
            f"{path} is on the read-only /usr of the OS image, which /bin, /sbin and /lib "
            "link into (use /usr/local, /opt or /etc)",
        )
        return
    decoded = _decode(out, at, entry)
    mode = _mode(out, (*at, "permissions"), entry.get("permissions"))
    if decoded is None or mode is None:
        return
    contents = _contents(*decoded)
    source = entry.get("source")
    if source is not None:
        remote = _remote(out, (*at, "source"), source)
        if remote is None:
            return
        if "content" in entry:
            out.warning(
                (*at, "source"),
                "source: fetched at first boot; the content is not used (cloud-init fell "
                "back to it when the download failed; Ignition fails the boot instead)",
            )
        contents = remote
    result: dict[str, object] = {"path": path}
    owner = entry.get("owner", "root:root")
    node_owner = _owner(out, (*at, "owner"), owner)
    if node_owner is None:
        return
    result.update(node_owner)
    append = entry.get("append", False)
    if append is not False and v.flag(out, (*at, "append"), append) is None:
        return
    if entry.get("defer"):
        out.info(
            (*at, "defer"),
            "defer: not needed; Ignition creates users and groups before it writes files",
        )
    comment = out.source(at)
    previous = out.get(FILES, path)
    if append:
        if previous is not None:
            lst = previous.setdefault("append", [])
            assert isinstance(lst, list)
            lst.append(contents)
            out.extend_comment(FILES, path, comment + " (appended)")
            return
        result["append"] = [contents]
        result["mode"] = Octal(mode)
        out.add(FILES, path, result, comment)
        out.info((*at, "append"), "append: added to the end of the file (the mode applies if new)")
        return
    if previous is not None:
        out.warning(at, f"{path} is written by an earlier entry too: this one replaces it")
    result.update({"overwrite": True, "mode": Octal(mode), "contents": contents})
    out.add(FILES, path, result, comment)


def _owner(out: Out, at: Path, raw: object) -> dict[str, object] | None:
    text = v.text(out, at, raw)
    if text is None:
        return None
    user, _, group = text.partition(":")
    result: dict[str, object] = {}
    if user and user != "root":
        result["user"] = {"name": user}
    if group and group != "root":
        result["group"] = {"name": group}
    if not group and user and user != "root":
        out.warning(at, "owner without a group: the group stays root (as cloud-init does)")
    return result


def _remote(out: Out, at: Path, raw: object) -> dict[str, object] | None:
    cfg = {"uri": raw} if isinstance(raw, str) else v.mapping(out, at, raw)
    if cfg is None:
        return None
    uri = v.text(out, (*at, "uri"), cfg.get("uri"))
    if uri is None:
        return None
    result: dict[str, object] = {"source": uri}
    headers = cfg.get("headers")
    if headers is not None:
        hs = v.mapping(out, (*at, "headers"), headers)
        if hs is None:
            return None
        result["http_headers"] = [
            {"name": k, "value": str(val)} for k, val in hs.items() if val is not None
        ]
    return result
