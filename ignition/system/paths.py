"""Every system path and file-name contract of the reference in one place, with its
environment overrides (the reference's ``internal/distro``).

The defaults are what the dracut units, PXE setups and distro packaging rely on; environment
variables exist so that tests (and the conformance harness) can point the engine elsewhere.
"""

from __future__ import annotations

import os

from ignition.util.record import record

TYPE_CHECKING = False  # not typing's: a stage with nothing to do reads the paths too
if TYPE_CHECKING:
    from collections.abc import Mapping


@record
class Paths:
    kernel_cmdline: str = "/proc/cmdline"
    # system config dirs in priority order: runtime > local > system
    runtime_config_dir: str = "/run/ignition"
    local_config_dir: str = "/etc/ignition"
    system_config_dir: str = "/usr/lib/ignition"
    config_cache: str = "/run/ignition.json"
    state_file: str = "/run/ignition/state"
    neednet_flag: str = "/run/ignition/neednet"
    dev_aliases: str = "/run/ignition/dev_aliases"
    file_platform_config: str = "config.ign"  # the `file` platform, relative to the CWD
    boot_id: str = "/proc/sys/kernel/random/boot_id"
    write_authorized_keys_fragment: bool = True
    kargs_helper: str = "ignition-kargs-helper"

    @property
    def config_dirs(self) -> tuple[str, str, str]:
        return (self.runtime_config_dir, self.local_config_dir, self.system_config_dir)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Paths:
        e = os.environ if env is None else env
        d = cls()
        frag = e.get("IGNITION_WRITE_AUTHORIZED_KEYS_FRAGMENT", "true").strip().lower()
        return cls(
            kernel_cmdline=e.get("IGNITION_KERNEL_CMDLINE_PATH") or d.kernel_cmdline,
            runtime_config_dir=e.get("IGNITION_SYSTEM_RUNTIME_CONFIG_DIR") or d.runtime_config_dir,
            local_config_dir=e.get("IGNITION_SYSTEM_LOCAL_CONFIG_DIR") or d.local_config_dir,
            system_config_dir=e.get("IGNITION_SYSTEM_CONFIG_DIR") or d.system_config_dir,
            file_platform_config=e.get("IGNITION_CONFIG_FILE") or d.file_platform_config,
            write_authorized_keys_fragment=frag not in ("0", "false", "no", "off"),
            kargs_helper=e.get("IGNITION_KARGS_HELPER") or d.kargs_helper,
        )
