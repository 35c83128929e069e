"""`optfix fix` writes no file before every file of the run is processed: a rule may read the
other modules of the run (get-updates migrates a base class and its subclass of two modules
together, each module working from both), and must read them as they were. With one job the
base class's module comes first: written at once, its subclass's module would read the rewrite."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from optfix import cli

PROJECT = Path(__file__).resolve().parents[2] / "fixtures" / "get-updates" / "project_base" / "pkg"


def test_fix_migrates_both_modules_of_a_family_from_their_original_code(tmp_path, monkeypatch) -> None:
    (tmp_path / "pkg").mkdir()
    for name in ("__init__.py", "base.py", "momentum.py"):
        shutil.copy(PROJECT / name, tmp_path / "pkg" / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["optfix", "fix", "--jobs", "1", "--no-progress", "--color", "never", "."])
    with pytest.raises(SystemExit) as stop:
        cli.main()
    assert stop.value.code == 0
    for name in ("base", "momentum"):
        assert (tmp_path / "pkg" / f"{name}.py").read_text() == (PROJECT / f"{name}.expected.py").read_text(), name
