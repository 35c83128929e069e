from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OPTFIX = Path(sys.executable).with_name("optfix")
GITHUB_LINK_VARIABLES = ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA", "GITHUB_WORKSPACE")


def run_optfix(*args: str, cwd: Path, input: bytes | None = None) -> subprocess.CompletedProcess:
    """Run the real console script, as a user would, with colours and progress off by default."""
    env = {**os.environ, "NO_COLOR": "1"}
    for name in GITHUB_LINK_VARIABLES:  # set on GitHub's runners: the summary's links would depend on them
        env.pop(name, None)
    return subprocess.run([str(OPTFIX), *args], cwd=cwd, capture_output=True, input=input, env=env, timeout=300)


def require(module: str):
    """Import a heavy optional dependency: CI installs it, so there it must be present."""
    if os.environ.get("CI"):
        return __import__(module)
    return pytest.importorskip(module)


@pytest.fixture
def optfix():
    return run_optfix
