"""A class this rule migrated, recognised on a later run by the shape the migration writes, so
that what it may still do differently than its tf.keras 2 original is reported again (read by
the shared reading of migrated Keras 3 optimizers).

The shape: a Keras 3 optimizer class registered with `register_keras_serializable`, with no
tf.keras 2 optimizer API left, whose `update_step(self, gradient, variable, learning_rate)`
(parameters named as the legacy method named them) begins, after its docstring and the
densifying of a sparse gradient (under a guard of the backend, which imports TensorFlow), with the variable's dtype taken as OptimizerV2 code took it
(`var_dtype = variable.dtype`, from `var.dtype.base_dtype`). Keras 3 optimizers written as such
begin otherwise (`lr = ops.cast(learning_rate, variable.dtype)`), and are left alone."""

from __future__ import annotations

from optfix.analysis.tree import code
from optfix.codemods.optimizer_v2.rows_guard import is_guard, is_rows_test
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import assignment_of, flat, is_docstring


def migrated_shape(node: cst.ClassDef) -> bool:
    step = next((s for s in node.body.body if isinstance(s, cst.FunctionDef) and s.name.value == "update_step"), None)
    if step is None or not isinstance(step.body, cst.IndentedBlock):
        return False
    params = [p.name.value for p in step.params.params]
    if len(params) != 4 or params[0] != "self":
        return False
    if not any("register_keras_serializable" in code(d.decorator) for d in node.decorators):
        return False
    gradient, variable = params[1], params[2]
    for statement in step.body.body:
        if is_docstring(statement) or _densifies(statement, gradient):
            continue
        assignment = assignment_of(statement)
        return assignment is not None and isinstance(assignment[0], cst.Name) and flat(assignment[1]) == f"{variable}.dtype"
    return False


def _densifies(statement: cst.BaseStatement, gradient: str) -> bool:
    """`if isinstance(gradient, tf.IndexedSlices): ...`, the opening the migration writes for sparse
    gradients, or the same under `if keras.backend.backend() == "tensorflow":`."""
    return is_rows_test(statement, gradient) or is_guard(statement, gradient)
