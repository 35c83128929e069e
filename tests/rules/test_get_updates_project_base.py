"""A Keras 2 optimizer whose base class (holding __init__ and the decayed rate) is in another module
of the project: get-updates migrates both modules where one run holds both, each into what the
same classes give in one file; where the run does not hold both (or the rule does not run on one),
it leaves both as they are and says why at the subclass, naming the base class's module. A base
class it cannot resolve at all keeps the general finding."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from optfix.engine.journey import process_file
from optfix.engine.registry import rules_by_id
from optfix.findings import FileResult
from optfix.rulekit.rule import FixOptions
from optfix.rulekit.run_files import RunFiles

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "get-updates"
FIXTURE = FIXTURES / "hierarchy.py"


def _split(folder: Path) -> tuple[Path, Path]:
    """hierarchy's base class in pkg/base.py, its subclass in pkg/momentum.py, importing it."""
    head, child = FIXTURE.read_text().split("class DecayedMomentum")
    (folder / "pkg").mkdir()
    (folder / "pkg" / "__init__.py").write_text("")
    base = folder / "pkg" / "base.py"
    base.write_text(head)
    subclass = folder / "pkg" / "momentum.py"
    subclass.write_text("from keras import backend as K\n\nfrom pkg.base import _DecayingBase\n\n\nclass DecayedMomentum" + child)
    return base, subclass


def _fixed(path: Path, run: RunFiles | None) -> FileResult:
    return process_file(path, [rules_by_id()["get-updates"]], FixOptions(run=run))


def _classes(text: str) -> dict[str, str]:
    return {node.name: ast.unparse(node) for node in ast.parse(text).body if isinstance(node, ast.ClassDef)}


def test_both_modules_in_one_run_migrate_as_the_classes_of_one_file_do(tmp_path) -> None:
    base, subclass = _split(tmp_path)
    run = RunFiles.of([base, subclass, tmp_path / "pkg" / "__init__.py"])
    fixed = [_fixed(base, run), _fixed(subclass, run)]
    assert all(result.changed for result in fixed), [f.message for result in fixed for f in result.findings]
    migrated = _classes(fixed[0].updated.decode()) | _classes(fixed[1].updated.decode())
    assert migrated == _classes((FIXTURES / "hierarchy.expected.py").read_text())
    assert "from keras import ops" not in fixed[0].updated.decode(), "the base class's module reads no ops"


def _without_base(base: Path, subclass: Path) -> RunFiles:
    return RunFiles.of([subclass])


def _base_ignoring_the_rule(base: Path, subclass: Path) -> RunFiles:
    return RunFiles.of([base, subclass], lambda path: ("get-updates",) if path == base else ())


def _base_ignoring_the_rule_in_a_comment(base: Path, subclass: Path) -> RunFiles:
    base.write_text("# optfix: ignore-file[get-updates]\n" + base.read_text())
    return RunFiles.of([base, subclass])


def _base_unreadable(base: Path, subclass: Path) -> RunFiles:
    base.write_bytes(base.read_bytes() + b"\n# \xff\n")
    return RunFiles.of([base, subclass])


def _no_run_known(base: Path, subclass: Path) -> None:
    return None


@pytest.mark.parametrize("run_of", [_without_base, _base_ignoring_the_rule, _base_ignoring_the_rule_in_a_comment, _base_unreadable, _no_run_known],
                         ids=lambda f: f.__name__.strip("_"))
def test_a_base_class_the_run_does_not_migrate_keeps_its_subclass_as_it_is(tmp_path, run_of) -> None:
    base, subclass = _split(tmp_path)
    run = run_of(base, subclass)
    result = _fixed(subclass, run)
    assert not result.changed
    [finding] = [f for f in result.findings if f.rule == "get-updates"]
    assert "DecayedMomentum not migrated" in finding.message and "pkg.base._DecayingBase" in finding.message
    assert "pkg/base.py" in finding.message and "one run" in finding.message
    assert not _fixed(base, run).changed


def test_a_subclass_the_run_does_not_migrate_keeps_its_base_class_as_it_is(tmp_path) -> None:
    base, subclass = _split(tmp_path)
    assert not _fixed(base, RunFiles.of([base])).changed


def test_a_subclass_that_cannot_be_migrated_keeps_the_base_class_of_the_other_module(tmp_path) -> None:
    base, subclass = _split(tmp_path)
    subclass.write_text(subclass.read_text().replace("return self.updates", "print(self.updates)\n        return self.updates"))
    run = RunFiles.of([base, subclass])
    child, parent = _fixed(subclass, run), _fixed(base, run)
    assert not child.changed and not parent.changed
    assert any("DecayedMomentum not migrated" in f.message for f in child.findings)
    [finding] = [f for f in parent.findings if f.rule == "get-updates"]
    assert "_DecayingBase not migrated" in finding.message and "DecayedMomentum (pkg/momentum.py)" in finding.message


def test_a_migrated_pair_read_again_is_left_as_it_is(tmp_path) -> None:
    base, subclass = _split(tmp_path)
    run = RunFiles.of([base, subclass])
    fixed = {path: _fixed(path, run).updated for path in (base, subclass)}
    for path, data in fixed.items():
        path.write_bytes(data)
    assert not any(_fixed(path, run).changed or _fixed(path, run).findings for path in fixed)


def test_an_unresolved_base_class_keeps_the_general_finding(tmp_path) -> None:
    base, subclass = _split(tmp_path)
    subclass.write_text(subclass.read_text().replace("from pkg.base import _DecayingBase\n", "_DecayingBase = make_base()\n"))
    result = _fixed(subclass, RunFiles.of([base, subclass]))
    [finding] = [f for f in result.findings if f.rule == "get-updates"]
    assert "is not one optfix can resolve" in finding.message


def test_a_class_deriving_from_the_subclass_keeps_the_family_as_it_is_and_the_finding_says_why(tmp_path) -> None:
    """optfix migrates a base class with the classes that derive from it directly, not theirs."""
    base, subclass = _split(tmp_path)
    grand = tmp_path / "pkg" / "faster.py"
    grand.write_text("from pkg.momentum import DecayedMomentum\n\n\nclass Faster(DecayedMomentum):\n    pass\n")
    run = RunFiles.of([base, subclass, grand])
    result = _fixed(subclass, run)
    assert not result.changed and not _fixed(base, run).changed
    [finding] = [f for f in result.findings if f.rule == "get-updates"]
    assert "DecayedMomentum not migrated" in finding.message and "Faster (pkg/faster.py:4) derives from DecayedMomentum" in finding.message
