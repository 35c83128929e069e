"""Proof that tf1-optimizer keeps the math: the fixtures' TF1 optimizers and what optfix makes
of them run side by side on the same gradients (TF1 eagerly on current TensorFlow, Keras 3 as
installed), and must agree to 1e-6 relative; each unsafe rewrite is shown to differ."""

from __future__ import annotations

import os

import numpy as np
import pytest

from conftest import REPO, require
from optfix.rulekit.rule import FixOptions
from optfix.engine.registry import rules_by_id
from optfix.engine.transform import transform

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
FIXTURES = REPO / "fixtures" / "tf1-optimizer"
STEPS = 20
# float32, as people train; exact mappings stay under 1e-6 relative (TF1 Adam: ~9e-7, its
# beta powers are float32 variables), while a changed default moves by 1e-3 or more.
SCALES = {"normal gradients": 1.0, "gradients near 1e-6": 1e-6}


@pytest.fixture(scope="module")
def tf():
    return require("tensorflow")


@pytest.fixture(scope="module")
def keras():
    return require("keras")


def _namespace(source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "<fixture>", "exec"), namespace)
    return namespace


def _rewrite(source: str, unsafe: bool = False) -> str:
    return transform(source, [rules_by_id()["tf1-optimizer"]], FixOptions(unsafe_fixes=unsafe)).text


def _gradients(scale: float, seed: int = 7) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal((STEPS, 6)) * scale).astype(np.float32)


INITIAL = np.random.default_rng(1).uniform(0.5, 1.5, size=6).astype(np.float32)


def _trajectory(tf, keras, optimizer, gradients) -> np.ndarray:
    """The variable after each step; TF1 optimizers need a tf.Variable, Keras ones a keras.Variable."""
    keras_optimizer = isinstance(optimizer, keras.optimizers.Optimizer)
    variable = keras.Variable(INITIAL, dtype="float32") if keras_optimizer else tf.Variable(INITIAL, dtype=tf.float32)
    steps = []
    for gradient in gradients:
        optimizer.apply_gradients([(tf.constant(gradient), variable)])
        steps.append(np.array(variable.numpy()))
    return np.array(steps)


@pytest.fixture
def tensorflow_1(tf, monkeypatch):
    """`tf.train.XOptimizer` as TensorFlow 1 had it: the classes tf.compat.v1.train keeps."""
    for name in dir(tf.compat.v1.train):
        if name.endswith("Optimizer"):
            monkeypatch.setattr(tf.train, name, getattr(tf.compat.v1.train, name), raising=False)
    return tf


def _agree(new: np.ndarray, old: np.ndarray) -> bool:
    """Normwise relative agreement to 1e-6 at every step: rounding near a zero crossing is not a
    difference in the math."""
    return bool(np.all(np.abs(new - old).max(axis=-1) <= 1e-6 * np.abs(old).max(axis=-1)))


def _pairs(tf, keras, name: str, unsafe: bool = False):
    """(variable name, TF1 optimizer, Keras optimizer) for each optimizer the fixture builds."""
    before = (FIXTURES / name).read_text()
    legacy, migrated = _namespace(before), _namespace(_rewrite(before, unsafe))
    for key, value in legacy.items():
        if isinstance(value, tf.compat.v1.train.Optimizer) and isinstance(migrated.get(key), keras.optimizers.Optimizer):
            yield key, value, migrated[key]


SAFE_FIXTURES = ["arguments.py", "import_styles.py", "existing_optimizers_import.py", "adam.py"]


@pytest.mark.parametrize("scale", SCALES.values(), ids=SCALES.keys())
@pytest.mark.parametrize("fixture", SAFE_FIXTURES)
def test_safe_rewrites_compute_the_same_updates(tensorflow_1, keras, fixture, scale) -> None:
    tf = tensorflow_1
    compared = []
    for key, legacy, migrated in _pairs(tf, keras, fixture):
        gradients = _gradients(scale)
        old, new = _trajectory(tf, keras, legacy, gradients), _trajectory(tf, keras, migrated, gradients)
        assert np.abs(old[-1] - INITIAL).max() > 0, f"{key} did not move: the comparison would prove nothing"
        assert _agree(new, old), f"{key}: {np.abs(new - old).max()} apart"
        compared.append(key)
    assert compared, f"{fixture} yielded no optimizer pair"


@pytest.mark.parametrize(
    "legacy, keras_name, rate, scale",
    # Adam's epsilon shows with small gradients; Adadelta's (sqrt(eps) sets its step) with normal ones.
    [("AdamOptimizer", "Adam", 0.01, 1e-6), ("AdadeltaOptimizer", "Adadelta", 1.0, 1.0)],
)
def test_the_comparison_catches_a_changed_default(tf, keras, legacy, keras_name, rate, scale) -> None:
    # The harness itself: Keras's default epsilon in place of TF1's must fail the check.
    gradients = _gradients(scale)
    old = _trajectory(tf, keras, getattr(tf.compat.v1.train, legacy)(rate), gradients)
    new = _trajectory(tf, keras, getattr(keras.optimizers, keras_name)(learning_rate=rate), gradients)
    assert np.abs(old[-1] - INITIAL).max() > 0
    assert not _agree(new, old)


def _relative_difference(old: np.ndarray, new: np.ndarray) -> float:
    return float(np.max(np.abs(old - new) / np.abs(old)))


def test_unsafe_rmsprop_rewrite_really_differs(tf, keras) -> None:
    pairs = list(_pairs(tf, keras, "unsafe.py", unsafe=True))
    assert {key for key, _, _ in pairs} == {"rmsprop", "rmsprop_positional"}
    for key, legacy, migrated in pairs:
        gradients = _gradients(1.0)
        difference = _relative_difference(_trajectory(tf, keras, legacy, gradients), _trajectory(tf, keras, migrated, gradients))
        assert difference > 1e-3, key


def test_momentum_under_a_changing_learning_rate_really_differs(tf, keras) -> None:
    # TF1 Momentum with an exponential_decay schedule vs Keras SGD with the same schedule.
    step = tf.Variable(0, dtype=tf.int64)
    legacy = tf.compat.v1.train.MomentumOptimizer(tf.compat.v1.train.exponential_decay(0.1, step, 1, 0.7), 0.9)
    migrated = keras.optimizers.SGD(learning_rate=keras.optimizers.schedules.ExponentialDecay(0.1, 1, 0.7), momentum=0.9)
    gradients = _gradients(1.0)
    variable = tf.Variable(INITIAL, dtype=tf.float32)
    for gradient in gradients:
        legacy.apply_gradients([(tf.constant(gradient), variable)], global_step=step)
    new = _trajectory(tf, keras, migrated, gradients)
    assert _relative_difference(variable.numpy(), new[-1]) > 1e-2


def test_momentum_with_a_constant_learning_rate_is_exact(tf, keras) -> None:
    # Why the same rewrite is safe for a literal learning rate.
    gradients = _gradients(1.0)
    old = _trajectory(tf, keras, tf.compat.v1.train.MomentumOptimizer(0.1, 0.9), gradients)
    new = _trajectory(tf, keras, keras.optimizers.SGD(learning_rate=0.1, momentum=0.9), gradients)
    assert _agree(new, old)


def test_unsafe_class_reference_really_differs(tf, keras) -> None:
    legacy = _namespace((FIXTURES / "types_and_classes.py").read_text())["OPTIMIZERS"]["adam"]
    migrated = _namespace(_rewrite((FIXTURES / "types_and_classes.py").read_text(), unsafe=True))["OPTIMIZERS"]["adam"]
    assert migrated is keras.optimizers.Adam
    gradients = _gradients(1e-6)
    old = _trajectory(tf, keras, legacy(learning_rate=0.01), gradients)
    new = _trajectory(tf, keras, migrated(learning_rate=0.01), gradients)
    assert _relative_difference(old, new) > 1e-3


def test_safe_class_reference_builds_the_same_optimizer(tf, keras) -> None:
    # `optimizer_class=tf.compat.v1.train.GradientDescentOptimizer` becomes the Keras SGD class:
    # what the code later builds from it must update the same way.
    source = (FIXTURES / "types_and_classes.py").read_text()
    legacy = _namespace(source)["OPTIMIZERS"]["sgd"]
    migrated = _namespace(_rewrite(source))["OPTIMIZERS"]["sgd"]
    assert migrated is keras.optimizers.SGD
    for scale in SCALES.values():
        gradients = _gradients(scale)
        old = _trajectory(tf, keras, legacy(learning_rate=0.1), gradients)
        new = _trajectory(tf, keras, migrated(learning_rate=0.1), gradients)
        assert _agree(new, old)
