"""``disk_setup``, ``fs_setup``, ``mounts``, ``growpart`` and ``resize_rootfs``."""

from __future__ import annotations

import re
import shlex

from cloudinit.migrate import values as v
from cloudinit.migrate.out import Out, Variant
from cloudinit.migrate.units import add_unit
from ignition.config.report import Path

DISKS = ("storage", "disks")
FILESYSTEMS = ("storage", "filesystems")
# MBR type codes cloud-init takes in a layout → GPT type GUIDs
TYPE_CODES = {
    "82": "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f",
    "83": "0fc63daf-8483-4772-8e79-3d69d8477de4",
    "8e": "e6d6d379-f507-44c2-a23c-238f2a3df928",
    "fd": "a19d880f-05fc-4d3b-a006-743f0f84911e",
    "ef": "c12a7328-f81f-11d2-ba4b-00a0c93ec93b",
}
FORMATS = ("ext4", "xfs", "btrfs", "vfat", "swap")
_CLOUD_DEVICE = re.compile(r"(ephemeral[0-9]+|swap)(\.[0-9]+)?")
_SHORT = re.compile(r"[a-z][a-z0-9]*")
DEFAULT_MOUNT = [None, None, "auto", "defaults,nofail", "0", "2"]
NETWORK_FS = ("nfs", "nfs4", "cifs", "smb3", "glusterfs", "ceph", "fuse.sshfs", "9p")


class Devices:
    """Device names as cloud-init reads them: aliases, short names, ``name.N`` partitions."""

    def __init__(self, out: Out, aliases: object) -> None:
        self.out = out
        self.aliases: dict[str, str] = {}
        found = v.mapping(out, ("device_aliases",), aliases) if aliases is not None else {}
        for k, dev in (found or {}).items():
            text = v.text(out, ("device_aliases", k), dev)
            if text is not None:
                self.aliases[k] = text

    def resolve(self, at: Path, raw: object, partition: object = None) -> str | None:
        name = v.text(self.out, at, raw)
        if name is None:
            return None
        stem = name.rpartition(".")[0] if name.rpartition(".")[2].isdigit() else name
        if stem not in self.aliases and _CLOUD_DEVICE.fullmatch(name.removeprefix("/dev/")):
            self.out.error(
                at,
                f"{name}: a device cloud-init finds from the cloud's metadata; name the "
                "device (e.g. /dev/vdb): not carried over",
            )
            return None
        part: int | None = None
        base, dot, num = name.rpartition(".")
        if dot and num.isdigit() and (base in self.aliases or not name.startswith("/")):
            name, part = base, int(num) or None  # .0 is the whole device
        if partition not in (None, "none"):
            if isinstance(partition, int) and not isinstance(partition, bool):
                part = partition
            else:
                self.out.error(
                    (*at[:-1], "partition"),
                    f"partition: {partition}: cloud-init picks the partition by probing the "
                    "disk; give its number: not carried over",
                )
                return None
        dev = self.aliases.get(name, name)
        if _SHORT.fullmatch(dev):
            dev = "/dev/" + dev
        if not dev.startswith("/") and "=" not in dev and ":" not in dev:
            self.out.error(at, f"{name}: not a device path: not carried over")
            return None
        return dev if part is None else partition_path(dev, part)


def partition_path(disk: str, n: int) -> str:
    """The kernel's name for partition ``n`` of ``disk``."""
    if disk.startswith("/dev/disk/"):
        return f"{disk}-part{n}"
    return f"{disk}p{n}" if disk[-1:].isdigit() else f"{disk}{n}"


def disk_setup(out: Out, devices: Devices, at: Path, value: object) -> None:
    cfg = v.mapping(out, at, value)
    for name, setup in (cfg or {}).items():
        here = (*at, name)
        disk = devices.resolve(here, name)
        spec = v.mapping(out, here, setup)
        if disk is None or spec is None:
            continue
        layout = spec.get("layout", False)
        if layout is False:
            out.info((*here, "layout"), "layout: false, the disk is not partitioned")
            continue
        parts = _layout(out, (*here, "layout"), layout)
        if parts is None:
            continue
        if spec.get("table_type", "mbr") == "mbr":
            out.warning(
                (*here, "table_type"),
                "table_type: mbr (the default): Ignition writes a GPT partition table",
            )
        entry: dict[str, object] = {"device": disk}
        if spec.get("overwrite") is True:
            entry["wipe_table"] = True
        else:
            out.warning(
                here,
                "overwrite: false: cloud-init left a disk that has a partition table alone; "
                "Ignition checks that existing partitions match and fails if they do not",
            )
        entry["partitions"] = parts
        out.add(DISKS, disk, entry, out.source(here))


def _layout(out: Out, at: Path, layout: object) -> list[dict[str, object]] | None:
    if layout is True:
        return [{"number": 1}]
    found = v.items(out, at, layout)
    if found is None:
        return None
    parts: list[dict[str, object]] = []
    for i, item in enumerate(found):
        share, code = (item, None) if not isinstance(item, list) else [*item, None][:2]
        part: dict[str, object] = {"number": i + 1}
        if code is not None:
            guid = TYPE_CODES.get(str(code).lower())
            if guid is None:
                out.error((*at, i), f"partition type {code}: no GPT equivalent known")
                return None
            part["type_guid"] = guid
        if len(found) != 1 or share != 100:
            out.error(
                (*at, i),
                "layout: sizes in percent of the disk cannot be carried over (Ignition "
                "needs sizes in MiB); give each partition its size_mib",
            )
            return None
        parts.append(part)
    return parts


def fs_setup(out: Out, devices: Devices, at: Path, value: object) -> None:
    for i, fs in enumerate(v.items(out, at, value) or []):
        here = (*at, i)
        cfg = v.mapping(out, here, fs)
        if cfg is None:
            continue
        if "cmd" in cfg:
            out.error((*here, "cmd"), "fs_setup.cmd: a custom mkfs command is not carried over")
            continue
        fmt = cfg.get("filesystem")
        if fmt not in FORMATS:
            out.error(
                (*here, "filesystem"), f"filesystem {fmt}: Ignition makes {', '.join(FORMATS)}"
            )
            continue
        dev = devices.resolve((*here, "device"), cfg.get("device"), cfg.get("partition"))
        if dev is None:
            continue
        entry: dict[str, object] = {"device": dev, "format": fmt}
        if cfg.get("label") is not None:
            entry["label"] = str(cfg["label"])
        if cfg.get("overwrite") is True:
            entry["wipe_filesystem"] = True
        else:
            out.warning(
                here,
                "overwrite: false: cloud-init left a device that holds any file system alone; "
                "Ignition reuses one of the same format and fails on another",
            )
        opts = cfg.get("extra_opts")
        if opts is not None:
            words = (
                shlex.split(opts)
                if isinstance(opts, str)
                else v.names(out, (*here, "extra_opts"), opts)
            )
            if words:
                entry["options"] = words
        if cfg.get("replace_fs"):
            out.error((*here, "replace_fs"), "fs_setup.replace_fs: not carried over")
        out.add(FILESYSTEMS, dev, entry, out.source(here))


def mounts(out: Out, devices: Devices, variant: Variant, cfg: dict[str, object]) -> None:
    from ignition.config.rules.units import systemd_escape_path

    at: Path = ("mounts",)
    defaults = list(DEFAULT_MOUNT)
    if "mount_default_fields" in cfg:
        given = v.items(out, ("mount_default_fields",), cfg["mount_default_fields"]) or []
        for i, f in enumerate(given[:6]):
            defaults[i] = None if f in (None, "None") else str(f)
    seen: set[str] = set()
    for i, m in enumerate(v.items(out, at, cfg.get("mounts", [])) or []):
        here = (*at, i)
        fields = v.items(out, here, m)
        if not fields:
            continue
        row = [None if f in (None, "None") else str(f) for f in fields[:6]]
        row += defaults[len(row) :]
        what, where, kind, options = row[0], row[1], row[2] or "auto", row[3] or "defaults"
        if where is None:
            out.info(here, "a mounts entry without a mount point removes an fstab line: no-op")
            continue
        dev = devices.resolve((*here, 0), what)
        if dev is None:
            continue
        options = options.replace(",x-systemd.after=cloud-init.service", "")
        if "nobootwait" in options.split(","):
            # Ubuntu's upstart option; systemd's is nofail (cloud-init swaps them too)
            options = ",".join(dict.fromkeys(o.replace("nobootwait", "nofail")
                                             for o in options.split(",")))  # fmt: skip
            out.info((*here, 3), "nobootwait: written as nofail, its systemd equivalent")
        if kind == "swap" or where in ("none", "swap"):
            unit = systemd_escape_path(dev) + ".swap"
            text = f"[Unit]\nDescription=Swap on {dev} (cloud-init mounts)\n\n[Swap]\nWhat={dev}\n"
            text += f"Options={options}\n" if options not in ("sw", "defaults") else ""
            text += "\n[Install]\nWantedBy=swap.target\n"
            add_unit(out, unit, text, out.source(here))
            continue
        if not where.startswith("/"):
            out.error((*here, 1), "the mount point must be an absolute path: not carried over")
            continue
        name = systemd_escape_path(where) + ".mount"
        if name in seen:
            out.warning(here, f"{where} is mounted by an earlier entry too: this one replaces it")
        seen.add(name)
        network = "_netdev" in options or kind in NETWORK_FS
        node = _udev_node(dev)
        fsck = f"systemd-fsck@{systemd_escape_path(node)}.service"
        check = not network and row[5] not in (None, "0") and node.startswith("/dev/")
        lines = [
            "[Unit]",
            f"Description=Mount {where} (cloud-init mounts)",
            *([f"Requires={fsck}", f"After={fsck}"] if check else []),
            "",
            "[Mount]",
            f"What={dev}",
            f"Where={where}",
            *([f"Type={kind}"] if kind != "auto" else []),
            f"Options={options}",
            "",
            "[Install]",
            f"WantedBy={'remote-fs.target' if network else 'local-fs.target'}",
            "",
        ]
        add_unit(out, name, "\n".join(lines), out.source(here))


_BY = {"LABEL": "label", "UUID": "uuid", "PARTLABEL": "partlabel", "PARTUUID": "partuuid"}


def _udev_node(dev: str) -> str:
    """The device path of an fstab ``LABEL=``/``UUID=`` spec, as systemd's fstab generator
    names the device it checks."""
    tag, eq, value = dev.partition("=")
    if eq and tag in _BY and value and "/" not in value:
        return f"/dev/disk/by-{_BY[tag]}/{value}"
    return dev


def growpart(out: Out, variant: Variant, at: Path, value: object) -> None:
    cfg = v.mapping(out, at, value)
    if cfg is None:
        return
    if cfg.get("mode") in ("off", False):
        out.error(
            (*at, "mode"),
            f"growpart: off: {variant.label} always grows its root partition at first boot",
        )
        return
    for i, dev in enumerate(v.items(out, (*at, "devices"), cfg.get("devices", ["/"])) or []):
        if dev == "/":
            out.info((*at, "devices", i), f"/: {variant.label} grows its root at first boot")
        else:
            out.error(
                (*at, "devices", i),
                f"growpart of {dev}: only the root is grown at first boot: not carried over",
            )


def resize_rootfs(out: Out, variant: Variant, at: Path, value: object) -> None:
    if value is False:
        out.error(at, f"resize_rootfs: false: {variant.label} always grows its root file system")
    else:
        out.info(at, f"resize_rootfs: {variant.label} grows its root file system at first boot")
