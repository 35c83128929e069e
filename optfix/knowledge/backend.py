"""The Keras 2 backend (`K`) as custom optimizers used it, and what Keras 3 has in its place.

Verified against Keras 3.15 and, for what each function computed, the Keras 2 backend of tf_keras
2.21: tests/test_backend_table.py checks that every target exists in Keras 3 and computes what
the backend function did.
"""

from __future__ import annotations

# K.<name>(...) -> <target>(...), arguments kept: `ops.` is keras.ops, `config.` keras.config.
CALLS = {
    **{name: f"ops.{name}" for name in (
        "sqrt", "square", "exp", "log", "sign", "clip", "sum", "mean", "max", "min", "std", "prod",
        "maximum", "minimum", "abs", "cast", "equal", "not_equal", "greater", "greater_equal",
        "less", "less_equal", "zeros_like", "ones_like", "expand_dims", "stop_gradient", "any",
        "all", "shape", "sin", "cos", "tanh", "round",
    )},
    "pow": "ops.power",
    "switch": "ops.where",
    "l2_normalize": "ops.normalize",
    "epsilon": "config.epsilon",
    "floatx": "config.floatx",
    "dtype": "ops.dtype",
    "constant": "ops.convert_to_tensor",
}

# K.<name>(x) -> an expression of x written out: `{0}` is the first argument.
EXPRESSIONS = {
    "int_shape": "tuple({0}.shape)",
    "get_variable_shape": "tuple({0}.shape)",
    "cast_to_floatx": "ops.cast({0}, config.floatx())",
}

# Functions that make state: inside get_updates, slots for build(); in __init__, hyperparameters.
STATE = {"variable", "zeros", "ones", "zeros_like", "ones_like"}
INITIALIZERS = {"zeros": "zeros", "zeros_like": "zeros", "ones": "ones", "ones_like": "ones"}

# The legacy way to emit an update, and the Keras 3 optimizer method that does it now.
UPDATES = {"update": "assign", "update_add": "assign_add", "update_sub": "assign_sub"}

# The same updates written with TensorFlow 1's own functions, by their qualified names.
TF_UPDATES = {
    f"{module}.{function}": method
    for module in ("tensorflow", "tensorflow.compat.v1", "tensorflow.python.ops.state_ops")
    for function, method in (("assign", "assign"), ("assign_add", "assign_add"), ("assign_sub", "assign_sub"))
}

# Backend functions that read or write a value eagerly while the graph is built (`K.eval(self.iterations)`
# in get_updates): Keras 3 builds no graph, so a migration cannot keep what they meant.
EAGER = {"eval", "get_value", "batch_get_value", "set_value", "batch_set_value", "gradients", "function"}

# Wrappers that only served graph mode: dropped with the construct they wrap.
GRAPH_ONLY = {"name_scope", "symbolic"}

# Attributes a Keras 3 optimizer's base class owns and acts on (`weight_decay` is applied by the
# base class on top of update_step): a custom optimizer's own attribute of that name is renamed.
BASE_ATTRIBUTES = {
    "weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "use_ema", "ema_momentum",
    "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps",
}

# Keras 2 optimizer base classes a custom optimizer derives from, as `keras_member` spells them.
BASE_CLASSES = {"optimizers.Optimizer", "optimizer_v1.Optimizer", "optimizers.optimizer_v1.Optimizer"}
