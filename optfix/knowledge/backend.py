"""The Keras 2 backend (`K`) as custom optimizers used it, and what Keras 3 has in its place.

Verified against Keras 3.15 and, for what each function computed, the Keras 2 backend of tf_keras
2.21: tests/test_backend_table.py checks that every target exists in Keras 3 and computes what
the backend function did.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

@dataclass(frozen=True)
class Counterpart:
    """`K.<name>(...)` as `<target>(...)`: `ops.` is keras.ops, `config.` keras.config, `backend.`
    keras.backend. `parameters` are the Keras 2 parameters it has a counterpart for, in Keras 2's
    order; the first `positional` of them stand where Keras 3's function has them, so they stay
    positional (the rest are passed by keyword). `renamed` gives a parameter's Keras 3 name where
    it differs; `defaults`, a Keras 2 default that Keras 3 lacks or changed, written out where a
    call leaves the parameter out."""

    target: str
    parameters: tuple[str, ...] = ("x",)
    renamed: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, str] = field(default_factory=dict)
    positional: int | None = None  # None: all of them

    @property
    def keeps_position(self) -> int:
        return len(self.parameters) if self.positional is None else self.positional


_REDUCTION = ("x", "axis", "keepdims")
_PAIR = {"x": "x1", "y": "x2"}

# Keras 2.3.1's keras.backend functions with an exact Keras 3 counterpart. `K.sqrt` is kept though
# Keras 2's clipped negative arguments to 0 (documented in the rule).
CALLS = {
    **{name: Counterpart(f"ops.{name}") for name in (
        "abs", "cos", "exp", "log", "sigmoid", "sign", "sin", "softplus", "softsign", "sqrt", "square", "tanh",
        "ndim", "round", "shape", "transpose", "size", "is_tensor", "relu",
    )},
    **{name: Counterpart(f"ops.{name}", _REDUCTION) for name in (
        "all", "any", "logsumexp", "max", "mean", "min", "prod", "std", "sum", "var",
    )},
    **{name: Counterpart(f"ops.{name}", ("x", "y"), _PAIR) for name in (
        "equal", "greater", "greater_equal", "less", "less_equal", "maximum", "minimum", "not_equal",
    )},
    "dot": Counterpart("ops.dot", ("x", "y"), _PAIR),
    "pow": Counterpart("ops.power", ("x", "a"), {"x": "x1", "a": "x2"}),
    "arange": Counterpart("ops.arange", ("start", "stop", "step", "dtype")),
    "argmax": Counterpart("ops.argmax", ("x", "axis"), defaults={"axis": "-1"}),
    "argmin": Counterpart("ops.argmin", ("x", "axis"), defaults={"axis": "-1"}),
    "cumsum": Counterpart("ops.cumsum", ("x", "axis"), defaults={"axis": "0"}),
    "cumprod": Counterpart("ops.cumprod", ("x", "axis"), defaults={"axis": "0"}),
    "expand_dims": Counterpart("ops.expand_dims", ("x", "axis"), defaults={"axis": "-1"}),
    "squeeze": Counterpart("ops.squeeze", ("x", "axis")),
    "stack": Counterpart("ops.stack", ("x", "axis")),
    "concatenate": Counterpart("ops.concatenate", ("tensors", "axis"), {"tensors": "xs"}, {"axis": "-1"}),
    "reshape": Counterpart("ops.reshape", ("x", "shape"), {"shape": "newshape"}),
    "permute_dimensions": Counterpart("ops.transpose", ("x", "pattern"), {"pattern": "axes"}),
    "reverse": Counterpart("ops.flip", ("x", "axes"), {"axes": "axis"}),
    "tile": Counterpart("ops.tile", ("x", "n"), {"n": "repeats"}),
    "repeat_elements": Counterpart("ops.repeat", ("x", "rep", "axis"), {"rep": "repeats"}),
    "gather": Counterpart("ops.take", ("reference", "indices"), {"reference": "x"}, {"axis": "0"}),
    "slice": Counterpart("ops.slice", ("x", "start", "size"), {"x": "inputs", "start": "start_indices", "size": "shape"}),
    "one_hot": Counterpart("ops.one_hot", ("indices", "num_classes"), {"indices": "x"}),
    "identity": Counterpart("ops.copy"),  # not ops.identity, which makes an identity matrix
    "elu": Counterpart("ops.elu", ("x", "alpha")),
    "softmax": Counterpart("ops.softmax", ("x", "axis")),
    "clip": Counterpart("ops.clip", ("x", "min_value", "max_value"), {"min_value": "x_min", "max_value": "x_max"}),
    "cast": Counterpart("ops.cast", ("x", "dtype")),
    "switch": Counterpart("ops.where", ("condition", "then_expression", "else_expression"),
                          {"then_expression": "x1", "else_expression": "x2"}),
    "l2_normalize": Counterpart("ops.normalize", ("x", "axis"), defaults={"axis": "None"}),
    "stop_gradient": Counterpart("ops.stop_gradient", ("variables",), {"variables": "variable"}),
    "map_fn": Counterpart("ops.map", ("fn", "elems"), {"fn": "f", "elems": "xs"}),
    "in_top_k": Counterpart("ops.in_top_k", ("predictions", "targets", "k"), positional=0),
    "batch_normalization": Counterpart("ops.batch_normalization", ("x", "mean", "var", "beta", "gamma", "axis", "epsilon"),
                                       {"var": "variance", "beta": "offset", "gamma": "scale"}, {"axis": "-1"}, positional=3),
    **{name: Counterpart(f"ops.{name}", ("target", "output", "from_logits", "axis")) for name in (
        "categorical_crossentropy", "sparse_categorical_crossentropy",
    )},
    "binary_crossentropy": Counterpart("ops.binary_crossentropy", ("target", "output", "from_logits")),
    "dtype": Counterpart("ops.dtype"),
    # tensors in Keras 2 (not variables), though a slot list made of them becomes variables
    **{name: Counterpart(f"ops.{name}", ("x", "dtype")) for name in ("zeros_like", "ones_like")},
    "constant": Counterpart("ops.convert_to_tensor", ("value", "dtype"), {"value": "x"}, {"dtype": "config.floatx()"}),
    **{name: Counterpart(f"config.{name}", ()) for name in ("epsilon", "floatx", "image_data_format", "backend")},
    "set_epsilon": Counterpart("config.set_epsilon", ("e",), {"e": "value"}),
    "set_floatx": Counterpart("config.set_floatx", ("floatx",), {"floatx": "value"}),
    "set_image_data_format": Counterpart("config.set_image_data_format", ("data_format",)),
    "clear_session": Counterpart("backend.clear_session", ()),
    "get_uid": Counterpart("backend.get_uid", ("prefix",)),
    "is_keras_tensor": Counterpart("backend.is_keras_tensor"),
}

# K.<name>(x) -> an expression of x written out: `{0}` is the first argument.
EXPRESSIONS = {
    "int_shape": "tuple({0}.shape)",
    "get_variable_shape": "tuple({0}.shape)",
    "cast_to_floatx": "ops.cast({0}, config.floatx())",
    "flatten": "ops.reshape({0}, (-1,))",
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

# Keras 2.3.1's keras.backend functions with no exact Keras 3 counterpart, and why: the finding
# names the function and this reason.
_LAYERS = "a layer's operation that Keras 3 keeps in its layers, not in keras.ops: migrate it by hand"
_RANDOM = "keras.random draws other numbers (its seeds work otherwise): migrate it by hand"
_GRAPH = "it works on the TensorFlow 1 graph or session, which Keras 3 does not have"
NO_COUNTERPART = {
    **dict.fromkeys((
        "bias_add", "conv1d", "conv2d", "conv2d_transpose", "conv3d", "conv3d_transpose", "ctc_batch_cost", "ctc_decode",
        "ctc_label_dense_to_sparse", "depthwise_conv2d", "local_conv1d", "local_conv2d", "normalize_batch_in_training",
        "pool2d", "pool3d", "resize_images", "resize_volumes", "rnn", "separable_conv1d", "separable_conv2d",
        "spatial_2d_padding", "spatial_3d_padding", "temporal_padding",
    ), _LAYERS),
    **dict.fromkeys(("dropout", "random_binomial", "random_normal", "random_normal_variable", "random_uniform",
                     "random_uniform_variable", "truncated_normal"), _RANDOM),
    **dict.fromkeys((
        "control_dependencies", "get_graph", "get_session", "set_session", "placeholder", "is_placeholder", "is_symbolic",
        "is_variable", "is_sparse", "to_dense", "learning_phase", "set_learning_phase", "in_train_phase", "in_test_phase",
        "manual_variable_initialization", "v1_variable_initialization", "reset_uids", "print_tensor", "eager",
    ), _GRAPH),
    "batch_dot": "keras.ops has no batched dot product over chosen axes (ops.einsum can write one)",
    "batch_flatten": "write ops.reshape(x, (ops.shape(x)[0], -1))",
    "count_params": "write int(ops.size(x)) or math.prod(x.shape)",
    "eye": "it makes a variable; keras.ops.eye makes a tensor",
    "foldl": "keras.ops has no fold (ops.fori_loop can write one)",
    "foldr": "keras.ops has no fold (ops.fori_loop can write one)",
    "hard_sigmoid": "keras.ops.hard_sigmoid has another slope (x / 6 + 0.5; Keras 2's was 0.2 x + 0.5)",
    "moving_average_update": "it made an update with zero-debiasing of its own: write the average with self.assign",
    "repeat": "keras.ops.repeat is numpy's repeat; K.repeat added an axis (write ops.repeat(ops.expand_dims(x, 1), n, axis=1))",
    "image_dim_ordering": "Keras 1's setting: keras.config.image_data_format() replaces it, with other values",
    "set_image_dim_ordering": "Keras 1's setting: keras.config.set_image_data_format() replaces it, with other values",
    "normalize_data_format": "Keras 2's internal helper",
}

# Every function of Keras 2.3.1's keras.backend (its TensorFlow backend, common.py and
# load_backend.py; `name_scope` and `get_graph` are aliases there): each is in exactly one of the
# tables above.
KERAS_2_3_BACKEND = frozenset("""
abs all any arange argmax argmin backend batch_dot batch_flatten batch_get_value batch_normalization batch_set_value
bias_add binary_crossentropy cast cast_to_floatx categorical_crossentropy clear_session clip concatenate constant
control_dependencies conv1d conv2d conv2d_transpose conv3d conv3d_transpose cos count_params ctc_batch_cost ctc_decode
ctc_label_dense_to_sparse cumprod cumsum depthwise_conv2d dot dropout dtype eager elu epsilon equal eval exp expand_dims
eye flatten floatx foldl foldr function gather get_graph get_session get_uid get_value get_variable_shape gradients
greater greater_equal hard_sigmoid identity image_data_format image_dim_ordering in_test_phase in_top_k in_train_phase
int_shape is_keras_tensor is_placeholder is_sparse is_symbolic is_tensor is_variable l2_normalize learning_phase less
less_equal local_conv1d local_conv2d log logsumexp manual_variable_initialization map_fn max maximum mean min minimum
moving_average_update name_scope ndim normalize_batch_in_training normalize_data_format not_equal one_hot ones ones_like
permute_dimensions placeholder pool2d pool3d pow print_tensor prod random_binomial random_normal random_normal_variable
random_uniform random_uniform_variable relu repeat repeat_elements reset_uids reshape resize_images resize_volumes
reverse rnn round separable_conv1d separable_conv2d set_epsilon set_floatx set_image_data_format set_image_dim_ordering
set_learning_phase set_session set_value shape sigmoid sign sin size slice softmax softplus softsign
sparse_categorical_crossentropy spatial_2d_padding spatial_3d_padding sqrt square squeeze stack std stop_gradient sum
switch symbolic tanh temporal_padding tile to_dense transpose truncated_normal update update_add update_sub
v1_variable_initialization var variable zeros zeros_like
""".split())

# Modules (and names) of Keras 2 that Keras 3 removed, with what to do instead: an import of
# one makes the file fail to import on Keras 3.
REMOVED_MODULES = {
    "keras.utils.generic_utils": "take serialize_keras_object, deserialize_keras_object and get_custom_objects from keras.saving",
    "keras.legacy.interfaces": "drop it: its decorators only translated Keras 1 arguments",
    "keras.engine": "take layers from keras.layers, Model and Input from keras, saving from keras.saving",
    "keras.backend.tensorflow_backend": "use keras.ops (or TensorFlow itself)",
    "keras.optimizer_v1": "derive from keras.optimizers.Optimizer, whose API is build and update_step",
    "keras.optimizers.TFOptimizer": "use a Keras optimizer, or TensorFlow's own training loop",
    "keras.utils.np_utils": "take to_categorical and normalize from keras.utils",
}

# Keras 2 optimizer base classes a custom optimizer derives from, as `keras_member` spells them.
BASE_CLASSES = {"optimizers.Optimizer", "optimizer_v1.Optimizer", "optimizers.optimizer_v1.Optimizer"}
