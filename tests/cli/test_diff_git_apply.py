"""optfix.output.diff.unified_diff works on bytes: `git apply` of its output must turn old into new exactly."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from optfix.output.diff import NO_NEWLINE, unified_diff

PATH = "pkg/model.py"
GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def git_apply(patch: bytes, old: bytes, repo: Path, path: str = PATH) -> bytes:
    """Write `old` at `path` in a fresh git repository, `git apply` the patch, return the file's bytes."""
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=GIT_ENV)
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(old)
    applied = subprocess.run(["git", "apply", "-"], cwd=repo, input=patch, capture_output=True, env=GIT_ENV)
    assert applied.returncode == 0, applied.stderr.decode(errors="replace")
    return target.read_bytes()


# (id, old, new, how many "\ No newline at end of file" markers the patch needs)
CASES = [
    ("lf", b"import os\nx = 'sdg'\ny = 1\n", b"import os\nx = 'sgd'\ny = 1\n", 0),
    ("crlf", b"import os\r\nx = 'sdg'\r\ny = 1\r\n", b"import os\r\nx = 'sgd'\r\ny = 1\r\n", 0),
    ("crlf-last-line-changed", b"import os\r\nx = 'sdg'\r\n", b"import os\r\nx = 'sgd'\r\n", 0),
    ("no-newline-old-side", b"import os\nx = 'sdg'", b"import os\nx = 'sgd'\n", 1),
    ("no-newline-new-side", b"import os\nx = 'sdg'\n", b"import os\nx = 'sgd'", 1),
    ("no-newline-both-sides", b"import os\nx = 'sdg'", b"import os\nx = 'sgd'", 2),
    ("no-newline-crlf", b"import os\r\nx = 'sdg'", b"import os\r\nx = 'sgd'", 2),
    ("no-newline-unchanged-last-line", b"x = 'sdg'\ny = 1", b"x = 'sgd'\ny = 1", 1),
    ("latin-1", b"# -*- coding: latin-1 -*-\n# caf\xe9\nx = 'sdg'  # d\xe9j\xe0\n",
     b"# -*- coding: latin-1 -*-\n# caf\xe9\nx = 'sgd'  # d\xe9j\xe0\n", 0),
    ("cr-only", b"import os\rx = 'sdg'\ry = 1\r", b"import os\rx = 'sgd'\ry = 1\r", 2),
    ("two-hunks", b"x = 'sdg'\n" + b"pass\n" * 20 + b"y = 'sdg'\n",
     b"x = 'sgd'\n" + b"pass\n" * 20 + b"y = 'sgd'\n", 0),
    ("from-empty", b"", b"x = 'sgd'\n", 0),
]


@pytest.mark.parametrize("old, new, markers", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_git_apply_turns_old_into_new(tmp_path, old, new, markers):
    patch = unified_diff(old, new, PATH)
    assert patch.startswith(f"--- a/{PATH}\n+++ b/{PATH}\n".encode())
    assert patch.count(NO_NEWLINE) == markers
    assert git_apply(patch, old, tmp_path) == new


@pytest.mark.parametrize("path", ["caf\u00e9.py", "my models/train.py"])
def test_unusual_paths_in_headers_still_apply(tmp_path, path):
    old, new = b"x = 'sdg'\n", b"x = 'sgd'\n"
    patch = unified_diff(old, new, path)
    assert patch.startswith(f"--- a/{path}\n+++ b/{path}\n".encode())
    assert git_apply(patch, old, tmp_path, path) == new
