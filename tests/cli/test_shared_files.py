"""`optfix fix` on files shared with others: hard links, files of another owner or group, and two
runs on one tree at once."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import OPTFIX, run_optfix

FIXABLE = b"model.compile(optimizer='Adgrad', loss='mse')\n"
FIXED = b"model.compile(optimizer='adagrad', loss='mse')\n"
USER, GROUP = 65534, 100  # nobody, and a group nobody is made a member of for the run


def test_a_hard_linked_file_is_fixed_for_every_name(tmp_path):
    (tmp_path / "a.py").write_bytes(FIXABLE)
    os.link(tmp_path / "a.py", tmp_path / "b.py")
    result = run_optfix("fix", "--no-progress", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert "1 file fixed (1 file checked)" in result.stderr.decode()  # one file, two names
    assert (tmp_path / "a.py").read_bytes() == (tmp_path / "b.py").read_bytes() == FIXED
    assert os.stat(tmp_path / "a.py").st_ino == os.stat(tmp_path / "b.py").st_ino
    assert sorted(os.listdir(tmp_path)) == ["a.py", "b.py"]  # no copy left beside it


@pytest.fixture
def shared_folder():
    """A folder that root owns and `GROUP` may write in, reachable by `USER`."""
    if os.geteuid() != 0:
        pytest.skip("needs root: to make files of another owner and group, and to run optfix as another user")
    folder = Path(tempfile.mkdtemp(prefix="optfix-shared-"))
    os.chmod(folder, 0o755)
    shared = folder / "project"
    shared.mkdir()
    os.chown(shared, 0, GROUP)
    os.chmod(shared, 0o775)
    yield shared
    shutil.rmtree(folder)


# `optfix fix` as `USER`, a member of `GROUP`, whose own group is another. The command is started
# as root and drops to the user once it has imported what it runs: the interpreter may live where
# no other user can reach it (a root-only pyenv).
RUN_AS_USER = f"""
import contextlib, importlib, os, pkgutil, shutil, sys, tempfile
import libcst, libcst.metadata
import optfix, optfix.codemods

modules = [*pkgutil.walk_packages(optfix.__path__, "optfix."), *pkgutil.walk_packages(optfix.codemods.__path__, "optfix.codemods.")]
for module in modules:
    if not module.name.startswith(("optfix.verify", "optfix.__main__")):
        importlib.import_module(module.name)
# A first run as root, on a copy, reads what the run imports as it goes (the rules' folder, typer's
# parser, libcst's native parser), which the user may not be able to read.
warm_up = tempfile.mkdtemp()
shutil.copy("model.py", warm_up)
sys.argv = ["optfix", "check", "--jobs", "1", "--no-progress", warm_up]
with contextlib.suppress(SystemExit):  # its findings go to stderr, with the run's
    optfix.cli.main()
shutil.rmtree(warm_up)
os.setgroups([{GROUP}])
os.setgid({USER})
os.setuid({USER})
sys.argv = ["optfix", "fix", "--jobs", "1", "--no-progress", "."]
optfix.cli.main()
"""


def fix_as_user(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", RUN_AS_USER], cwd=folder, capture_output=True, timeout=300,
                          env={**os.environ, "NO_COLOR": "1"})


def make(path: Path, owner: int, group: int, mode: int) -> os.stat_result:
    path.write_bytes(FIXABLE)
    os.chown(path, owner, group)
    os.chmod(path, mode)
    return os.stat(path)


def test_a_file_of_another_owner_keeps_its_owner_group_and_mode(shared_folder):
    """The user may write the file (through its group) but cannot give a new file its owner: the
    file is rewritten in place."""
    before = make(shared_folder / "model.py", 0, GROUP, 0o664)
    result = fix_as_user(shared_folder)
    assert result.returncode == 0, result.stderr.decode()
    after = os.stat(shared_folder / "model.py")
    assert (shared_folder / "model.py").read_bytes() == FIXED
    assert (after.st_uid, after.st_gid, stat.S_IMODE(after.st_mode)) == (0, GROUP, 0o664)
    assert after.st_ino == before.st_ino
    assert os.listdir(shared_folder) == ["model.py"]


def test_a_file_of_the_user_in_another_of_the_user_s_groups_keeps_that_group(shared_folder):
    make(shared_folder / "model.py", USER, GROUP, 0o640)
    result = fix_as_user(shared_folder)
    assert result.returncode == 0, result.stderr.decode()
    after = os.stat(shared_folder / "model.py")
    assert (shared_folder / "model.py").read_bytes() == FIXED
    assert (after.st_uid, after.st_gid, stat.S_IMODE(after.st_mode)) == (USER, GROUP, 0o640)


def test_two_runs_at_once_fix_each_file_once(tmp_path):
    count = 60
    for index in range(count):
        (tmp_path / f"m{index:02}.py").write_bytes(FIXABLE * 30)
    command = [str(OPTFIX), "fix", "--quiet", "--no-progress", "--jobs", "1", "."]
    env = {**os.environ, "NO_COLOR": "1"}
    runs = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
            for _ in range(2)]
    outputs = [run.communicate(timeout=300)[1].decode() for run in runs]
    fixed = [int(match[1]) if (match := re.search(r"(\d+) files? fixed", output)) else 0 for output in outputs]
    assert sum(fixed) == count, outputs  # each file written by one run, never by both
    for path in tmp_path.glob("*.py"):
        assert path.read_bytes() == FIXED * 30
    losers = [line for output in outputs for line in output.splitlines() if "write-error" in line]
    assert all("to this very fix (another optfix run?)" in line for line in losers), losers
