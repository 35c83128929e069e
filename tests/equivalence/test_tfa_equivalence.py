"""Proof that tfa-optimizer keeps the math. tensorflow_addons cannot be installed next to Keras 3
(it needs TensorFlow <= 2.15), so each tfa optimizer is a numpy transcription of its update (the
tfa 0.23 source over tf.keras 2 OptimizerV2 kernels, in float32), with tfa's constructor signature
written out here independently of optfix's table. The fixtures run with these as
`tensorflow_addons`; what optfix makes of them runs with the installed Keras 3 on the same float32
gradients, and must agree to 1e-6 relative. Unsafe rewrites are shown to differ once the learning
rate changes; what is only reported is shown to have no exact Keras 3 counterpart."""

from __future__ import annotations

import os
import sys
import types

import numpy as np
import pytest

from conftest import REPO, require
from optfix.rulekit.rule import FixOptions
from optfix.engine.registry import rules_by_id
from optfix.engine.transform import transform

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
FIXTURES = REPO / "fixtures" / "tfa-optimizer"
STEPS = 20
SHAPES = ((6,), (3,))
F32 = np.float32


class _Tfa:
    """A tfa optimizer: arguments bound by its tfa signature, updates in numpy float32."""

    def _bind(self, arguments: dict) -> None:
        arguments.pop("self")
        extra = arguments.pop("kwargs")
        if set(extra) - {"clipnorm", "clipvalue", "global_clipnorm"}:  # OptimizerV2 rejects others
            raise TypeError(f"unexpected keyword arguments {extra}")
        self.__dict__.update(arguments, clipnorm=extra.get("clipnorm"))
        self.iterations = 0
        self.slots: dict = {}

    def apply_gradients(self, pairs) -> None:
        """Updates the numpy variables in place, like tf.keras 2's apply_gradients."""
        self.iterations += 1
        for index, (gradient, variable) in enumerate(pairs):
            gradient = np.asarray(gradient, F32)
            if self.clipnorm is not None:  # tf.clip_by_norm, per gradient
                gradient = gradient * F32(self.clipnorm) / np.maximum(np.linalg.norm(gradient), F32(self.clipnorm))
            variable[...] = self.update(index, gradient, variable.copy())

    def _state(self, index: int, shape, *names: str, initial: float = 0.0) -> list[np.ndarray]:
        return [self.slots.setdefault((index, n), np.full(shape, initial, F32)) for n in names]


class LazyAdam(_Tfa):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, name="LazyAdam", **kwargs):
        self._bind(locals())

    def update(self, index, g, var):
        # ResourceApplyAdam: lr_t = lr*sqrt(1-b2^t)/(1-b1^t); var -= lr_t*m/(sqrt(v)+eps)
        m, v, v_max = self._state(index, var.shape, "m", "v", "vhat")
        b1, b2, t = F32(self.beta_1), F32(self.beta_2), F32(self.iterations)
        lr_t = F32(self.learning_rate) * np.sqrt(1 - b2**t) / (1 - b1**t)
        m += (g - m) * (1 - b1)
        v += (g * g - v) * (1 - b2)
        if self.amsgrad:
            np.maximum(v_max, v, out=v_max)
        return var - lr_t * m / (np.sqrt(v_max if self.amsgrad else v) + F32(self.epsilon))


class AdamW(LazyAdam):
    def __init__(self, weight_decay, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07, amsgrad=False,
                 name="AdamW", **kwargs):
        self._bind(locals())

    def update(self, index, g, var):
        # DecoupledWeightDecayExtension: var -= wd*var, not scaled by lr, before the update.
        return super().update(index, g, var - F32(self.weight_decay) * var)


class SGDW(_Tfa):
    def __init__(self, weight_decay, learning_rate=0.001, momentum=0.0, nesterov=False, name="SGDW", **kwargs):
        self._bind(locals())

    def update(self, index, g, var):
        var = var - F32(self.weight_decay) * var
        lr, momentum = F32(self.learning_rate), F32(self.momentum)
        if not self.momentum:
            return var - lr * g
        (accumulator,) = self._state(index, var.shape, "momentum")  # ResourceApplyKerasMomentum
        accumulator[...] = accumulator * momentum - lr * g
        return var + (accumulator * momentum - lr * g if self.nesterov else accumulator)


class LAMB(_Tfa):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-6, weight_decay=0.0,
                 exclude_from_weight_decay=None, exclude_from_layer_adaptation=None, name="LAMB", **kwargs):
        self._bind(locals())
        assert not (exclude_from_weight_decay or exclude_from_layer_adaptation), "not transcribed"

    def update(self, index, g, var):
        m, v = self._state(index, var.shape, "m", "v")
        b1, b2, t = F32(self.beta_1), F32(self.beta_2), F32(self.iterations)
        m[...] = m * b1 + g * (1 - b1)
        v[...] = v * b2 + g * g * (1 - b2)
        update = (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + F32(self.epsilon))
        update = update + F32(self.weight_decay) * var  # inside the trust ratio
        w_norm, g_norm = np.linalg.norm(var), np.linalg.norm(update)
        ratio = w_norm / g_norm if w_norm > 0 and g_norm > 0 else F32(1)
        return var - ratio * F32(self.learning_rate) * update


class ProximalAdagrad(_Tfa):
    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, name="ProximalAdagrad", **kwargs):
        self._bind(locals())

    def update(self, index, g, var):
        # ResourceApplyProximalAdagrad
        (accumulator,) = self._state(index, var.shape, "accumulator", initial=self.initial_accumulator_value)
        accumulator += g * g
        lr = F32(self.learning_rate)
        proximal = var - lr * g / np.sqrt(accumulator)
        l1, l2 = F32(self.l1_regularization_strength), F32(self.l2_regularization_strength)
        return np.sign(proximal) * np.maximum(np.abs(proximal) - lr * l1, 0) / (1 + lr * l2)


TFA_CLASSES = (AdamW, SGDW, LazyAdam, LAMB, ProximalAdagrad)
TFA_MODULES = {  # where tfa 0.23 defines them
    "weight_decay_optimizers": (AdamW, SGDW), "lazy_adam": (LazyAdam,), "lamb": (LAMB,),
    "proximal_adagrad": (ProximalAdagrad,),
}


@pytest.fixture
def keras():
    return require("keras")


@pytest.fixture
def tensorflow_addons(monkeypatch):
    """This file's transcriptions as the `tensorflow_addons` package, for exec'ing the fixtures."""
    root, optimizers = types.ModuleType("tensorflow_addons"), types.ModuleType("tensorflow_addons.optimizers")
    root.optimizers = optimizers
    for cls in TFA_CLASSES:
        setattr(optimizers, cls.__name__, cls)
    for name, classes in TFA_MODULES.items():
        module = types.ModuleType(f"tensorflow_addons.optimizers.{name}")
        for cls in classes:
            setattr(module, cls.__name__, cls)
        setattr(optimizers, name, module)
        monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(sys.modules, "tensorflow_addons", root)
    monkeypatch.setitem(sys.modules, "tensorflow_addons.optimizers", optimizers)
    return root


def _namespace(source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "<fixture>", "exec"), namespace)
    return namespace


def _pairs(keras, name: str, unsafe: bool = False) -> tuple[dict, set]:
    """{variable: (tfa optimizer, Keras optimizer)} for each optimizer the fixture builds that
    optfix rewrote; and the tfa optimizers it left."""
    before = (FIXTURES / name).read_text()
    after = transform(before, [rules_by_id()["tfa-optimizer"]], FixOptions(unsafe_fixes=unsafe)).text
    legacy, migrated = _namespace(before), _namespace(after)
    built = {key: value for key, value in legacy.items() if isinstance(value, _Tfa)}
    rewritten = {key for key, value in migrated.items() if isinstance(value, keras.optimizers.Optimizer)}
    return {key: (built[key], migrated[key]) for key in built.keys() & rewritten}, built.keys() - rewritten


def _gradients(scale: float = 1.0, seed: int = 7) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [[(rng.standard_normal(shape) * scale).astype(F32) for shape in SHAPES] for _ in range(STEPS)]


def _initial() -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [rng.uniform(0.5, 1.5, size=shape).astype(F32) for shape in SHAPES]


class _Run:
    """One optimizer on its own copies of the initial variables; `steps()` gives the trajectory."""

    def __init__(self, keras, optimizer) -> None:
        self.keras, self.optimizer = keras, optimizer
        self.is_keras = isinstance(optimizer, keras.optimizers.Optimizer)
        initial = _initial()
        self.variables = [keras.Variable(v) for v in initial] if self.is_keras else initial

    def steps(self, gradients) -> np.ndarray:
        trajectory = []
        for step in gradients:
            if self.is_keras:
                self.optimizer.apply_gradients(zip([self.keras.ops.convert_to_tensor(g) for g in step], self.variables))
            else:
                self.optimizer.apply_gradients(zip(step, self.variables))
            values = [v.numpy() for v in self.variables] if self.is_keras else self.variables
            trajectory.append(np.concatenate(values))
        return np.array(trajectory)


def _trajectory(keras, optimizer, gradients) -> np.ndarray:
    return _Run(keras, optimizer).steps(gradients)


def _agree(new: np.ndarray, old: np.ndarray) -> bool:
    """Normwise relative agreement to 1e-6 at every step."""
    return bool(np.all(np.abs(new - old).max(axis=-1) <= 1e-6 * np.abs(old).max(axis=-1)))


def _moved(trajectory: np.ndarray) -> bool:
    return bool(np.abs(trajectory[-1] - np.concatenate(_initial())).max() > 1e-4)


SAFE_FIXTURES = ["adamw.py", "sgdw.py", "others.py", "import_styles.py", "deep_path.py", "adamw_keyword.py"]


@pytest.mark.parametrize("fixture", SAFE_FIXTURES)
def test_safe_rewrites_compute_the_same_updates(keras, tensorflow_addons, fixture) -> None:
    # With --unsafe-fixes for LazyAdam -> Adam, unsafe for sparse gradients only: these are dense.
    pairs, left = _pairs(keras, fixture, unsafe=True)
    assert pairs and not left, f"{fixture}: optfix left {left} as tfa"
    for key, (legacy, migrated) in pairs.items():
        gradients = _gradients()
        old, new = _trajectory(keras, legacy, gradients), _trajectory(keras, migrated, gradients)
        assert _moved(old), f"{key} did not move: the comparison would prove nothing"
        assert _agree(new, old), f"{key}: {np.abs(new - old).max()} apart"


def test_unsafe_rewrites_are_exact_only_until_the_learning_rate_changes(keras, tensorflow_addons) -> None:
    pairs, left = _pairs(keras, "unsafe.py", unsafe=True)
    assert set(pairs) == {"from_name", "decay_from_name", "scaled"}
    assert left == {"schedule", "decay_callable"}  # reported only
    gradients = _gradients()
    for key, (legacy, migrated) in pairs.items():
        old_run, new_run = _Run(keras, legacy), _Run(keras, migrated)
        half = STEPS // 2
        assert _agree(new_run.steps(gradients[:half]), old_run.steps(gradients[:half])), key
        rate = float(legacy.learning_rate) / 10
        legacy.learning_rate = migrated.learning_rate = rate  # what a schedule or a callback does
        assert not _agree(new_run.steps(gradients[half:]), old_run.steps(gradients[half:])), key


def test_the_weight_decay_of_a_schedule_cannot_be_divided(keras) -> None:
    # Why a learning rate computed by a call (often a schedule) is only reported.
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    with pytest.raises(TypeError):
        1e-4 / schedule


@pytest.mark.parametrize(
    "legacy, naive",
    [
        # Keras 3 weight_decay=wd multiplies it by the learning rate: the division is needed.
        (lambda: AdamW(1e-2, learning_rate=0.01), lambda k: k.optimizers.AdamW(learning_rate=0.01, weight_decay=1e-2)),
        # Keras 3 SGD's default learning rate is 0.01, tfa SGDW's 0.001.
        (lambda: SGDW(1e-3), lambda k: k.optimizers.SGD(weight_decay=1e-3 / 0.001)),
        # Keras 3 Lamb's default epsilon is 1e-7, tfa LAMB's 1e-6: it shows with small gradients.
        (lambda: LAMB(0.01), lambda k: k.optimizers.Lamb(learning_rate=0.01)),
    ],
    ids=["AdamW weight decay", "SGDW learning rate", "LAMB epsilon"],
)
def test_the_comparison_catches_a_naive_rewrite(keras, legacy, naive) -> None:
    gradients = _gradients(1e-6)
    old, new = _trajectory(keras, legacy(), gradients), _trajectory(keras, naive(keras), gradients)
    assert _moved(old)
    assert not _agree(new, old)


@pytest.mark.parametrize(
    "legacy, nearest",
    [
        (lambda: LAMB(0.01, weight_decay=0.01), lambda k: k.optimizers.Lamb(0.01, epsilon=1e-6, weight_decay=0.01 / 0.01)),
        (lambda: ProximalAdagrad(0.1, l1_regularization_strength=0.01),
         lambda k: k.optimizers.Adagrad(0.1, epsilon=0.0)),
        (lambda: ProximalAdagrad(0.1, l2_regularization_strength=0.1),
         lambda k: k.optimizers.Adagrad(0.1, epsilon=0.0, weight_decay=0.1)),
    ],
    ids=["LAMB with weight decay", "ProximalAdagrad l1", "ProximalAdagrad l2"],
)
def test_what_is_only_reported_has_no_exact_counterpart(keras, legacy, nearest) -> None:
    gradients = _gradients()
    old, new = _trajectory(keras, legacy(), gradients), _trajectory(keras, nearest(keras), gradients)
    assert _moved(old)
    assert not _agree(new, old)
