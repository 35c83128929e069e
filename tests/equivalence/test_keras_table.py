"""optfix/knowledge/keras.py against the installed Keras 3 and tf_keras, and its Keras 2.2 column
against the transcription of Keras 2.2's optimizers that the equivalence test runs."""

from __future__ import annotations

import inspect
import os

import pytest

from conftest import require
from optfix.knowledge.keras import (
    KERAS2_EPSILON,
    KERAS2_FACTORIES,
    KERAS2_IMPLIED,
    KERAS2_SIGNATURES,
    KERAS3_BASE_CONFIG,
    KERAS3_BASE_PARAMETERS,
    KERAS3_OPTIMIZERS,
    KERAS3_SIGNATURES,
    OPTIMIZER_V2_API,
    TF_KERAS_NEW_API,
    TF_KERAS_SIGNATURES,
)
from test_keras2_equivalence import KERAS2_CLASSES

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
    assert KERAS3_OPTIMIZERS == trainers - wrappers


@pytest.mark.parametrize("name", sorted(KERAS3_SIGNATURES))
def test_keras3_signatures_are_the_installed_ones(name) -> None:
    keras = require("keras")
    installed = _parameters(getattr(keras.optimizers, name))
    assert list(KERAS3_SIGNATURES[name]) == installed[: len(KERAS3_SIGNATURES[name])]


@pytest.mark.parametrize("name", sorted(TF_KERAS_SIGNATURES))
def test_tf_keras_signatures_are_optimizer_v2s(name) -> None:
    tf_keras = require("tf_keras")
    assert list(TF_KERAS_SIGNATURES[name]) == _parameters(getattr(tf_keras.optimizers.legacy, name))


@pytest.mark.parametrize("cls", KERAS2_CLASSES, ids=lambda cls: cls.__name__)
def test_keras2_signatures_match_the_transcribed_optimizers(cls) -> None:
    assert list(KERAS2_SIGNATURES[cls.__name__]) == _parameters(cls)
    assert KERAS2_FACTORIES[cls.__name__.lower()] == cls.__name__


def test_keras2_epsilon_is_keras3s_default_epsilon() -> None:
    """`epsilon=None` is dropped because the value it stood for is what Keras 3 uses."""
    for name, parameters in KERAS3_SIGNATURES.items():
        defaults = dict(parameters)
        if name in KERAS2_SIGNATURES and "epsilon" in defaults:
            assert defaults["epsilon"] == KERAS2_EPSILON, name


def test_implied_state_names_keras3_keywords_with_other_defaults() -> None:
    for name, implied in KERAS2_IMPLIED.items():
        defaults = dict(KERAS3_SIGNATURES[name])
        for keyword, value in implied.items():
            assert keyword in defaults and defaults[keyword] != value


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
