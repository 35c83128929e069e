"""Proof that keras2-optimizer keeps the math: each fixture runs twice on the same gradients, as
written under the Keras it was written for, and as rewritten under the installed Keras 3.

The Keras it was written for: tf.keras 2 is the real thing, tf_keras's OptimizerV2
(`tf_keras.optimizers.legacy`), installed under the `tensorflow.keras` names the fixtures
import; Keras 2.2, which no longer installs, is the numpy transcription below of the update
rules in its `keras/optimizers.py`, with its signatures and defaults. Every optimizer on a line
without a finding must agree to 1e-6 (normwise, relative, float64), for normal and for small
gradients; every optimizer on a line whose finding says the math differs must differ.

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
DTYPE = np.float64  # both sides in double precision: what differs is the math, not the rounding


# -- Keras 2.2.4, in numpy ---------------------------------------------------------------------

class _Keras2Optimizer:
    def __init__(self, **kwargs):
        for key in kwargs:
            if key not in ("clipnorm", "clipvalue"):
                raise TypeError("Unexpected keyword argument passed to optimizer: " + key)
        self.clipnorm, self.clipvalue = kwargs.get("clipnorm", 0), kwargs.get("clipvalue", 0)
        self.iterations, self.state = 0, None

    def step(self, params, grads):
        if self.clipnorm:
            norm = np.sqrt(sum(np.sum(np.square(g)) for g in grads))
            grads = [g * DTYPE(self.clipnorm) / norm if norm >= self.clipnorm else g for g in grads]
        if self.clipvalue:
            grads = [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        lr = DTYPE(self.lr)
        if getattr(self, "decay", 0):
            lr = lr * DTYPE(1.0 / (1.0 + self.decay * self.iterations))
        if self.state is None:
            self.state = [self.slots(p) for p in params]
        for p, g, s in zip(params, grads, self.state):
            p[...] = self.update(p, g, s, lr, self.iterations + 1)
        self.iterations += 1


def _epsilon(epsilon):
    return DTYPE(1e-7 if epsilon is None else epsilon)


class SGD(_Keras2Optimizer):
    def __init__(self, lr=0.01, momentum=0.0, decay=0.0, nesterov=False, **kwargs):
        super().__init__(**kwargs)
        self.lr, self.momentum, self.decay, self.nesterov = lr, momentum, decay, nesterov

    def slots(self, p):
        return {"m": np.zeros_like(p)}

    def update(self, p, g, s, lr, t):
        v = DTYPE(self.momentum) * s["m"] - lr * g
        s["m"] = v
        return p + DTYPE(self.momentum) * v - lr * g if self.nesterov else p + v


class RMSprop(_Keras2Optimizer):
    def __init__(self, lr=0.001, rho=0.9, epsilon=None, decay=0.0, **kwargs):
        super().__init__(**kwargs)
        self.lr, self.rho, self.epsilon, self.decay = lr, rho, _epsilon(epsilon), decay

    def slots(self, p):
        return {"a": np.zeros_like(p)}

    def update(self, p, g, s, lr, t):
        s["a"] = DTYPE(self.rho) * s["a"] + DTYPE(1 - self.rho) * np.square(g)
        return p - lr * g / (np.sqrt(s["a"]) + self.epsilon)


class Adagrad(_Keras2Optimizer):
    def __init__(self, lr=0.01, epsilon=None, decay=0.0, **kwargs):
        super().__init__(**kwargs)
        self.lr, self.epsilon, self.decay = lr, _epsilon(epsilon), decay

    def slots(self, p):
        return {"a": np.zeros_like(p)}

    def update(self, p, g, s, lr, t):
        s["a"] = s["a"] + np.square(g)
        return p - lr * g / (np.sqrt(s["a"]) + self.epsilon)


class Adadelta(_Keras2Optimizer):
    def __init__(self, lr=1.0, rho=0.95, epsilon=None, decay=0.0, **kwargs):
        super().__init__(**kwargs)
        self.lr, self.rho, self.epsilon, self.decay = lr, rho, _epsilon(epsilon), decay

    def slots(self, p):
        return {"a": np.zeros_like(p), "d": np.zeros_like(p)}

    def update(self, p, g, s, lr, t):
        rho = DTYPE(self.rho)
        s["a"] = rho * s["a"] + (1 - rho) * np.square(g)
        step = g * np.sqrt(s["d"] + self.epsilon) / np.sqrt(s["a"] + self.epsilon)
        s["d"] = rho * s["d"] + (1 - rho) * np.square(step)
        return p - lr * step


class Adam(_Keras2Optimizer):
    def __init__(self, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.0, amsgrad=False, **kwargs):
        super().__init__(**kwargs)
        self.lr, self.beta_1, self.beta_2, self.epsilon = lr, beta_1, beta_2, _epsilon(epsilon)
        self.decay, self.amsgrad = decay, amsgrad

    def slots(self, p):
        return {"m": np.zeros_like(p), "v": np.zeros_like(p), "vhat": np.zeros_like(p)}

    def update(self, p, g, s, lr, t):
        b1, b2 = DTYPE(self.beta_1), DTYPE(self.beta_2)
        lr_t = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        s["m"] = b1 * s["m"] + (1 - b1) * g
        s["v"] = b2 * s["v"] + (1 - b2) * np.square(g)
        if self.amsgrad:
            s["vhat"] = np.maximum(s["vhat"], s["v"])
            return p - lr_t * s["m"] / (np.sqrt(s["vhat"]) + self.epsilon)
        return p - lr_t * s["m"] / (np.sqrt(s["v"]) + self.epsilon)


class Adamax(_Keras2Optimizer):
    def __init__(self, lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.0, **kwargs):
        super().__init__(**kwargs)
        self.lr, self.beta_1, self.beta_2, self.epsilon, self.decay = lr, beta_1, beta_2, _epsilon(epsilon), decay

    def slots(self, p):
        return {"m": np.zeros_like(p), "u": np.zeros_like(p)}

    def update(self, p, g, s, lr, t):
        b1, b2 = DTYPE(self.beta_1), DTYPE(self.beta_2)
        s["m"] = b1 * s["m"] + (1 - b1) * g
        s["u"] = np.maximum(b2 * s["u"], np.abs(g))
        return p - lr / (1 - b1**t) * s["m"] / (s["u"] + self.epsilon)


class Nadam(_Keras2Optimizer):
    def __init__(self, lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=None, schedule_decay=0.004, **kwargs):
        super().__init__(**kwargs)
        self.lr, self.beta_1, self.beta_2, self.epsilon = lr, beta_1, beta_2, _epsilon(epsilon)
        self.schedule_decay, self.m_schedule = schedule_decay, 1.0

    def slots(self, p):
        return {"m": np.zeros_like(p), "v": np.zeros_like(p)}

    def step(self, params, grads):
        t = self.iterations + 1
        self.cache = [self.beta_1 * (1 - 0.5 * 0.96 ** (k * self.schedule_decay)) for k in (t, t + 1)]
        super().step(params, grads)
        self.m_schedule *= self.cache[0]

    def update(self, p, g, s, lr, t):
        b1, b2 = DTYPE(self.beta_1), DTYPE(self.beta_2)
        now, following = (DTYPE(c) for c in self.cache)
        schedule_new, schedule_next = DTYPE(self.m_schedule) * now, DTYPE(self.m_schedule) * now * following
        s["m"] = b1 * s["m"] + (1 - b1) * g
        s["v"] = b2 * s["v"] + (1 - b2) * np.square(g)
        m_bar = (1 - now) * g / (1 - schedule_new) + following * s["m"] / (1 - schedule_next)
        return p - lr * m_bar / (np.sqrt(s["v"] / (1 - b2**t)) + self.epsilon)


KERAS2_CLASSES = (SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax, Nadam)


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


def _install_legacy_modules(patch, tf_keras) -> None:
    """What the fixtures import, as it was: Keras 2.2 as `keras`, tf.keras 2 as `tensorflow.keras`."""
    classes = {cls.__name__: cls for cls in KERAS2_CLASSES}
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
    if isinstance(optimizer, _Keras2Optimizer):
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
    kinds = (_Keras2Optimizer, keras.optimizers.Optimizer, require("tf_keras").optimizers.Optimizer,
             require("tf_keras").optimizers.legacy.Optimizer)
    return {name: value for name, value in namespace.items() if isinstance(value, kinds)}


# Fixtures whose rewritten code runs under Keras 3, by mode. A call whose math no argument keeps
# is left as written by a default run (Keras 3 rejects its lr=): those fixtures run with
# --unsafe-fixes, where it is rewritten and must be shown to differ.
RUNNABLE = [(name, False) for name in ("namespaces", "kwargs", "lr_decay", "looked_up")]
RUNNABLE += [(name, True) for name in ("arguments", "positional", "namespaces", "factories", "tf_keras_era", "kwargs", "lr_decay", "unsafe", "looked_up")]


@pytest.mark.parametrize("name, unsafe", RUNNABLE, ids=[f"{n}{'-unsafe' if u else ''}" for n, u in RUNNABLE])
def test_rewritten_optimizers_compute_what_the_original_computed(name, unsafe, keras, request, monkeypatch):
    tf = require("tensorflow")
    before = (FIXTURES / f"{name}.py").read_text()
    outcome = transform(before, [rules_by_id()["keras2-optimizer"]], FixOptions(unsafe_fixes=unsafe))
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
            _install_legacy_modules(patch, request.getfixturevalue("tf_keras"))
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
