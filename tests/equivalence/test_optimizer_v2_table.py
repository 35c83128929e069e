"""optfix/knowledge/optimizer_v2.py against the installed tf_keras (its OptimizerV2) and Keras 3."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from conftest import require
from optfix.knowledge import optimizer_v2 as api
from optfix.knowledge.keras import OPTIMIZER_V2_API


def _resolve(qualified: str):
    module, _, name = qualified.rpartition(".")
    require("tensorflow")
    return getattr(importlib.import_module(module), name)


def _keras3_members() -> set[str]:
    keras = require("keras")

    class Minimal(keras.optimizers.Optimizer):
        def update_step(self, gradient, variable, learning_rate):
            pass

    instance = Minimal(learning_rate=0.1)
    return {name for name in [*dir(keras.optimizers.Optimizer), *vars(instance)] if not name.startswith("__")}


def test_the_keras_3_members_are_those_of_the_installed_optimizer() -> None:
    assert api.KERAS3_MEMBERS == _keras3_members()
    assert api.KERAS3_OVERRIDABLE <= api.KERAS3_MEMBERS


def test_the_optimizer_v2_api_and_its_machinery_are_tf_keras_s_and_not_keras_3_s() -> None:
    legacy = require("tf_keras").optimizers.legacy.Optimizer
    keras3 = _keras3_members()
    for name in OPTIMIZER_V2_API | set(api.REFUSED_OVERRIDES) | {api.DENSE, api.SLOTS, api.PREPARE, *api.SPARSE}:
        assert hasattr(legacy, name), name
    gone = (OPTIMIZER_V2_API | set(api.REFUSED_OVERRIDES)) - {"get_gradients", "get_updates", "set_weights"}
    assert not gone & keras3, gone & keras3
    for name in api.LEGACY_ATTRIBUTES - {"weights"}:
        assert name not in keras3, name


def test_the_base_classes_are_optimizer_v2_where_tf_keras_still_has_them() -> None:
    tf_keras = require("tf_keras")
    assert tf_keras.optimizers.legacy.Optimizer.__name__ == "OptimizerV2"
    assert "optimizers.legacy.Optimizer" in api.BASE_CLASSES and "optimizers.Optimizer" in api.BASE_CLASSES


@pytest.mark.parametrize("qualified", sorted(api.ASSIGN_FUNCTIONS))
def test_each_assign_function_updates_its_variable_as_keras_3_s_method_does(qualified) -> None:
    tf = require("tensorflow")
    variable = tf.Variable([1.0, 2.0])
    _resolve(qualified)(variable, tf.constant([0.5, 0.5]))
    expected = {"assign": [0.5, 0.5], "assign_add": [1.5, 2.5], "assign_sub": [0.5, 1.5]}[api.ASSIGN_FUNCTIONS[qualified]]
    np.testing.assert_array_equal(variable.numpy(), expected)
    assert hasattr(require("keras").optimizers.Optimizer, api.ASSIGN_FUNCTIONS[qualified])


@pytest.mark.parametrize("qualified", sorted(api.GROUP_FUNCTIONS | api.ORDERING_BLOCKS))
def test_each_grouping_or_ordering_function_exists(qualified) -> None:
    assert callable(_resolve(qualified))


@pytest.mark.parametrize("qualified", sorted(api.CONSTANT_INITIALIZERS | set(api.NAMED_INITIALIZERS)))
def test_each_slot_initializer_makes_what_its_keras_3_counterpart_makes(qualified) -> None:
    keras = require("keras")
    made = _resolve(qualified)(0.25) if qualified in api.CONSTANT_INITIALIZERS else _resolve(qualified)()
    counterpart = keras.initializers.Constant(0.25) if qualified in api.CONSTANT_INITIALIZERS else keras.initializers.get(api.NAMED_INITIALIZERS[qualified])
    np.testing.assert_array_equal(np.asarray(made((2, 3), dtype="float64")), keras.ops.convert_to_numpy(counterpart((2, 3), dtype="float64")))


@pytest.mark.parametrize("qualified", sorted(api.TENSOR_INITIALIZERS))
def test_each_slot_tensor_fills_its_shape_as_its_keras_3_initializer_does(qualified) -> None:
    keras = require("keras")
    for shape in ((), (1,), (2, 3)):
        made = _resolve(qualified)(shape, dtype="float64")
        counterpart = keras.initializers.get(api.TENSOR_INITIALIZERS[qualified])(shape, dtype="float64")
        np.testing.assert_array_equal(np.asarray(made), keras.ops.convert_to_numpy(counterpart))


@pytest.mark.parametrize("name", sorted(api.INITIALIZER_STRINGS))
def test_each_initializer_string_means_the_same_in_tf_keras_and_keras_3(name) -> None:
    keras, tf_keras = require("keras"), require("tf_keras")
    np.testing.assert_array_equal(np.asarray(tf_keras.initializers.get(name)((2,))), keras.ops.convert_to_numpy(keras.initializers.get(name)((2,))))


@pytest.mark.parametrize("member", sorted(api.BACKEND_CONFIG))
def test_each_backend_setting_reads_the_same_value_in_keras_3(member) -> None:
    keras, tf_keras = require("keras"), require("tf_keras")
    module, name = member.split(".")
    old = getattr(tf_keras.backend, name)
    section, new_name = api.BACKEND_CONFIG[member].split(".")
    assert old() == getattr(getattr(keras, section), new_name)()
