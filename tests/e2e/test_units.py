"""The dracut module without booting: unit ordering against the engine's stage order, the
reference's unit contract and the generator's decisions (docs/initramfs.md), the bytecode
the image gets, shellcheck."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections import defaultdict
from pathlib import Path

import pytest

from ignition.stages import ORDER

REPO = Path(__file__).resolve().parents[2]
MODULE = REPO / "dracut" / "30ignition"
E2E_MODULES = sorted(Path(__file__).resolve().parent.joinpath("dracut").iterdir())

# stage -> the unit that runs it; umount is ignition-mount.service's ExecStop
STAGE_UNITS = {
    "fetch-offline": "ignition-fetch-offline.service",
    "fetch": "ignition-fetch.service",
    "kargs": "ignition-kargs.service",
    "disks": "ignition-disks.service",
    "mount": "ignition-mount.service",
    "files": "ignition-files.service",
}


# dependencies through which a unit that is not active (one a condition skipped) would stop or
# fail another; Requires=/Wants=/After= do not: a skipped start job ends "done", not "failed"
BINDING = ("Requisite", "BindsTo", "PartOf", "Upholds", "PropagatesStopTo", "StopPropagatedFrom")


def parse_unit(path: Path) -> dict[str, list[str]]:
    """``Key`` -> values (in order; space-separated lists split), all sections together."""
    out: dict[str, list[str]] = defaultdict(list)
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        if key in ("After", "Before", "Requires", "Wants", "Conflicts", *BINDING):
            out[key].extend(value.split())
        else:
            out[key].append(value)
    return out


def units() -> dict[str, dict[str, list[str]]]:
    return {p.name: parse_unit(p) for p in sorted(MODULE.glob("*.service"))} | {
        p.name: parse_unit(p) for p in sorted(MODULE.glob("*.target"))
    }


def ordered_before(all_units: dict[str, dict[str, list[str]]]) -> dict[str, set[str]]:
    """unit -> every unit it is (transitively) ordered before."""
    edges: dict[str, set[str]] = defaultdict(set)
    for name, u in all_units.items():
        for other in u.get("Before", []):
            edges[name].add(other)
        for other in u.get("After", []):
            edges[other].add(name)
    closure: dict[str, set[str]] = {}
    for start in list(edges):
        seen: set[str] = set()
        todo = [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        closure[start] = seen
    return closure


def test_every_stage_has_its_unit_and_runs_that_stage() -> None:
    all_units = units()
    assert set(STAGE_UNITS) | {"umount"} == set(ORDER)
    for stage, unit in STAGE_UNITS.items():
        assert unit in all_units, unit
        (start,) = all_units[unit]["ExecStart"]
        assert f"--stage={stage} " in start + " ", start
        assert "--platform=${PLATFORM_ID}" in start
        assert "--root=/sysroot" in start
    (stop,) = all_units["ignition-mount.service"]["ExecStop"]
    assert "--stage=umount" in stop


def test_unit_ordering_matches_the_stage_order() -> None:
    before = ordered_before(units())
    runs = [STAGE_UNITS[s] for s in ORDER if s != "umount"]
    for earlier, later in itertools.pairwise(runs):
        assert later in before.get(earlier, set()), f"{earlier} is not ordered before {later}"
    # no cycle: a stage unit is never (transitively) before itself or an earlier one
    for i, unit in enumerate(runs):
        for earlier in runs[: i + 1]:
            assert earlier not in before.get(unit, set()), f"{unit} is ordered before {earlier}"
    # the network comes up after fetch-offline decides it is needed and before anything uses it
    assert "ignition-neednet.service" in before["ignition-fetch-offline.service"]
    assert "ignition-fetch.service" in before["ignition-neednet.service"]
    # the reference's anchors in the boot
    assert "sysroot.mount" in before["ignition-disks.service"]
    assert "initrd-root-device.target" in before["ignition-disks.service"]
    assert "ignition-mount.service" in before["initrd-root-fs.target"]
    assert "initrd-parse-etc.service" in before["ignition-files.service"]
    assert "ignition-mount.service" in before["ignition-remount-sysroot.service"]
    assert "ignition-complete.target" in before["ignition-diskful.target"]
    assert "initrd.target" in before["ignition-complete.target"]


def test_stage_units_share_the_reference_contract() -> None:
    all_units = units()
    for unit in [*STAGE_UNITS.values(), "ignition-neednet.service"]:
        u = all_units[unit]
        assert u["ConditionPathExists"][0] == "/etc/initrd-release", unit
        assert u["DefaultDependencies"] == ["false"], unit
        assert "ignition-complete.target" in u["Before"], unit
        assert u["OnFailure"] == ["emergency.target"], unit
        assert u["OnFailureJobMode"] == ["isolate"], unit
        assert u["Type"] == ["oneshot"], unit
        assert u["RemainAfterExit"] == ["yes"], unit
    for unit in STAGE_UNITS.values():
        assert all_units[unit]["EnvironmentFile"] == ["/run/ignition.env"], unit
    fetch = all_units["ignition-fetch.service"]
    assert set(fetch["ConditionPathExists"]) >= {"/run/ignition/neednet", "!/run/ignition.json"}
    assert all_units["ignition-kargs.service"]["MountFlags"] == ["slave"]
    disks = all_units["ignition-disks.service"]
    assert "systemd-udevd.service" in disks["Requires"]
    assert "systemd-udevd.service" in disks["After"]
    mount = all_units["ignition-mount.service"]
    assert "initrd-root-fs.target" in mount["Requires"]
    remount = all_units["ignition-remount-sysroot.service"]
    assert remount["ConditionPathIsReadWrite"] == ["!/sysroot"]
    assert remount["OnFailure"] == ["emergency.target"]
    for target in ("complete", "diskful", "subsequent", "diskful-subsequent"):
        t = all_units[f"ignition-{target}.target"]
        assert t["ConditionPathExists"] == ["/etc/initrd-release"]
        assert {"emergency.target", "initrd-switch-root.target"} <= set(t["Conflicts"])


def test_idle_stage_units_skip_by_the_markers_the_fetch_stage_writes() -> None:
    from ignition.commands.cli import flags
    from ignition.engine import idle
    from ignition.engine.engine import RunOptions
    from ignition.system.paths import Paths

    # the units pass no --state-file: the markers are where the default state file puts them
    state = Paths().state_file
    assert RunOptions("qemu", "kargs").state_file == state
    assert flags().parse([])[0]["state-file"] == state
    all_units = units()
    for stage, unit in STAGE_UNITS.items():
        u = all_units[unit]
        assert "--state-file" not in " ".join(u["ExecStart"] + u.get("ExecStop", []))
        markers = [c for c in u["ConditionPathExists"] if "nothing-to-do" in c]
        expected = [f"!{os.path.join(idle.marker_dir(state), stage)}"]
        assert markers == (expected if stage in idle.MARKED else []), unit
    assert set(idle.MARKED) == {"kargs", "disks", "mount"}
    # the mount unit's marker also covers umount (its ExecStop): written only when both are idle
    assert idle.marked(["kargs", "mount"]) == ["kargs"]
    assert idle.marked(["disks", "mount", "umount"]) == ["disks", "mount"]
    # a skipped unit stops or fails nothing: no unit binds to a stage unit
    e2e_units = {p.name: parse_unit(p) for d in E2E_MODULES for p in d.glob("*.service")}
    for name, u in (all_units | e2e_units).items():
        for key in BINDING:
            assert not set(u.get(key, [])) & set(STAGE_UNITS.values()), (name, key)


def test_module_setup_requires_every_stage_unit() -> None:
    text = (MODULE / "module-setup.sh").read_text()
    m = re.search(r"add-requires ignition-complete\.target((?:\s|\\)+[^|]*?)\|\| return 1", text)
    assert m is not None
    required = set(m.group(1).replace("\\", " ").split())
    assert required == set(STAGE_UNITS.values())
    assert re.search(
        r"add-requires ignition-diskful\.target\s*\\?\s*ignition-remount-sysroot", text
    )


# ---------------------------------------------------------------------------------------------
# the Python files of the image


def test_collector_ships_sourceless_unchecked_bytecode(tmp_path: Path) -> None:
    paths = sysconfig.get_paths()
    site = ":".join(dict.fromkeys([str(REPO), paths["purelib"], paths["platlib"]]))
    root, modules = tmp_path / "root", tmp_path / "modules"
    proc = subprocess.run(
        [sys.executable, "-I", "-S", MODULE / "pyignition-collect.py", "--site", site,
         "--dest", root, "--elf-list", tmp_path / "elf", "--module-list", modules],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    shipped = [p for p in root.rglob("*") if p.is_file()]
    assert not [p for p in shipped if p.suffix == ".py"]  # bytecode only
    lib = root / "usr/lib/pyignition"
    cli = (lib / "ignition/commands/cli.pyc").read_bytes()
    assert int.from_bytes(cli[4:8], "little") == 0b01  # hash-based, never checked
    stdlib = root / os.path.realpath(paths["stdlib"]).lstrip("/")
    assert (stdlib / "os.pyc").is_file()  # the landmark of the standard library
    assert not (stdlib / "stat.pyc").exists()  # frozen into the interpreter
    listed = {line.split("\t")[0] for line in modules.read_text().splitlines()}
    assert {"ignition.stages.disks", "providers.qemu", "urllib3", "json.decoder"} <= listed
    assert not {n for n in listed if n.partition(".")[0] in ("boto3", "botocore")}
    # the engine runs from it: the .pyc are found, name the image's paths, carry no columns
    code = (
        f"import sys; sys.path.insert(0, {str(lib)!r})"
        "; import ignition.commands.cli, ignition.stages.files"
        "; c = ignition.commands.cli.parse_duration.__code__"
        "; print(ignition.commands.cli.__file__, c.co_filename, next(c.co_positions())[2])"
    )
    run = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", code], capture_output=True, text=True, check=True
    )
    assert run.stdout.split() == [
        str(lib / "ignition/commands/cli.pyc"),
        "/usr/lib/pyignition/ignition/commands/cli.py",
        "None",
    ]


# ---------------------------------------------------------------------------------------------
# generator


def generate(tmp_path: Path, cmdline: str, *, live: bool = False) -> tuple[set[str], str]:
    (tmp_path / "cmdline").write_text(cmdline + "\n")
    out = tmp_path / "units"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "IGNITION_GENERATOR_CMDLINE": str(tmp_path / "cmdline"),
        "IGNITION_GENERATOR_ENV_FILE": str(tmp_path / "run" / "ignition.env"),
    }
    if live:
        bindir = tmp_path / "bin"
        bindir.mkdir()
        hook = bindir / "is-live-image"
        hook.write_text("#!/bin/sh\nexit 0\n")
        hook.chmod(0o755)
        env["PATH"] = f"{bindir}:{env['PATH']}"
    subprocess.run(["sh", MODULE / "ignition-generator", out], env=env, check=True)
    links = (
        {str(p.relative_to(out)) for p in out.rglob("*") if p.is_symlink()}
        if out.exists()
        else set()
    )
    return links, (tmp_path / "run" / "ignition.env").read_text()


FIRST = {
    "initrd.target.requires/ignition-complete.target",
    "ignition-complete.target.requires/ignition-diskful.target",
}
LATER = {
    "initrd.target.requires/ignition-subsequent.target",
    "ignition-subsequent.target.requires/ignition-diskful-subsequent.target",
}


@pytest.mark.parametrize(
    ("cmdline", "expected"),
    [
        ("root=/dev/vda ignition.firstboot", FIRST),
        ("ignition.firstboot=1", FIRST),
        ("ignition.firstboot=yes quiet", FIRST),
        ("root=/dev/vda", LATER),
        ("ignition.firstboot=0", LATER),
        ("ignition.firstboot=off", LATER),
        ("ignition.firstboot=no", LATER),
        ("ignition.firstboot=", LATER),
        ("ignition.firstboot ignition.firstboot=0", LATER),  # the last one wins
        ("ignition.firstboot=0 ignition.firstboot", FIRST),
        ("xignition.firstboot", LATER),
    ],
)
def test_generator_first_boot(tmp_path: Path, cmdline: str, expected: set[str]) -> None:
    links, _ = generate(tmp_path, cmdline)
    assert links == expected


def test_generator_live_image_skips_the_diskful_target(tmp_path: Path) -> None:
    links, _ = generate(tmp_path, "ignition.firstboot", live=True)
    assert links == {"initrd.target.requires/ignition-complete.target"}


@pytest.mark.parametrize(
    ("cmdline", "platform"),
    [
        ("ignition.platform.id=qemu", "qemu"),
        ("ignition.platform.id=metal ignition.platform.id=aws", "aws"),
        ('ignition.platform.id="metal"', "metal"),
        ("root=/dev/vda", ""),
    ],
)
def test_generator_platform(tmp_path: Path, cmdline: str, platform: str) -> None:
    _, env = generate(tmp_path, cmdline)
    assert env == f"PLATFORM_ID={platform}\n"


def test_kargs_helper_stub_refuses() -> None:
    """The stub keeps the helper's contract on the failing side: kernelArguments in a config
    fail the kargs stage (exit 1, a message) instead of being ignored."""
    proc = subprocess.run(
        ["sh", MODULE / "ignition-kargs-helper.sh", "--should-exist", "quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "not supported by this Linux distribution" in proc.stderr


# ---------------------------------------------------------------------------------------------
# shellcheck


def shell_files() -> list[tuple[Path, str]]:
    files: list[tuple[Path, str]] = [(REPO / "dracut" / "install.sh", "sh")]
    for d in (MODULE, *E2E_MODULES):
        for p in sorted(d.iterdir()):
            if p.name == "module-setup.sh":
                files.append((p, "bash"))
            elif p.suffix == ".sh" or p.name == "ignition-generator":
                files.append((p, "sh"))
    return files


def test_shell_files_pass_shellcheck() -> None:
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (./dev setup installs it)")
    for path, shell in shell_files():
        proc = subprocess.run(
            ["shellcheck", "-s", shell, path], capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, f"{path}:\n{proc.stdout}{proc.stderr}"


# ---------------------------------------------------------------------------------------------
# the QEMU suite's reading of the journal (no boot: a journal as systemd 252 writes it)

SKIP = "was skipped because of an unmet condition check"
JOURNAL = f"""\
[    5.100000] localhost systemd[1]: Starting ignition-fetch-offline.service - Ignition (fetch-offline)...
[    5.600000] localhost ignition[300]: Ignition 0.1 (pyignition)
[    6.000000] localhost systemd[1]: Finished ignition-fetch-offline.service - Ignition (fetch-offline).
[    6.010000] localhost systemd[1]: ignition-fetch.service - Ignition (fetch) {SKIP} (ConditionPathExists=/run/ignition/neednet).
[    6.020000] localhost systemd[1]: ignition-kargs.service - Ignition (kargs) {SKIP} (ConditionPathExists=!/run/ignition/nothing-to-do/kargs).
[    6.030000] localhost systemd[1]: ignition-disks.service - Ignition (disks) {SKIP} (ConditionPathExists=!/run/ignition/nothing-to-do/disks).
[    6.040000] localhost systemd[1]: Starting ignition-files.service - Ignition (files)...
[    6.500000] localhost ignition[310]: Ignition 0.1 (pyignition)
[    7.040000] localhost systemd[1]: Finished ignition-files.service - Ignition (files).
"""  # noqa: E501
MOUNT_SKIPPED = {
    "MESSAGE": f"ignition-mount.service - Ignition (mount) {SKIP}"
    " (ConditionPathExists=!/run/ignition/nothing-to-do/mount).",
    "SYSLOG_IDENTIFIER": "systemd",
    "_PID": "1",
    "__MONOTONIC_TIMESTAMP": "6035000",
}


def test_stage_times_count_a_skipped_unit_as_skipped() -> None:
    import json

    from tests.e2e import vm
    from tests.e2e.conftest import stage_table

    journal = JOURNAL + json.dumps(MOUNT_SKIPPED) + "\n"  # journalctl -o json too
    boot = vm.Boot(f"E2E-JOURNAL-BEGIN\n{journal}E2E-JOURNAL-END\nE2E-FINISHED\n", 1, 1, 0, False)
    assert boot.skipped == {
        "ignition-fetch.service": "ConditionPathExists=/run/ignition/neednet",
        **{
            f"ignition-{s}.service": f"ConditionPathExists=!/run/ignition/nothing-to-do/{s}"
            for s in ("kargs", "disks", "mount")
        },
    }
    times = {t.stage: t for t in boot.stage_times()}
    assert list(times) == list(ORDER)
    skipped = [s for s, t in times.items() if t.skipped]
    assert skipped == ["fetch", "kargs", "disks", "mount", "umount"]  # umount: mount's ExecStop
    assert all(times[s].unit == 0.0 and times[s].first_log is None for s in skipped)
    assert times["files"].first_log == pytest.approx(0.46)
    table = stage_table(list(times.values()))
    assert table[-1].split() == ["sum", "1.90"]  # fetch-offline 0.9 + files 1.0
    assert [line.split() for line in table if "skipped" in line] == [
        [s, "skipped"] for s in skipped
    ]
