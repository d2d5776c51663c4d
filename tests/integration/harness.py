"""Run ``ignition`` stages as separate processes against a scratch root, like the initramfs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@dataclass
class Machine:
    """A work dir holding config.ign, the cache, state, neednet flag and system config dirs."""

    tmp: Path
    platform: str = "file"

    @property
    def root(self) -> Path:
        return self.tmp / "root"

    @property
    def cache(self) -> Path:
        return self.tmp / "ignition.json"

    @property
    def neednet(self) -> Path:
        return self.tmp / "neednet"

    @property
    def state(self) -> Path:
        return self.tmp / "state"

    def sysdir(self, which: str = "system") -> Path:
        return self.tmp / which

    def write_config(self, cfg: dict[str, Any] | str | bytes) -> None:
        if isinstance(cfg, dict):
            data = json.dumps(cfg).encode()
        elif isinstance(cfg, str):
            data = cfg.encode()
        else:
            data = cfg
        (self.tmp / "config.ign").write_bytes(data)

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("IGNITION_")}
        for k in ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            env.pop(k, None)
        env.update(
            {
                "IGNITION_SYSTEM_CONFIG_DIR": str(self.sysdir("system")),
                "IGNITION_SYSTEM_RUNTIME_CONFIG_DIR": str(self.sysdir("system-runtime")),
                "IGNITION_SYSTEM_LOCAL_CONFIG_DIR": str(self.sysdir("system-local")),
                "IGNITION_KERNEL_CMDLINE_PATH": str(self.tmp / "cmdline"),
            }
        )
        env.update(extra or {})
        return env

    def stage(self, stage: str, *flags: str, env: dict[str, str] | None = None) -> Run:
        p = subprocess.run(
            self.argv(stage, *flags),
            cwd=self.tmp,
            env=self.env(env),
            capture_output=True,
            text=True,
            timeout=120,
        )
        return Run(p.returncode, p.stdout, p.stderr)

    def argv(self, stage: str, *flags: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "ignition",
            "-platform",
            self.platform,
            "-stage",
            stage,
            "-root",
            str(self.root) if stage not in ("fetch", "fetch-offline", "disks") else "",
            "-log-to-stdout",
            "-config-cache",
            str(self.cache),
            "-neednet",
            str(self.neednet),
            "-state-file",
            str(self.state),
            *flags,
        ]

    def all_stages(self, env: dict[str, str] | None = None) -> list[Run]:
        runs = []
        for s in ("fetch", "kargs", "disks", "mount", "files", "umount"):
            r = self.stage(s, env=env)
            runs.append(r)
            if r.code != 0:
                break
        return runs


def new_machine(tmp: Path) -> Machine:
    m = Machine(tmp)
    m.root.mkdir()
    return m


def account_databases(root: Path) -> None:
    """The smallest ``/etc`` real ``useradd --root`` works on: root's entries in ``passwd``,
    ``group``, ``shadow`` and ``gshadow`` (the last two 0600), and ``/home``."""
    etc = root / "etc"
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (etc / "group").write_text("root:x:0:\n")
    for name, line in (("shadow", "root:*:19000:0:99999:7:::\n"), ("gshadow", "root:*::\n")):
        (etc / name).write_text(line)
        (etc / name).chmod(0o600)
    (root / "home").mkdir(exist_ok=True)
