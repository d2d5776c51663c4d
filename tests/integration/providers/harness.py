"""Run the real ``ignition --platform ID --stage fetch`` against stand-ins: a subprocess with
``PYIGNITION_METADATA_ORIGIN`` (the HTTP stand-in) and ``PYIGNITION_HOST_ROOT`` (a host tree
built by the test), in a temporary work dir."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MARK = "/etc/provided-by-{}"


def config_for(platform: str) -> bytes:
    """A config whose one file names the platform, so a test can tell whose config it got."""
    return json.dumps(
        {
            "ignition": {"version": "3.4.0"},
            "storage": {
                "files": [{"path": MARK.format(platform), "contents": {"source": "data:,"}}]
            },
        }
    ).encode()


@dataclass
class Result:
    code: int
    out: str
    seconds: float
    cache: dict[str, Any] | None
    state: dict[str, Any] | None
    neednet: bool

    def file_paths(self) -> list[str]:
        assert self.cache is not None, self.out
        return [f["path"] for f in self.cache.get("storage", {}).get("files") or []]

    def got(self, platform: str) -> bool:
        return self.code == 0 and MARK.format(platform) in self.file_paths()

    def empty(self) -> bool:
        return (
            self.code == 0
            and self.cache is not None
            and not self.file_paths()
            and "provider config was empty" in self.out
        )


class Machine:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.host = tmp / "host"
        self.host.mkdir()
        for d in ("root", "sys-run", "sys-etc", "sys-lib"):
            (tmp / d).mkdir()
        (tmp / "cmdline").write_text("")

    # ---- host tree helpers
    def put(self, path: str, data: bytes | str, mode: int = 0o644) -> Path:
        p = self.host / path.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode() if isinstance(data, str) else data)
        p.chmod(mode)
        return p

    def tool(self, name: str, script: str) -> Path:
        return self.put(f"/usr/bin/{name}", "#!/bin/sh\n" + script, 0o755)

    def link(self, path: str, target: str) -> None:
        p = self.host / path.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        if p.is_symlink() or p.exists():
            p.unlink()
        p.symlink_to(target)

    def drive(self, label: str, image: Path, device: str = "vdb") -> None:
        """A block "device" (the image) under /dev, with its udev by-label link."""
        dev = self.host / "dev" / device
        dev.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(image, dev)
        self.link(f"/dev/disk/by-label/{label}", f"../../{device}")

    def block_drive(self, label: str, node: str, device: str = "vdb") -> None:
        """A real block device (a node with ``node``'s numbers, e.g. a loop device) under /dev,
        with its udev by-label link: what the machine shows for a drive the kernel knows."""
        dev = self.host / "dev" / device
        dev.parent.mkdir(parents=True, exist_ok=True)
        os.mknod(dev, stat.S_IFBLK | 0o600, os.stat(node).st_rdev)
        self.link(f"/dev/disk/by-label/{label}", f"../../{device}")

    # ---- running
    def run(
        self,
        platform: str,
        *,
        origin: str | None = None,
        stage: str = "fetch",
        fetch_timeout: str = "20s",
        env: dict[str, str] | None = None,
        timeout: float = 120,
    ) -> Result:
        cache, state, neednet = self.tmp / "ignition.json", self.tmp / "state", self.tmp / "neednet"
        for f in (cache, state, neednet):
            f.unlink(missing_ok=True)
        e = {k: v for k, v in os.environ.items() if not k.startswith(("IGNITION_", "PYIGNITION_"))}
        for k in ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            e.pop(k, None)
        e.update(
            {
                "PYIGNITION_HOST_ROOT": str(self.host),
                "IGNITION_SYSTEM_CONFIG_DIR": str(self.tmp / "sys-lib"),
                "IGNITION_SYSTEM_RUNTIME_CONFIG_DIR": str(self.tmp / "sys-run"),
                "IGNITION_SYSTEM_LOCAL_CONFIG_DIR": str(self.tmp / "sys-etc"),
                "IGNITION_KERNEL_CMDLINE_PATH": str(self.tmp / "cmdline"),
            }
        )
        if origin is not None:
            e["PYIGNITION_METADATA_ORIGIN"] = origin
        e.update(env or {})
        argv = [
            sys.executable, "-m", "ignition", "-platform", platform, "-stage", stage,
            "-root", str(self.tmp / "root"), "-config-cache", str(cache),
            "-state-file", str(state), "-neednet", str(neednet),
            "-fetch-timeout", fetch_timeout, "-log-to-stdout",
        ]  # fmt: skip
        start = time.monotonic()
        done = subprocess.run(
            argv, env=e, capture_output=True, text=True, timeout=timeout, cwd=self.tmp
        )
        took = time.monotonic() - start
        return Result(
            done.returncode,
            done.stdout + done.stderr,
            took,
            json.loads(cache.read_text()) if cache.exists() else None,
            json.loads(state.read_text()) if state.exists() else None,
            neednet.exists(),
        )
