"""tensorflow_addons (tfa 0.23, the last release) optimizers and what Keras 3 makes of them.

tfa is end-of-life and does not import with TensorFlow 2.16+. Each row lists a tfa constructor's
parameters in their positional order with their defaults and the Keras 3 keyword each becomes
(None: dropped), like the TF1 table, whose row type it extends. Where a tfa default differs from
the Keras 3 one the rewrite writes the tfa value (`explicit_defaults()`).
The tfa side is transcribed from tfa 0.23.0's source and signatures (as run on TensorFlow 2.15;
ProximalAdagrad's parameters are `l1_regularization_strength`/`l2_regularization_strength`), the
Keras 3 side verified against Keras 3.15 by tests/test_tfa_table.py, the math by
tests/test_tfa_equivalence.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from optfix.knowledge.rows import REQUIRED, Param
from optfix.knowledge.tf1 import Tf1Optimizer

TFA_OPTIMIZERS_MODULE = "tensorflow_addons.optimizers"


@dataclass(frozen=True)
class TfaOptimizer(Tf1Optimizer):
    # Keyword-only arguments tfa passes on through **kwargs and Keras 3 takes as they are.
    kwargs: tuple[Param, ...] = ()
    # Exact only while these arguments are absent or None (or an empty list).
    none_only: tuple[str, ...] = ()
    # tfa decays `var -= weight_decay*var`, Keras 3 `var -= weight_decay*lr*var`: the rewrite
    # writes `weight_decay=wd / lr`, exact while the learning rate stays constant.
    decoupled: bool = False
    # What the rewrite cannot keep although it is safe for dense gradients: reported at the call.
    note: str = ""


# The arguments every tfa optimizer accepts through **kwargs (OptimizerV2). tf.keras 2 clipped
# each gradient on its own, as Keras 3 clipnorm does, so they pass on unchanged.
_CLIPPING = tuple(Param(name, None, name, math=False) for name in ("clipnorm", "clipvalue", "global_clipnorm"))
_ADAM = (Param("beta_1", 0.9, "beta_1"), Param("beta_2", 0.999, "beta_2"))
_ADAM_DEFAULTS = {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07}

TFA_OPTIMIZERS = {
    row.legacy: row
    for row in (
        TfaOptimizer(
            "AdamW",
            (Param("weight_decay", REQUIRED, "weight_decay"), Param("learning_rate", 0.001, "learning_rate"), *_ADAM,
             Param("epsilon", 1e-07, "epsilon"), Param("amsgrad", False, "amsgrad"), Param("name", "AdamW", "name", math=False)),
            keras="AdamW",
            keras_defaults={**_ADAM_DEFAULTS, "amsgrad": False, "weight_decay": 0.004},
            kwargs=_CLIPPING,
            decoupled=True,
        ),
        TfaOptimizer(
            "SGDW",
            (Param("weight_decay", REQUIRED, "weight_decay"), Param("learning_rate", 0.001, "learning_rate"),
             Param("momentum", 0.0, "momentum"), Param("nesterov", False, "nesterov"), Param("name", "SGDW", "name", math=False)),
            keras="SGD",
            keras_defaults={"learning_rate": 0.01, "momentum": 0.0, "nesterov": False, "weight_decay": None},
            kwargs=_CLIPPING,
            decoupled=True,
        ),
        TfaOptimizer(
            "LazyAdam",
            (Param("learning_rate", 0.001, "learning_rate"), *_ADAM, Param("epsilon", 1e-07, "epsilon"),
             Param("amsgrad", False, "amsgrad"), Param("name", "LazyAdam", "name", math=False)),
            keras="Adam",
            keras_defaults={**_ADAM_DEFAULTS, "amsgrad": False},
            kwargs=_CLIPPING,
            note="exact for dense gradients, but Keras 3 has no lazy "
                 "sparse update: for sparse gradients (embeddings) tfa updated only the rows in the batch, "
                 "Keras 3 Adam moves every row (their moments keep decaying); check training that relies on it",
        ),
        TfaOptimizer(
            "LAMB",
            (Param("learning_rate", 0.001, "learning_rate"), *_ADAM, Param("epsilon", 1e-06, "epsilon"),
             Param("weight_decay", 0.0), Param("exclude_from_weight_decay", None),
             Param("exclude_from_layer_adaptation", None), Param("name", "LAMB", "name", math=False)),
            keras="Lamb",
            keras_defaults=dict(_ADAM_DEFAULTS),
            kwargs=(*_CLIPPING, Param("weight_decay_rate", 0.0)),  # tfa's deprecated spelling of weight_decay
            zero_only=("weight_decay", "weight_decay_rate"),
            # tfa falls back to exclude_from_weight_decay for exclude_from_layer_adaptation.
            none_only=("exclude_from_weight_decay", "exclude_from_layer_adaptation"),
            advice="tfa LAMB adds weight_decay*var to the update inside the trust ratio, while Keras 3 "
                   "weight_decay is decoupled, and Keras 3 Lamb cannot exclude variables from layer "
                   "adaptation (tfa excludes exclude_from_weight_decay's variables from it too when "
                   "exclude_from_layer_adaptation is not given); keeping tfa's math needs a "
                   "keras.optimizers.Lamb subclass whose update_step() does both",
        ),
        TfaOptimizer(
            "ProximalAdagrad",
            (Param("learning_rate", 0.001, "learning_rate"), Param("initial_accumulator_value", 0.1, "initial_accumulator_value"),
             Param("l1_regularization_strength", 0.0), Param("l2_regularization_strength", 0.0),
             Param("name", "ProximalAdagrad", "name", math=False)),
            keras="Adagrad",
            keras_defaults={"learning_rate": 0.001, "initial_accumulator_value": 0.1},
            extra={"epsilon": 0.0},  # tfa has no epsilon; Keras adds 1e-7 inside the sqrt
            kwargs=_CLIPPING,
            zero_only=("l1_regularization_strength", "l2_regularization_strength"),
            advice="Keras 3 has no proximal l1/l2 step (its weight_decay is a different update); port it "
                   "as a keras.optimizers.Adagrad subclass",
        ),
    )
}

_PORT = "port it as a custom keras.optimizers.Optimizer, or choose a Keras 3 optimizer deliberately"
_CYCLICAL = "write a keras.optimizers.schedules.LearningRateSchedule subclass with the same formula"

# tfa names with no Keras 3 counterpart for optfix to write: what to do instead.
TFA_NO_EQUIVALENT = {
    "MovingAverage": (
        "the nearest is use_ema=True, ema_momentum=<average_decay> on the Keras 3 optimizer it wraps, "
        "but Keras 3 starts the average at the weights after the first step (tfa from the initial "
        "weights: 0.99*x0 + 0.01*x1) and fit() overwrites the model weights with the average at the end"
    ),
    "SWA": "Keras 3 has no stochastic weight averaging; " + _PORT,
    "AveragedOptimizerWrapper": "Keras 3 has no averaging wrapper; " + _PORT,
    "Lookahead": "Keras 3 has no Lookahead wrapper; " + _PORT,
    "RectifiedAdam": _PORT,
    "Yogi": _PORT,
    "NovoGrad": _PORT,
    "AdaBelief": _PORT,
    "COCOB": _PORT,
    "ConditionalGradient": _PORT,
    "DecoupledWeightDecayExtension": (
        "every Keras 3 optimizer takes weight_decay=: pass weight_decay=wd / lr (tfa decays by wd, "
        "Keras 3 by wd*lr; exact while the learning rate is constant) and call "
        "keras.optimizers.Optimizer.exclude_from_weight_decay() for variables tfa did not decay"
    ),
    "extend_with_decoupled_weight_decay": (
        "every Keras 3 optimizer takes weight_decay=: build the base optimizer with weight_decay=wd / lr "
        "(tfa decays by wd, Keras 3 by wd*lr; exact while the learning rate is constant)"
    ),
    "MultiOptimizer": (
        "keras.optimizers.MultiOptimizer has a different API: it takes a keras.optimizers.OptimizerMap"
        "(default_optimizer, {variable path regex: optimizer}), not (optimizer, layers) pairs; rewrite by hand"
    ),
    "CyclicalLearningRate": _CYCLICAL,
    "TriangularCyclicalLearningRate": _CYCLICAL,
    "Triangular2CyclicalLearningRate": _CYCLICAL,
    "ExponentialCyclicalLearningRate": _CYCLICAL,
}

# Keyword arguments tfa takes through **kwargs that no Keras 3 keyword expresses.
TFA_UNMAPPED_KEYWORDS = {
    "lr": "lr= is tfa's deprecated spelling of learning_rate: write learning_rate= and run optfix again",
    "decay": "decay= is a time-based learning-rate decay: Keras 3 needs learning_rate="
             "keras.optimizers.schedules.InverseTimeDecay(lr, 1, decay), and a weight decay then follows "
             "the schedule in Keras 3 but not in tfa: migrate by hand",
    "exclude_from_weight_decay": "Keras 3 excludes variables from weight decay with "
                                 "optimizer.exclude_from_weight_decay(var_names=[...]), called before the first "
                                 "step: migrate by hand",
}

TFA_NAMES = frozenset(TFA_OPTIMIZERS) | frozenset(TFA_NO_EQUIVALENT)


def tfa_name(qualified: str | None) -> str | None:
    """`tensorflow_addons.optimizers.weight_decay_optimizers.AdamW` -> `AdamW`; None otherwise."""
    if not qualified or not qualified.startswith(TFA_OPTIMIZERS_MODULE + "."):
        return None
    name = qualified.rpartition(".")[2]
    return name if name in TFA_NAMES else None
