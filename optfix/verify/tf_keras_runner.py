"""The original side of an OptimizerV2 proof: tf.keras 2 optimizers, unmodified, on tf_keras, in a
process of its own (`tf.keras` must be tf_keras here, and Keras 3 in optfix's own process):

    python -m optfix.verify.tf_keras_runner JOBS.pickle OUT.pickle

Each job holds the module's `path` (and its `source`, when it is not the file's text), the
class `name` (optional where the module defines one optimizer), the constructor's `kwargs`, the
`initial` values of the variables and, per step, a gradient for each (an array, or
`(values, indices)` of a sparse gradient); OUT gets, per job, the variables' values after each
step, or the traceback (see processes.py).

`TF_USE_LEGACY_KERAS=1` makes `tf.keras` the installed tf_keras, and `tf.keras.optimizers.Optimizer`
(and each built-in: `Adam`, `SGD`, ...) is set to its `tf.keras.optimizers.legacy` class: the
OptimizerV2 class that name meant up to TensorFlow 2.10, which such code was written for (tf_keras
keeps them under `legacy`, the real TensorFlow code); the names `tensorflow.python` bound up to
TensorFlow 2.5 are bound again (legacy_namespaces.py). The standalone `keras` package is tf_keras
here too, as it was Keras 2 for code written against it. Code that imports OptimizerV2 from
`tensorflow.python.keras.optimizer_v2` runs on that copy, which TensorFlow still ships. Nothing
else is changed.
"""

from __future__ import annotations

import os
import sys

MODULE = "optfix.verify.tf_keras_runner"
ENVIRONMENT = {"TF_USE_LEGACY_KERAS": "1"}

_modules: dict[tuple[str, str], dict] = {}


def _namespace(path: str, source: str) -> dict:
    """The module, executed once however many jobs read it."""
    key = (path, source)
    if key not in _modules:
        from optfix.verify.placeholders import placeholders

        namespace = {"__name__": "legacy_" + os.path.basename(path)[:-3], "__file__": path}
        with placeholders(source):
            exec(compile(source, path, "exec"), namespace)
        _modules[key] = namespace
    return _modules[key]


def optimizer_class(job: dict) -> type:
    import tensorflow as tf

    source = job.get("source")
    if source is None:
        with open(job["path"]) as file:
            source = file.read()
    namespace = _namespace(job["path"], source)
    if job.get("name"):
        if not isinstance(namespace.get(job["name"]), type):
            raise LookupError(f"{job['name']} is not a class at module level")
        return namespace[job["name"]]
    from tensorflow.python.keras.optimizer_v2.optimizer_v2 import OptimizerV2

    [cls] = [value for value in namespace.values() if isinstance(value, type)
             and issubclass(value, (tf.keras.optimizers.legacy.Optimizer, OptimizerV2)) and value.__module__ == namespace["__name__"]]
    return cls


def run(job: dict) -> list:
    import numpy as np
    import tensorflow as tf

    optimizer = optimizer_class(job)(**job["kwargs"])
    variables = [tf.Variable(value) for value in job["initial"]]
    steps = []
    for gradients in job["gradients"]:
        pairs = []
        for gradient, variable in zip(gradients, variables):
            if isinstance(gradient, tuple):
                values, indices = gradient
                gradient = tf.IndexedSlices(tf.constant(values), tf.constant(indices), tf.constant(variable.shape, tf.int64))
            else:
                gradient = tf.constant(gradient)
            pairs.append((gradient, variable))
        optimizer.apply_gradients(pairs)
        steps.append([np.array(variable.numpy()) for variable in variables])
    return steps


def _start() -> None:
    from optfix.verify import legacy_namespaces

    os.environ.update(ENVIRONMENT)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    import tensorflow.compat.v2 as tf2  # `import tensorflow.compat.v2 as tf`: a module of its own
    import tensorflow.keras.optimizers  # noqa: F401  (the module `from tensorflow.keras.optimizers import ...` reads)

    import tf_keras

    _keras_as_tf_keras()
    legacy = tf.keras.optimizers.legacy
    for namespace in (tf.keras.optimizers, sys.modules["tensorflow.keras.optimizers"], tf2.keras.optimizers, tf_keras.optimizers):
        for name in dir(legacy):
            if isinstance(getattr(legacy, name), type):  # Optimizer, Adam, SGD, ...: OptimizerV2's classes
                setattr(namespace, name, getattr(legacy, name))
    legacy_namespaces.bind()


def _keras_as_tf_keras() -> None:
    """`import keras` as Keras 2.x code meant it (the keras package up to 2.15, whose
    `keras.optimizers.Optimizer` was OptimizerV2 before 2.11): tf_keras, that same code."""
    for name, module in list(sys.modules.items()):
        if name == "tf_keras" or name.startswith("tf_keras."):
            sys.modules["keras" + name[len("tf_keras"):]] = module


if __name__ == "__main__":
    from optfix.verify.processes import main

    _start()
    main(run, sys.argv[1:])
