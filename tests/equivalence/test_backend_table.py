"""optfix/knowledge/backend.py against the installed Keras 3 and the Keras 2 backend (tf_keras)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import require
from optfix.knowledge import backend as facts

_ARGUMENTS = {  # arguments that suit each function, in Keras 2's order
    "clip": ("x", 0.2, 0.6), "cast": ("x", "float64"), "maximum": ("x", "y"), "minimum": ("x", "y"),
    "pow": ("x", 3.0), "switch": ("condition", "x", "y"), "expand_dims": ("x", 0),
    "l2_normalize": ("x", -1), "constant": ("x",), "shape": ("x",),
    **{name: ("x", "y") for name in ("equal", "not_equal", "greater", "greater_equal", "less", "less_equal")},
}
_NO_ARGUMENTS = {"epsilon", "floatx"}
_KERAS1_ALIASES = {"get_variable_shape": "int_shape"}  # Keras 1 names that tf_keras no longer has


def _resolve(target: str):
    keras = require("keras")
    module, _, name = target.partition(".")
    return getattr(getattr(keras, module), name)


@pytest.mark.parametrize("name", sorted(facts.CALLS))
def test_each_counterpart_exists_in_keras_3_and_computes_what_keras_2_did(name) -> None:
    tf_keras_backend = require("tf_keras").backend
    new = _resolve(facts.CALLS[name])
    old = getattr(tf_keras_backend, name)
    if name in _NO_ARGUMENTS:
        assert new() == old()
        return
    rng = np.random.default_rng(0)
    values = {"x": rng.uniform(0.1, 0.9, (2, 3)), "y": rng.uniform(0.1, 0.9, (2, 3))}
    values["condition"] = values["x"] > values["y"]
    arguments = [values.get(a, a) if isinstance(a, str) else a for a in _ARGUMENTS.get(name, ("x",))]
    tf = require("tensorflow")
    expected = old(*[tf.constant(a) if isinstance(a, np.ndarray) and name != "constant" else a for a in arguments])
    actual = new(*arguments)
    if isinstance(expected, str):  # K.dtype
        assert actual == expected
        return
    actual = require("keras").ops.convert_to_numpy(actual)
    expected = np.asarray(expected)
    np.testing.assert_allclose(np.asarray(actual, dtype=expected.dtype), expected, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(facts.EXPRESSIONS))
def test_each_written_out_expression_means_what_keras_2_meant(name) -> None:
    keras = require("keras")
    tf_keras_backend = require("tf_keras").backend
    x = keras.Variable(np.zeros((2, 3), dtype="float32"))
    expression = facts.EXPRESSIONS[name].format("x").replace("ops.", "keras.ops.").replace("config.", "keras.config.")
    actual = eval(expression, {"keras": keras, "x": x})
    expected = getattr(tf_keras_backend, _KERAS1_ALIASES.get(name, name))(tf_keras_backend.variable(np.zeros((2, 3), dtype="float32")))
    np.testing.assert_array_equal(np.asarray(actual), np.asarray(expected))


def test_the_update_methods_exist_on_keras_3_optimizers() -> None:
    optimizer = require("keras").optimizers.Optimizer
    for method in (*facts.UPDATES.values(), "add_variable", "add_variable_from_reference", "_get_variable_index"):
        assert callable(getattr(optimizer, method)), method


def test_the_removed_backend_functions_are_gone_from_keras_3() -> None:
    backend = require("keras").backend
    removed = set(facts.CALLS) | set(facts.EXPRESSIONS) | facts.STATE | set(facts.UPDATES) | facts.EAGER | facts.GRAPH_ONLY
    still_there = {name for name in removed if hasattr(backend, name)}
    assert still_there == {"epsilon", "floatx"}  # the only ones Keras 3 kept (as keras.config too)
