"""The Keras 3 side of a proof: run a Keras 3 optimizer on the gradients a legacy one was fed.

Keras is imported only when `run_keras3` runs, so `compare` and `gradient_sequence` stay cheap.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def gradient_sequence(shapes: Sequence[tuple[int, ...]], steps: int, seed: int = 0, scale: float = 1.0,
                      dtype=np.float64) -> tuple[list[np.ndarray], list[list[np.ndarray]]]:
    """Deterministic `(initial, gradients)`: initial values in [0.5, 1.5), so that no parameter
    starts at 0, and `steps` lists of standard-normal gradients times `scale`, one per shape."""
    rng = np.random.default_rng(seed)
    initial = [rng.uniform(0.5, 1.5, size=shape).astype(dtype) for shape in shapes]
    gradients = [[(rng.standard_normal(shape) * scale).astype(dtype) for shape in shapes] for _ in range(steps)]
    return initial, gradients


EMBEDDING = (6, 3)


def sparse_gradient_sequence(steps: int, seed: int = 0, dtype=np.float64) -> tuple[list[np.ndarray], list[list[tuple]]]:
    """Deterministic `(initial, gradients)` of one embedding table, each gradient `(values,
    indices)` of a tf.IndexedSlices: a row given twice and rows given none, other rows each step."""
    rng = np.random.default_rng(seed)
    initial = [rng.uniform(0.5, 1.5, size=EMBEDDING).astype(dtype)]
    rows = EMBEDDING[0]
    gradients = []
    for step in range(steps):
        indices = np.array([step % rows, (step + 2) % rows, (step + 2) % rows, (step + 5) % rows], dtype=np.int64)
        gradients.append([(rng.standard_normal((len(indices), EMBEDDING[1])).astype(dtype), indices)])
    return initial, gradients


def run_keras3(cls, kwargs: dict, initial: list[np.ndarray], gradients: list[list[np.ndarray]]) -> list[list[np.ndarray]]:
    """Train `cls(**kwargs)` with `apply_gradients` and return the parameter values after each
    step (see `train_keras3`)."""
    return train_keras3(cls, kwargs, initial, gradients)[1]


def train_keras3(cls, kwargs: dict, initial: list[np.ndarray], gradients: list[list[np.ndarray]]):
    """Train `cls(**kwargs)` with `apply_gradients`; the optimizer and the parameter values after
    each step.

    Everything runs in the dtype of `initial`: floatx is set to it while the optimizer is built
    and run, so its learning rate and slots are not rounded to float32.
    """
    import keras

    dtype = np.result_type(*initial).name
    saved = keras.config.floatx()
    keras.config.set_floatx(dtype)
    try:
        optimizer = cls(**kwargs)
        variables = [keras.Variable(np.array(value), dtype=dtype, name=f"param_{i}") for i, value in enumerate(initial)]
        steps = []
        for grads in gradients:
            tensors = [_tensor(g, v, dtype) for g, v in zip(grads, variables)]
            optimizer.apply_gradients(zip(tensors, variables))
            steps.append([np.array(keras.ops.convert_to_numpy(v)) for v in variables])
        return optimizer, steps
    finally:
        keras.config.set_floatx(saved)


def _tensor(gradient, variable, dtype: str):
    """A gradient as Keras 3 takes it: `(values, indices)` becomes a tf.IndexedSlices (TensorFlow backend)."""
    import keras

    if not isinstance(gradient, tuple):
        return keras.ops.convert_to_tensor(np.asarray(gradient), dtype=dtype)
    import tensorflow as tf

    values, indices = gradient
    return tf.IndexedSlices(tf.constant(values, dtype=dtype), tf.constant(indices), tf.constant(variable.shape, tf.int64))


def compare(legacy_steps: list[list[np.ndarray]], keras3_steps: list[list[np.ndarray]]) -> float:
    """The largest normwise relative difference over the steps, ||new - old|| / ||old||, where
    each norm runs over all parameters together and `old`, the legacy trajectory, is the
    reference. Any NaN or infinity gives infinity."""
    if len(legacy_steps) != len(keras3_steps):
        raise ValueError(f"{len(legacy_steps)} legacy steps but {len(keras3_steps)} Keras 3 steps")
    worst = 0.0
    for old, new in zip(legacy_steps, keras3_steps):
        if [np.shape(a) for a in old] != [np.shape(b) for b in new]:
            raise ValueError("the two runs hold parameters of different shapes")
        old_flat = np.concatenate([np.ravel(a) for a in old]).astype(np.float64)
        new_flat = np.concatenate([np.ravel(b) for b in new]).astype(np.float64)
        difference = np.linalg.norm(new_flat - old_flat) / max(np.linalg.norm(old_flat), np.finfo(np.float64).tiny)
        if not np.isfinite(difference):
            return float("inf")
        worst = max(worst, float(difference))
    return worst
