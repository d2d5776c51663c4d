"""Which modules the stages really import, run inside the built initramfs tree (chroot).

    python bench/image_imports.py [--image IMG | --tree DIR] [--keep DIR]

The image's module set is what ``dracut/30ignition/pyignition-collect.py`` derives from the
import statements reachable from the entry points (``/usr/lib/pyignition/MODULES`` in the
image lists it). This script checks that set against real runs: it unpacks the image (or
builds one as the QEMU suite does), and runs every stage, each a ``chroot`` process with the
image's own interpreter and flags plus ``-X importtime``, for representative configs: the
small first-boot config, remote files over http, https (a test CA) and tftp (servers on
127.0.0.1), an ``s3://`` URL (boto3 is left out of the image: a clear error is expected), a
cloud-config and a Butane config as user data, and a disks/LUKS/RAID config (its disks stage
in ``-dry-run``; the QEMU suite's scenario (a) runs that path for real). It prints per config
and stage the exit code, the number of modules imported and the import time, fails loudly on
any ``ImportError``, and lists the shipped modules no run imported (with their bytes): the
candidates for the next cut, once a path is known not to need them.

Needs root (chroot, mount of /proc in the unpacked tree).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from engine_common import import_seconds, minimal_root  # noqa: E402

from tests import servers  # noqa: E402

STAGES = ("fetch-offline", "fetch", "kargs", "disks", "mount", "files", "umount")
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2eTestKeyForPyignitionBenchOnlyNotARealKey0 bench"
_IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \| *(\S+)", re.M)
_IMPORT_ERROR = re.compile(r"ModuleNotFoundError|ImportError|No module named")


def ign(**parts: Any) -> bytes:
    return json.dumps({"ignition": {"version": "3.4.0"}, **parts}).encode()


def configs(http: str, https: str, ca: bytes, tftp: str) -> dict[str, tuple[bytes, list[str]]]:
    """name -> (config, extra flags)."""
    import base64

    ca_url = "data:;base64," + base64.b64encode(ca).decode()
    small = ign(
        storage={
            "files": [{"path": "/etc/motd", "contents": {"source": "data:,hi%0A"}}],
            "links": [{"path": "/etc/motd.link", "target": "/etc/motd"}],
        },
        passwd={"users": [{"name": "core", "sshAuthorizedKeys": [KEY]}]},
        systemd={
            "units": [
                {
                    "name": "a.service",
                    "enabled": True,
                    "contents": "[Install]\nWantedBy=multi-user.target\n",
                }
            ]
        },
    )
    remote = json.dumps(
        {
            "ignition": {
                "version": "3.4.0",
                "security": {"tls": {"certificateAuthorities": [{"source": ca_url}]}},
            },
            "storage": {
                "files": [
                    {"path": "/srv/http", "contents": {"source": f"{http}/f"}},
                    {"path": "/srv/https", "contents": {"source": f"{https}/f"}},
                    {"path": "/srv/tftp", "contents": {"source": f"{tftp}/f"}},
                ]
            },
        }
    ).encode()
    s3 = ign(storage={"files": [{"path": "/srv/s3", "contents": {"source": "s3://b/k"}}]})
    cloud = b"#cloud-config\nhostname: node1\nwrite_files:\n  - path: /etc/x\n    content: hi\n"
    butane = b"variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/y\n"
    disks = ign(
        storage={
            "disks": [
                {
                    "device": "/dev/vdb",
                    "wipeTable": True,
                    "partitions": [
                        {"label": "A", "number": 1, "sizeMiB": 8},
                        {"label": "B", "number": 2, "sizeMiB": 8},
                    ],
                }
            ],
            "raid": [
                {
                    "name": "md",
                    "level": "raid1",
                    "devices": ["/dev/disk/by-partlabel/A", "/dev/disk/by-partlabel/B"],
                }
            ],
            "luks": [{"name": "v", "device": "/dev/md/md"}],
            "filesystems": [{"device": "/dev/mapper/v", "format": "xfs", "path": "/var"}],
        }
    )
    return {
        "small": (small, []),
        "remote http/https/tftp": (remote, []),
        "s3 (boto3 left out)": (s3, []),
        "cloud-config user data": (cloud, []),
        "Butane user data": (butane, []),
        "disks, RAID, LUKS (-dry-run)": (disks, ["-dry-run"]),
    }


def run_config(tree: Path, name: str, config: bytes, extra: list[str]) -> set[str]:
    inside = Path("/tmp/image-imports") / re.sub(r"\W+", "-", name).strip("-")
    work = tree / inside.relative_to("/")
    (work / "state").mkdir(parents=True)
    minimal_root(work / "root")
    (work / "config.ign").write_bytes(config)
    (work / "cmdline").write_text("")
    env = {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "IGNITION_CONFIG_FILE": str(inside / "config.ign"),
        "IGNITION_KERNEL_CMDLINE_PATH": str(inside / "cmdline"),
        "IGNITION_SYSTEM_CONFIG_DIR": str(inside / "none"),
    }
    imported: set[str] = set()
    print(f"\n{name}:")
    for stage in STAGES:
        root = "" if stage in ("fetch-offline", "fetch", "disks") else str(inside / "root")
        argv = ["chroot", str(tree), "/usr/bin/python3", "-I", "-S", "-B", "-X", "importtime",
                "/usr/bin/ignition", "-platform", "file", "-log-to-stdout", "-stage", stage,
                "-root", root, "-config-cache", str(inside / "state/ignition.json"),
                "-state-file", str(inside / "state/state"),
                "-neednet", str(inside / "state/neednet"),
                *(extra if stage == "disks" else [])]  # fmt: skip
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        names = set(_IMPORTED.findall(proc.stderr))
        imported |= names
        errs = [ln for ln in (proc.stdout + proc.stderr).splitlines() if _IMPORT_ERROR.search(ln)]
        if name.startswith("s3") and errs and all("boto" in e for e in errs):
            print(f"  {stage:14} expected: {errs[-1].strip()[:90]}")
            errs = []
        last = next((ln for ln in reversed(proc.stdout.splitlines()) if ln.strip()), "")
        note = f"  last line: {last[:90]}" if proc.returncode else ""
        print(f"  {stage:14} exit {proc.returncode}  {len(names):4} modules  "
              f"{import_seconds(proc.stderr) * 1000:5.0f} ms imports{note}")  # fmt: skip
        for e in errs:
            print(f"  IMPORT ERROR: {e}")
        if errs:
            raise SystemExit(f"{name}: stage {stage} misses a module in the image")
        if (proc.returncode and stage != "umount") or (extra and stage == "disks"):
            break  # after a dry run of disks, nothing is there to mount
    return imported


def shipped(tree: Path) -> dict[str, tuple[str, int]]:
    """Module name -> (path, bytes) in the image, from the image's MODULES list."""
    out = {}
    for line in (tree / "usr/lib/pyignition/MODULES").read_text().splitlines():
        name, _, path = line.split("\t")
        if path != "-":
            out[name] = (path, (tree / path.lstrip("/")).stat().st_size)
    return out


def zstd_bytes(tree: Path, paths: list[str]) -> int:
    listing = "".join(f"{p.lstrip('/')}\n" for p in sorted(paths)).encode()
    tar = subprocess.run(["tar", "-C", str(tree), "-cf", "-", "-T", "-"], input=listing,
                         capture_output=True, check=True).stdout  # fmt: skip
    return len(subprocess.run(["zstd", "-3", "-c"], input=tar, capture_output=True).stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--image", type=Path)
    ap.add_argument("--tree", type=Path, help="an unpacked image")
    ap.add_argument("--keep", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="image-imports-", dir="/var/tmp") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        tree = args.tree
        if tree is None:
            image = args.image
            if image is None:
                from tests.e2e import vm

                image = vm.build_initramfs(vm.kernel(), work / "initramfs.img", work).path
            tree = work / "tree"
            tree.mkdir()
            data = subprocess.run(["zstd", "-dc", str(image)], capture_output=True, check=True)
            subprocess.run(["cpio", "-idm", "--quiet"], input=data.stdout, cwd=tree, check=True)
        (tree / "proc").mkdir(exist_ok=True)
        if not (tree / "dev" / "null").exists():  # devtmpfs provides it in the initramfs
            (tree / "dev").mkdir(exist_ok=True)
            subprocess.run(["mknod", "-m", "666", str(tree / "dev" / "null"), "c", "1", "3"])
        subprocess.run(["mount", "-t", "proc", "proc", str(tree / "proc")], check=True)
        try:
            imported = run_all(tree, work)
        finally:
            subprocess.run(["umount", str(tree / "proc")], check=False)
        ship = shipped(tree)
        unused = {n: pb for n, pb in ship.items() if n not in imported}
        raw = sum(b for _, b in ship.values())
        raw_unused = sum(b for _, b in unused.values())
        z = zstd_bytes(tree, [p for p, _ in unused.values()])
        print(f"\nshipped {len(ship)} modules ({raw / 1e6:.2f} MB of .pyc/.so); imported by "
              f"these runs {len(imported & set(ship))}; never imported {len(unused)} "
              f"({raw_unused / 1e6:.2f} MB, {z / 1e6:.2f} MB zstd -3):")  # fmt: skip
        for n, (_, b) in sorted(unused.items(), key=lambda kv: -kv[1][1])[:40]:
            print(f"  {b / 1e3:6.0f} kB  {n}")
    return 0


def run_all(tree: Path, work: Path) -> set[str]:
    ca = servers.make_test_ca(work)
    tftp = servers.TFTPServer({"f": b"tftp\n"})
    with servers.http_server() as http, servers.http_server(ca.server_context) as https:
        for srv in (http, https):
            srv.route("/f", servers.Reply(body=b"remote\n"))
        imported: set[str] = set()
        for name, (config, extra) in configs(
            http.url, https.url, ca.ca_pem, f"tftp://127.0.0.1:{tftp.port}"
        ).items():
            imported |= run_config(tree, name, config, extra)
    return imported


if __name__ == "__main__":
    raise SystemExit(main())
