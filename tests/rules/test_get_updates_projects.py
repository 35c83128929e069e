"""The cases of get-updates that span several modules of a project: each folder
fixtures/get-updates/<case>/ is a project, and each of its modules is run through the rule on its
own, as a run over the folder does (the run holding every module of the case), with the files beside it saying what it must give (fixture_files.py: no
NAME.expected.py where the module comes out unchanged, NAME.findings for what is reported).
`pytest --update-fixtures` rewrites those files."""

from __future__ import annotations

from pathlib import Path

import pytest

import fixture_files
from conftest import REPO
from fixture_files import EXPECTED, Outcome
from optfix.engine.journey import process_file
from optfix.engine.registry import rules_by_id
from optfix.findings import Kind
from optfix.output.report import format_finding
from optfix.rulekit.rule import FixOptions
from optfix.rulekit.run_files import RunFiles

CASES = sorted(path for path in (REPO / "fixtures" / "get-updates").iterdir() if path.is_dir())
MODULES = [path for case in CASES for path in sorted(case.rglob("*.py")) if not path.name.endswith(fixture_files.OUTPUT_SUFFIXES)]


def _shown(path: Path) -> str:
    return path.relative_to(REPO / "fixtures" / "get-updates").as_posix()


def _copied(case: Path, folder: Path) -> list[Path]:
    """The case's modules copied under `folder`, without the files that say what they give:
    the rule reads the other modules of the project, and only those are."""
    copies = []
    for module in (m for m in MODULES if m.is_relative_to(case)):
        copy = folder / module.relative_to(case)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(module.read_bytes())
        copies.append(copy)
    return copies


@pytest.mark.parametrize("path", MODULES, ids=_shown)
def test_module_of_a_project(path: Path, update_fixtures: list[Path] | None, tmp_path: Path) -> None:
    case = next(case for case in CASES if path.is_relative_to(case))
    copies = _copied(case, tmp_path)
    result = process_file(tmp_path / path.relative_to(case), [rules_by_id()["get-updates"]], FixOptions(run=RunFiles.of(copies)))
    assert not result.failed, [f.message for f in result.findings]
    output = result.updated if result.changed else path.read_bytes()
    printed = tuple(format_finding(path.name, f) for f in result.findings if f.kind is not Kind.CHANGE)
    if update_fixtures is not None:
        update_fixtures.extend(fixture_files.write(path, Outcome(output, output, printed)))
    expected = fixture_files.expected(path)
    assert output.decode() == expected.fixed.decode()
    assert printed == expected.findings


def test_every_case_has_modules_that_change_and_modules_that_are_reported() -> None:
    assert any(fixture_files.sibling(p, EXPECTED).exists() for p in MODULES)
    assert any(fixture_files.sibling(p, fixture_files.FINDINGS).exists() for p in MODULES)
    assert all(any(p.is_relative_to(case) for p in MODULES) for case in CASES)
