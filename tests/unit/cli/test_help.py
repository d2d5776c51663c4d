"""Help, versions and usage errors of every command, run as the installed console scripts; the
command table agrees with the parsers, and docs/commands.md and man/ are what it generates."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from ignition.commands.helptext import specs
from ignition.commands.table import COMMANDS, Command

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
with open(ROOT / "pyproject.toml", "rb") as _fh:
    SCRIPTS = sorted(tomllib.load(_fh)["project"]["scripts"])
# console scripts plus the ignition subcommands, as typed
INVOCATIONS = [[s] for s in SCRIPTS] + [["ignition", "plan"], ["ignition", "detect"]]


def run(
    argv: list[str],
    stdin: bytes = b"",
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    argv = [str(BIN / argv[0]), *argv[1:]]
    return subprocess.run(
        argv,
        input=stdin.decode(),
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=None if env is None else {**os.environ, **env},
    )


# ------------------------------------------------------------------ --help and --version


@pytest.mark.parametrize("command", INVOCATIONS, ids=" ".join)
def test_every_command_answers_help_and_version(command: list[str]) -> None:
    helped = run([*command, "--help"])
    assert helped.returncode == 0, helped.stderr
    text = helped.stdout + helped.stderr
    assert text.startswith("Usage"), text
    assert "Example:\n  # " in text
    assert "Exit status:\n  0  " in text
    assert "\N{SECTION SIGN}" not in text
    assert "Traceback" not in text
    assert run([*command, "--help", "extra"]).returncode == 0  # help wins over bad usage
    versioned = run([*command, "--version"])
    assert versioned.returncode == 0, versioned.stderr
    assert "(pyignition)" in versioned.stdout
    assert versioned.stderr == ""


@pytest.mark.parametrize("command", [c for c in INVOCATIONS if c != ["butane"]], ids=" ".join)
def test_go_style_commands_take_single_dash_help_and_version(command: list[str]) -> None:
    for flag in ("-h", "-help"):
        assert run([*command, flag]).returncode == 0
    assert run([*command, "-version"]).returncode == 0


def test_help_goes_where_the_reference_puts_it() -> None:
    assert run(["ct", "-help"]).stdout == ""  # Go's flag: stderr
    assert run(["ignition-validate", "--help"]).stdout == ""
    assert run(["butane", "--help"]).stderr == ""  # pflag: stdout
    assert run(["ignition", "plan", "--help"]).stderr == ""  # ours: stdout, for a pager


# ------------------------------------------------------------ the reference usage texts


CT_USAGE = """Usage of ct:
  -files-dir string
    \tDirectory to read local files from.
  -help
    \tPrint help and exit.
  -in-file string
    \tPath to the container linux config. Standard input unless specified otherwise.
  -out-file string
    \tPath to the resulting Ignition config. Standard output unless specified otherwise.
  -platform string
    \tPlatform to target. Accepted values: [azure digitalocean ec2 gce packet openstack-metadata vagrant-virtualbox cloudstack-configdrive custom].
  -pretty
    \tIndent the resulting Ignition config.
  -strict
    \tFail if any warnings are encountered.
  -version
    \tPrint the version and exit.
"""  # noqa: E501
BUTANE_USAGE = """Usage: butane [options] [input-file]
Options:
  -c, --check                     check config without producing output
      --color string[="always"]   control color output: "auto", "always", or "never" (default "auto")
  -d, --files-dir string          allow embedding local files from this directory
  -h, --help                      show usage and exit
  -o, --output string             write to output file instead of stdout
  -p, --pretty                    output formatted json
  -r, --raw                       never wrap in a MachineConfig; force Ignition output
      --raw-errors                show raw errors, rather than pretty printing them
  -s, --strict                    fail on any warning
  -V, --version                   print the version and exit
"""  # noqa: E501


def test_reference_usage_texts_are_kept_word_for_word() -> None:
    bad = run(["ct", "-bogus"])
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr == "flag provided but not defined: -bogus\n" + CT_USAGE
    two = run(["butane", "a.bu", "b.bu"])
    assert (two.returncode, two.stdout, two.stderr) == (2, "", BUTANE_USAGE)
    assert run(["butane", "--help"]).stdout.startswith(BUTANE_USAGE + "\n")
    bare = run(["ignition-validate"])
    assert (bare.returncode, bare.stdout) == (1, "")
    assert bare.stderr.startswith("Usage:\n  ignition-validate [flags] config.ign\n\n  -")
    assert "  -version\n    \tprint the version of ignition-validate\n" in bare.stderr


# ------------------------------------------------------------------- the command table


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: c.name)
def test_the_table_describes_exactly_the_flags_the_parser_takes(cmd: Command) -> None:
    parsed = {s.name: s for s in specs(cmd)}
    described = {f.name: f for f in cmd.flags}
    assert sorted(parsed) == sorted(described)
    for name, spec in parsed.items():
        assert spec.takes_value == bool(described[name].arg), name
    assert {"help", "version"} <= set(parsed)


def test_docs_and_man_pages_are_what_the_table_generates() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "commanddocs.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")


def test_check_notices_a_stale_page_and_a_stray_man_page(tmp_path: Path) -> None:
    (tmp_path / "tools").mkdir()
    for name in ("commanddocs.py", "generated.py"):
        shutil.copy(ROOT / "tools" / name, tmp_path / "tools")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copytree(ROOT / "man", tmp_path / "man")
    page = tmp_path / "docs" / "commands.md"
    page.write_text(page.read_text().replace("-legacy", "-old", 1))
    (tmp_path / "man" / "gone.1").write_text(".TH GONE 1\n")
    tool = [sys.executable, str(tmp_path / "tools" / "commanddocs.py")]
    done = subprocess.run([*tool, "--check"], capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "out of date: docs/commands.md, man/gone.1" in done.stderr
    assert subprocess.run(tool, check=False).returncode == 0
    assert page.read_text() == (ROOT / "docs" / "commands.md").read_text()
    assert not (tmp_path / "man" / "gone.1").exists()


def test_man_pages_are_shipped() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert '"share/man/man1" = ["man/*.1"]' in text
    assert {p.stem for p in (ROOT / "man").glob("*.1")} == {
        c.name.replace(" ", "-") for c in COMMANDS
    }


# ------------------------------------------------------------------------ usage errors


@pytest.mark.parametrize(
    "command",
    [
        # -dry-run and a cache that does not exist: nothing could be touched even if the
        # empty root were taken
        ["ignition", "-platform=file", "-stage=files", "-dry-run", "-config-cache=x", "-root="],
        ["ignition", "-platform", "file", "-stage", "mount", "-dry-run", "-root", ""],
        ["ignition", "-platform", "file", "-stage=umount", "-dry-run", "--root="],
        ["ignition", "plan", "-root=", "config.ign"],
        ["ignition-apply", "--root", "", "config.ign"],
        ["coreos-cloudinit", "-root=", "-from-file", "user-data"],
    ],
    ids=lambda a: " ".join(a[:5]),
)
def test_an_empty_root_is_a_usage_error(command: list[str], tmp_path: Path) -> None:
    if command[:2] == ["ignition", "-platform"]:
        command = [*command[:1], f"-config-cache={tmp_path}/x", *command[1:]]
    done = run(command, cwd=tmp_path)
    assert done.returncode == 2
    first = done.stderr.splitlines()[0]
    assert first.startswith('invalid value "" for flag -root: ')
    assert first.endswith("give the root directory, such as / (the default)")
    if command[0] == "ignition" and command[1] != "plan":
        assert "stage needs it" in first


def test_stages_that_never_touch_the_root_take_an_empty_one(tmp_path: Path) -> None:
    """As the reference's own test harness runs fetch and disks: ``-root ""``."""
    (tmp_path / "config.ign").write_text('{"ignition": {"version": "3.4.0"}}')
    (tmp_path / "cmdline").write_text("")
    env = {  # nothing read from this machine's configuration
        "IGNITION_KERNEL_CMDLINE_PATH": str(tmp_path / "cmdline"),
        "IGNITION_SYSTEM_CONFIG_DIR": str(tmp_path / "none"),
        "IGNITION_SYSTEM_RUNTIME_CONFIG_DIR": str(tmp_path / "none"),
        "IGNITION_SYSTEM_LOCAL_CONFIG_DIR": str(tmp_path / "none"),
    }
    for stage in ("fetch-offline", "fetch", "kargs", "disks"):
        done = run(
            ["ignition", "-platform", "file", "-stage", stage, "-root", "", "-log-to-stdout",
             "-config-cache", f"{tmp_path}/cache.json", "-neednet", f"{tmp_path}/neednet",
             "-state-file", f"{tmp_path}/state"],
            cwd=tmp_path,
            env=env,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr


def test_echoed_flags_are_escaped() -> None:
    done = run(["ignition-validate", "-\x1b[31mx"])
    assert done.returncode == 1
    assert done.stderr.startswith("flag provided but not defined: -\\x1b[31mx\n")
    done = run(["ignition", "-platform=\x1b]0;x", "-stage=files"])
    assert done.returncode == 2
    assert 'invalid value "\\x1b]0;x" for flag -platform' in done.stderr


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["ignition", "-offline"], "flag provided but not defined: -offline"),  # was ignored
        (["ignition", "plan", "a.ign", "b.ign"], "one CONFIG at most, not 2: a.ign b.ign"),
        (["ignition", "detect", "x"], "ignition detect takes no arguments"),
        (["ignition-apply"], "give the config to apply: a file, or - for standard input"),
        (["ignition-rmcfg"], "'--platform' must be provided"),
        (["ignition-rmcfg", "-platform=vmware", "x"], "ignition-rmcfg takes no arguments"),
        (["ignition-convert", "a", "b"], "one input at most, not 2: a b"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else "",
)
def test_usage_errors_say_what_is_wrong_then_the_usage(command: list[str], message: str) -> None:
    done = run(command)
    assert done.returncode == 2
    assert done.stderr.startswith(message + "\nUsage")


def test_plan_logs_to_stdout_when_asked(tmp_path: Path) -> None:
    (tmp_path / "c.ign").write_text(
        '{"ignition": {"version": "3.4.0"}, "storage": {"files": [{"path": "/etc/motd"}]}}'
    )
    plain = run(["ignition", "plan", f"-root={tmp_path}", str(tmp_path / "c.ign")])
    assert plain.returncode == 0, plain.stderr
    assert "INFO" in plain.stderr
    assert "INFO" not in plain.stdout
    logged = run(["ignition", "plan", "-log-to-stdout", f"-root={tmp_path}", "c.ign"], cwd=tmp_path)
    assert logged.returncode == 0, logged.stderr
    assert logged.stderr == ""
    assert "INFO" in logged.stdout
    assert plain.stdout.splitlines()[-1] in logged.stdout


# ------------------------------------------------------------- errors say what to do next


BUTANE = b"variant: fcos\nversion: 1.5.0\npasswd:\n  users:\n    - name: core\n"
BAD_BUTANE = b"variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: etc/x\n"


def test_butane_given_to_validate_says_so_first_and_how_to_transpile(tmp_path: Path) -> None:
    (tmp_path / "x.bu").write_bytes(BUTANE)
    done = run(["ignition-validate", "x.bu"], cwd=tmp_path)
    assert (done.returncode, done.stderr) == (1, "")
    assert done.stdout.splitlines() == [
        "x.bu: error: this is a Butane config, not an Ignition config: transpile it first: "
        "butane --strict x.bu > x.ign",
        "error at line 1 col 2: invalid character 'v' looking for beginning of value",
    ]
    (tmp_path / "y.ign").write_bytes(BAD_BUTANE)
    lines = run(["ignition-validate", "y.ign"], cwd=tmp_path).stdout.splitlines()
    assert lines[0] == (
        "y.ign: error: this is a Butane config with errors (listed below), not an Ignition "
        "config: fix them, then transpile it: butane --strict y.ign > y.ign.ign"
    )
    assert "y.ign:5:13: error at $.storage.files.0.path: path not absolute" in lines
    piped = run(["ignition-validate", "-"], stdin=BUTANE).stdout.splitlines()[0]
    assert piped.endswith("transpile it first: butane --strict < config.bu > config.ign")
    (tmp_path / "-o.bu").write_bytes(BUTANE)
    dashed = run(["ignition-validate", "--", "-o.bu"], cwd=tmp_path).stdout.splitlines()[0]
    assert dashed.endswith("transpile it first: butane --strict ./-o.bu > ./-o.ign")
    as_butane = run(["ignition-validate", "-butane", "x.bu"], cwd=tmp_path)
    assert (as_butane.returncode, as_butane.stdout) == (0, "")


def test_older_specs_name_legacy_and_the_way_to_spec_3(tmp_path: Path) -> None:
    (tmp_path / "ct.ign").write_text('{"ignition": {"version": "2.3.0"}}')
    done = run(["ignition-validate", "ct.ign"], cwd=tmp_path)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.splitlines() == [
        "couldn't parse config: unsupported config version",
        "ct.ign: this is a spec 2.3.0 config (as ct writes them; Flatcar's Ignition takes them, "
        "other Ignitions do not): check it with: ignition-validate -legacy ct.ign",
        "ct.ign: for spec 3, convert the Container Linux Config (ct's input) to Butane: "
        "ignition-convert -from ct config.yaml > config.bu",
    ]
    assert run(["ignition-validate", "-legacy", "ct.ign"], cwd=tmp_path).returncode == 0
    one = run(["ignition-validate", "-"], stdin=b'{"ignitionVersion": 1}')
    assert one.stderr.splitlines()[1:] == [
        "-: this is a spec 1 config (Flatcar's Ignition takes them, other Ignitions do not): "
        "check it with: ignition-validate -legacy -"
    ]
    future = run(["ignition-validate", "-"], stdin=b'{"ignition": {"version": "3.9.0"}}')
    assert future.stderr == "couldn't parse config: unsupported config version\n"


@pytest.mark.parametrize(
    ("argv", "yaml", "where", "help"),
    [
        (
            ["-platform=ec2"],
            'etcd:\n  name: "n"\n  advertise_client_urls: "http://{PUBLIC_IPV6}:2379"\n',
            "  --> <stdin>:3:34\n",
            "on ec2 the fields are {HOSTNAME}, {PRIVATE_IPV4}, {PUBLIC_IPV4}",
        ),
        (
            [],
            "flannel:\n  etcd_prefix: a{HOSTNAME}\n",
            "  --> <stdin>:2:17\n",
            "{HOSTNAME}, {PRIVATE_IPV4} and the like are filled in at boot from the platform's "
            "metadata: give -platform (azure, digitalocean, ec2, gce, packet, openstack-metadata,"
            " vagrant-virtualbox, cloudstack-configdrive, custom)",
        ),
    ],
    ids=["unknown field", "no platform"],
)
def test_ct_templating_errors_have_a_location_and_a_help(
    argv: list[str], yaml: str, where: str, help: str
) -> None:
    done = run(["ct", *argv], stdin=yaml.encode())
    assert (done.returncode, done.stdout) == (1, "")
    first, rest = done.stderr.split("\n", 1)
    assert first in ("error: unknown field", "error: platform must be specified to use templating")
    assert rest.startswith(where)
    assert "^" in rest
    assert rest.endswith(f"  = help: {help}\n")


@pytest.mark.parametrize(
    ("command", "stdin"),
    [
        (["ignition-validate", "-"], b'{"ignition": {"version": "3.4.0"}}'),
        (["butane", "--strict"], b"variant: fcos\nversion: 1.5.0\n"),
        (["ct"], b"passwd: {}\n"),
        (["coreos-cloudinit", "-validate", "-from-file", "/dev/stdin"], b"#cloud-config\n"),
        (["ignition", "-version"], b""),
        (["ignition-apply", "-version"], b""),
    ],
    ids=lambda v: v[0] if isinstance(v, list) else "",
)
def test_a_run_never_loads_the_help_table(command: list[str], stdin: bytes) -> None:
    """Start-up is boot time: the table is data for --help and usage errors only."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", str(BIN / command[0]), *command[1:]],
        input=stdin,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = done.stderr.decode()
    assert "ignition.commands.crash" in imported  # the probe sees the command's imports
    assert "ignition.commands.table" not in imported
    assert "ignition.commands.helptext" not in imported


def test_convert_locates_ct_templating_errors_too() -> None:
    done = run(
        ["ignition-convert", "-from", "ct", "-platform", "ec2"], stdin=b'etcd:\n  name: "{X}"\n'
    )
    assert done.returncode == 1
    assert "<stdin>:2:10: error: unknown field" in done.stderr.splitlines()
