"""TensorFlow's static shapes as Keras 3 reads them.

A Keras 3 variable's `shape` is a tuple (on every backend), and so is a JAX array's: no
`TensorShape` with `ndims`, `rank` or `as_list()`, and no `get_shape()`. A tf.keras 2 update that
centralizes the gradient of a kernel (`if var.shape.ndims > 1:`) reads them as `len(var.shape)`,
and `var.shape.as_list()` as `list(var.shape)`, the same numbers for a tensor of known rank (a
variable's, its gradient's).
"""

from __future__ import annotations

from optfix.lazy import libcst as cst


def _shape_of(node: cst.BaseExpression) -> cst.BaseExpression | None:
    """`x.shape` or `x.get_shape()` as `x.shape`; None for other expressions."""
    if isinstance(node, cst.Attribute) and node.attr.value == "shape":
        return node
    if (isinstance(node, cst.Call) and not node.args and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "get_shape"):
        return node.func.with_changes(attr=cst.Name("shape"))
    return None


def rank(attribute: cst.Attribute) -> cst.BaseExpression | None:
    """`x.shape.ndims` / `x.shape.rank` (or of `x.get_shape()`) as `len(x.shape)`."""
    shape = _shape_of(attribute.value) if attribute.attr.value in ("ndims", "rank") else None
    return cst.Call(cst.Name("len"), [cst.Arg(shape)]) if shape is not None else None


def listed(call: cst.Call) -> cst.BaseExpression | None:
    """`x.shape.as_list()` as `list(x.shape)`; `x.get_shape()` alone as `x.shape`."""
    func = call.func
    if not call.args and isinstance(func, cst.Attribute) and func.attr.value == "as_list":
        shape = _shape_of(func.value)
        return cst.Call(cst.Name("list"), [cst.Arg(shape)]) if shape is not None else None
    return _shape_of(call) if isinstance(func, cst.Attribute) and func.attr.value == "get_shape" else None
