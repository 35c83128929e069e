"""optfix/knowledge/keras.py against the installed Keras 3 and tf_keras (its Keras 2.2 column, against
the transcription of Keras 2.2's optimizers: tests/unit/test_knowledge_tables.py)."""

from __future__ import annotations

import inspect
import os

import pytest

from conftest import require
from optfix.knowledge.keras import (
    KERAS3_BASE_CONFIG,
    KERAS3_BASE_PARAMETERS,
    KERAS3_OPTIMIZERS,
    KERAS_OPTIMIZERS,
    OPTIMIZER_V2_API,
    TF_KERAS_NEW_API,
)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _parameters(cls) -> list[tuple[str, object]]:
    return [
        (p.name, p.default) for p in inspect.signature(cls).parameters.values()
        if p.kind is p.POSITIONAL_OR_KEYWORD
    ]


def test_keras3_optimizers_are_the_classes_that_train_on_their_own() -> None:
    keras = require("keras")
    trainers = {
        name for name in dir(keras.optimizers)
        if inspect.isclass(getattr(keras.optimizers, name))
        and issubclass(getattr(keras.optimizers, name), keras.optimizers.Optimizer)
        and "optimizer" not in inspect.signature(getattr(keras.optimizers, name)).parameters
    }
    wrappers = {"Optimizer", "LossScaleOptimizer", "MultiOptimizer"}
    assert set(KERAS_OPTIMIZERS) == trainers - wrappers
    assert KERAS3_OPTIMIZERS == set(KERAS_OPTIMIZERS)


@pytest.mark.parametrize("row", [row for row in KERAS_OPTIMIZERS.values() if row.keras3], ids=lambda row: row.name)
def test_keras3_signatures_are_the_installed_ones(row) -> None:
    keras = require("keras")
    installed = _parameters(getattr(keras.optimizers, row.name))
    assert list(row.keras3) == installed[: len(row.keras3)]


@pytest.mark.parametrize("row", [row for row in KERAS_OPTIMIZERS.values() if row.tf_keras is not None], ids=lambda row: row.name)
def test_tf_keras_signatures_are_optimizer_v2s(row) -> None:
    tf_keras = require("tf_keras")
    assert list(row.tf_keras) == _parameters(getattr(tf_keras.optimizers.legacy, row.name))


def test_the_tf_keras_subclass_apis_are_tf_keras_s_and_not_keras_3s() -> None:
    keras = require("keras")
    tf_keras = require("tf_keras")
    legacy, new, keras3 = tf_keras.optimizers.legacy.Optimizer, tf_keras.optimizers.Optimizer, keras.optimizers.Optimizer
    assert all(hasattr(legacy, name) and not hasattr(keras3, name) for name in OPTIMIZER_V2_API)
    assert all(hasattr(new, name) and not hasattr(keras3, name) for name in TF_KERAS_NEW_API)
    # update_step(gradient, variable) in tf.keras 2.11+, with learning_rate in Keras 3
    assert list(inspect.signature(new.update_step).parameters) == ["self", "gradient", "variable"]
    assert list(inspect.signature(keras3.update_step).parameters) == ["self", "gradient", "variable", "learning_rate"]


def test_keras3_base_parameters_and_config_are_the_installed_ones() -> None:
    keras = require("keras")
    base = next(cls for cls in keras.optimizers.Optimizer.__mro__ if "learning_rate" in inspect.signature(cls.__init__).parameters)
    keywords = [p.name for p in inspect.signature(base.__init__).parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert tuple(keywords[1:]) == KERAS3_BASE_PARAMETERS  # after self

    class Plain(keras.optimizers.Optimizer):
        pass

    assert tuple(Plain(learning_rate=0.1).get_config()) == KERAS3_BASE_CONFIG
