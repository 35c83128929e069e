"""Keras optimizer constructors in each era, and what Keras 3 makes of their arguments.

Three eras write the same class names with different signatures:
- Keras 2.2 (the standalone `keras` package before tf.keras took over): `lr`, `decay`,
  `epsilon=None`, and its own positional orders;
- tf.keras 2.x (`OptimizerV2`, kept as `tf.keras.optimizers.legacy` in 2.11-2.15 and by
  `tf_keras.optimizers.legacy` today): `learning_rate` first, `lr` and `decay` still accepted;
- Keras 3, the target.
One row per Keras 3 optimizer class holds what each era's constructor takes. The Keras 2.2 column
is transcribed from the Keras 2.2.4 release; Keras 2.3 kept Keras 2.2's defaults and math but
changed the constructors' positional parameters (`learning_rate` first, `lr`, `decay` and `epsilon`
keyword-only): its column is transcribed from the Keras 2.3.1 release (2.3.0's are the same); the tf.keras column is verified against tf_keras 2.21
and the Keras 3 column against Keras 3.15 by tests/test_keras_table.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from optfix.knowledge.rows import Signature

KERAS2_EPSILON = 1e-07  # K.epsilon(), what `epsilon=None` stood for

_EPSILON_OUTSIDE = (
    "{era} {name} divides by sqrt({slot}) + epsilon, Keras 3 by sqrt({slot} + epsilon): the updates "
    "differ where sqrt({slot}) is near epsilon (with gradients near 1e-4, by most of the movement: "
    "{example}); no argument expresses it: keeping the old math needs a Keras 3 "
    "{name} subclass whose update_step() puts epsilon outside the square root"
)


@dataclass(frozen=True)
class KerasOptimizer:
    """A Keras 3 optimizer class that trains on its own, and its namesakes in the earlier eras."""

    name: str  # the class name, the same in every era that has the class
    keras3: Signature = ()  # the leading parameters of the Keras 3 constructor; () where no legacy row needs them
    tf_keras: Signature | None = None  # the tf.keras 2.x OptimizerV2 constructor, all parameters; None: no such class
    keras2: Signature | None = None  # the Keras 2.2.4 constructor, all parameters; None: no such class
    keras2_3: Signature | None = None  # the Keras 2.3.1 constructor's positional parameters
    keras2_3_keywords: frozenset[str] = frozenset()  # and the ones it took by keyword only (from **kwargs)
    keras2_implied: dict[str, object] = field(default_factory=dict)  # state Keras 2.2 gave that no argument named, as Keras 3 arguments
    keras2_difference: str = ""  # what no Keras 3 argument can express for Keras 2.2 code
    tf_keras_difference: str = ""  # the same for tf.keras 2.x code


KERAS_OPTIMIZERS = {
    row.name: row
    for row in (
        KerasOptimizer(
            "SGD",
            keras3=(("learning_rate", 0.01), ("momentum", 0.0), ("nesterov", False), ("weight_decay", None)),
            tf_keras=(("learning_rate", 0.01), ("momentum", 0.0), ("nesterov", False), ("name", "SGD")),
            keras2=(("lr", 0.01), ("momentum", 0.0), ("decay", 0.0), ("nesterov", False)),
            keras2_3=(("learning_rate", 0.01), ("momentum", 0.0), ("nesterov", False)),
            keras2_3_keywords=frozenset({"lr", "decay"}),
        ),
        KerasOptimizer(
            "RMSprop",
            keras3=(("learning_rate", 0.001), ("rho", 0.9), ("momentum", 0.0), ("epsilon", 1e-07), ("centered", False),
                    ("weight_decay", None)),
            tf_keras=(("learning_rate", 0.001), ("rho", 0.9), ("momentum", 0.0), ("epsilon", 1e-07), ("centered", False),
                      ("name", "RMSprop")),
            keras2=(("lr", 0.001), ("rho", 0.9), ("epsilon", None), ("decay", 0.0)),
            keras2_3=(("learning_rate", 0.001), ("rho", 0.9)),
            keras2_3_keywords=frozenset({"lr", "decay", "epsilon"}),
            keras2_difference=_EPSILON_OUTSIDE.format(
                era="Keras 2", name="RMSprop", slot="mean_square", example="0.094 of 0.12 over 20 steps"),
            tf_keras_difference=_EPSILON_OUTSIDE.format(
                era="tf.keras 2", name="RMSprop", slot="mean_square", example="0.094 of 0.12 over 20 steps")
            + " (only without momentum: with momentum, tf.keras 2 put it inside too)",
        ),
        KerasOptimizer(
            "Adagrad",
            keras3=(("learning_rate", 0.001), ("initial_accumulator_value", 0.1), ("epsilon", 1e-07), ("weight_decay", None)),
            tf_keras=(("learning_rate", 0.001), ("initial_accumulator_value", 0.1), ("epsilon", 1e-07), ("name", "Adagrad")),
            keras2=(("lr", 0.01), ("epsilon", None), ("decay", 0.0)),
            keras2_3=(("learning_rate", 0.01),),
            keras2_3_keywords=frozenset({"lr", "decay", "epsilon"}),
            keras2_implied={"initial_accumulator_value": 0.0},
            keras2_difference=_EPSILON_OUTSIDE.format(
                era="Keras 2", name="Adagrad", slot="accumulator", example="0.26 of 0.35 over 20 steps"),
        ),
        KerasOptimizer(
            "Adadelta",
            keras3=(("learning_rate", 0.001), ("rho", 0.95), ("epsilon", 1e-07), ("weight_decay", None)),
            tf_keras=(("learning_rate", 0.001), ("rho", 0.95), ("epsilon", 1e-07), ("name", "Adadelta")),
            keras2=(("lr", 1.0), ("rho", 0.95), ("epsilon", None), ("decay", 0.0)),
            keras2_3=(("learning_rate", 1.0), ("rho", 0.95)),
            keras2_3_keywords=frozenset({"lr", "decay", "epsilon"}),
        ),
        KerasOptimizer(
            "Adam",
            keras3=(("learning_rate", 0.001), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", 1e-07), ("amsgrad", False),
                    ("weight_decay", None)),
            tf_keras=(("learning_rate", 0.001), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", 1e-07), ("amsgrad", False),
                      ("name", "Adam")),
            keras2=(("lr", 0.001), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", None), ("decay", 0.0), ("amsgrad", False)),
            keras2_3=(("learning_rate", 0.001), ("beta_1", 0.9), ("beta_2", 0.999), ("amsgrad", False)),
            keras2_3_keywords=frozenset({"lr", "decay", "epsilon"}),
        ),
        KerasOptimizer(
            "Adamax",
            keras3=(("learning_rate", 0.001), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", 1e-07), ("weight_decay", None)),
            tf_keras=(("learning_rate", 0.001), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", 1e-07), ("name", "Adamax")),
            keras2=(("lr", 0.002), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", None), ("decay", 0.0)),
            keras2_3=(("learning_rate", 0.002), ("beta_1", 0.9), ("beta_2", 0.999)),
            keras2_3_keywords=frozenset({"lr", "decay", "epsilon"}),
        ),
        KerasOptimizer(
            "Nadam",
            keras3=(("learning_rate", 0.001), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", 1e-07), ("weight_decay", None)),
            tf_keras=(("learning_rate", 0.001), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", 1e-07), ("name", "Nadam")),
            keras2=(("lr", 0.002), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", None), ("schedule_decay", 0.004)),
            keras2_3=(("learning_rate", 0.002), ("beta_1", 0.9), ("beta_2", 0.999)),
            keras2_3_keywords=frozenset({"lr", "epsilon", "schedule_decay"}),
            keras2_difference=(
                "Keras 2 Nadam's momentum schedule is beta_1*(1 - 0.5*0.96**(schedule_decay*t)), Keras 3's "
                "beta_1*(1 - 0.5*0.96**t): about 12% of the movement over 20 steps; no argument expresses "
                "it: keeping the old math needs a Keras 3 Nadam subclass with the legacy momentum schedule"
            ),
            tf_keras_difference=(
                "tf.keras 2 Nadam (OptimizerV2) keeps Keras 2's momentum schedule, beta_1*(1 - 0.5*0.96**(0.004*t)), "
                "Keras 3's is beta_1*(1 - 0.5*0.96**t): about 6% of the movement over 20 steps; no argument expresses "
                "it: keeping the old math needs a Keras 3 Nadam subclass with the legacy momentum schedule"
            ),
        ),
        KerasOptimizer(
            "Ftrl",
            keras3=(("learning_rate", 0.001), ("learning_rate_power", -0.5), ("initial_accumulator_value", 0.1),
                    ("l1_regularization_strength", 0.0), ("l2_regularization_strength", 0.0),
                    ("l2_shrinkage_regularization_strength", 0.0), ("beta", 0.0), ("weight_decay", None)),
            tf_keras=(("learning_rate", 0.001), ("learning_rate_power", -0.5), ("initial_accumulator_value", 0.1),
                      ("l1_regularization_strength", 0.0), ("l2_regularization_strength", 0.0), ("name", "Ftrl"),
                      ("l2_shrinkage_regularization_strength", 0.0), ("beta", 0.0)),
        ),
        # Keras 3 classes with no namesake in tf.keras 2.x's OptimizerV2 or Keras 2.2.
        *(KerasOptimizer(name) for name in ("Adafactor", "AdamW", "Lamb", "Lion", "Muon", "ScheduleFreeAdamW")),
    )
}

# Views of the rows by era, for code that asks one question of every optimizer. Their order is
# the rows' order.
KERAS3_OPTIMIZERS = frozenset(KERAS_OPTIMIZERS)
KERAS3_SIGNATURES = {name: row.keras3 for name, row in KERAS_OPTIMIZERS.items() if row.keras3}
TF_KERAS_SIGNATURES = {name: row.tf_keras for name, row in KERAS_OPTIMIZERS.items() if row.tf_keras is not None}
KERAS2_SIGNATURES = {name: row.keras2 for name, row in KERAS_OPTIMIZERS.items() if row.keras2 is not None}
KERAS2_3_SIGNATURES = {name: row.keras2_3 for name, row in KERAS_OPTIMIZERS.items() if row.keras2_3 is not None}
KERAS2_3_KEYWORDS = {name: row.keras2_3_keywords for name, row in KERAS_OPTIMIZERS.items() if row.keras2_3 is not None}
KERAS2_IMPLIED = {name: row.keras2_implied for name, row in KERAS_OPTIMIZERS.items() if row.keras2_implied}
KERAS2_DIFFERENCES = {name: row.keras2_difference for name, row in KERAS_OPTIMIZERS.items() if row.keras2_difference}
TF_KERAS_DIFFERENCES = {name: row.tf_keras_difference for name, row in KERAS_OPTIMIZERS.items() if row.tf_keras_difference}

# Keras 2.2 lowercase aliases of the classes (`keras.optimizers.adam(...)`).
KERAS2_FACTORIES = {name.lower(): name for name in KERAS2_SIGNATURES}


def star_exported(member: str | None) -> frozenset[str]:
    """The names optfix knows `from <a Keras root>.<member> import *` binds to that module's own
    (`from keras.optimizers import *` binds `Adam`): the optimizer namespaces' classes, Keras 2's
    factories (`adam`), the base class and `get`; none for any other module."""
    if member not in ("optimizers", "optimizers.legacy", "optimizers.experimental"):
        return frozenset()
    factories = set(KERAS2_FACTORIES) if member == "optimizers" else set()
    return frozenset(KERAS3_OPTIMIZERS | factories | {"Optimizer", "get"})

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
    row = KERAS_OPTIMIZERS.get(name)
    if row is None:
        return {}
    new = dict(row.keras3)
    old = {"learning_rate" if param == "lr" else param: value for param, value in row.keras2 or ()}
    old.update(row.keras2_implied)
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
