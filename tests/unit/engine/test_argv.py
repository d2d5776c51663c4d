"""Arguments built from config data never start with ``-`` where a tool reads options, and the
name of an account comes after ``--`` (shadow-utils takes it)."""

from __future__ import annotations

import pytest

from ignition.config.model import Filesystem, Luks, PasswdGroup, PasswdUser, Raid
from ignition.stages.disks.filesystems import mkfs_argv
from ignition.stages.disks.luks import format_argv, open_argv
from ignition.stages.disks.raid import mdadm_argv
from ignition.stages.files.accounts import group_argv, useradd_argv, usermod_argv
from ignition.stages.kargs import helper_argv
from ignition.system.runner import CommandError, Runner, operand
from ignition.util.errors import StageError
from ignition.util.log import Logger


def test_account_names_come_after_double_dash() -> None:
    u = PasswdUser(name="core", gecos="-not-an-option", shell="-sh", groups=("wheel",))
    add = useradd_argv("/r", u)
    assert add[-2:] == ["--", "core"]
    assert add[add.index("--comment") + 1] == "-not-an-option"  # an option's value may
    assert usermod_argv("/r", u)[-2:] == ["--", "core"]
    g = PasswdGroup(name="ops")
    assert group_argv("/r", g, exists=False)[-2:] == ["--", "ops"]
    assert group_argv("/r", g, exists=True)[-2:] == ["--", "ops"]
    gone = PasswdGroup(name="ops", should_exist=False)
    assert group_argv("/r", gone, exists=True) == ["groupdel", "--root", "/r", "--", "ops"]


@pytest.mark.parametrize("name", ["--help", "-x", "-"])
def test_option_like_names_are_refused(name: str) -> None:
    with pytest.raises(StageError, match="user name that starts with '-'"):
        useradd_argv("/r", PasswdUser(name=name))
    with pytest.raises(StageError, match="user name that starts with '-'"):
        usermod_argv("/r", PasswdUser(name=name))
    with pytest.raises(StageError, match="group name that starts with '-'"):
        group_argv("/r", PasswdGroup(name=name), exists=False)


def test_kernel_arguments_and_disk_operands() -> None:
    assert helper_argv("h", ("a=1",), ("b",)) == [
        "h",
        "--should-exist",
        "a=1",
        "--should-not-exist",
        "b",
    ]
    with pytest.raises(StageError, match="kernel argument"):
        helper_argv("h", ("--help",), ())
    with pytest.raises(StageError, match="RAID array name"):
        mdadm_argv(Raid(name="--x", level="raid1", devices=("/a", "/b")), ["/a", "/b"])
    with pytest.raises(StageError, match="device"):
        mdadm_argv(Raid(name="md0", level="raid1", devices=("/a", "/b")), ["-a", "/b"])
    with pytest.raises(StageError, match="LUKS volume name"):
        open_argv(Luks(name="-v", device="/d"), "/d", "/k")
    with pytest.raises(StageError, match="device"):
        format_argv(Luks(name="v", device="-d"), "-d", "/k")
    with pytest.raises(StageError, match="device"):
        mkfs_argv(Filesystem(device="-d", format="ext4"), "-d")
    assert operand("/dev/sda", "device") == "/dev/sda"


def test_runner_refuses_nul_without_a_traceback(logger: Logger) -> None:
    runner = Runner(logger)
    with pytest.raises(CommandError) as exc:
        runner.run(["true", "a\x00b"])
    assert "argument contains a NUL character" in str(exc.value)
    assert "\x00" not in str(exc.value)
    assert runner.run(["true", "a"]).returncode == 0
