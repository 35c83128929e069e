"""The strings `keras.optimizers.get()` and `Model.compile(optimizer=...)` accept.

Keras 3 lowercases the string and looks it up among the built-in optimizer class names.
"""

from __future__ import annotations

# Keras 3.15 strings that build an optimizer (any letter case).
REGISTERED = frozenset({
    "adadelta", "adafactor", "adagrad", "adam", "adamax", "adamw", "ftrl", "lion", "muon",
    "nadam", "rmsprop", "schedulefreeadamw", "sgd",
})

# Accepted by Keras 2.11-2.15 for the optimizer that Keras 3 builds under the plain name.
RENAMED = {
    "experimentaladadelta": "adadelta",
    "experimentaladagrad": "adagrad",
    "experimentaladam": "adam",
    "experimentalsgd": "sgd",
}

# Keras 3 optimizer classes that the string registry leaves out: the string becomes an instance.
UNREGISTERED = {"lamb": "Lamb"}

# Strings people pass that no spelling fix can serve; the message says what to do instead.
UNSERVED = {
    "tfoptimizer": "wrapped a TensorFlow 1 optimizer in Keras 2; Keras 3 has no such wrapper",
    "lossscaleoptimizer": "needs an inner optimizer: use keras.optimizers.LossScaleOptimizer(inner_optimizer)",
    "multioptimizer": "needs an optimizer map: use keras.optimizers.MultiOptimizer(...)",
    "optimizermap": "is not an optimizer: use keras.optimizers.MultiOptimizer(...)",
    "optimizer": "names the abstract base class, which cannot train",
    "momentum": "is not a Keras optimizer: use keras.optimizers.SGD(momentum=...)",
    "gradientdescent": "is not a Keras optimizer: use 'sgd'",
}
