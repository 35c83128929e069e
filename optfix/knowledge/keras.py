"""Keras optimizer constructors in each era, and what Keras 3 makes of their arguments.

Three eras write the same class names with different signatures:
- Keras 2.2 (the standalone `keras` package before tf.keras took over): `lr`, `decay`,
  `epsilon=None`, and the positional orders below;
- tf.keras 2.x (`OptimizerV2`, kept as `tf.keras.optimizers.legacy` in 2.11-2.15 and by
  `tf_keras.optimizers.legacy` today): `learning_rate` first, `lr` and `decay` still accepted;
- Keras 3, the target.
Facts: ../shared/reference/optimizer-semantics.md §3, legacy-patterns.md A.13; the tf.keras and
Keras 3 columns are checked against the installed packages by tests/test_keras_table.py.
"""

from __future__ import annotations

# Keras 3.15 optimizer classes that train on their own (no inner optimizer or map needed).
KERAS3_OPTIMIZERS = frozenset({
    "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lamb", "Lion", "Muon",
    "Nadam", "RMSprop", "SGD", "ScheduleFreeAdamW",
})

# Keras 3 constructors: the leading parameters, in positional order, with their defaults.
KERAS3_SIGNATURES = {
    "SGD": (("learning_rate", 0.01), ("momentum", 0.0), ("nesterov", False), ("weight_decay", None)),
    "RMSprop": (("learning_rate", 0.001), ("rho", 0.9), ("momentum", 0.0), ("epsilon", 1e-07), ("centered", False), ("weight_decay", None)),
    "Adagrad": (("learning_rate", 0.001), ("initial_accumulator_value", 0.1), ("epsilon", 1e-07), ("weight_decay", None)),
    "Adadelta": (("learning_rate", 0.001), ("rho", 0.95), ("epsilon", 1e-07), ("weight_decay", None)),
    "Adam": (("learning_rate", 0.001), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", 1e-07), ("amsgrad", False), ("weight_decay", None)),
    "Adamax": (("learning_rate", 0.001), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", 1e-07), ("weight_decay", None)),
    "Nadam": (("learning_rate", 0.001), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", 1e-07), ("weight_decay", None)),
    "Ftrl": (("learning_rate", 0.001), ("learning_rate_power", -0.5), ("initial_accumulator_value", 0.1),
             ("l1_regularization_strength", 0.0), ("l2_regularization_strength", 0.0),
             ("l2_shrinkage_regularization_strength", 0.0), ("beta", 0.0), ("weight_decay", None)),
}

# tf.keras 2.x OptimizerV2 constructors (tf_keras.optimizers.legacy), all parameters.
TF_KERAS_SIGNATURES = {
    "SGD": (("learning_rate", 0.01), ("momentum", 0.0), ("nesterov", False), ("name", "SGD")),
    "RMSprop": (("learning_rate", 0.001), ("rho", 0.9), ("momentum", 0.0), ("epsilon", 1e-07), ("centered", False), ("name", "RMSprop")),
    "Adagrad": (("learning_rate", 0.001), ("initial_accumulator_value", 0.1), ("epsilon", 1e-07), ("name", "Adagrad")),
    "Adadelta": (("learning_rate", 0.001), ("rho", 0.95), ("epsilon", 1e-07), ("name", "Adadelta")),
    "Adam": (("learning_rate", 0.001), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", 1e-07), ("amsgrad", False), ("name", "Adam")),
    "Adamax": (("learning_rate", 0.001), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", 1e-07), ("name", "Adamax")),
    "Nadam": (("learning_rate", 0.001), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", 1e-07), ("name", "Nadam")),
    "Ftrl": (("learning_rate", 0.001), ("learning_rate_power", -0.5), ("initial_accumulator_value", 0.1),
             ("l1_regularization_strength", 0.0), ("l2_regularization_strength", 0.0), ("name", "Ftrl"),
             ("l2_shrinkage_regularization_strength", 0.0), ("beta", 0.0)),
}

# Keras 2.2.4 constructors, all parameters (`epsilon=None` meant K.epsilon(), 1e-07).
KERAS2_SIGNATURES = {
    "SGD": (("lr", 0.01), ("momentum", 0.0), ("decay", 0.0), ("nesterov", False)),
    "RMSprop": (("lr", 0.001), ("rho", 0.9), ("epsilon", None), ("decay", 0.0)),
    "Adagrad": (("lr", 0.01), ("epsilon", None), ("decay", 0.0)),
    "Adadelta": (("lr", 1.0), ("rho", 0.95), ("epsilon", None), ("decay", 0.0)),
    "Adam": (("lr", 0.001), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", None), ("decay", 0.0), ("amsgrad", False)),
    "Adamax": (("lr", 0.002), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", None), ("decay", 0.0)),
    "Nadam": (("lr", 0.002), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", None), ("schedule_decay", 0.004)),
}

# Keras 2.2 lowercase aliases of the classes (`keras.optimizers.adam(...)`).
KERAS2_FACTORIES = {name.lower(): name for name in KERAS2_SIGNATURES}

KERAS2_EPSILON = 1e-07  # K.epsilon(), what `epsilon=None` stood for

# State Keras 2.2 gave an optimizer that its arguments never named, as Keras 3 arguments.
KERAS2_IMPLIED = {"Adagrad": {"initial_accumulator_value": 0.0}}

_EPSILON_OUTSIDE = (
    "{era} {name} divides by sqrt({slot}) + epsilon, Keras 3 by sqrt({slot} + epsilon): the updates "
    "differ where sqrt({slot}) is near epsilon (with gradients near 1e-4, by most of the movement: "
    "{example}); no argument expresses it: keeping the old math needs a Keras 3 "
    "{name} subclass whose update_step() puts epsilon outside the square root"
)

# What no Keras 3 argument can express, per era: the exact difference, reported at each call.
KERAS2_DIFFERENCES = {
    "RMSprop": _EPSILON_OUTSIDE.format(era="Keras 2", name="RMSprop", slot="mean_square", example="0.094 of 0.12 over 20 steps"),
    "Adagrad": _EPSILON_OUTSIDE.format(era="Keras 2", name="Adagrad", slot="accumulator", example="0.26 of 0.35 over 20 steps"),
    "Nadam": (
        "Keras 2 Nadam's momentum schedule is beta_1*(1 - 0.5*0.96**(schedule_decay*t)), Keras 3's "
        "beta_1*(1 - 0.5*0.96**t): about 12% of the movement over 20 steps; no argument expresses "
        "it: keeping the old math needs a Keras 3 Nadam subclass with the legacy momentum schedule"
    ),
}
TF_KERAS_DIFFERENCES = {
    "RMSprop": _EPSILON_OUTSIDE.format(era="tf.keras 2", name="RMSprop", slot="mean_square", example="0.094 of 0.12 over 20 steps")
    + " (only without momentum: with momentum, tf.keras 2 put it inside too)",
}

KERAS2_CLIPNORM = (
    "Keras 2 clipnorm clipped the global norm of all gradients together, Keras 3 clipnorm clips each "
    "gradient on its own (global_clipnorm= is Keras 2's clipnorm); tf.keras 2 and Keras 2.4+ clipped "
    "each gradient, as Keras 3 does, so which one this code meant depends on the Keras it ran on"
)
CLIP_BOTH = (
    "clipnorm and clipvalue together: Keras 2 applied both, Keras 3 accepts only one of clipnorm, "
    "clipvalue and global_clipnorm (ValueError); no argument expresses both: clip the gradients "
    "yourself or keep one"
)

# The tf.keras 2.x OptimizerV2 API (tf_keras.optimizers.legacy.Optimizer) that custom optimizers
# override or call; Keras 3's Optimizer has none of it and calls none of it, so a subclass built
# on it trains differently (its overrides are dead code) if only its base class moves to Keras 3.
OPTIMIZER_V2_API = frozenset({
    "_resource_apply_dense", "_resource_apply_sparse", "_resource_apply_sparse_duplicate_indices",
    "_create_slots", "_prepare_local", "_set_hyper", "_get_hyper", "_decayed_lr", "add_slot",
    "get_slot", "get_slot_names", "_serialize_hyperparameter",
})
# The tf.keras 2.11-2.15 optimizer API (tf_keras.optimizers.Optimizer) that Keras 3 lacks; there,
# update_step took (gradient, variable), Keras 3 calls update_step(gradient, variable, learning_rate).
TF_KERAS_NEW_API = frozenset({"_build_learning_rate"})


def keras2_defaults(name: str) -> dict[str, tuple[object, object]]:
    """The defaults of Keras 2.2's `name()` that Keras 3's `name()` does not share, as
    {Keras 3 parameter: (Keras 2.2 value, Keras 3 value)}."""
    new = dict(KERAS3_SIGNATURES.get(name, ()))
    old = {"learning_rate" if param == "lr" else param: value for param, value in KERAS2_SIGNATURES.get(name, ())}
    old.update(KERAS2_IMPLIED.get(name, {}))
    if old.get("epsilon", 0) is None:
        old["epsilon"] = KERAS2_EPSILON
    return {param: (value, new[param]) for param, value in old.items() if param in new and new[param] != value}

# Keras 3's optimizer base class (keras.optimizers.Optimizer): the keyword parameters of its
# __init__, and the keys of its get_config(), which from_config gives back to __init__.
KERAS3_BASE_PARAMETERS = (
    "learning_rate", "weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "use_ema",
    "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps", "name",
)
KERAS3_BASE_CONFIG = (
    "name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema",
    "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps",
)
