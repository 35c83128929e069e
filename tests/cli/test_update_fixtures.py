"""`pytest --update-fixtures`, the command, on a copy of the fixture harness and of one rule's
fixtures: the harness fails on fixture files edited by hand, the update puts back the files that
state what the rule gives and lists them, and the harness then passes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO

RULE = "tfa-optimizer"
HARNESS = ("pyproject.toml", "tests/conftest.py", "tests/rules/test_fixtures.py", "tests/rules/fixture_files.py")


def _pytest(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=root, capture_output=True, text=True, env=env, timeout=600)


def _contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_update_fixtures_rewrites_what_was_edited_by_hand(tmp_path) -> None:
    for name in HARNESS:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / name, tmp_path / name)
    folder = tmp_path / "fixtures" / RULE
    shutil.copytree(REPO / "fixtures" / RULE, folder)
    before = _contents(folder)
    (folder / "adamw.expected.py").write_text("opt = None\n")
    (folder / "others.findings").unlink()
    (folder / "local_bindings.expected.py").write_bytes((folder / "local_bindings.py").read_bytes() + b"x = 1\n")

    cases = len([path for path in folder.glob("*.py") if not path.name.endswith(".expected.py")])
    checked = _pytest(tmp_path, "tests/rules/test_fixtures.py::test_fixture")
    assert checked.returncode == 1, checked.stdout
    assert "3 failed" in checked.stdout, checked.stdout

    updated = _pytest(tmp_path, "--update-fixtures")
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert _contents(folder) == before
    listed = updated.stdout.split("fixtures updated", 1)[1].splitlines()
    assert sorted(line for line in listed if line.startswith("fixtures/")) == [
        f"fixtures/{RULE}/adamw.expected.py", f"fixtures/{RULE}/local_bindings.expected.py", f"fixtures/{RULE}/others.findings",
    ]
    assert f"{cases} passed" in updated.stdout
    assert "deselected" in updated.stdout  # the other tests of the harness do not run

    again = _pytest(tmp_path, "tests/rules/test_fixtures.py::test_fixture")
    assert again.returncode == 0, again.stdout
