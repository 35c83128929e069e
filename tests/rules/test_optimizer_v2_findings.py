"""One word per class written against tf.keras 2's OptimizerV2 API, whichever rules run: a class
optimizer-v2 migrates gets no finding that it was not, and one it refuses gets exactly one finding
that says why (keras2-optimizer, which reported such classes before, leaves them to it)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import REPO
from optfix.engine.journey import process_bytes
from optfix.engine.registry import all_rules
from optfix.findings import Kind
from optfix.knowledge.keras import OPTIMIZER_V2_API

FIXTURES = sorted(
    [p for p in (REPO / "fixtures" / "optimizer-v2").glob("*.py") if not p.name.endswith(".expected.py")]
    + [REPO / "fixtures" / "keras2-optimizer" / "optimizer_v2_subclass.py"]
)
REFUSED = ("not migrated", "is written against")


def _optimizer_v2_classes(path: Path) -> list[str]:
    """Classes with a base class and only OptimizerV2 methods (defined, or called on self), but
    for the base classes of a get_updates optimizer of the file (Keras 2.2's API: get-updates')."""
    found = []
    tree = ast.parse(path.read_text())
    keras2_bases = {base.id for node in tree.body if isinstance(node, ast.ClassDef)
                    and any(isinstance(item, ast.FunctionDef) and item.name == "get_updates" for item in node.body)
                    for base in node.bases if isinstance(base, ast.Name)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef) or not node.bases or node.name in keras2_bases:
            continue
        defined = {item.name for item in node.body if isinstance(item, ast.FunctionDef)}
        called = {c.func.attr for c in ast.walk(node) if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute)
                  and isinstance(c.func.value, ast.Name) and c.func.value.id == "self"}
        if (defined | called) & OPTIMIZER_V2_API and not defined & {"update_step", "get_updates"}:
            found.append(node.name)
    return found


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_each_optimizer_v2_class_is_migrated_or_refused_once(path) -> None:
    result = process_bytes(path, path.read_bytes(), list(all_rules()))
    for name in _optimizer_v2_classes(path):
        migrated = any(f.kind is Kind.CHANGE and f.message.startswith(f"{name}: the tf.keras 2 optimizer API") for f in result.findings)
        refusals = [f for f in result.findings if f.kind is not Kind.CHANGE and f.message.startswith(f"{name} ")
                    and any(word in f.message for word in REFUSED)]
        if migrated:
            assert not refusals, (name, refusals)
        elif "tf_keras" not in path.read_text():  # a class kept on tf_keras on purpose gets no word
            assert len(refusals) == 1, (name, [f"{f.rule}: {f.message}" for f in refusals])
            assert refusals[0].rule == "optimizer-v2"


@pytest.mark.slow  # every fixture again
def test_some_classes_are_migrated_and_some_refused() -> None:
    """The test above covers both outcomes."""
    outcomes = set()
    for path in FIXTURES:
        result = process_bytes(path, path.read_bytes(), list(all_rules()))
        outcomes |= {f.kind is Kind.CHANGE for f in result.findings if f.rule == "optimizer-v2"}
    assert outcomes == {True, False}
