"""The shipped pre-commit hooks (.pre-commit-hooks.yaml) on good and bad sample files.

The hook entries are run exactly as the file defines them (entry + args + file names, with this
environment's console scripts first on PATH, as pre-commit's python environments have them).
``pre-commit try-repo`` itself is run once more end to end only when asked for with
``PYIGNITION_NETWORK_TESTS=1``: it builds a fresh environment with pip, which downloads from the
package index, and tests reach nothing but loopback unless told to.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
BIN = Path(sys.executable).parent

GOOD = {
    "butane": ["valid/fcos-everything.bu", "valid/fcos-local-files.bu", "valid/r4e-user.bu"],
    "ct": ["valid/flatcar-node.clc"],
}
BAD = {
    "butane": ["invalid/null-section.bu", "semantic/relative-path.bu"],
    "ct": ["invalid/unknown-key.clc", "invalid/format.clc"],
}


def hooks() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return {h["id"]: h for h in data}


def workspace(tmp: Path) -> tuple[list[str], list[str]]:
    """Sample files laid out as in a user's repository: (good files, bad files)."""
    good: list[str] = []
    bad: list[str] = []
    for tool, names in [*GOOD.items(), *BAD.items()]:
        for name in names:
            dest = tmp / ("good" if name.startswith("valid/") else "bad") / Path(name).name
            dest.parent.mkdir(exist_ok=True)
            shutil.copy(DATA / tool / name, dest)
            (good if name.startswith("valid/") else bad).append(str(dest.relative_to(tmp)))
    # local files sit next to the Butane config that embeds them
    shutil.copytree(DATA / "butane" / "files", tmp / "good", dirs_exist_ok=True)
    shutil.copy(ROOT / "examples" / "example.ign", tmp / "good" / "example.ign")
    shutil.copy(ROOT / "examples" / "broken.ign", tmp / "bad" / "broken.ign")
    good.append("good/example.ign")
    bad.append("bad/broken.ign")
    return good, bad


def run_hook(hook: dict[str, Any], files: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    matching = [f for f in files if re.search(hook["files"], f)]
    assert matching, hook["id"]
    argv = [*shlex.split(hook["entry"]), *hook.get("args", []), *matching]
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_hooks_are_the_documented_ones() -> None:
    found = hooks()
    assert set(found) == {"butane", "ignition-validate", "ct"}
    for hook in found.values():
        assert hook["language"] == "python"  # pre-commit installs this package for them
    assert re.search(found["butane"]["files"], "machines/node.bu")
    assert not re.search(found["butane"]["files"], "node.bu.txt")
    assert re.search(found["ignition-validate"]["files"], "out/node.ign")
    assert re.search(found["ct"]["files"], "flatcar/node.clc")


@pytest.mark.parametrize("hook_id", ["butane", "ignition-validate", "ct"])
def test_hook_passes_good_files(hook_id: str, tmp_path: Path) -> None:
    good, _ = workspace(tmp_path)
    done = run_hook(hooks()[hook_id], good, tmp_path)
    assert (done.returncode, done.stderr) == (0, "")


@pytest.mark.parametrize("hook_id", ["butane", "ignition-validate", "ct"])
def test_hook_fails_and_names_every_bad_file(hook_id: str, tmp_path: Path) -> None:
    good, bad = workspace(tmp_path)
    hook = hooks()[hook_id]
    done = run_hook(hook, good + bad, tmp_path)
    assert done.returncode == 1
    failed = re.findall(rf"^{re.escape(hook_id)}: (\S+): failed$", done.stderr, re.M)
    assert failed == [f for f in good + bad if re.search(hook["files"], f) and f in bad]


def test_hook_args_reach_the_tool(tmp_path: Path) -> None:
    workspace(tmp_path)
    assert run_hook(hooks()["butane"], ["good/fcos-local-files.bu"], tmp_path).returncode == 0
    hook = {**hooks()["butane"], "args": ["--files-dir=/nonexistent"]}
    done = run_hook(hook, ["good/fcos-local-files.bu"], tmp_path)
    assert done.returncode == 1  # the local files are no longer found
    assert "good/fcos-local-files.bu: failed" in done.stderr


_OFFLINE = (
    "No matching distribution found",
    "Could not find a version that satisfies",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
)


@pytest.mark.slow
def test_pre_commit_try_repo(tmp_path: Path) -> None:
    if os.environ.get("PYIGNITION_NETWORK_TESTS") != "1":
        reason = "needs the package index: set PYIGNITION_NETWORK_TESTS=1 to run it"
        print(reason)
        pytest.skip(reason)
    pre_commit = shutil.which("pre-commit", path=str(BIN))
    if pre_commit is None:
        pytest.skip("pre-commit is not installed (it is in the dev extra)")
    repo = tmp_path / "repo"
    repo.mkdir()
    good, bad = workspace(repo)
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)

    def try_repo(files: list[str]) -> subprocess.CompletedProcess[str]:
        argv = [pre_commit, "try-repo", str(ROOT), "--files", *files]
        return subprocess.run(
            argv, cwd=repo, env=env, capture_output=True, text=True, check=False, timeout=1200
        )

    done = try_repo(good)
    if done.returncode != 0 and any(s in done.stdout + done.stderr for s in _OFFLINE):
        reason = "pre-commit could not install the hook environment (no package index)"
        print(reason)
        pytest.skip(reason)
    assert done.returncode == 0, done.stdout
    assert len(re.findall(r"\.+Passed$", done.stdout, re.M)) == 3
    done = try_repo(good + bad)
    assert done.returncode == 1
    assert len(re.findall(r"\.+Failed$", done.stdout, re.M)) == 3
    for name in bad:
        assert f": {name}: failed" in done.stdout
