"""TensorFlow 1 optimizers (`tf.compat.v1.train`) and the Keras 3 optimizers that compute the
same updates.

Each row lists the TF1 constructor's parameters in their positional order with their defaults,
the Keras 3 keyword each one becomes (None: dropped, it does not touch the math), and the Keras 3
defaults of those keywords. Where a TF1 default differs from the Keras 3 one, the rewrite writes
the TF1 value explicitly; that follows from the two columns, so it is never listed by hand.
Verified against TensorFlow 2.21 (its `tf.compat.v1.train`) and Keras 3.15: every row's
signature and defaults by tests/test_tf1_table.py, the updates of each mapping by running both
optimizers on the same gradients (tests/test_tf1_equivalence.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from optfix.knowledge.rows import NO_NONE_MEANING, REQUIRED, Param


@dataclass(frozen=True)
class Tf1Optimizer:
    legacy: str  # class name in tf.compat.v1.train
    params: tuple[Param, ...]  # positional order, `self` left out
    keras: str | None = None  # class in keras.optimizers; None: no Keras 3 equivalent
    keras_defaults: dict[str, object] = field(default_factory=dict)  # of the keywords used
    extra: dict[str, object] = field(default_factory=dict)  # Keras 3 keywords TF1 implied
    zero_only: tuple[str, ...] = ()  # exact only while these TF1 arguments are literal zeros
    constant_only: tuple[str, ...] = ()  # exact only while these TF1 arguments stay constant
    unsafe: str = ""  # why even the best Keras 3 arguments change the math
    advice: str = ""  # what to do instead, where there is no equivalent

    def explicit_defaults(self) -> dict[str, object]:
        """Keras 3 keywords to write when the TF1 call leaves the parameter out."""
        written = {}
        for param in self.params:
            if param.keras is None or param.default is REQUIRED or not param.math:
                continue
            old = param.default if param.none_means is NO_NONE_MEANING or param.default is not None else param.none_means
            if old != self.keras_defaults[param.keras]:
                written[param.keras] = old
        return {**written, **self.extra}


_LR = Param("learning_rate", keras="learning_rate")
_LOCKING = Param("use_locking", False)

TF1_OPTIMIZERS = {
    row.legacy: row
    for row in (
        Tf1Optimizer(
            "GradientDescentOptimizer",
            (_LR, _LOCKING, Param("name", "GradientDescent", "name", math=False)),
            keras="SGD",
            keras_defaults={"learning_rate": 0.01},
        ),
        Tf1Optimizer(
            "MomentumOptimizer",
            (_LR, Param("momentum", keras="momentum"), _LOCKING, Param("name", "Momentum", "name", math=False),
             Param("use_nesterov", False, "nesterov")),
            keras="SGD",
            keras_defaults={"learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
            constant_only=("learning_rate",),
        ),
        Tf1Optimizer(
            "AdagradOptimizer",
            (_LR, Param("initial_accumulator_value", 0.1, "initial_accumulator_value"), _LOCKING,
             Param("name", "Adagrad", "name", math=False)),
            keras="Adagrad",
            keras_defaults={"learning_rate": 0.001, "initial_accumulator_value": 0.1},
            extra={"epsilon": 0.0},  # TF1 Adagrad has no epsilon; Keras adds 1e-7 inside the sqrt
        ),
        Tf1Optimizer(
            "AdagradDAOptimizer",
            (_LR, Param("global_step"), Param("initial_gradient_squared_accumulator_value", 0.1),
             Param("l1_regularization_strength", 0.0), Param("l2_regularization_strength", 0.0),
             _LOCKING, Param("name", "AdagradDA", "name", math=False)),
            advice="port dual averaging as a custom keras.optimizers.Optimizer, or choose another "
                   "optimizer deliberately",
        ),
        Tf1Optimizer(
            "AdamOptimizer",
            (Param("learning_rate", 0.001, "learning_rate"), Param("beta1", 0.9, "beta_1"),
             Param("beta2", 0.999, "beta_2"), Param("epsilon", 1e-08, "epsilon"), _LOCKING,
             Param("name", "Adam", "name", math=False), Param("use_own_namescope_for_non_slot_vars", False)),
            keras="Adam",
            keras_defaults={"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07},
        ),
        Tf1Optimizer(
            "AdadeltaOptimizer",
            (Param("learning_rate", 0.001, "learning_rate"), Param("rho", 0.95, "rho"),
             Param("epsilon", 1e-08, "epsilon"), _LOCKING, Param("name", "Adadelta", "name", math=False)),
            keras="Adadelta",
            keras_defaults={"learning_rate": 0.001, "rho": 0.95, "epsilon": 1e-07},
        ),
        Tf1Optimizer(
            "RMSPropOptimizer",
            (_LR, Param("decay", 0.9, "rho"), Param("momentum", 0.0, "momentum"),
             Param("epsilon", 1e-10, "epsilon"), _LOCKING, Param("centered", False, "centered"),
             Param("name", "RMSProp", "name", math=False)),
            keras="RMSprop",
            keras_defaults={"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-07, "centered": False},
            unsafe="TF1 RMSProp starts its mean-square accumulator at 1.0, Keras RMSprop at 0.0: "
                   "the updates differ (by half the movement over the first 20 steps); "
                   "keeping TF1's math needs a Keras RMSprop subclass whose build() sets the "
                   "accumulators to 1",
        ),
        Tf1Optimizer(
            "FtrlOptimizer",
            (_LR, Param("learning_rate_power", -0.5, "learning_rate_power"),
             Param("initial_accumulator_value", 0.1, "initial_accumulator_value"),
             Param("l1_regularization_strength", 0.0, "l1_regularization_strength"),
             Param("l2_regularization_strength", 0.0, "l2_regularization_strength"), _LOCKING,
             Param("name", "Ftrl", "name", math=False), Param("accum_name", None), Param("linear_name", None),
             Param("l2_shrinkage_regularization_strength", 0.0, "l2_shrinkage_regularization_strength"),
             Param("beta", None, "beta", none_means=0.0)),
            keras="Ftrl",
            keras_defaults={"learning_rate": 0.001, "learning_rate_power": -0.5, "initial_accumulator_value": 0.1,
                            "l1_regularization_strength": 0.0, "l2_regularization_strength": 0.0,
                            "l2_shrinkage_regularization_strength": 0.0, "beta": 0.0},
        ),
        Tf1Optimizer(
            "ProximalAdagradOptimizer",
            (_LR, Param("initial_accumulator_value", 0.1, "initial_accumulator_value"),
             Param("l1_regularization_strength", 0.0), Param("l2_regularization_strength", 0.0),
             _LOCKING, Param("name", "ProximalAdagrad", "name", math=False)),
            keras="Adagrad",
            keras_defaults={"learning_rate": 0.001, "initial_accumulator_value": 0.1},
            extra={"epsilon": 0.0},
            zero_only=("l1_regularization_strength", "l2_regularization_strength"),
            advice="Keras has no proximal l1/l2 step (its weight_decay is a different update)",
        ),
        Tf1Optimizer(
            "ProximalGradientDescentOptimizer",
            (_LR, Param("l1_regularization_strength", 0.0), Param("l2_regularization_strength", 0.0),
             _LOCKING, Param("name", "ProximalGradientDescent", "name", math=False)),
            keras="SGD",
            keras_defaults={"learning_rate": 0.01},
            zero_only=("l1_regularization_strength", "l2_regularization_strength"),
            advice="Keras has no proximal l1/l2 step (its weight_decay is a different update)",
        ),
        Tf1Optimizer(
            "SyncReplicasOptimizer",
            (Param("opt"), Param("replicas_to_aggregate"), Param("total_num_replicas", None),
             Param("variable_averages", None), Param("variables_to_average", None), _LOCKING,
             Param("name", "sync_replicas", "name", math=False)),
            advice="synchronous replicas are a tf.distribute strategy's job in TF2 "
                   "(tf.distribute.MultiWorkerMirroredStrategy)",
        ),
    )
}

# Where TF1 optimizers live; `tf.train.XOptimizer` only exists in TensorFlow 1 code, and
# `tensorflow.python.training.training` is the private module behind `tf.compat.v1.train`.
TF1_TRAIN_MODULES = ("tensorflow.compat.v1.train", "tensorflow.train", "tensorflow.python.training.training")

# The private modules that define them, which TensorFlow's own code and some projects import.
TF1_DEFINING_MODULES = {
    "tensorflow.python.training.adadelta": "AdadeltaOptimizer",
    "tensorflow.python.training.adagrad": "AdagradOptimizer",
    "tensorflow.python.training.adagrad_da": "AdagradDAOptimizer",
    "tensorflow.python.training.adam": "AdamOptimizer",
    "tensorflow.python.training.ftrl": "FtrlOptimizer",
    "tensorflow.python.training.gradient_descent": "GradientDescentOptimizer",
    "tensorflow.python.training.momentum": "MomentumOptimizer",
    "tensorflow.python.training.optimizer": "Optimizer",
    "tensorflow.python.training.proximal_adagrad": "ProximalAdagradOptimizer",
    "tensorflow.python.training.proximal_gradient_descent": "ProximalGradientDescentOptimizer",
    "tensorflow.python.training.rmsprop": "RMSPropOptimizer",
    "tensorflow.python.training.sync_replicas_optimizer": "SyncReplicasOptimizer",
}

# The TF1 base class: subclasses, isinstance checks and annotations need a person.
TF1_BASE_CLASS = "Optimizer"

# Methods of a TF1 optimizer that a Keras 3 optimizer lacks, and what to do instead.
UNSUPPORTED_METHODS = {
    "minimize": "Keras optimizers have no minimize(): compute gradients with tf.GradientTape and "
                "call apply_gradients(zip(grads, variables)), or train with model.fit",
    "compute_gradients": "Keras optimizers have no compute_gradients(): use tf.GradientTape",
    "get_slot": "Keras optimizers have no get_slot(): their state is in optimizer.variables",
    "get_slot_names": "Keras optimizers have no get_slot_names(): their state is in optimizer.variables",
    "get_name": "Keras optimizers have no get_name(): use optimizer.name",
    "variables": "optimizer.variables is a list in Keras 3, not a method",
}

# apply_gradients(grads_and_vars) works in Keras 3; these extra arguments do not.
APPLY_GRADIENTS_LEGACY_ARGS = {
    "global_step": "Keras apply_gradients() takes no global_step: the optimizer counts its own "
                   "steps in optimizer.iterations",
    "name": "Keras apply_gradients() takes no name",
}

# TF1 wrappers that take a TF1 optimizer object (SyncReplicasOptimizer, in the table above, too).
WRAPPERS = {
    "tensorflow.compat.v1.tpu.CrossShardOptimizer": "use a tf.distribute.TPUStrategy instead",
    "tensorflow.tpu.CrossShardOptimizer": "use a tf.distribute.TPUStrategy instead",
    "tensorflow.contrib.tpu.CrossShardOptimizer": "use a tf.distribute.TPUStrategy instead",
}


def wrapper_advice(qualified: str) -> str | None:
    """What to do instead of the TF1 wrapper `qualified` names, reached through any TensorFlow
    module that defines or re-exports it (`tensorflow.contrib.tpu.python.tpu.tpu_optimizer`)."""
    if qualified in WRAPPERS:
        return WRAPPERS[qualified]
    name = qualified.rpartition(".")[2]
    if qualified.startswith("tensorflow."):
        return next((advice for known, advice in WRAPPERS.items() if known.rpartition(".")[2] == name), None)
    return None


# Libraries outside TensorFlow that drive the optimizer they are given (keyword `optimizer=`)
# the TF1 way, by the prefix of their qualified names.
TF1_DRIVING_LIBRARIES = {
    "tf_agents.agents": "tf_agents agents call apply_gradients(..., global_step=...) on the optimizer "
                        "they are given (tf_agents 0.3 and earlier) and run on tf.keras 2: Keras 3's "
                        "apply_gradients() takes no global_step; keep a TF1 or tf_keras optimizer here",
}

# TensorFlow APIs outside Keras that take an optimizer and work with a Keras 3 one as well;
# any other `tensorflow.*` function given a TF1 optimizer is taken to need a TF1 optimizer.
KERAS_AWARE_TF_APIS = frozenset({
    "tensorflow.train.Checkpoint",
    "tensorflow.compat.v2.train.Checkpoint",
    "tensorflow.saved_model.save",
})

# TensorFlow 1 graph-mode APIs. A Keras 3 optimizer has no graph ops to run in a TF1 session,
# so in a file that uses any of these, TF1 optimizers stay until the file is moved to TF2.
TF1_GRAPH_APIS = frozenset(
    f"{root}.{name}"
    for root in ("tensorflow", "tensorflow.compat.v1")
    for name in (
        "Session", "InteractiveSession", "Graph", "get_default_graph", "placeholder",
        "placeholder_with_default", "disable_eager_execution", "disable_v2_behavior",
        "global_variables_initializer", "initialize_all_variables", "train.Saver",
        "train.MonitoredTrainingSession", "train.MonitoredSession",
    )
)
TF1_GRAPH_METHODS = frozenset({"test_session"})  # tf.test.TestCase's graph-mode session

# TF1 learning-rate decay functions (they read global_step) and the Keras 3 schedules that take
# the same arguments without it (they read optimizer.iterations).
TF1_SCHEDULES = {
    "exponential_decay": "ExponentialDecay",
    "inverse_time_decay": "InverseTimeDecay",
    "polynomial_decay": "PolynomialDecay",
    "piecewise_constant": "PiecewiseConstantDecay",
    "cosine_decay": "CosineDecay",
}

# Modules of TF1 optimizers with no Keras 3 counterpart at all.
NO_EQUIVALENT_MODULES = {
    "tensorflow.contrib.opt": "tf.contrib was removed in TensorFlow 2 and its optimizers have no "
                              "Keras 3 counterpart (keras.optimizers.AdamW replaces AdamWOptimizer, "
                              "with weight_decay scaled by the learning rate)",
}


def tf1_class(qualified: str | None) -> str | None:
    """`tensorflow.compat.v1.train.AdamOptimizer` -> `AdamOptimizer`; None for anything else."""
    if not qualified:
        return None
    module, _, name = qualified.rpartition(".")
    if module in TF1_TRAIN_MODULES or TF1_DEFINING_MODULES.get(module) == name:
        return name
    return None
