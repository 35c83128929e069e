"""Run tf.keras 2 optimizers (the OptimizerV2 API), unmodified, on tf_keras: the original side of
tests/equivalence/test_optimizer_v2_equivalence.py, in a process of its own (`tf.keras` must be
tf_keras here, and Keras 3 there):

    python optimizer_v2_runner.py JOBS.pickle OUT.pickle

Each job holds the fixture's `path`, the constructor's `kwargs`, the `initial` values of the
variables and, per step, a gradient for each (an array, or `(values, indices)` of a sparse
gradient); OUT gets, per job, the variables' values after each step, or the error's text.

`TF_USE_LEGACY_KERAS=1` makes `tf.keras` the installed tf_keras, and `tf.keras.optimizers.Optimizer`
is set to `tf.keras.optimizers.legacy.Optimizer`: the OptimizerV2 class that name meant up to
TensorFlow 2.10, which the fixtures were written for (tf_keras keeps it under `legacy`, the real
TensorFlow code). Nothing else is changed.
"""

from __future__ import annotations

import os
import pickle
import sys
import traceback

os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow.keras.optimizers  # noqa: E402  (the module `from tensorflow.keras.optimizers import ...` reads)

for _namespace in (tf.keras.optimizers, sys.modules["tensorflow.keras.optimizers"]):
    _namespace.Optimizer = tf.keras.optimizers.legacy.Optimizer


def optimizer_class(path: str) -> type:
    namespace = {"__name__": "legacy_" + os.path.basename(path)[:-3]}
    with open(path) as source:
        exec(compile(source.read(), path, "exec"), namespace)
    [cls] = [value for value in namespace.values() if isinstance(value, type) and issubclass(value, tf.keras.optimizers.legacy.Optimizer)
             and value.__module__ == namespace["__name__"]]
    return cls


def run(job: dict) -> list[list[np.ndarray]]:
    optimizer = optimizer_class(job["path"])(**job["kwargs"])
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
        steps.append([variable.numpy() for variable in variables])
    return steps


def main(jobs_path: str, out_path: str) -> None:
    with open(jobs_path, "rb") as file:
        jobs = pickle.load(file)
    results = []
    for job in jobs:
        try:
            results.append(run(job))
        except Exception:  # the test reports it, with the job it belongs to
            results.append(traceback.format_exc())
    with open(out_path, "wb") as file:
        pickle.dump(results, file)


if __name__ == "__main__":
    main(*sys.argv[1:])
