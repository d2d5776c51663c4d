"""RAID 1 from two loop devices (needs md in the kernel), and refusal of active members."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ignition.system import blkid
from ignition.util.errors import StageError
from tests.integration.disks.conftest import Loop, Mount, Stage


def md_unavailable() -> str | None:
    if shutil.which("mdadm") is None:
        return "mdadm is not installed (./dev setup installs it)"
    if not os.path.exists("/proc/mdstat"):
        return "no md support in this kernel: /proc/mdstat is missing (arrays cannot be assembled)"
    return None


def test_raid1_from_two_loop_devices(loopdev: Loop, stage: Stage) -> None:
    why = md_unavailable()
    if why:
        pytest.skip(why)
    a, b = loopdev(64), loopdev(64)
    try:
        stage(
            {
                "raid": [
                    {
                        "name": "pyign-test",
                        "level": "raid1",
                        "devices": [a, b],
                        "options": ["--metadata=1.2"],
                    }
                ],
                "filesystems": [
                    {"device": "/dev/md/pyign-test", "format": "ext4", "label": "mirror"}
                ],
            },
            timeout=20,
        )
        assert blkid.probe_filesystem(a).type == "linux_raid_member"
        assert blkid.probe_filesystem("/dev/md/pyign-test").label == "mirror"
        detail = subprocess.run(
            ["mdadm", "--detail", "/dev/md/pyign-test"], capture_output=True, text=True
        ).stdout
        assert "raid1" in detail
    finally:
        subprocess.run(["mdadm", "--stop", "/dev/md/pyign-test"], capture_output=True, check=False)


def test_mdadm_command_line(loopdev: Loop, stage: Stage) -> None:
    """The reference's mdadm invocation (checked in a dry run: no md needed)."""
    a, b, c = loopdev(32), loopdev(32), loopdev(32)
    stage(
        {"raid": [{"name": "md0", "level": "raid1", "devices": [a, b, c], "spares": 1}]},
        dry_run=True,
    )
    assert stage.ctx is not None
    assert stage.ctx.plan == [
        f"disks: create raid1 array /dev/md/md0 from {a}, {b}, {c} "
        "(mdadm --create overwrites the members)  [DESTRUCTIVE]"
    ]
    from ignition.config.model import Raid
    from ignition.stages.disks.raid import mdadm_argv

    md = Raid(name="md0", level="raid1", devices=(a, b, c), spares=1, options=("--assume-clean",))
    assert mdadm_argv(md, ["/x/a", "/x/b", "/x/c"]) == [
        "mdadm", "--create", "md0", "--force", "--run", "--homehost", "any",
        "--level", "raid1", "--raid-devices", "2", "--spare-devices", "1",
        "--assume-clean", "/x/a", "/x/b", "/x/c",
    ]  # fmt: skip


def test_active_member_is_refused_before_mdadm(loopdev: Loop, stage: Stage, mounted: Mount) -> None:
    a, b = loopdev(32), loopdev(32)
    subprocess.run(["mkfs.ext4", "-q", a], check=True)
    mounted(a)
    with pytest.raises(
        StageError, match=r'refusing to use active device ".*" in RAID "md0" \(mounted\)'
    ):
        stage({"raid": [{"name": "md0", "level": "raid1", "devices": [a, b]}]})
    assert stage.ran("mdadm") == []
