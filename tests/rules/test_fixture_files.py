"""fixture_files.write, which `pytest --update-fixtures` calls, on a copy of a fixture folder:
written from what the files already state, it changes nothing; after the files were changed by
hand, it puts back exactly the files that state the outcome, deleting those no longer needed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import REPO
from fixture_files import Outcome, expected, inputs, redundant, write

FOLDER = REPO / "fixtures" / "tfa-optimizer"  # has every kind of file: expected, unsafe, findings


def _contents(root: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(root.iterdir())}


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(FOLDER, tmp_path / FOLDER.name)
    return tmp_path / FOLDER.name


def test_the_copied_folder_has_every_kind_of_file(copy) -> None:
    names = set(_contents(copy))
    assert {"adamw.expected.py", "others.findings", "unsafe.unsafe.expected.py", "local_bindings.py"} <= names
    assert "unsafe.expected.py" not in names and "local_bindings.expected.py" not in names


def test_writing_what_the_files_state_changes_nothing(copy) -> None:
    before = _contents(copy)
    assert [changed for path in inputs(copy.parent) for changed in write(path, expected(path))] == []
    assert _contents(copy) == before


def test_writing_puts_back_the_files_edited_deleted_and_added_by_hand(copy) -> None:
    before = _contents(copy)
    outcomes = {path: expected(path) for path in inputs(copy.parent)}
    (copy / "adamw.expected.py").write_text("opt = None\n")  # a wrong rewrite
    (copy / "others.findings").unlink()  # findings lost
    (copy / "import_styles.findings").write_text("import_styles.py:1:1: tfa-optimizer invented\n")
    (copy / "unsafe.unsafe.expected.py").unlink()  # the unsafe rewrite lost
    (copy / "local_bindings.expected.py").write_bytes((copy / "local_bindings.py").read_bytes() + b"x = 1\n")
    (copy / "sgdw.unsafe.expected.py").write_bytes((copy / "sgdw.expected.py").read_bytes())  # says nothing new

    changed = [path.name for path, outcome in outcomes.items() for path in write(path, outcome)]

    assert sorted(changed) == sorted([
        "adamw.expected.py", "others.findings", "import_styles.findings", "unsafe.unsafe.expected.py",
        "local_bindings.expected.py", "sgdw.unsafe.expected.py",
    ])
    assert _contents(copy) == before


def test_an_outcome_the_input_already_is_leaves_no_file(copy) -> None:
    path = copy / "adamw.py"
    data = path.read_bytes()
    written = write(path, Outcome(fixed=data, fixed_unsafe=data, findings=()))
    assert [p.name for p in written] == ["adamw.expected.py"]
    assert not any(p.name.startswith("adamw.") and p != path for p in copy.iterdir())
    assert expected(path) == Outcome(data, data, ())


def test_files_that_state_what_their_absence_would_are_named(copy) -> None:
    path = copy / "sgdw.py"
    assert redundant(path) == []
    (copy / "sgdw.expected.py").write_bytes(path.read_bytes())
    (copy / "sgdw.unsafe.expected.py").write_bytes(path.read_bytes())
    (copy / "sgdw.findings").write_bytes(b"")
    assert redundant(path) == [
        "sgdw.expected.py equals its input: delete it to declare a no-op case",
        "sgdw.unsafe.expected.py equals the default output: delete it",
        "sgdw.findings is empty: delete it",
    ]
