"""examples/github-actions/optfix-upgrade.yml, run locally: its shell steps (all but the one that
pip-installs optfix, which the test's environment already has) run in order in a temporary git
repository with a bare `origin`, with GitHub's bash flags and the job's environment, and a stub
`gh` on PATH in place of GitHub's CLI that records its arguments and the body file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

import fixture_tree
from conftest import OPTFIX, REPO

WORKFLOW = REPO / "examples" / "github-actions" / "optfix-upgrade.yml"
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
STUB_GH = """#!/bin/sh
printf '%s\\n' "$@" > "$GH_RECORD/args"
previous=
for argument in "$@"; do
    if [ "$previous" = --body-file ]; then cp "$argument" "$GH_RECORD/body" || exit 1; fi
    previous=$argument
done
"""


# What GitHub's runner sets for every job (GITHUB_SHA: the commit the workflow runs on).
RUNNER = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "someone/project", "GITHUB_SHA": "0123abc"}


def git(*args: str, cwd: Path) -> str:
    env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def repository(tmp_path: Path, build) -> Path:
    origin, work = tmp_path / "origin.git", tmp_path / "work"
    git("init", "-q", "--bare", "-b", "main", str(origin), cwd=tmp_path)
    work.mkdir()
    build(work)
    git("init", "-q", "-b", "main", cwd=work)
    git("remote", "add", "origin", str(origin), cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "legacy code", cwd=work)
    git("push", "-q", "origin", "main", cwd=work)
    return work


def run_workflow(tmp_path: Path, work: Path) -> Path:
    """Run the job's shell steps in `work`; returns the folder the stub gh records into."""
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert "workflow_dispatch" in workflow[True]  # YAML 1.1 reads the key `on` as True
    [job] = workflow["jobs"].values()
    assert job["defaults"]["run"]["shell"] == "bash"
    stubs, record, runner_temp = tmp_path / "stubs", tmp_path / "gh-record", tmp_path / "runner-temp"
    for folder in (stubs, record, runner_temp):
        folder.mkdir()
    (stubs / "gh").write_text(STUB_GH)
    (stubs / "gh").chmod(0o755)
    # The values GitHub would give the job's ${{ }} expressions.
    values = {"PATHS": ".", "BASE": "main", "BRANCH": "optfix/keras3-1", "SUMMARY": str(runner_temp / "optfix-summary.md"), "GH_TOKEN": "unused"}
    assert set(job["env"]) == set(values)
    env = {**os.environ, **GIT_ENV, **values, **RUNNER, "GH_RECORD": str(record), "NO_COLOR": "1",
           "PATH": os.pathsep.join([str(stubs), str(Path(sys.executable).parent), os.environ["PATH"]])}
    steps = [step for step in job["steps"] if "run" in step]
    assert steps[0]["run"].startswith('python -m pip install "git+https://github.com/')  # not on a package index
    for step in steps[1:]:
        script = tmp_path / "step.sh"
        script.write_text(step["run"])
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=work, env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0, (step["name"], done.stdout, done.stderr)
    return record


def test_workflow_commits_the_fixes_on_a_branch_and_opens_a_pr_with_the_summary(tmp_path):
    files = fixture_tree.project()
    work = repository(tmp_path, fixture_tree.build)
    record = run_workflow(tmp_path, work)

    assert git("branch", "--show-current", cwd=work).strip() == "optfix/keras3-1"
    pushed = git("ls-remote", "--heads", "origin", cwd=work)
    assert "refs/heads/optfix/keras3-1" in pushed
    assert git("status", "--porcelain", cwd=work) == ""
    committed = set(git("diff", "--name-only", "main", "HEAD", cwd=work).splitlines())
    assert committed == {path for path, e in files.items() if e.fixed != e.original}
    assert fixture_tree.on_disk(work, files) == {path: e.fixed for path, e in files.items()}

    args = (record / "args").read_text().splitlines()
    assert args[:2] == ["pr", "create"]
    assert args[args.index("--base") + 1] == "main" and args[args.index("--head") + 1] == "optfix/keras3-1"
    # The body is the summary of this run: the same as optfix writes for a fresh copy of the project.
    fresh = tmp_path / "fresh"
    fixture_tree.build(fresh)
    (fresh / ".git").mkdir()  # the links' paths are from the repository's root
    subprocess.run([str(OPTFIX), "fix", "--summary", "expected.md", "--summary-ref", "optfix/keras3-1", "."], cwd=fresh,
                   env={**os.environ, **RUNNER}, capture_output=True, check=False)
    body = (record / "body").read_text()
    assert body == (fresh / "expected.md").read_text()
    # Each change links to its line in the pushed branch, where the fixed file is.
    for path in committed:
        assert f"](https://github.com/someone/project/blob/optfix/keras3-1/{path}" in body


def test_workflow_opens_no_pr_when_nothing_changes(tmp_path):
    def clean(root: Path) -> None:
        (root / "left_alone.py").write_bytes((fixture_tree.KERAS2 / "left_alone.py").read_bytes())

    work = repository(tmp_path, clean)
    record = run_workflow(tmp_path, work)
    assert not (record / "args").exists()
    assert git("ls-remote", "--heads", "origin", cwd=work).count("refs/heads/") == 1
