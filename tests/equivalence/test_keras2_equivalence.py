"""Proof that keras2-optimizer keeps the math: each fixture runs twice on the same gradients, as
written under the Keras it was written for, and as rewritten under the installed Keras 3.

The Keras it was written for: tf.keras 2 is the real thing, tf_keras's OptimizerV2
(`tf_keras.optimizers.legacy`), installed under the `tensorflow.keras` names the fixtures
import; Keras 2.2, which no longer installs, is the numpy transcription of the update rules in
its `keras/optimizers.py`, with its signatures and defaults (tests/keras2_transcription.py).
Every optimizer on a line without a finding must agree to 1e-6 (normwise, relative, float64),
for normal and for small gradients; every optimizer on a line whose finding says the math
differs must differ.

Both sides compute in double precision, so what differs is the math, not the rounding. One
deviation is Keras 3's own and no rewrite's: its Adam steps are about 1e-5 (relative) shorter
than the textbook formula that Keras 2.2 and tf.keras 2 follow to 1e-9 (measured: 6.7e-7 at
the first step with learning rate 0.1), so the fixtures use learning rates people train with.
"""

from __future__ import annotations

import ast
import os
import sys
import types

import numpy as np
import pytest

from conftest import REPO, require
from keras2_transcription import DTYPE, KERAS2_3_CLASSES, KERAS2_CLASSES, Keras2Optimizer
from optfix.rulekit.rule import FixOptions
from optfix.findings import Kind
from optfix.engine.registry import rules_by_id
from optfix.engine.transform import transform

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
FIXTURES = REPO / "fixtures" / "keras2-optimizer"
STEPS = 20
SHAPES = ((6,), (3,))
SCALES = {"normal gradients": 1.0, "gradients near 1e-4": 1e-4}
DIFFERENCE_WORDS = ("differ", "no argument expresses", "clipped the global norm")


# -- running both sides --------------------------------------------------------------------------

def _module(name: str, **members) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(members)
    return module


@pytest.fixture(scope="module")
def keras():
    return require("keras")


@pytest.fixture(scope="module")
def tf_keras():
    return require("tf_keras")


def _install_legacy_modules(patch, tf_keras, source: str | None = None) -> None:
    """What the fixtures import, as it was: Keras 2.2 (2.3 under a keras-2.3 source) as `keras`,
    tf.keras 2 as `tensorflow.keras`."""
    classes = KERAS2_3_CLASSES if source == "keras-2.3" else {cls.__name__: cls for cls in KERAS2_CLASSES}
    keras2_optimizers = _module("keras.optimizers", **classes, **{name.lower(): cls for name, cls in classes.items()})
    v2 = tf_keras.optimizers.legacy
    v2_members = {name: getattr(v2, name) for name in dir(v2) if not name.startswith("_")}
    v2_optimizers = _module("tensorflow.keras.optimizers", **v2_members, legacy=v2, experimental=tf_keras.optimizers)
    tf_keras_module = _module("tensorflow.keras", optimizers=v2_optimizers)
    python_keras = _module("tensorflow.python.keras", optimizers=v2_optimizers)
    modules = {
        "keras": _module("keras", optimizers=keras2_optimizers),
        "keras.optimizers": keras2_optimizers,
        "tensorflow": _module("tensorflow", keras=tf_keras_module, python=_module("tensorflow.python", keras=python_keras)),
        "tensorflow.keras": tf_keras_module,
        "tensorflow.keras.optimizers": v2_optimizers,
        "tensorflow.keras.optimizers.legacy": v2,
        "tensorflow.python.keras": python_keras,
        "tensorflow.python.keras.optimizers": v2_optimizers,
    }
    modules["tensorflow.python"] = modules["tensorflow"].python
    for name, module in modules.items():
        patch.setitem(sys.modules, name, module)


def _execute(source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "<fixture>", "exec"), namespace)
    return namespace


def _gradients(scale: float) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(7)
    return [[(rng.standard_normal(shape) * scale).astype(DTYPE) for shape in SHAPES] for _ in range(STEPS)]


def _initial() -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [rng.uniform(0.5, 1.5, size=shape).astype(DTYPE) for shape in SHAPES]


def _trajectory(optimizer, gradients, keras, tf) -> np.ndarray:
    if isinstance(optimizer, Keras2Optimizer):
        params = _initial()
        steps = []
        for grads in gradients:
            optimizer.step(params, grads)
            steps.append(np.concatenate([p.copy() for p in params]))
        return np.array(steps)
    make = keras.Variable if isinstance(optimizer, keras.optimizers.Optimizer) else tf.Variable
    variables = [make(value) for value in _initial()]
    steps = []
    for grads in gradients:
        optimizer.apply_gradients([(tf.constant(g), v) for g, v in zip(grads, variables)])
        steps.append(np.concatenate([np.array(v.numpy()) for v in variables]))
    return np.array(steps)


def _agree(new: np.ndarray, old: np.ndarray) -> bool:
    return bool(np.all(np.abs(new - old).max(axis=-1) <= 1e-6 * np.abs(old).max(axis=-1)))


def _lines(source: str) -> dict[str, int]:
    return {
        target.id: node.lineno
        for node in ast.parse(source).body if isinstance(node, ast.Assign)
        for target in node.targets if isinstance(target, ast.Name)
    }


def _optimizers(namespace: dict, keras) -> dict[str, object]:
    kinds = (Keras2Optimizer, keras.optimizers.Optimizer, require("tf_keras").optimizers.Optimizer,
             require("tf_keras").optimizers.legacy.Optimizer)
    return {name: value for name, value in namespace.items() if isinstance(value, kinds)}


# Fixtures whose rewritten code runs under Keras 3, by mode. A call whose math no argument keeps
# is left as written by a default run (Keras 3 rejects its lr=): those fixtures run with
# --unsafe-fixes, where it is rewritten and must be shown to differ.
RUNNABLE = [(name, False) for name in ("namespaces", "kwargs", "lr_decay", "looked_up")]
RUNNABLE += [(name, True) for name in ("arguments", "positional", "namespaces", "factories", "tf_keras_era", "kwargs", "lr_decay", "unsafe", "looked_up")]
# Runs given a source version (NAME.source) whose standalone `keras` is Keras 2.2, as the
# transcription installed for the original is.
RUNNABLE += [("source_keras22", False), ("source_keras22", True), ("source_tf1", False)]
# Under keras-2.3, the original runs on the Keras 2.3 constructors.
RUNNABLE += [("source_keras23", False), ("source_keras23", True)]


def _source(name: str) -> str | None:
    declared = FIXTURES / f"{name}.source"
    return declared.read_text().strip() if declared.exists() else None


@pytest.mark.parametrize("name, unsafe", RUNNABLE, ids=[f"{n}{'-unsafe' if u else ''}" for n, u in RUNNABLE])
def test_rewritten_optimizers_compute_what_the_original_computed(name, unsafe, keras, request, monkeypatch):
    tf = require("tensorflow")
    before = (FIXTURES / f"{name}.py").read_text()
    outcome = transform(before, [rules_by_id()["keras2-optimizer"]], FixOptions(unsafe_fixes=unsafe, source=_source(name)))
    reviews = [f for f in outcome.findings if f.kind is Kind.REVIEW]
    reported = {f.line for f in reviews}
    differing = {f.line for f in reviews if any(word in f.message for word in DIFFERENCE_WORDS)}
    rewritten = {f.line for f in outcome.findings if f.kind is Kind.CHANGE}
    lines = _lines(before)

    agreement: dict[str, dict[str, bool]] = {}
    for label, scale in SCALES.items():
        gradients = _gradients(scale)
        migrated = _optimizers(_execute(outcome.text), keras)
        with monkeypatch.context() as patch:
            _install_legacy_modules(patch, request.getfixturevalue("tf_keras"), _source(name))
            legacy = _optimizers(_execute(before), keras)
        for variable, new in migrated.items():
            if variable in legacy and isinstance(new, keras.optimizers.Optimizer):
                old_run = _trajectory(legacy[variable], gradients, keras, tf)
                agreement.setdefault(variable, {})[label] = _agree(_trajectory(new, gradients, keras, tf), old_run)

    failures = []
    for variable, results in agreement.items():
        line = lines[variable]
        if line not in rewritten | differing:
            continue  # left alone: Keras 3 code already, or reported
        if line in differing and all(results.values()):
            failures.append(f"{variable} (line {line}): reported as computing differently, but agrees: {results}")
        elif line not in reported and not all(results.values()):
            failures.append(f"{variable} (line {line}): the rewrite changed the math: {results}")
    assert not failures, failures
    assert rewritten & {lines[v] for v in agreement}, "no rewritten optimizer was compared"
