"""Storage rules: disks and partitions, RAID, LUKS, filesystems, files, directories, links."""

from __future__ import annotations

from ignition.config import model, urls
from ignition.config.report import Path, Report
from ignition.config.rules.common import (
    check_mode,
    check_owner,
    check_path,
    check_resource,
    go_clean,
)
from ignition.config.rules.values import leading_dash
from ignition.config.versions import at_least, before
from ignition.util import leanjson

# what is_guid accepts, as a pattern (for editors' schemas; the rule itself compiles none)
GUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_HEX = frozenset("0123456789abcdefABCDEF")


def is_guid(text: str) -> bool:
    """8-4-4-4-12 hex digits (a trailing newline tolerated, as the pattern this replaced did)."""
    text = text[:-1] if text.endswith("\n") else text
    groups = text.split("-")
    return [len(g) for g in groups] == [8, 4, 4, 4, 12] and all(map(_HEX.issuperset, groups))


RAID_LEVELS = {"linear", "raid0", "0", "stripe", "raid1", "1", "mirror", "raid4", "4", "raid5",
               "5", "raid6", "6", "raid10", "10"}  # fmt: skip
NO_SPARES = {"linear", "raid0", "0", "stripe"}
FS_LABEL_MAX = {"ext4": 16, "btrfs": 256, "xfs": 12, "swap": 15, "vfat": 11}
CLEVIS_PINS = {"tpm2", "tang", "sss"}


def check_storage(r: Report, s: model.Storage, version: str) -> None:
    base: Path = ("storage",)
    _cross_checks(r, s)
    for i, d in enumerate(s.disks):
        _disk(r, (*base, "disks", i), d)
    for i, raid in enumerate(s.raid):
        _raid(r, (*base, "raid", i), raid, version)
    for i, luks in enumerate(s.luks):
        _luks(r, (*base, "luks", i), luks, version)
    for i, fs in enumerate(s.filesystems):
        _filesystem(r, (*base, "filesystems", i), fs, version)
    for i, f in enumerate(s.files):
        p: Path = (*base, "files", i)
        check_path(r, (*p, "path"), f.path)
        check_owner(r, p, f)
        check_mode(r, p, f.mode, version)
        if f.overwrite and f.contents.source is None:
            r.error((*p, "overwrite"), "overwrite must be false if source is unspecified")
        check_resource(r, (*p, "contents"), f.contents, version)
        for j, a in enumerate(f.append):
            check_resource(r, (*p, "append", j), a, version)
    for i, dr in enumerate(s.directories):
        p = (*base, "directories", i)
        check_path(r, (*p, "path"), dr.path)
        check_owner(r, p, dr)
        check_mode(r, p, dr.mode, version)
    for i, ln in enumerate(s.links):
        p = (*base, "links", i)
        check_path(r, (*p, "path"), ln.path)
        check_owner(r, p, ln)
        if at_least(version, "3.3.0") and not ln.target:
            r.error((*p, "target"), "link target is required")
        elif ln.target and "\x00" in ln.target:
            r.error((*p, "target"), "link target contains a NUL character")
        if ln.hard:
            for key, val in (
                (("user", "id"), ln.user.id),
                (("user", "name"), ln.user.name),
                (("group", "id"), ln.group.id),
                (("group", "name"), ln.group.name),
            ):
                if val is not None:
                    r.warning((*p, *key), "user/group ignored for hard link")


def _cross_checks(r: Report, s: model.Storage) -> None:
    link_paths = [ln.path for ln in s.links]
    groups: tuple[tuple[str, tuple[model.Node, ...], str], ...] = (
        ("directories", s.directories, "directory"),
        ("files", s.files, "file"),
        ("links", s.links, "link"),
    )
    for kind, nodes, label in groups:
        for i, n in enumerate(nodes):
            for lp in link_paths:
                if n.path.startswith(lp + "/"):
                    r.error(("storage", kind, i), f"{label} path includes link in config")
    dir_paths = {d.path for d in s.directories}
    for i, ln in enumerate(s.links):
        if ln.hard and ln.target:
            target = go_clean(ln.target)
            if not target.startswith("/"):
                target = go_clean(ln.path + "/" + ln.target)
            if target in dir_paths:
                r.error(("storage", "links", i), "hard link target is a directory")
    disks = {d.device: d for d in s.disks}
    for i, fs in enumerate(s.filesystems):
        disk = disks.get(fs.device)
        if disk is None:
            continue
        where: Path = ("storage", "filesystems", i, "device")
        if disk.partitions:
            r.warning(where, "filesystem overwrites partitioned device")
        elif disk.wipe_table and not fs.wipe_filesystem:
            r.warning(where, "device matches disk with wipeTable enabled; filesystem will be wiped")


def _disk(r: Report, p: Path, d: model.Disk) -> None:
    if d.device == "":
        r.error((*p, "device"), "disk device is required")
        return
    check_path(r, (*p, "device"), d.device)
    parts = d.partitions
    seen_numbers: dict[int, int] = {}
    for j, part in enumerate(parts):
        if part.number == 0:
            continue
        if part.number in seen_numbers:
            r.error((*p, "partitions", j), "partition numbers collide")
            break
        seen_numbers[part.number] = j
    overlap = _overlapping(parts)
    if overlap is not None:
        r.error((*p, "partitions", overlap), "partitions overlap")
    labels: set[str] = set()
    for j, part in enumerate(parts):
        if part.label is None:
            continue
        if part.label in labels:
            r.error((*p, "partitions", j), "cannot use the same partition label twice")
            break
        labels.add(part.label)
    for j, part in enumerate(parts):
        _partition(r, (*p, "partitions", j), part)
    # (no partitionsMixZeroesAndNonexistence here: Ignition 2.27 dropped it from the 3.x specs
    # to allow "delete N, then create a number-0 partition that lands on N"; the 2.x rules and
    # Butane, which vendors an older Ignition, keep it)


def _overlapping(parts: tuple[model.Partition, ...]) -> int | None:
    def span(q: model.Partition) -> tuple[int, int] | None:
        if not q.start_mib or q.size_mib is None:
            return None
        return q.start_mib, q.start_mib + (q.size_mib or 1)

    for i, a in enumerate(parts):
        sa = span(a)
        if sa is None:
            continue
        for j, b in enumerate(parts):
            sb = span(b)
            if i == j or sb is None:
                continue
            if sa[0] < sb[1] and sb[0] < sa[1]:
                return j
    return None


def _partition(r: Report, p: Path, part: model.Partition) -> None:
    if part.should_exist is False and (
        part.label is not None
        or part.type_guid
        or part.guid
        or part.start_mib is not None
        or part.size_mib is not None
    ):
        r.error(p, "shouldExist specified false with other options also specified")
    if part.number == 0 and part.label is None:
        r.error(p, "a partition number >= 1 or a label must be specified")
    if part.label is not None:
        if len(part.label.encode()) > 36:
            r.error((*p, "label"), "partition labels may not exceed 36 characters")
        elif ":" in part.label:
            r.error((*p, "label"), "partition label will be truncated to text before the colon")
    for key, guid in (("guid", part.guid), ("typeGuid", part.type_guid)):
        if guid and not is_guid(guid):
            r.error((*p, key), 'doesn\'t match the form "01234567-89AB-CDEF-EDCB-A98765432101"')


def _raid(r: Report, p: Path, raid: model.Raid, version: str) -> None:
    level = raid.level
    if at_least(version, "3.3.0") and not level:
        r.error((*p, "level"), "raid level is required")
    elif level not in RAID_LEVELS:
        r.error((*p, "level"), "unrecognized raid level")
    elif level in NO_SPARES and raid.spares:
        r.error((*p, "level"), "spares unsupported for linear and raid0 arrays")
    leading_dash(r, (*p, "name"), raid.name, "raid name")
    if not raid.devices:
        r.error((*p, "devices"), "raid devices required")
    for j, dev in enumerate(raid.devices):
        check_path(r, (*p, "devices", j), dev)


def _luks(r: Report, p: Path, luks: model.Luks, version: str) -> None:
    if "/" in luks.name:
        r.error((*p, "name"), "device names cannot contain slashes")
    leading_dash(r, (*p, "name"), luks.name, "luks name")
    if luks.label is not None and len(luks.label.encode()) > 47:
        r.error((*p, "label"), "luks device labels cannot be longer than 47 characters")
    if not luks.device:
        r.error((*p, "device"), "disk device is required")
    else:
        check_path(r, (*p, "device"), luks.device)
    clevis = luks.clevis
    v32 = not at_least(version, "3.3.0")
    custom_set = clevis.custom is not None if v32 else clevis.custom_is_present()
    if custom_set and (
        clevis.tang or clevis.tpm2 or (clevis.threshold is not None and clevis.threshold != 0)
    ):
        r.error((*p, "clevis"), "cannot use custom clevis config with tpm2, tang, or threshold")
    keyfile_ok = check_resource(r, (*p, "keyFile"), luks.key_file, version)
    if not keyfile_ok:
        r.error((*p, "keys"), "invalid key-file source")
    c = clevis.custom
    # 3.2 only checks a custom binding that names a pin or a config
    if c is not None and (c.pin or c.config if v32 else custom_set):
        cp = (*p, "clevis", "custom")
        if not c.pin:
            if v32:
                r.error((*cp, "pin"), "unsupported clevis pin")
            else:
                r.error((*cp, "pin"), "missing required custom clevis pin")
        elif before(version, "3.6.0") and c.pin not in CLEVIS_PINS:
            r.error((*cp, "pin"), "unsupported clevis pin")
        else:
            leading_dash(r, (*cp, "pin"), c.pin, "clevis pin")
        if not c.config:
            r.error((*cp, "config"), "missing required custom clevis config")
    for j, tang in enumerate(clevis.tang):
        tp = (*p, "clevis", "tang", j)
        try:
            scheme = urls.parse_url(tang.url).scheme
        except urls.URLError:
            r.error((*tp, "url"), "unable to parse url")
        else:
            if scheme not in ("http", "https"):
                r.error((*tp, "url"), "invalid url scheme")
        if not tang.thumbprint:
            r.error((*tp, "thumbprint"), "thumbprint is required")
        if tang.advertisement:
            try:
                leanjson.loads(tang.advertisement)
            except (ValueError, RecursionError):  # nested past the decoder's depth: not usable
                r.error((*tp, "advertisement"), "advertisement is not valid JSON")
    if luks.cex.enabled:
        if clevis.is_present() or (v32 and clevis.custom is not None):
            r.error((*p, "cex"), "cannot use cex with clevis")
        if luks.key_file.source:
            r.error((*p, "cex"), "cannot use key file with cex")


def _filesystem(r: Report, p: Path, fs: model.Filesystem, version: str) -> None:
    fmt = fs.format
    virtiofs = fmt == "virtiofs" and at_least(version, "3.7.0-experimental")
    if fs.path:
        check_path(r, (*p, "path"), fs.path)
    if virtiofs:
        if not fs.device:
            r.error((*p, "device"), "device not specified")
        elif len(fs.device.encode()) > 36:
            r.error((*p, "device"), "virtiofs device tag cannot be longer than 36 bytes")
        leading_dash(r, (*p, "device"), fs.device, "virtiofs device tag")
    else:
        check_path(r, (*p, "device"), fs.device)
    if not fmt:
        if fs.path or fs.label or fs.uuid or fs.wipe_filesystem or fs.mount_options or fs.options:
            r.error(
                (*p, "format"),
                "format cannot be empty when path, label, uuid, wipeFilesystem, options, "
                "or mountOptions is specified",
            )
    else:
        allowed = {"ext4", "btrfs", "xfs", "swap", "vfat"}
        if at_least(version, "3.3.0"):
            allowed.add("none")
        if at_least(version, "3.7.0-experimental"):
            allowed.add("virtiofs")
        if fmt not in allowed:
            r.error((*p, "format"), "invalid filesystem format")
    if fs.label:
        if not fmt:
            r.error((*p, "label"), "filesystem must specify format if label is specified")
        elif virtiofs:
            r.error((*p, "label"), "filesystem labels cannot be set when using virtiofs")
        else:
            limit = FS_LABEL_MAX.get(fmt)
            if limit is not None and len(fs.label.encode()) > limit:
                r.error(
                    (*p, "label"),
                    f"filesystem labels cannot be longer than {limit} characters when using {fmt}",
                )
    if virtiofs:
        if fs.uuid:
            r.error((*p, "uuid"), "filesystem uuid cannot be set for non-block-device filesystems")
        if fs.wipe_filesystem:
            r.error(
                (*p, "wipeFilesystem"),
                "wipeFilesystem cannot be set for non-block-device filesystems",
            )
        if fs.options:
            r.error(
                (*p, "options"),
                "filesystem options (mkfs) cannot be set for non-block-device filesystems",
            )
