"""Variables handed to the `keras.ops` functions that take no variable on JAX, read as tensors.

On Keras 3's JAX backend, `ops.where(c, m, x)`, `ops.zeros_like(m)`, `ops.ones_like(m)` and
`ops.full_like(m, v)` raise for a `keras.Variable` operand (JAX cannot convert it), where Keras 2's
`K.switch` and `K.zeros_like` (and TensorFlow's `tf.where`) took one. In a migrated update_step, a
name bound to a variable (the parameter, a slot) given to one of them directly is given as
`ops.convert_to_tensor(m)`: its value, the same on every backend. A name rebound to a tensor
meanwhile is converted to itself.
"""

from __future__ import annotations

from optfix.analysis.tree import descendants
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import assignment_of, flat

TENSOR_ONLY = ("where", "zeros_like", "ones_like", "full_like")


def tensor_operands(ops: str, statement: cst.BaseStatement, variables: set[str]) -> cst.BaseStatement:
    """The statement, each of `variables` given directly to a TENSOR_ONLY function (of `ops`, the
    name keras.ops is imported as) read as a tensor."""
    if not variables:
        return statement
    return statement.visit(_AsTensors(ops, variables))


def variable_names(statements: list[cst.BaseStatement], known: set[str], is_variable) -> set[str]:
    """`known` and the names the statements (at any depth) bind to a variable: an expression
    `is_variable` accepts, or another such name (`m_t = m` after `self.assign(m, ...)`)."""
    names = set(known)
    for statement in statements:
        for line in descendants(statement, cst.SimpleStatementLine):
            assignment = assignment_of(line)
            if assignment is None or not isinstance(assignment[0], cst.Name):
                continue
            value = assignment[1]
            if is_variable(value) or isinstance(value, cst.Name) and value.value in names:
                names.add(assignment[0].value)
    return names


class _AsTensors(cst.CSTTransformer):
    def __init__(self, ops: str, variables: set[str]) -> None:
        super().__init__()
        self.ops = ops
        self.functions = {f"{ops}.{name}".replace(" ", "") for name in TENSOR_ONLY}
        self.variables = variables

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if flat(updated.func) not in self.functions:
            return updated
        args = [arg.with_changes(value=self._tensor(arg.value)) if isinstance(arg.value, cst.Name) and arg.value.value in self.variables
                else arg for arg in updated.args]
        return updated.with_changes(args=args)

    def _tensor(self, name: cst.Name) -> cst.Call:
        return cst.Call(cst.parse_expression(f"{self.ops}.convert_to_tensor"), [cst.Arg(name)])
