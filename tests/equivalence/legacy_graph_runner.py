"""Run legacy `get_updates` optimizers, unmodified, on real tf_keras in TF1 graph mode.

A subprocess of tests/equivalence/test_legacy_backend.py (graph mode is process-global, and a Keras 3
`import keras` must not happen here):

    python legacy_graph_runner.py RUNS.json GRADIENTS.npz OUT.npz

RUNS.json lists `{"path": ..., "kwargs": {...}}`; GRADIENTS.npz holds `initial_<i>` and
`gradients_<i>` (steps first) for each parameter i. OUT.npz gets, for run j, `run_<j>` (steps x
all parameter values, flattened and concatenated) or `error_<j>` (the exception).

The names legacy code imports are an alias layer over tf_keras (the reference's recipe, §7):
`keras.backend` is tf_keras's backend and `keras.optimizers.Optimizer` its `optimizer_v1`
base class, with three changes that keep the comparison about the optimizer's math:
- `get_gradients` of `keras.optimizers.Optimizer` clips like Keras 2.2.4 (the global norm);
  `tensorflow.keras.optimizers.Optimizer` is tf_keras's own, which clips each tensor.
- `K.update*` return `(variable, new value)` pairs, like Keras 2.2's tuple updates. Each step
  first evaluates every new value in one `session.run`, then assigns them all. Running the
  assign ops as one group, as Keras 2 did, leaves unordered the reads of a variable that is
  also assigned in the group (e.g. `iterations`), so a step could see some values after it.
- `var *= x` on a variable gives a new tensor, as on TF1's variables (see below).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
import types
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.compat.v1.disable_eager_execution()

from tensorflow.python.ops.resource_variable_ops import BaseResourceVariable  # noqa: E402

# TF1's variables made `lr *= x` a new tensor (legacy code does this: `lr *= 1. / (1. + ...)`);
# TF2's resource variables, which tf_keras creates even in graph mode, raise instead.
for _name, _operator in {"iadd": "add", "isub": "sub", "imul": "mul", "itruediv": "truediv", "ipow": "pow"}.items():
    setattr(BaseResourceVariable, f"__{_name}__",
            lambda self, other, _f=getattr(BaseResourceVariable, f"__{_operator}__"): _f(self, other))

import tf_keras  # noqa: E402
from tf_keras.src import backend as tf_keras_backend  # noqa: E402
from tf_keras.src.optimizers import optimizer_v1  # noqa: E402


def _module(name: str, **members) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(members)
    module.__path__ = []
    return module


class Optimizer(optimizer_v1.Optimizer):
    """tf_keras's Keras 2 base class, with Keras 2.2.4's global-norm clipping."""

    def get_gradients(self, loss, params):
        grads = K.gradients(loss, params)
        if getattr(self, "clipnorm", 0) > 0:
            norm = K.sqrt(sum(K.sum(K.square(g)) for g in grads))
            grads = [tf.compat.v1.cond(norm >= self.clipnorm, lambda g=g: self.clipnorm / norm * g, lambda g=g: g)
                     for g in grads]
        if getattr(self, "clipvalue", 0) > 0:
            grads = [K.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads


K = _module("keras.backend", **vars(tf_keras_backend))
K.update = lambda x, new_x: (x, new_x)
K.update_add = lambda x, increment: (x, x + increment)
K.update_sub = lambda x, decrement: (x, x - decrement)
K.symbolic = getattr(tf_keras_backend, "symbolic", lambda function: function)  # Keras 2.3; not in tf_keras

interfaces = _module("keras.legacy.interfaces", legacy_get_updates_support=lambda function: function)
legacy = _module("keras.legacy", interfaces=interfaces)
utils = _module("keras.utils", get_custom_objects=tf_keras.utils.get_custom_objects)
for prefix, base in (("keras", Optimizer), ("tensorflow.keras", optimizer_v1.Optimizer),
                     ("tensorflow.python.keras", optimizer_v1.Optimizer)):
    optimizers = _module(prefix + ".optimizers", Optimizer=base, interfaces=interfaces)
    keras = _module(prefix, backend=K, optimizers=optimizers, legacy=legacy, utils=utils)
    sys.modules.update({prefix: keras, prefix + ".backend": K, prefix + ".optimizers": optimizers,
                        prefix + ".legacy": legacy, prefix + ".legacy.interfaces": interfaces,
                        prefix + ".utils": utils})


def _pairs(updates):
    for update in updates:
        if isinstance(update, list):
            yield from _pairs(update)
        elif isinstance(update, tuple) and len(update) == 2:
            yield update
        else:
            raise TypeError(f"get_updates returned {update!r}, which is not an update")


def run(cls, kwargs: dict, initial: list[np.ndarray], gradients: list[list[np.ndarray]]) -> np.ndarray:
    tf_keras_backend.clear_session()
    K.set_floatx("float64")
    params = [K.variable(value, dtype="float64", name=f"param_{i}") for i, value in enumerate(initial)]
    fed = [tf.compat.v1.placeholder("float64", value.shape) for value in initial]
    loss = tf.add_n([tf.reduce_sum(p * g) for p, g in zip(params, fed)])  # d loss / d p = g
    optimizer = cls(**kwargs)
    pairs = list(_pairs(optimizer.get_updates(loss=loss, params=params)))
    new_values = [tf.convert_to_tensor(value, dtype=variable.dtype.base_dtype) for variable, value in pairs]
    slots = [tf.compat.v1.placeholder(variable.dtype.base_dtype, variable.shape) for variable, _ in pairs]
    assigns = [tf.compat.v1.assign(variable, slot) for (variable, _), slot in zip(pairs, slots)]
    session = tf_keras_backend.get_session()
    steps = []
    for grads in gradients:
        values = session.run(new_values, dict(zip(fed, grads)))
        session.run(assigns, dict(zip(slots, values)))
        steps.append(np.concatenate([np.ravel(v) for v in session.run(params)]))
    return np.array(steps)


def main(runs_path: str, gradients_path: str, out_path: str) -> None:
    runs = json.loads(Path(runs_path).read_text())
    data = np.load(gradients_path)
    count = len([key for key in data.files if key.startswith("initial_")])
    initial = [data[f"initial_{i}"] for i in range(count)]
    gradients = [list(step) for step in zip(*(data[f"gradients_{i}"] for i in range(count)))]
    modules: dict[str, dict] = {}
    results = {}
    for j, spec in enumerate(runs):
        try:
            path = spec["path"]
            if path not in modules:
                modules[path] = {"__name__": Path(path).stem, "__file__": path}
                exec(compile(Path(path).read_text(), path, "exec"), modules[path])
            [cls] = [value for value in modules[path].values() if isinstance(value, type)
                     and issubclass(value, optimizer_v1.Optimizer) and value.__module__ == Path(path).stem]
            results[f"run_{j}"] = run(cls, spec["kwargs"], initial, gradients)
        except Exception:  # reported per run, so one broken fixture does not hide the others
            results[f"error_{j}"] = np.array(traceback.format_exc())
    np.savez(out_path, **results)


if __name__ == "__main__":
    main(*sys.argv[1:])
