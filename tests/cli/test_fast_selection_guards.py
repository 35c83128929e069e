"""The guards of `pytest -m "not tf and not e2e"` (tests/conftest.py), on a copy of the conftest
with tests written here: in the fast selection a test that starts a process or imports
TensorFlow fails and says which marker it lacks; a test that carries the marker may; a test
module that imports TensorFlow when collected stops the run; an unknown marker is refused."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO

OFFENDERS = '''\
import subprocess

import pytest


def test_starts_a_process():
    subprocess.run(["true"])


def test_hides_that_it_started_a_process():
    try:
        subprocess.run(["true"])
    except Exception:
        pass


def test_imports_tensorflow():
    import tensorflow  # noqa: F401


@pytest.mark.e2e
def test_marked_e2e_starts_a_process():
    subprocess.run(["true"], check=True)


@pytest.mark.tf
def test_marked_tf_imports_tensorflow():
    import tensorflow  # noqa: F401


def test_does_neither():
    assert True
'''


def _project(root: Path, tests: dict[str, str]) -> Path:
    for name in ("pyproject.toml", "tests/conftest.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / name, root / name)
    fake = root / "site" / "tensorflow"  # what the guard looks for, without TensorFlow's import time
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    for name, text in tests.items():
        (root / "tests" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "tests" / name).write_text(text)
    return root


def _pytest(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(root / "site"), "COLUMNS": "400"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE", *args],
                          cwd=root, capture_output=True, text=True, env=env, timeout=300)


def test_the_fast_selection_fails_what_starts_a_process_or_imports_tensorflow(tmp_path) -> None:
    root = _project(tmp_path, {"unit/test_offenders.py": OFFENDERS})
    result = _pytest(root, "-m", "not tf and not e2e")
    assert result.returncode == 1, result.stdout
    summary = {line.split("::")[1].split(" ")[0]: line for line in result.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))}
    assert sorted(summary) == ["test_hides_that_it_started_a_process", "test_imports_tensorflow", "test_starts_a_process"]
    assert "mark it e2e, or move it to tests/cli/" in summary["test_starts_a_process"]
    assert "mark it e2e, or move it to tests/cli/: (['true'],)" in summary["test_hides_that_it_started_a_process"]
    assert "imported tensorflow: mark it tf, or move it to tests/equivalence/" in summary["test_imports_tensorflow"]
    # a test whose refusal was swallowed, or that imported TensorFlow, passes its call and errs after it
    assert {"1 failed", "3 passed", "2 errors", "2 deselected"} == set(result.stdout.splitlines()[-1].split(" in ")[0].split(", "))

    everything = _pytest(root, "-m", "tf or e2e")
    assert everything.returncode == 0, everything.stdout
    assert "2 passed, 4 deselected" in everything.stdout


def test_folders_mark_their_tests(tmp_path) -> None:
    uses = "import subprocess\n\n\ndef test_uses():\n    subprocess.run(['true'], check=True)\n    import tensorflow  # noqa: F401\n"
    root = _project(tmp_path, {"cli/test_process.py": uses.replace("    import tensorflow  # noqa: F401\n", ""),
                               "equivalence/test_library.py": uses.replace("    subprocess.run(['true'], check=True)\n", "")})
    assert "1 passed, 1 deselected" in _pytest(root, "-m", "e2e").stdout
    assert "1 passed, 1 deselected" in _pytest(root, "-m", "tf").stdout
    assert "2 deselected" in _pytest(root, "-m", "not tf and not e2e").stdout


def test_a_test_module_that_imports_tensorflow_stops_the_run(tmp_path) -> None:
    root = _project(tmp_path, {"equivalence/test_eager.py": "import tensorflow  # noqa: F401\n\n\ndef test_x():\n    pass\n"})
    result = _pytest(root, "-m", "not tf and not e2e")
    assert result.returncode == 4, result.stdout + result.stderr
    assert "importing the test modules imported tensorflow" in result.stderr


def test_an_unknown_marker_is_refused(tmp_path) -> None:
    root = _project(tmp_path, {"unit/test_marked.py": "import pytest\n\n\n@pytest.mark.tensorflow\ndef test_x():\n    pass\n"})
    result = _pytest(root)
    assert result.returncode != 0
    assert "'tensorflow' not found in `markers` configuration option" in result.stdout + result.stderr
