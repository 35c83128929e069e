"""What Keras 3 left of the Keras 2 ways to read and set an optimizer's state while training.

Verified against Keras 3.15, tf_keras 2.21 and TensorFlow 2.21 (what each legacy spelling raises
or does there) by tests/test_learning_rate_api.py.
"""

from __future__ import annotations

from optfix.knowledge.identifiers import REGISTERED
from optfix.knowledge.keras import KERAS2_FACTORIES, KERAS3_OPTIMIZERS
from optfix.knowledge.namespaces import KERAS_ROOTS

# Optimizer attributes Keras 3 renamed: `opt.lr` raises AttributeError, `opt.learning_rate` is
# readable and assignable (a float learning rate is a variable, a schedule is evaluated).
RENAMED_ATTRIBUTES = {"lr": "learning_rate"}

# Optimizer attributes Keras 3 removed, and what to do instead.
REMOVED_ATTRIBUTES = {
    "decay": (
        "Keras 3 optimizers have no decay attribute (AttributeError): time-based decay is a schedule; "
        "build the optimizer with learning_rate=keras.optimizers.schedules.InverseTimeDecay(lr, "
        "decay_steps=1, decay_rate=decay) and read the current rate from optimizer.learning_rate"
    ),
}

# Keras 3 optimizer attributes that are variables (`.assign()`), the ones Keras 2 code reads and
# sets through the backend's value functions.
VARIABLE_ATTRIBUTES = frozenset({"learning_rate", "iterations"})

# Keras 2 optimizer hyperparameters that were backend variables (`K.set_value(opt.momentum, x)`)
# and are plain Python values in Keras 3 (`learning_rate` aside): no backend function reads or
# sets them, and a value set once the train step is traced is never seen.
PLAIN_ATTRIBUTES = frozenset({
    "momentum", "beta_1", "beta_2", "rho", "epsilon", "nesterov", "amsgrad", "centered", "initial_accumulator_value",
    "schedule_decay", "decay", "weight_decay", "clipnorm", "clipvalue",
})
PLAIN_ATTRIBUTE = (
    "Keras 3 keeps {attribute} as a plain Python value, not a variable: no backend value function "
    "serves it ({function} {failure}), and a value set after the train step is traced (tf.function, "
    "jit_compile) is never seen; read {expression} directly, and set it before training (or rebuild "
    "the optimizer)"
)

# The Keras 2 backend's value functions: whether each reads or writes its first argument.
VALUE_FUNCTIONS = {"get_value": "read", "eval": "read", "set_value": "write"}

NOT_IN_KERAS3 = "does not exist in Keras 3"
BROKEN = "fails on Keras 3 variables (AttributeError: 'str' object has no attribute 'name')"

# Per Keras root, the backend value functions that cannot serve a Keras 3 optimizer's variable,
# and why; the others still work (with the TensorFlow backend). tf.keras in TensorFlow 2.16+ is
# keras._tf_keras, whose legacy backend reads `x.dtype.name` in set_value, a string in Keras 3.
BACKEND_VALUE_FAILURES = {
    "keras": {"get_value": NOT_IN_KERAS3, "set_value": NOT_IN_KERAS3, "eval": NOT_IN_KERAS3},
    "keras.src": {"get_value": NOT_IN_KERAS3, "set_value": NOT_IN_KERAS3, "eval": NOT_IN_KERAS3},
    "tensorflow.keras": {"set_value": BROKEN},
    "tensorflow.compat.v1.keras": {"set_value": BROKEN},
    "tensorflow.compat.v2.keras": {"set_value": BROKEN},
    "tensorflow.python.keras": {},
    "tf_keras": {},
}

# Names whose call builds (or returns) an optimizer, under a Keras `optimizers` module: the Keras 3
# classes, the Keras 2 lowercase factories, and the identifier lookups.
OPTIMIZER_CLASSES = KERAS3_OPTIMIZERS | {"LossScaleOptimizer"} | set(KERAS2_FACTORIES)
OPTIMIZER_CONSTRUCTORS = OPTIMIZER_CLASSES | {"get", "deserialize"}

# `class_name` strings of an optimizer config dict that Keras 3 builds (any case): the registered names.
OPTIMIZER_CLASS_NAMES = REGISTERED

CONFIG_DECAY = (
    "Keras 3 ignores 'decay' in an optimizer config (a UserWarning, and the value is dropped): "
    "give 'learning_rate' an InverseTimeDecay schedule instead, {'module': 'keras.optimizers.schedules', "
    "'class_name': 'InverseTimeDecay', 'config': {'initial_learning_rate': lr, 'decay_steps': 1, 'decay_rate': decay}}"
)


def backend_function(qualified: str | None) -> tuple[str, str] | None:
    """`tensorflow.keras.backend.set_value` -> ("tensorflow.keras", "set_value"); None for
    anything but a value function of a Keras backend module."""
    for root in KERAS_ROOTS:
        if qualified and qualified.startswith(root + ".backend."):
            function = qualified[len(root) + len(".backend.") :]
            return (root, function) if function in VALUE_FUNCTIONS else None
    return None
