"""optfix/knowledge/training_kernels.py agrees with itself, without TensorFlow: each kernel's
statements parse, read only its arguments, their own temporaries (bound before they are read),
`self` and `ops`, and update every variable the kernel updates (with the flag off and on); each
sparse kernel names a dense one. tests/equivalence/test_training_kernels.py runs them."""

from __future__ import annotations

import ast

import pytest

from optfix.knowledge.training_kernels import KERNELS, MODULES, SPARSE, kernel_named

_UPDATES = {"assign", "assign_add", "assign_sub"}
_CASES = [(row, flag) for row in KERNELS.values() for flag in row.update]


@pytest.mark.parametrize(("row", "flag"), _CASES, ids=[f"{row.name}-{flag}" for row, flag in _CASES])
def test_the_statements_read_only_what_the_kernel_is_given(row, flag) -> None:
    bound: set[str] = set()
    for text in row.update[flag]:
        [statement] = ast.parse(text).body
        read = {n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        assert read <= set(row.arguments) | bound | {"self", "ops"}, (row.name, text)
        if isinstance(statement, ast.Assign):
            [target] = statement.targets
            assert isinstance(target, ast.Name) and target.id not in row.arguments, (row.name, text)
            bound.add(target.id)
        else:
            call = statement.value
            assert isinstance(call.func, ast.Attribute) and call.func.attr in _UPDATES and call.func.value.id == "self", text
            assert call.args[0].id in row.variables, (row.name, text)


@pytest.mark.parametrize("row", KERNELS.values(), ids=lambda row: row.name)
def test_the_statements_update_every_variable_the_kernel_updates(row) -> None:
    for flag, statements in row.update.items():
        updated = [ast.parse(text).body[0].value.args[0].id for text in statements if not isinstance(ast.parse(text).body[0], ast.Assign)]
        skipped = {"accum"} if row.flag == "update_slots" and flag is False else set()
        assert set(updated) == set(row.variables) - skipped, (row.name, flag)
        assert "var" in updated
    assert row.variables[0] == "var" and set(row.variables) <= set(row.arguments)
    assert (row.flag is None) == (set(row.update) == {None})


@pytest.mark.parametrize("row", SPARSE.values(), ids=lambda row: row.name)
def test_a_sparse_kernel_names_its_dense_kernel_and_why_it_differs(row) -> None:
    assert row.dense in KERNELS
    assert row.rows_stay != bool(row.why)


def test_kernels_are_found_by_op_and_by_wrapper_in_tensorflows_modules_only() -> None:
    for module in MODULES:
        assert kernel_named(f"{module}.ResourceApplyAdam") is KERNELS["ResourceApplyAdam"]
        assert kernel_named(f"{module}.resource_sparse_apply_adagrad_v2") is SPARSE["ResourceSparseApplyAdagradV2"]
    assert kernel_named("mylib.ResourceApplyAdam") is None
    assert kernel_named("tensorflow.raw_ops.ResourceApplyAdagradDA") is None
