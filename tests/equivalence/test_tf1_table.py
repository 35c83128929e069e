"""Every row of the TF1 table, checked against the installed TensorFlow and Keras signatures."""

from __future__ import annotations

import inspect
import os

import pytest

from conftest import require
from optfix.knowledge.rows import NO_NONE_MEANING, REQUIRED
from optfix.knowledge.tf1 import TF1_DEFINING_MODULES, TF1_OPTIMIZERS

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROWS = sorted(TF1_OPTIMIZERS.values(), key=lambda row: row.legacy)


def _parameters(cls) -> dict[str, object]:
    signature = inspect.signature(cls.__init__)
    return {
        name: REQUIRED if p.default is inspect.Parameter.empty else p.default
        for name, p in signature.parameters.items()
        if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    }


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.legacy)
def test_legacy_parameters_order_and_defaults(row) -> None:
    tf = require("tensorflow")
    legacy = _parameters(getattr(tf.compat.v1.train, row.legacy))
    assert list(legacy.items()) == [(p.name, p.default) for p in row.params]


@pytest.mark.parametrize("row", [row for row in ROWS if row.keras], ids=lambda row: row.legacy)
def test_keras_keywords_exist_with_the_defaults_the_table_says(row) -> None:
    keras = require("keras")
    target = _parameters(getattr(keras.optimizers, row.keras))
    used = {p.keras for p in row.params if p.keras and p.math}
    assert used == set(row.keras_defaults), "keras_defaults lists exactly the keywords the row uses"
    for keyword, default in row.keras_defaults.items():
        assert target[keyword] == default, keyword
    for keyword in [*row.extra, *(p.keras for p in row.params if p.keras)]:
        assert keyword in target, keyword


def test_every_tf1_optimizer_has_a_row() -> None:
    tf = require("tensorflow")
    names = {n for n in dir(tf.compat.v1.train) if n.endswith("Optimizer") and n != "Optimizer"}
    assert names == set(TF1_OPTIMIZERS)


def test_defining_modules_hold_the_same_classes() -> None:
    tf = require("tensorflow")
    import importlib

    for module, name in TF1_DEFINING_MODULES.items():
        assert getattr(importlib.import_module(module), name) is getattr(tf.compat.v1.train, name), module
    training = importlib.import_module("tensorflow.python.training.training")
    for name in [*TF1_OPTIMIZERS, "Optimizer"]:
        assert getattr(training, name) is getattr(tf.compat.v1.train, name), name
    assert set(TF1_DEFINING_MODULES.values()) == set(TF1_OPTIMIZERS) | {"Optimizer"}


def test_graph_apis_and_schedules_exist() -> None:
    tf = require("tensorflow")
    keras = require("keras")
    from optfix.knowledge.tf1 import TF1_GRAPH_APIS, TF1_SCHEDULES

    for qualified in TF1_GRAPH_APIS:
        target = tf.compat.v1
        for part in qualified.removeprefix("tensorflow.compat.v1.").removeprefix("tensorflow.").split("."):
            target = getattr(target, part)
        assert callable(target), qualified
    for function, schedule in TF1_SCHEDULES.items():
        assert callable(getattr(tf.compat.v1.train, function))
        assert issubclass(getattr(keras.optimizers.schedules, schedule), keras.optimizers.schedules.LearningRateSchedule)


@pytest.mark.e2e
def test_keras_optimizers_cannot_run_in_tf1_graphs() -> None:
    # Why files with TF1 graph code keep their TF1 optimizers. Graph mode is process-wide: a subprocess.
    require("tensorflow")
    import subprocess
    import sys

    program = """
import tensorflow as tf, keras
tf.compat.v1.disable_eager_execution()
w = tf.compat.v1.Variable([1.0, 2.0])
loss = tf.reduce_sum(w * w)
try:
    op = keras.optimizers.Adam(0.1).apply_gradients(zip(tf.compat.v1.gradients(loss, [w]), [w]))
    with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        session.run(op)
except Exception as error:
    print("FAILED", type(error).__name__)
else:
    print("RAN")
"""
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.stdout.strip().startswith("FAILED"), result.stdout + result.stderr


@pytest.mark.parametrize("row", [r for r in TF1_OPTIMIZERS.values() if r.keras and any(
    isinstance(p.default, float) and p.none_means is NO_NONE_MEANING for p in r.params)], ids=lambda r: r.legacy)
def test_none_for_a_number_fails_in_tf1_itself(row) -> None:
    """Why tf1-optimizer reports `epsilon=None` and the like rather than mapping it."""
    tf = require("tensorflow")
    name = next(p.name for p in row.params if isinstance(p.default, float) and p.none_means is NO_NONE_MEANING)
    required = {p.name: 0.01 for p in row.params if p.default is REQUIRED}
    variable = tf.Variable([1.0])
    with pytest.raises((ValueError, TypeError)):  # when built, or at the first step
        optimizer = getattr(tf.compat.v1.train, row.legacy)(**{**required, name: None})
        optimizer.apply_gradients([(tf.constant([0.5]), variable)])
