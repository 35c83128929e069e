"""A Keras 2 optimizer whose base class (holding __init__ and the decayed rate) is in another module
of the project: get-updates leaves both files as they are and says why at the subclass, naming the
base class's module; a base class it cannot resolve at all keeps the general finding."""

from __future__ import annotations

from pathlib import Path

from optfix.engine.journey import process_file
from optfix.engine.registry import rules_by_id

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "get-updates" / "hierarchy.py"


def _split(folder: Path) -> Path:
    """hierarchy's base class in pkg/base.py, its subclass in pkg/momentum.py, importing it."""
    head, child = FIXTURE.read_text().split("class DecayedMomentum")
    (folder / "pkg").mkdir()
    (folder / "pkg" / "__init__.py").write_text("")
    (folder / "pkg" / "base.py").write_text(head)
    subclass = folder / "pkg" / "momentum.py"
    subclass.write_text("from keras import backend as K\n\nfrom pkg.base import _DecayingBase\n\n\nclass DecayedMomentum" + child)
    return subclass


def test_a_base_class_in_another_module_of_the_project_is_named_in_the_finding(tmp_path) -> None:
    result = process_file(_split(tmp_path), [rules_by_id()["get-updates"]])
    assert not result.changed
    [finding] = [f for f in result.findings if f.rule == "get-updates"]
    assert "DecayedMomentum not migrated" in finding.message and "pkg.base._DecayingBase" in finding.message
    assert "one file" in finding.message


def test_an_unresolved_base_class_keeps_the_general_finding(tmp_path) -> None:
    subclass = _split(tmp_path)
    subclass.write_text(subclass.read_text().replace("from pkg.base import _DecayingBase\n", "_DecayingBase = make_base()\n"))
    result = process_file(subclass, [rules_by_id()["get-updates"]])
    [finding] = [f for f in result.findings if f.rule == "get-updates"]
    assert "is not one optfix can resolve" in finding.message
