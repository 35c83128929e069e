"""optimizer-v2 replaces an `apply_gradients` override that clips by the global norm
(`tf.clip_by_global_norm`) before the base class's with Keras 3's `global_clipnorm=`: the two must
compute the same clipped gradients, and the migrated fixture's proof must see the clipping."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import REPO, require

FIXTURE = REPO / "fixtures" / "optimizer-v2" / "adam_weight_decay_clipped.py"
SHAPES = ((5,), (3, 2), (4,))


def _gradients(scale: float, dtype: str) -> list[np.ndarray]:
    rng = np.random.default_rng(11)
    return [(scale * rng.normal(size=shape)).astype(dtype) for shape in SHAPES]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("scale", [1e-3, 1.0, 50.0])  # a global norm under, near and over the clip norm
@pytest.mark.parametrize("clip_norm", [0.75, 1.0, 3.0])
def test_keras_3s_global_clipnorm_clips_as_tf_clip_by_global_norm(dtype, scale, clip_norm) -> None:
    keras, tf = require("keras"), require("tensorflow")
    gradients = _gradients(scale, dtype)
    expected, _ = tf.clip_by_global_norm([tf.constant(g) for g in gradients], clip_norm=clip_norm)
    # SGD with a learning rate of 1 moves each variable by minus its (clipped) gradient.
    optimizer = keras.optimizers.SGD(learning_rate=1.0, global_clipnorm=clip_norm)
    variables = [keras.Variable(np.zeros(g.shape, dtype), dtype=dtype) for g in gradients]
    optimizer.apply_gradients(zip([tf.constant(g) for g in gradients], variables))
    for variable, clipped in zip(variables, expected):
        moved = -np.asarray(keras.ops.convert_to_numpy(variable))
        np.testing.assert_allclose(moved, clipped.numpy(), rtol=2e-7 if dtype == "float32" else 1e-15, atol=0)


def test_a_gradient_given_none_is_left_out_of_the_norm_by_both() -> None:
    keras, tf = require("keras"), require("tensorflow")
    gradients = _gradients(10.0, "float64")
    expected, _ = tf.clip_by_global_norm([tf.constant(gradients[0]), None, tf.constant(gradients[2])], clip_norm=1.0)
    optimizer = keras.optimizers.SGD(learning_rate=1.0, global_clipnorm=1.0)
    variables = [keras.Variable(np.zeros(g.shape), dtype="float64") for g in gradients]
    optimizer.apply_gradients([(tf.constant(gradients[0]), variables[0]), (None, variables[1]), (tf.constant(gradients[2]), variables[2])])
    np.testing.assert_allclose(-keras.ops.convert_to_numpy(variables[0]), expected[0].numpy(), rtol=1e-15)
    np.testing.assert_allclose(-keras.ops.convert_to_numpy(variables[2]), expected[2].numpy(), rtol=1e-15)
    assert not np.any(keras.ops.convert_to_numpy(variables[1]))


def test_the_fixtures_clipping_changes_what_the_original_computes() -> None:
    """Without its clipping, the original computes otherwise on normal gradients: the fixture's
    equivalence cases (which migrate the clipping to global_clipnorm=) prove something."""
    require("tf_keras")
    from optfix.verify.processes import run_jobs
    from optfix.verify.tf_keras_runner import ENVIRONMENT, MODULE

    rng = np.random.default_rng(3)
    initial = [rng.uniform(0.5, 1.5, shape) for shape in SHAPES]
    steps = [[rng.normal(size=shape) for shape in SHAPES] for _ in range(20)]
    jobs = [{"path": str(FIXTURE), "kwargs": kwargs, "initial": initial, "gradients": steps}
            for kwargs in ({}, {"gradient_clip_norm": 0.0})]
    clipped, unclipped = run_jobs(MODULE, jobs, ENVIRONMENT)
    assert not isinstance(clipped, str) and not isinstance(unclipped, str), (clipped, unclipped)
    moved = np.linalg.norm(np.concatenate([np.ravel(a - b) for a, b in zip(clipped[-1], initial)]))
    gap = max(np.linalg.norm(np.concatenate([np.ravel(a - b) for a, b in zip(x, y)])) for x, y in zip(clipped, unclipped))
    assert gap / moved > 1e-4
