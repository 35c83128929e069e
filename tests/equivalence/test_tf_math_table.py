"""optfix/knowledge/tf_math.py against the installed TensorFlow and Keras 3: every TensorFlow
function the table names exists, and its keras.ops counterpart gives the same values on the same
inputs, in each form the table allows."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from conftest import require
from optfix.knowledge.tf_math import COUNTERPARTS, IDENTITY, MOVED

_POSITIVE = {"sqrt", "rsqrt", "log", "log1p", "reciprocal", "pow", "power"}


def _function(qualified: str):
    """The function, where the installed TensorFlow has it (a name it moved, where it moved it)."""
    module, _, name = MOVED.get(qualified, qualified).rpartition(".")
    require("tensorflow")
    return getattr(importlib.import_module(module), name)


def _arguments(name: str, count: int, rng) -> list:
    """`count` arguments that suit the function: float64 arrays (positive where it needs them,
    booleans for logical functions), or an axis, a dtype, bounds where it takes those."""
    low = 0.1 if name in _POSITIVE else -2.0
    x, y = rng.uniform(low, 2.0, (3, 4)), rng.uniform(low, 2.0, (3, 4))
    if name.startswith("logical"):
        x, y = x > 0.5, y > 0.5
    if name in ("divide_no_nan", "div_no_nan"):
        y[0, 0] = 0.0
    by_name = {
        "cast": [x, "float32"], "convert_to_tensor": [x, "float64"], "where": [x > y, x, y],
        "clip_by_value": [x, -0.5, 0.5],
    }
    if name.startswith("reduce_"):
        return [x, 1][:count]
    if name.startswith("convert_to_tensor"):  # TensorFlow's private _v2, _v2_with_dispatch
        name = "convert_to_tensor"
    return by_name.get(name, [x, y])[:count]


@pytest.mark.parametrize("qualified", sorted(COUNTERPARTS))
def test_each_tensorflow_function_has_the_values_of_its_keras_ops_counterpart(qualified) -> None:
    keras = require("keras")
    row = COUNTERPARTS[qualified]
    old, new = _function(qualified), getattr(keras.ops, row.ops)
    name = qualified.rpartition(".")[2]
    rng = np.random.default_rng(0)
    forms = [row.positional, 1] if name.startswith("reduce_") else [row.positional]  # a reduction's axis is optional
    for count in forms:
        arguments = _arguments(name, count, rng)
        expected = np.asarray(old(*arguments))
        actual = np.asarray(keras.ops.convert_to_numpy(new(*arguments)))
        assert actual.dtype == expected.dtype, (qualified, count)
        np.testing.assert_allclose(actual, expected, rtol=1e-15, atol=0, err_msg=f"{qualified} with {count} arguments")
    if row.keywords >= {"axis", "keepdims"}:
        x = rng.uniform(-2.0, 2.0, (3, 4))
        expected = np.asarray(old(x, axis=0, keepdims=True))
        actual = np.asarray(keras.ops.convert_to_numpy(new(x, axis=0, keepdims=True)))
        np.testing.assert_allclose(actual, expected, rtol=1e-15, atol=0)


@pytest.mark.parametrize("qualified", sorted(IDENTITY))
def test_identity_gives_back_its_argument(qualified) -> None:
    x = np.arange(3.0)
    np.testing.assert_array_equal(np.asarray(_function(qualified)(x)), x)


def test_keras_ops_identity_is_not_tensorflow_identity() -> None:
    """Why tf.identity is unwrapped, never renamed: keras.ops.identity(n) is the n x n identity matrix."""
    keras = require("keras")
    assert tuple(keras.ops.identity(3).shape) == (3, 3)
