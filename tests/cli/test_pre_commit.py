"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit (`pre-commit try-repo`), which
installs optfix from this repository into a virtualenv of its own, against a scratch repository.

try-repo builds that virtualenv afresh on each call (about 7 s with pip on a local mirror), so
the module makes three calls in all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from conftest import REPO
from test_cli import CLEAN, FIXABLE, FIXED, GIT_ENV, write_tree

IDENTITY = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}


@pytest.fixture
def pre_commit_home(tmp_path_factory) -> Path:
    """pre-commit's own folder, kept out of the user's ~/.cache."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(tmp_path) -> Path:
    write_tree(tmp_path, {"legacy.py": FIXABLE, "clean.py": CLEAN, "untouched.py": FIXABLE, "vendor/lib.py": FIXABLE,
                          "pyproject.toml": "[tool.optfix]\nexclude = ['vendor/']\n"})
    nbformat.write(new_notebook(cells=[new_code_cell(FIXABLE.rstrip("\n"))]), str(tmp_path / "train.ipynb"))
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, env=GIT_ENV)
    subprocess.run(["git", "add", "."], cwd=tmp_path, check=True, env=GIT_ENV)
    return tmp_path


def try_repo(hook: str, files: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess:
    env = {**GIT_ENV, **IDENTITY, "PRE_COMMIT_HOME": str(home)}
    env.pop("PRE_COMMIT", None)
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), hook, "--color", "never", "--files", *files]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_the_fixing_hook_fixes_the_files_given_and_fails_the_commit(project, pre_commit_home):
    result = try_repo("optfix", ["legacy.py", "clean.py", "vendor/lib.py", "train.ipynb"], project, pre_commit_home)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "files were modified by this hook" in result.stdout
    assert (project / "legacy.py").read_text() == FIXED
    assert (project / "clean.py").read_text() == CLEAN
    assert nbformat.read(str(project / "train.ipynb"), as_version=4).cells[0].source == FIXED.rstrip("\n"), "notebooks too"
    assert (project / "untouched.py").read_text() == FIXABLE, "only the files pre-commit passes are processed"
    assert (project / "vendor/lib.py").read_text() == FIXABLE, "the configured exclude applies to the files passed"
    again = try_repo("optfix-check", ["legacy.py", "clean.py"], project, pre_commit_home)
    assert again.returncode == 0, again.stdout + again.stderr


def test_the_check_hook_fails_on_legacy_code_and_changes_nothing(project, pre_commit_home):
    result = try_repo("optfix-check", ["legacy.py", "clean.py"], project, pre_commit_home)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "files were modified" not in result.stdout
    assert "would be changed" in result.stdout  # optfix's summary is shown
    assert (project / "legacy.py").read_text() == FIXABLE
