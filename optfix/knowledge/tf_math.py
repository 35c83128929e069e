"""TensorFlow functions as custom tf.keras 2 (OptimizerV2) optimizers call them in their updates,
and their exact `keras.ops` counterparts.

A call is translated only in the form the table allows: at most `positional` positional
arguments and keywords from `keywords` (TensorFlow's `name=` is dropped); any other form is left
as TensorFlow code, which Keras 3 runs on its TensorFlow backend. Every row is checked against the
installed TensorFlow and Keras 3 (same values on the same inputs) by
tests/equivalence/test_tf_math_table.py.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Counterpart:
    ops: str  # the keras.ops function
    positional: int  # at most this many positional arguments
    keywords: frozenset[str] = frozenset()  # keywords both spell alike


def _row(ops: str, positional: int, *keywords: str) -> Counterpart:
    return Counterpart(ops, positional, frozenset(keywords))


_ELEMENTWISE = {name: _row(name, 1) for name in (
    "sqrt", "square", "exp", "abs", "sign", "tanh", "sigmoid", "negative", "floor", "zeros_like", "ones_like",
    "logical_not", "stop_gradient",
)}
_BINARY = {name: _row(name, 2) for name in (
    "maximum", "minimum", "multiply", "add", "subtract", "divide", "greater", "less", "equal", "greater_equal",
    "less_equal", "not_equal", "logical_and", "logical_or",
)}
_REDUCTIONS = {"reduce_sum": _row("sum", 2, "axis", "keepdims"), "reduce_mean": _row("mean", 2, "axis", "keepdims"),
               "reduce_max": _row("max", 2, "axis", "keepdims"), "reduce_min": _row("min", 2, "axis", "keepdims")}
_TOP_LEVEL = {
    **_ELEMENTWISE, **_BINARY, **_REDUCTIONS,
    "pow": _row("power", 2),
    "cast": _row("cast", 2, "dtype"),
    "convert_to_tensor": _row("convert_to_tensor", 2, "dtype"),
    "where": _row("where", 3),
    "clip_by_value": _row("clip", 3),
    "norm": _row("norm", 1),
}
_MATH_ONLY = {
    "log": _row("log", 1), "rsqrt": _row("rsqrt", 1), "reciprocal": _row("reciprocal", 1),
    "divide_no_nan": _row("divide_no_nan", 2), "log1p": _row("log1p", 1), "expm1": _row("expm1", 1), "ceil": _row("ceil", 1),
}
_NOT_IN_MATH = {"cast", "convert_to_tensor", "where", "clip_by_value", "norm", "zeros_like", "ones_like", "stop_gradient"}

# Fully qualified TensorFlow function -> its keras.ops counterpart.
COUNTERPARTS: dict[str, Counterpart] = {
    **{f"tensorflow.{name}": row for name, row in _TOP_LEVEL.items()},
    **{f"tensorflow.math.{name}": row for name, row in {**_TOP_LEVEL, **_MATH_ONLY}.items() if name not in _NOT_IN_MATH},
    **{f"tensorflow.compat.v1.{name}": row for name, row in _TOP_LEVEL.items()},
    **{f"tensorflow.python.ops.math_ops.{name}": row for name, row in {**_TOP_LEVEL, **_MATH_ONLY}.items()
       if name not in ("convert_to_tensor", "where", "clip_by_value", "norm", "zeros_like", "ones_like", "stop_gradient",
                        "divide_no_nan")},
    # The spellings of tf.convert_to_tensor in TensorFlow's own modules, as copies of its optimizers call it.
    **{f"tensorflow.python.framework.{name}": _TOP_LEVEL["convert_to_tensor"] for name in (
        "ops.convert_to_tensor", "tensor_conversion.convert_to_tensor_v2", "tensor_conversion.convert_to_tensor_v2_with_dispatch")},
    # TensorFlow 1's name of tf.math.divide_no_nan, which math_ops still defines under it.
    **{f"{module}.div_no_nan": _MATH_ONLY["divide_no_nan"] for module in ("tensorflow.compat.v1", "tensorflow.python.ops.math_ops")},
}

# Functions of TensorFlow's private modules that a later release moved (older code calls them by
# the first name): the name they have in the installed TensorFlow, where the table is checked.
MOVED = {
    "tensorflow.python.framework.ops.convert_to_tensor_v2": "tensorflow.python.framework.tensor_conversion.convert_to_tensor_v2",
    "tensorflow.python.framework.ops.convert_to_tensor_v2_with_dispatch":
        "tensorflow.python.framework.tensor_conversion.convert_to_tensor_v2_with_dispatch",
}
COUNTERPARTS.update({old: COUNTERPARTS[new] for old, new in MOVED.items()})

# Functions that return their argument unchanged in eager code: the call is replaced by it.
IDENTITY = frozenset({"tensorflow.identity", "tensorflow.compat.v1.identity", "tensorflow.python.ops.array_ops.identity"})
