"""The TF 2.x optimizer API that Keras 3 removed: the methods training loops call on an optimizer
object, their parameters, and the Keras 3 way to do what each did.

TF 2.x here means tf.keras 2.0-2.15: its `OptimizerV2` (`tf_keras.optimizers.legacy` today) and
the optimizers of 2.11-2.15 (`tf_keras.optimizers` today), and `tf.keras.mixed_precision`.
Facts: ../shared/reference/optimizer-semantics.md "Added 2026-12-07"; checked against the
installed Keras 3, tf_keras and TensorFlow by tests/equivalence/test_optimizer_api_equivalence.py.
"""

from __future__ import annotations

# minimize(), in OptimizerV2's positional order (2.11's optimizers: loss, var_list, tape).
MINIMIZE_PARAMETERS = ("loss", "var_list", "grad_loss", "name", "tape")

# apply_gradients() keywords Keras 3 does not take (TypeError), with the value under which the
# keyword asks for what Keras 3 always does: sum the gradients over the replicas of a
# tf.distribute strategy. `name` only named the op.
APPLY_GRADIENTS_PARAMETERS = ("grads_and_vars", "name")
AGGREGATION_KEYWORDS = {"experimental_aggregate_gradients": True, "skip_gradients_aggregation": False}
APPLY_GRADIENTS_DROPPED = ("name",)

# Methods of a TF 2.x optimizer object that Keras 3 optimizers lack (AttributeError), and the
# Keras 3 way, where the rule can only report them.
REPORTED_METHODS = {
    "get_slot": (
        "Keras 3 optimizers have no get_slot(): their slots are variables of optimizer.variables, "
        "kept per kind (Adam: optimizer._momentums and optimizer._velocities, indexed by "
        "optimizer._get_variable_index(var))"
    ),
    "get_slot_names": (
        "Keras 3 optimizers have no get_slot_names(): their slot variables are in optimizer.variables, "
        "named after the kind (momentum, velocity)"
    ),
    "add_slot": (
        "Keras 3 optimizers have no add_slot(): optimizer.add_variable_from_reference(var, name) "
        "makes a variable shaped like var (in a custom optimizer's build())"
    ),
    "get_gradients": (
        "Keras 3 optimizers have no get_gradients(): compute the gradients with tf.GradientTape "
        "(with tf.GradientTape() as tape: loss = ...; grads = tape.gradient(loss, params))"
    ),
    "_get_hyper": (
        "Keras 3 optimizers have no _get_hyper(): hyperparameters are attributes "
        "(optimizer.learning_rate, optimizer.beta_1, ...)"
    ),
    "_set_hyper": (
        "Keras 3 optimizers have no _set_hyper(): assign the learning rate with "
        "optimizer.learning_rate = value; other hyperparameters are plain attributes, read when "
        "a tf.function is traced"
    ),
}

# Reads of the optimizer's variables, which Keras 3 lays out differently: it adds the learning
# rate after the iteration count and lists the slots per kind (all momentums, then all
# velocities), where TF 2.x listed iterations then each variable's slots.
LAYOUT = (
    "Keras 3's optimizer.variables also hold the learning rate and list the slots per kind, so a "
    "list saved from, compared with or loaded into TF 2.x's get_weights() no longer lines up"
)
WEIGHTS_ATTRIBUTES = ("weights",)  # `optimizer.weights` -> `optimizer.variables`
WEIGHTS_METHODS = ("variables", "get_weights")  # `optimizer.variables()`, `optimizer.get_weights()`

# tf.keras.mixed_precision.LossScaleOptimizer (TF 2.4-2.15), in positional order, with defaults.
# `initial_scale=None` and `dynamic_growth_steps=None` meant 2 ** 15 and 2000 for a dynamic scale.
LOSS_SCALE_PARAMETERS = (("inner_optimizer", None), ("dynamic", True), ("initial_scale", None), ("dynamic_growth_steps", None))
# Keras 3's keras.optimizers.LossScaleOptimizer: the keywords kept, with their defaults.
KERAS3_LOSS_SCALE_DEFAULTS = {"initial_scale": 32768.0, "dynamic_growth_steps": 2000}
# tf.keras.mixed_precision.experimental.LossScaleOptimizer (TF 2.1-2.3): its loss_scale is
# "dynamic", a number (a fixed scale) or a DynamicLossScale.
EXPERIMENTAL_LOSS_SCALE_PARAMETERS = ("optimizer", "loss_scale")
DYNAMIC_LOSS_SCALE_PARAMETERS = ("initial_loss_scale", "increment_period", "multiplier")
DYNAMIC_LOSS_SCALE_KEYWORDS = {"initial_loss_scale": "initial_scale", "increment_period": "dynamic_growth_steps"}
DYNAMIC_LOSS_SCALE_MULTIPLIER = 2.0  # the only growth factor Keras 3 has
# Where a DynamicLossScale class lived (TensorFlow modules, not Keras).
DYNAMIC_LOSS_SCALE_CLASSES = frozenset(
    f"tensorflow.{module}.DynamicLossScale"
    for module in ("mixed_precision.experimental", "train.experimental", "compat.v1.mixed_precision",
                   "compat.v1.mixed_precision.experimental", "compat.v2.mixed_precision.experimental")
)
# Keras members (see namespaces.keras_member) of the loss-scale optimizer classes. TF 2.4-2.15 had
# it in `mixed_precision` only, with the signature above; Keras 3 has it there and in `optimizers`,
# with its own (a second positional argument that is not a bool is Keras 3's initial_scale).
TF2_LOSS_SCALE_CLASS = "mixed_precision.LossScaleOptimizer"
EXPERIMENTAL_LOSS_SCALE_CLASS = "mixed_precision.experimental.LossScaleOptimizer"
LOSS_SCALE_CLASSES = frozenset({TF2_LOSS_SCALE_CLASS, EXPERIMENTAL_LOSS_SCALE_CLASS, "optimizers.LossScaleOptimizer"})
NO_FIXED_SCALE = (
    "Keras 3 has no fixed loss scale (its LossScaleOptimizer is always dynamic): for a fixed "
    "scale S use the inner optimizer, multiply the loss by S and divide the gradients by S"
)

# What Keras 3's LossScaleOptimizer does otherwise, whatever its arguments: TF 2.x's (tf_keras's
# LossScaleOptimizer and LossScaleOptimizerV3) add 1 to iterations on a step skipped for non-finite
# gradients, Keras 3's leaves it.
SKIPPED_STEPS = (
    "does not count a step it skips (non-finite gradients) in iterations, where "
    "TF 2.x's did: after each skipped step a learning-rate schedule, or Adam's bias correction, runs one step "
    "behind TF 2.x's"
)
