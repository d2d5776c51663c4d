"""The fcos layer (also under openshift): boot_device, grub users, partition warnings."""

from __future__ import annotations

import re
from typing import Any

from ignition.config.report import Path
from transpiler.butane.context import Ctx
from transpiler.butane.merge import merge
from transpiler.dataurl import butane_encode
from transpiler.translations import TranslationSet

BOOT_DISK = "/dev/disk/by-id/coreos-boot-disk"
RESERVED = {"BIOS-BOOT": 1, "PowerPC-PReP-boot": 1, "EFI-SYSTEM": 2, "boot": 3, "root": 4}
BIOS = "21686148-6449-6E6F-744E-656564454649"
PREP = "9E1A2D38-C612-4316-AA26-8B49521E5A8B"
RESERVED_GUID = "8DA63339-0007-60C0-C436-083AC8230908"
ESP = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
S390X = ("s390x-eckd", "s390x-zfcp", "s390x-virt")
S390X_DEVICE = {"s390x-eckd": r"/dev/dasd[a-z]\Z", "s390x-zfcp": r"/dev/sd[a-z]\Z"}
S390X_BAD_DEVICE = (
    "device name must start with /dev/dasd on s390x-eckd layout or /dev/sd on s390x-zfcp layout"
)


def _layouts(minor: int) -> tuple[str, ...]:
    if minor >= 6:
        return ("aarch64", "ppc64le", "s390x-eckd", "s390x-virt", "s390x-zfcp", "x86_64")
    return ("aarch64", "ppc64le", "x86_64")


def validate(ctx: Ctx, cfg: dict[str, Any]) -> None:
    r = ctx.report
    minor = ctx.spec.fcos
    bd = cfg.get("boot_device", {})
    if bd:
        layout = bd.get("layout")
        p: Path = ("boot_device",)
        if layout is not None and layout not in _layouts(minor):
            r.error((*p, "layout"), "layout must be one of: " + ", ".join(_layouts(minor)))
        mirror = bd.get("mirror", {})
        luks = bd.get("luks", {})
        if mirror:
            if len(mirror.get("devices", [])) == 1:
                # the reference validates the mirror twice and reports it twice
                for _ in range(2):
                    r.error((*p, "mirror", "devices"), "mirroring requires at least two devices")
            if layout is None:
                msg = "boot_device.layout should be specified when boot_device.mirror is specified"
                if minor >= 7:
                    r.error((*p, "mirror"), msg)
                else:
                    r.warning((*p, "mirror"), msg)
            if layout in S390X and mirror.get("devices"):
                r.error(
                    (*p, "layout"),
                    "mirroring not supported on layouts: s390x-eckd, s390x-zfcp, s390x-virt",
                )
        if minor >= 6:
            device = luks.get("device")
            if layout in S390X_DEVICE:
                # both reported at the layout; the reference's pattern is not anchored at the
                # start (Go's "$" is the end of the text)
                if not device:
                    r.error(
                        (*p, "layout"), "device is required for layouts: s390x-eckd, s390x-zfcp"
                    )
                elif not re.search(S390X_DEVICE[layout], device):
                    r.error((*p, "layout"), S390X_BAD_DEVICE)
            cex = luks.get("cex", {}).get("enabled")
            if cex:
                if layout not in S390X:
                    r.error(
                        (*p, "layout"), "when using cex the targeted architecture must match s390x"
                    )
                if luks.get("tpm2") or luks.get("tang"):
                    r.error((*p, "luks"), "cannot use cex with clevis")
            if minor >= 7 and device and not (cex or luks.get("tpm2") or luks.get("tang")):
                r.error((*p, "luks", "luks"), "no method specified for luks")
    for i, u in enumerate(cfg.get("grub", {}).get("users", [])):
        if not u.get("name"):
            r.error(("grub", "users", i, "name"), 'field "name" is required')
        if not u.get("password_hash"):
            r.error(("grub", "users", i, "password_hash"), 'field "password_hash" is required')
    _partitions(ctx, cfg, bd)


def _partitions(ctx: Ctx, cfg: dict[str, Any], bd: dict[str, Any]) -> None:
    r = ctx.report
    mirror_devs = set(bd.get("mirror", {}).get("devices", []))
    for i, disk in enumerate(cfg.get("storage", {}).get("disks", [])):
        parts = disk.get("partitions", [])
        wipe = disk.get("wipe_table", False)
        for j, part in enumerate(parts):
            p: Path = ("storage", "disks", i, "partitions", j)
            label = part.get("label")
            number = part.get("number", 0)
            if not wipe and label in RESERVED and number != RESERVED[label]:
                r.warning(
                    (*p, "label"),
                    "incorrect partition number; a new partition will be created using "
                    "reserved label",
                )
            if label == "root":
                size = part.get("size_mib")
                if size is not None and 0 < size < 8192:
                    r.warning((*p, "size_mib"), "root should have 8GiB of space assigned")
                if not size and any("start_mib" not in q for q in parts[j + 1 :]):
                    r.warning(
                        (*p, "label"),
                        "root partition cannot expand; it is set to fill available space "
                        "but is followed by an auto-positioned partition",
                    )
            if (
                ctx.spec.fcos >= 6
                and label is not None
                and not number
                and not wipe
                and disk.get("device") != BOOT_DISK
                and disk.get("device") not in mirror_devs
            ):
                r.warning(
                    (*p, "label"),
                    "partitions cannot be reused by label; number must be specified except "
                    "on boot disk (/dev/disk/by-id/coreos-boot-disk) or when wipe_table is "
                    "true",
                )


def desugar(ctx: Ctx, cfg: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    gen: dict[str, Any] = {}
    gts = TranslationSet()
    bd = cfg.get("boot_device", {})
    if bd:
        _boot_device(ctx, cfg, bd, gen, gts)
    users = cfg.get("grub", {}).get("users", [])
    if users:
        _grub(ctx, users, gen, gts)
    if not gen:
        return out
    merged, ctx.ts = merge(gen, gts, out, ctx.ts)
    return merged


def _add(gen: dict[str, Any], gts: TranslationSet, key: str, item: dict[str, Any], y: Path) -> None:
    lst = gen.setdefault("storage", {}).setdefault(key, [])
    gts.add(("storage",), y)
    gts.add(("storage", key), y)
    gts.add_tree(("storage", key, len(lst)), item, y)
    lst.append(item)


def _boot_device(
    ctx: Ctx, cfg: dict[str, Any], bd: dict[str, Any], gen: dict[str, Any], gts: TranslationSet
) -> None:
    """What ``boot_device`` stands for: a boot disk mirrored over several devices, an encrypted
    root, or both (the root then sits on the mirror's RAID)."""
    layout = bd.get("layout", "x86_64")
    luks = bd.get("luks", {})
    devices = bd.get("mirror", {}).get("devices", [])
    want_luks = bool(luks.get("tpm2") or luks.get("tang") or luks.get("cex", {}).get("enabled"))
    if not want_luks and not devices:
        return
    if devices:
        _mirror(gen, gts, layout, devices)
    if want_luks:
        device = _luks_device(layout, luks, devices)
        _add(gen, gts, "luks", _luks_root(ctx, cfg, luks, device), ("boot_device", "luks"))
        root_dev = "/dev/mapper/root"
    else:
        root_dev = "/dev/md/md-root"
    _add(
        gen,
        gts,
        "filesystems",
        {"device": root_dev, "format": "xfs", "label": "root", "wipeFilesystem": True},
        ("boot_device",),
    )


def _mirror(gen: dict[str, Any], gts: TranslationSet, layout: str, devices: list[str]) -> None:
    """Each device gets the layout's partitions; the ESPs stay separate filesystems, boot and
    root become RAID1 arrays (the boot array's metadata at the end, so firmware reads it)."""
    ym: Path = ("boot_device", "mirror")
    for i, dev in enumerate(devices, 1):
        parts = _mirror_partitions(layout, i)
        _add(gen, gts, "disks", {"device": dev, "partitions": parts, "wipeTable": True}, ym)
    if layout in ("x86_64", "aarch64"):
        for i in range(1, len(devices) + 1):
            _add(
                gen,
                gts,
                "filesystems",
                {
                    "device": f"/dev/disk/by-partlabel/esp-{i}",
                    "format": "vfat",
                    "label": f"esp-{i}",
                    "wipeFilesystem": True,
                },
                ym,
            )
    n = len(devices) + 1
    _add(
        gen,
        gts,
        "raid",
        {
            "devices": [f"/dev/disk/by-partlabel/boot-{i}" for i in range(1, n)],
            "level": "raid1",
            "name": "md-boot",
            "options": ["--metadata=1.0"],
        },
        ym,
    )
    _add(
        gen,
        gts,
        "raid",
        {
            "devices": [f"/dev/disk/by-partlabel/root-{i}" for i in range(1, n)],
            "level": "raid1",
            "name": "md-root",
        },
        ym,
    )
    _add(
        gen,
        gts,
        "filesystems",
        {
            "device": "/dev/md/md-boot",
            "format": "ext4",
            "label": "boot",
            "wipeFilesystem": True,
        },
        ym,
    )


def _mirror_partitions(layout: str, i: int) -> list[dict[str, Any]]:
    """The partitions of the i-th mirrored device: two firmware slots (BIOS boot, PReP or
    ESP by layout, reserved space elsewhere so partition numbers stay those of the image),
    then boot and root."""
    parts: list[dict[str, Any]] = []
    if layout == "x86_64":
        parts.append({"label": f"bios-{i}", "sizeMiB": 1, "typeGuid": BIOS})
    elif layout == "ppc64le":
        parts.append({"label": f"prep-{i}", "sizeMiB": 4, "typeGuid": PREP})
    else:
        parts.append({"label": f"reserved-{i}", "sizeMiB": 1, "typeGuid": RESERVED_GUID})
    if layout in ("x86_64", "aarch64"):
        parts.append({"label": f"esp-{i}", "sizeMiB": 127, "typeGuid": ESP})
    else:
        parts.append({"label": f"reserved-{i}", "sizeMiB": 1, "typeGuid": RESERVED_GUID})
    parts.append({"label": f"boot-{i}", "sizeMiB": 384})
    parts.append({"label": f"root-{i}"})
    return parts


def _luks_device(layout: str, luks: dict[str, Any], devices: list[str]) -> str:
    """The device under the encrypted root: the mirror's root array, else the image's root
    partition (on s390x, by its number on the disk the config names)."""
    if devices:
        return "/dev/md/md-root"
    disk: str = luks.get("device", "")
    if layout == "s390x-eckd":
        return disk + "2"
    if layout == "s390x-zfcp":
        return disk + "4"
    return "/dev/disk/by-partlabel/root"


def _luks_root(ctx: Ctx, cfg: dict[str, Any], luks: dict[str, Any], device: str) -> dict[str, Any]:
    """The ``luks`` entry of the root: CEX, or Clevis (tang, tpm2, threshold)."""
    entry: dict[str, Any] = {}
    if luks.get("cex", {}).get("enabled"):
        entry["cex"] = {"enabled": True}
    else:
        entry["clevis"] = _clevis(luks)
    entry["device"] = device
    if "discard" in luks:
        entry["discard"] = luks["discard"]
    entry.update({"label": "luks-root", "name": "root", "wipeVolume": True})
    if (
        ctx.spec.openshift
        and 8 <= ctx.spec.openshift <= 19
        and cfg.get("openshift", {}).get("fips")
    ):
        entry["options"] = ["--cipher", "aes-cbc-essiv:sha256"]
    return entry


def _clevis(luks: dict[str, Any]) -> dict[str, Any]:
    clevis: dict[str, Any] = {}
    if luks.get("tang"):
        clevis["tang"] = [
            {
                k2: t[k]
                for k, k2 in (
                    ("advertisement", "advertisement"),
                    ("thumbprint", "thumbprint"),
                    ("url", "url"),
                )
                if k in t
            }
            for t in luks["tang"]
        ]
    if "threshold" in luks:
        clevis["threshold"] = luks["threshold"]
    if "tpm2" in luks:
        clevis["tpm2"] = luks["tpm2"]
    return clevis


def _grub(ctx: Ctx, users: list[dict[str, Any]], gen: dict[str, Any], gts: TranslationSet) -> None:
    y: Path = ("grub", "users")
    names = " ".join(u.get("name", "") for u in users)
    text = f'# Generated by Butane\n\nset superusers="{names}"\n'
    for u in users:
        text += f"password_pbkdf2 {u.get('name', '')} {u.get('password_hash', '')}\n"
    url, gz = butane_encode(text.encode(), compress=ctx.auto_compress)
    _add(
        gen,
        gts,
        "filesystems",
        {"device": "/dev/disk/by-label/boot", "format": "ext4", "path": "/boot"},
        y,
    )
    _add(
        gen,
        gts,
        "files",
        {
            "path": "/boot/grub2/user.cfg",
            "append": [{"compression": "gzip" if gz else "", "source": url}],
        },
        y,
    )
