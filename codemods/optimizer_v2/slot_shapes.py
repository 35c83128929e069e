"""Slots shaped otherwise than their variable, as Keras 3 variables.

OptimizerV2's `add_slot(var, "v", initializer, shape=S)` made a slot of shape S, and
`add_slot(var, "v", tf.zeros(shape=S, dtype=var.dtype))` one of the tensor's shape (a layer-wise
statistic is a scalar: NovoGrad); either way one per model variable, in the variable's dtype.
Keras 3's `add_variable(shape=S, initializer=..., dtype=var.dtype, name="v")` makes the same, and
`get_slot` reads it by the variable's index as for every other slot. The shape must not depend on
the variable (optfix cannot tell such a shape is fixed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import code
from optfix.codemods.optimizer_v2.expressions import argument, literal
from optfix.knowledge import optimizer_v2 as api
from optfix.lazy import libcst as cst
from optfix.rulekit.calls import constant

if TYPE_CHECKING:
    from optfix.codemods.optimizer_v2.slots import Build


def tensor_initializer(build: Build, node: cst.BaseExpression | None) -> str | None:
    """The Keras 3 initializer of a tensor made to be a slot's initial value (`tf.zeros(...)`)."""
    if not isinstance(node, cst.Call):
        return None
    return api.TENSOR_INITIALIZERS.get(build.migration.qualified(node.func) or "")


def scalar_constant(build: Build, node: cst.BaseExpression | None) -> str | None:
    """The Keras 3 initializer of `tf.constant(0.0)` given as a slot's initial value: a scalar
    slot (a statistic per variable), made in the variable's dtype as OptimizerV2 made it."""
    if not isinstance(node, cst.Call) or build.migration.qualified(node.func) not in api.CONSTANT_FUNCTIONS:
        return None
    value = argument(node, 0, "value")
    extra = [a for a in node.args if a.value is not value]
    if value is None or any(a.keyword is None or a.keyword.value != "dtype" for a in extra):  # a dtype other than the variable's fails there
        return None
    number = constant(value)
    if not isinstance(number, (int, float)) or isinstance(number, bool):
        return None
    if number == 0:
        return build.migration.string("zeros")
    return f"{build.migration.names.keras}.initializers.Constant({code(value)})"


def has_own_shape(build: Build, call: cst.Call) -> bool:
    given = argument(call, 2, "initializer")
    return argument(call, 3, "shape") is not None or tensor_initializer(build, given) is not None or scalar_constant(build, given) is not None


def shaped_slot(build: Build, call: cst.Call, loop_variable: str) -> cst.BaseExpression | None:
    """`self.<slots>.append(self.add_variable(shape=..., ...))`, or None with a problem."""
    migration = build.migration
    given, shape = argument(call, 2, "initializer"), argument(call, 3, "shape")
    initializer = tensor_initializer(build, given)
    constant = scalar_constant(build, given) if shape is None else None
    if constant is not None:
        shape, written_initializer = cst.Tuple([]), constant
    elif initializer is not None:
        if shape is not None:
            migration.problem(call, "add_slot() with both a tensor as initializer and a shape: optfix migrates one or the other")
            return None
        shape = _tensor_shape(build, given)
        if shape is None:
            return None
        written_initializer = migration.string(initializer)
    else:
        made = build.initializer_for(given, loop_variable) if given is not None else cst.SimpleString(migration.string("zeros"))
        if made is None:
            return None
        written_initializer = code(made)
    if build.depends(shape, loop_variable):
        migration.problem(call, f"add_slot() with the shape {code(shape)}, which depends on the variable: optfix migrates slots "
                                "of a fixed shape")
        return None
    shape_code = code(shape.visit(migration.translator()))
    attribute, written = migration.slots[literal(argument(call, 1, "slot_name"))], code(argument(call, 1, "slot_name"))
    return cst.parse_expression(f"self.{attribute}.append(self.add_variable(shape={shape_code}, initializer={written_initializer}, "
                                f"dtype={loop_variable}.dtype, name={written}))")


def _tensor_shape(build: Build, tensor: cst.Call) -> cst.BaseExpression | None:
    """The shape of `tf.zeros(shape, dtype=..., name=...)`: its dtype gives way to the variable's,
    as OptimizerV2 made the slot in the variable's dtype."""
    known = {"shape", "dtype", "name"}
    keywords = {a.keyword.value for a in tensor.args if a.keyword is not None}
    positional = [a for a in tensor.args if a.keyword is None]
    shape = argument(tensor, 0, "shape")
    if keywords - known or len(positional) > 3 or any(a.star for a in tensor.args) or shape is None:
        build.migration.problem(tensor, f"the slot initializer {code(tensor)} is not migrated: optfix reads tf.zeros() and "
                                        "tf.ones() given a shape, a dtype and a name")
        return None
    return shape
