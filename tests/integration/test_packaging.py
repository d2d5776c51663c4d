"""The wheel as a user installs it: built from a copy of the tree, installed into a fresh venv
that holds nothing but the wheel and the distributions its metadata requires, then the commands
run from there on sample inputs.

Offline by design: the wheel is built with this environment's setuptools (``python -m build
--no-isolation``, both in the dev extra), installed with ``--no-index --no-deps --only-binary
:all:``, and the runtime requirements are taken from this environment (their installed files,
found through their metadata, copied into a directory the venv's ``.pth`` adds to its path).
So the test proves the declared dependencies are enough, and that the test oracles (pyparted,
jsonschema, moto), boto3 and requests are not needed: they are not importable in that venv.
"""

from __future__ import annotations

import email.parser
import json
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
RUNTIME = {"pyyaml", "pyudev", "urllib3"}
NOT_AT_RUNTIME = {"pyparted", "jsonschema", "boto3", "botocore", "requests", "moto"}
HIDDEN_MODULES = ("parted", "jsonschema", "boto3", "botocore", "requests", "moto")
COMMANDS = {
    "ignition",
    "ignition-apply",
    "ignition-validate",
    "ignition-rmcfg",
    "ignition-convert",
    "coreos-cloudinit",
    "butane",
    "ct",
}


def _name(requirement: str) -> str:
    m = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert m, requirement
    return re.sub(r"[-_.]+", "-", m.group(0)).lower()


def _unconditional(requires: list[str]) -> set[str]:
    return {_name(r) for r in requires if ";" not in r}


def _copy_distribution(name: str, into: Path, seen: set[str]) -> None:
    """This environment's installed ``name`` (and what it requires) copied into ``into`` (copies,
    not links: the initramfs collector resolves links, and must see only these)."""
    if name in seen:
        return
    seen.add(name)
    dist = metadata.distribution(name)
    base = Path(str(dist.locate_file("")))
    tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
    for top in sorted(tops):
        src, dest = base / top, into / top
        if dest.exists():
            continue
        if src.is_dir():
            shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest)
    for req in _unconditional(dist.requires or []):
        _copy_distribution(req, into, seen)


def _source_copy(dest: Path) -> Path:
    """What an sdist or a checkout holds, without caches, venvs or the tests."""
    skip = shutil.ignore_patterns(".*", "tests", "build", "dist", "*.egg-info", "__pycache__")
    shutil.copytree(ROOT, dest, ignore=skip)
    return dest


@dataclass(frozen=True)
class Installed:
    venv: Path
    wheel: Path
    work: Path

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        argv = [str(self.venv / "bin" / args[0]), *args[1:]]
        env = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "LC_ALL": "C.UTF-8",
            # should boto3 ever be importable here, S3 must still stay on loopback
            "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        return subprocess.run(
            argv, cwd=self.work, env=env, input=stdin, capture_output=True, text=True, timeout=60
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    tmp = tmp_path_factory.mktemp("packaging")
    src = _source_copy(tmp / "src")
    _ok(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", "../dist", cwd=src)
    (wheel,) = (tmp / "dist").glob("pyignition-*.whl")
    venv = tmp / "venv"
    _ok(sys.executable, "-m", "venv", "--without-pip", str(venv))
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python")]
    _ok(*pip, "install", "--no-index", "--no-deps", "--only-binary", ":all:", str(wheel))
    deps = tmp / "runtime-deps"
    deps.mkdir()
    requires = _wheel_metadata(wheel).get_all("Requires-Dist") or []
    seen: set[str] = set()
    for name in _unconditional(requires):
        _copy_distribution(name, deps, seen)
    (site,) = (venv / "lib").glob("python3*/site-packages")
    (site / "runtime-deps.pth").write_text(f"{deps}\n")
    work = tmp / "work"
    work.mkdir()
    return Installed(venv, wheel, work)


def _ok(*argv: str, cwd: Path | None = None) -> None:
    """Run a set-up step; its output is the failure message (``build`` is in the dev extra)."""
    r = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    assert r.returncode == 0, f"{' '.join(argv)}:\n{r.stdout}{r.stderr}"


def _wheel_metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(zf.read(name).decode())


def test_requires_dist_is_what_the_commands_import(installed: Installed) -> None:
    meta = _wheel_metadata(installed.wheel)
    requires = meta.get_all("Requires-Dist") or []
    assert _unconditional(requires) == RUNTIME
    assert not _unconditional(requires) & NOT_AT_RUNTIME
    extras = {
        extra: {_name(r) for r in requires if f'extra == "{extra}"' in r}
        for extra in meta.get_all("Provides-Extra") or []
    }
    assert extras["s3"] == extras["aws"] == {"boto3"}
    assert {"pyparted", "jsonschema", "moto"} <= extras["dev"]
    # the installed copy says the same, and pip finds every requirement satisfied
    py = installed.venv / "bin" / "python"
    got = subprocess.run(
        [
            str(py),
            "-c",
            "import importlib.metadata as m, json; print(json.dumps(m.requires('pyignition')))",
        ],
        cwd=installed.work,
        capture_output=True,
        text=True,
        check=True,
    )
    assert sorted(requires) == sorted(json.loads(got.stdout))
    check = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "check"],
        cwd=installed.work,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_venv_holds_no_oracle_and_no_second_http_client(installed: Installed) -> None:
    probe = (
        "import importlib.util, json, ignition; "
        f"print(json.dumps([ignition.__file__, "
        f"[m for m in {HIDDEN_MODULES!r} if importlib.util.find_spec(m)]]))"
    )
    out = subprocess.run(
        [str(installed.venv / "bin" / "python"), "-c", probe],
        cwd=installed.work,
        capture_output=True,
        text=True,
        check=True,
    )
    where, present = json.loads(out.stdout)
    assert where.startswith(str(installed.venv))  # the wheel's copy, not the source tree
    assert present == []


def test_schema_data_and_every_command_are_installed(installed: Installed) -> None:
    share = installed.venv / "share" / "pyignition" / "schema"
    shipped = {p.relative_to(ROOT / "schema") for p in (ROOT / "schema").rglob("*.json")}
    assert shipped
    assert {p.relative_to(share) for p in share.rglob("*.json")} == shipped
    assert {p.name for p in (installed.venv / "bin").iterdir()} >= COMMANDS


def test_man_pages_and_help_of_every_command_are_installed(installed: Installed) -> None:
    man = installed.venv / "share" / "man" / "man1"
    assert {p.name for p in man.glob("*.1")} == {p.name for p in (ROOT / "man").glob("*.1")}
    for command in [[c] for c in sorted(COMMANDS)] + [["ignition", "plan"]]:
        for flag in ("--help", "--version"):
            r = installed.run(*command, flag)
            assert r.returncode == 0, (command, flag, r.stderr)
            assert r.stdout + r.stderr


def test_the_commands_work_from_the_venv(installed: Installed) -> None:
    for name in ("example.ign", "broken.ign"):
        shutil.copy(ROOT / "examples" / name, installed.work / name)
    r = installed.run("ignition-validate", "example.ign")
    assert (r.returncode, r.stderr) == (0, "")
    r = installed.run("ignition-validate", "broken.ign")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert "$.systemd.units.0.contents" in r.stdout

    r = installed.run("butane", "--strict", str(DATA / "butane" / "valid" / "fcos-inline.bu"))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["ignition"]["version"]

    r = installed.run("ct", "--in-file", str(DATA / "ct" / "valid" / "flatcar-node.clc"))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["ignition"]["version"]

    ud = installed.work / "user-data"
    ud.write_text("#cloud-config\nhostname: node1\n")
    r = installed.run("coreos-cloudinit", "-validate", "-from-file", str(ud))
    assert (r.returncode, r.stderr) == (0, "")
    ud.write_text("#cloud-config\nhostname: node1\nbogus: 1\n")
    r = installed.run("coreos-cloudinit", "-validate", "-from-file", str(ud))
    assert r.returncode == 1
    assert 'unrecognized key "bogus"' in r.stderr

    (installed.work / "root").mkdir()
    r = installed.run("ignition", "plan", "-root=root", "example.ign")
    assert r.returncode == 0, r.stderr
    assert 'files: createFiles: write file "/etc/hostname" (mode 0644)' in r.stdout
    assert not (installed.work / "root" / "etc").exists()


def _merging(source: str) -> str:
    merge = [{"source": source}]
    timeouts = {"httpTotal": 1}
    return json.dumps(
        {"ignition": {"version": "3.4.0", "config": {"merge": merge}, "timeouts": timeouts}}
    )


def test_s3_without_the_extra_is_a_fetch_error_naming_it(installed: Installed) -> None:
    (installed.work / "s3.ign").write_text(_merging("s3://bucket/config.ign"))
    (installed.work / "http.ign").write_text(_merging("http://127.0.0.1:9/config.ign"))
    s3 = installed.run("ignition", "plan", "-root=/nonexistent", "s3.ign")
    http = installed.run("ignition", "plan", "-root=/nonexistent", "http.ign")
    assert http.returncode != 0
    assert s3.returncode == http.returncode  # the same path as any failed fetch
    assert "Traceback" not in s3.stderr
    assert "optional dependency" in s3.stderr
    assert "pip install 'pyignition[s3]'" in s3.stderr


def test_the_initramfs_collector_needs_only_the_runtime_deps(installed: Installed) -> None:
    (site,) = (installed.venv / "lib").glob("python3*/site-packages")
    deps = (site / "runtime-deps.pth").read_text().strip()
    out = installed.work / "initramfs"
    r = subprocess.run(
        [
            str(installed.venv / "bin" / "python"),
            "-I",
            "-S",
            str(ROOT / "dracut" / "30ignition" / "pyignition-collect.py"),
            "--site",
            f"{site}:{deps}",
            "--dest",
            str(out / "lib"),
            "--elf-list",
            str(out / "elf.list"),
            "--module-list",
            str(out / "modules.list"),
        ],
        cwd=installed.work,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    listing = [line.split("\t") for line in (out / "modules.list").read_text().splitlines()]
    third = {name.partition(".")[0] for name, kind, *_ in listing if kind == "dep"}
    assert third
    assert third <= {"yaml", "_yaml", "urllib3", "pyudev"}, third
    lib = out / "lib" / "usr" / "lib" / "pyignition"
    assert (lib / "ignition" / "fetch" / "s3.pyc").is_file()
    assert (lib / "schema" / "ignition").is_dir()
