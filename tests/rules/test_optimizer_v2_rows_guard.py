"""A class optimizer-v2 migrates runs without TensorFlow where only its branch for an embedding's
rows (`if isinstance(gradient, tf.IndexedSlices):`, a gradient Keras 3 gives on the TensorFlow
backend only) reads it: that branch goes under `if keras.backend.backend() == "tensorflow":`,
which imports TensorFlow there. Read from every migrated fixture's source, without running it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import REPO

MIGRATED = sorted(p for p in (REPO / "fixtures" / "optimizer-v2").glob("*.expected.py"))


def _is_guard(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return isinstance(test, ast.Compare) and ast.unparse(test.left).endswith("backend.backend()") \
        and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value == "tensorflow"


def _rows_tests(tree: ast.Module) -> list[tuple[ast.If, bool]]:
    """update_step's `if isinstance(<gradient>, <tf>.IndexedSlices):` tests, each with whether a
    backend guard holds it."""
    found = []
    for step in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "update_step"):
        gradient = step.args.args[1].arg
        guarded = {id(inner) for guard in ast.walk(step) if _is_guard(guard) for inner in ast.walk(guard)}
        for node in ast.walk(step):
            if isinstance(node, ast.If) and ast.unparse(node.test).startswith(f"isinstance({gradient}, ") \
                    and ast.unparse(node.test).endswith(".IndexedSlices)"):
                found.append((node, id(node) in guarded))
    return found


def _reads_tensorflow_elsewhere(tree: ast.Module, tests: list[ast.If]) -> bool:
    """The module reads its TensorFlow name outside these tests and their branches."""
    names = {alias.asname or alias.name for node in tree.body if isinstance(node, ast.Import)
             for alias in node.names if alias.name.split(".")[0] == "tensorflow"}
    inside = {id(n) for test in tests for n in ast.walk(test)}
    return any(isinstance(n, ast.Name) and n.id in names and id(n) not in inside for n in ast.walk(tree))


@pytest.mark.parametrize("path", [p for p in MIGRATED if _rows_tests(ast.parse(p.read_text()))], ids=lambda p: p.name)
def test_a_branch_for_an_embeddings_rows_imports_tensorflow_only_where_it_runs(path: Path) -> None:
    tree = ast.parse(path.read_text())
    tests = _rows_tests(tree)
    unguarded = [test for test, guarded in tests if not guarded]
    if unguarded:  # left as it was only where the module needs TensorFlow anyway
        assert _reads_tensorflow_elsewhere(tree, [t for t, _ in tests]), f"line {unguarded[0].lineno}: not under the backend guard"
    elif not _reads_tensorflow_elsewhere(tree, [t for t, _ in tests]):
        assert not any(isinstance(n, ast.Import) and any(a.name.split(".")[0] == "tensorflow" for a in n.names) for n in tree.body), \
            "TensorFlow imported by the module though only the guarded branches read it"


def test_the_built_in_subclasses_rows_are_guarded() -> None:
    """The branch that hands an embedding's rows to a built-in's update (Adam's subclasses)."""
    tree = ast.parse((REPO / "fixtures" / "optimizer-v2" / "built_in_subclass.expected.py").read_text())
    assert [guarded for _, guarded in _rows_tests(tree)] == [True]
