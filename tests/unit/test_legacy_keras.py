"""The legacy side of the proof for get-updates: optfix.verify.legacy_keras, a numpy stand-in
for the Keras 2 backend, runs the fixtures' legacy optimizers as written, with Keras 2's
semantics (in float64). That it computes what real tf_keras computes in TF1 graph mode is
tests/equivalence/test_legacy_backend.py.
"""

from __future__ import annotations

import ast
import inspect
import sys

import numpy as np
import pytest

from optfix.verify import legacy_keras
from optfix.verify.keras3 import compare, gradient_sequence
from optfix.verify.legacy_keras import backend as K
from optfix.verify.legacy_keras import legacy_modules, load_legacy, optimizer_classes, run_legacy
from stand_in_runs import CONFIGS, RUN_IDS, RUNS, SHAPES, STEPS, fixture_paths, load


@pytest.fixture(autouse=True)
def _float64():
    saved = K.floatx()
    K.set_floatx("float64")
    yield
    K.set_floatx(saved)


def _run_source(source: str, steps: int = 3):
    [cls] = optimizer_classes(load_legacy(source, "inline.py")).values()
    initial, gradients = gradient_sequence(((2,),), steps, seed=5)
    return cls, initial, gradients, run_legacy(cls, {}, initial, gradients)


# -- the stand-in against numpy truth ------------------------------------------------------------

def test_relu_follows_keras_2s_definition():
    x = np.array([-2.0, 0.5, 1.0, 3.0])
    assert np.array_equal(K.relu(x), [0.0, 0.5, 1.0, 3.0])
    assert np.allclose(K.relu(x, alpha=0.1), [-0.2, 0.5, 1.0, 3.0])
    assert np.array_equal(K.relu(x, max_value=2.0), [0.0, 0.5, 1.0, 2.0])
    assert np.allclose(K.relu(x, alpha=0.1, threshold=1.0), [-0.3, -0.05, 0.0, 3.0])  # x only above the threshold


def test_sqrt_clips_negatives_to_zero_like_keras_2():
    assert np.array_equal(K.sqrt(np.array([-4.0, 0.0, 9.0])), [0.0, 0.0, 3.0])


def test_switch():
    calls = []

    def branch(value):
        calls.append(value)
        return np.full(3, value)

    assert np.array_equal(K.switch(np.bool_(True), lambda: branch(1.0), lambda: branch(2.0)), [1.0] * 3)
    assert calls == [1.0, 2.0]  # like a graph conditional, both branches are built
    cond = np.array([True, False, True])
    assert np.array_equal(K.switch(cond, np.arange(3.0), -np.arange(3.0)), [0.0, -1.0, 2.0])
    # a lower-rank condition selects along the leading axes, as Keras 2 tiles it
    picked = K.switch(np.array([True, False]), np.ones((2, 3)), np.zeros((2, 3)))
    assert np.array_equal(picked, [[1.0] * 3, [0.0] * 3])


def test_math_follows_numpy_and_keras_conventions():
    x = np.array([[1.0, -2.0], [3.0, 4.0]])
    assert np.array_equal(K.clip(x, 0.0, -1.0), np.clip(x, 0.0, 0.0))  # max < min: max = min
    assert np.allclose(K.l2_normalize(x, axis=-1), x / np.linalg.norm(x, axis=-1, keepdims=True))
    assert np.array_equal(K.mean(x, axis=-1, keepdims=True), [[-0.5], [3.5]])
    assert K.dtype(K.cast(K.variable(3, dtype="int64"), "float64")) == "float64"
    assert K.int_shape(K.zeros((3, 2))) == (3, 2) and K.int_shape(K.zeros(1)) == (1,)
    assert K.epsilon() == 1e-7 and K.backend() == "tensorflow"
    assert K.dtype(K.zeros(2)) == "float64" and K.dtype(K.constant(1.0)) == "float64"


def test_zeros_like_is_a_tensor_not_state():
    # In Keras 2 and tf_keras K.zeros_like/ones_like return tensors: K.update on one fails.
    with pytest.raises(TypeError):
        K.update(K.zeros_like(K.zeros(2)), np.ones(2))


SUMMING = '''
from keras import backend as K
from keras.optimizers import Optimizer

class Summing(Optimizer):
    history = []

    def __init__(self, **kwargs):
        super(Summing, self).__init__(**kwargs)
        self.iterations = K.variable(0, dtype='int64', name='iterations')

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        totals = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]
        seen = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]
        self.weights = [self.iterations] + totals + seen
        Summing.history.append(list(self.weights))
        for p, g, total, last in zip(params, grads, totals, seen):
            self.updates.append(K.update(total, total + g))
            # reads the PRE-step total and counter, though both are updated in the same step
            self.updates.append(K.update(last, total * 10. + K.cast(self.iterations, K.floatx())))
            self.updates.append((p, total + g))
        return self.updates
'''


def test_state_persists_across_steps_and_updates_see_pre_step_values():
    cls, initial, gradients, steps = _run_source(SUMMING, steps=4)
    running = np.cumsum([g[0] for g in gradients], axis=0)
    for k, step in enumerate(steps):
        assert np.allclose(step[0], running[k])  # the tuple update, from the slot that persisted
    first = cls.history[0]
    assert len(cls.history) == 4 and all(a is b for weights in cls.history for a, b in zip(weights, first))
    iterations, total, last = first
    assert int(K.get_value(iterations)) == 4
    assert np.allclose(K.get_value(total), running[3])
    assert np.allclose(K.get_value(last), running[2] * 10.0 + 3)  # what step 4 read: values before it


def test_variables_change_only_through_updates():
    v = K.variable(np.ones(2))
    with pytest.raises(ValueError):
        np.add(v.value, 1.0, out=v.value)  # read-only: it would silently change the variable
    x = K.switch(np.bool_(True), v, v)
    x += 1.0  # a copy, as a TF tensor would be
    lr = v
    lr *= 2.0  # on TF1's variables a new tensor: `lr = lr * (1. / (1. + decay * t))` in disguise
    assert np.array_equal(K.get_value(v), [1.0, 1.0]) and np.array_equal(lr, [2.0, 2.0])


def test_two_updates_of_one_variable_in_a_step_are_refused():
    source = SUMMING.replace("self.updates.append((p, total + g))", "self.updates += [(p, total), (p, total + g)]")
    with pytest.raises(ValueError, match="twice"):
        _run_source(source)


def _probe(base):
    """A subclass of `base` that keeps its instances and the gradients it got."""
    class Probe(base):
        seen = []

        def get_updates(self, loss, params):
            Probe.seen.append((self, self.get_gradients(loss, params)))
            return super().get_updates(loss, params) if base is not legacy_keras.Optimizer else []
    return Probe


def test_base_optimizer_is_keras_2_2_4s():
    with pytest.raises(TypeError, match="Unexpected keyword argument passed to optimizer: lr"):
        legacy_keras.Optimizer(lr=0.1)
    assert legacy_keras.Optimizer(clipnorm=1.0).get_config() == {"clipnorm": 1.0}
    assert legacy_keras.Optimizer().get_config() == {}
    grads = [np.array([3.0, 4.0]), np.array([0.0, 0.0, 12.0])]  # global norm 13
    initial = [np.zeros(2), np.zeros(3)]
    probe = _probe(legacy_keras.Optimizer)
    run_legacy(probe, {"clipnorm": 6.5, "clipvalue": 1.5}, initial, [grads])
    run_legacy(probe, {"clipnorm": 13.5}, initial, [grads])
    (_, clipped), (_, unclipped) = probe.seen
    assert all(np.allclose(c, np.clip(g / 2, -1.5, 1.5)) for c, g in zip(clipped, grads))  # norm first
    assert all(np.array_equal(u, g) for u, g in zip(unclipped, grads))


@pytest.mark.parametrize("module, clipped", [
    ("keras.optimizers", [[1.5, 2.0], [0.0, 0.0, 6.0]]),  # Keras 2.2.4: the global norm (13) to 6.5
    ("tensorflow.keras.optimizers", [[3.0, 4.0], [0.0, 0.0, 6.5]]),  # tf.keras 2: each norm (5, 12) to 6.5
    ("tensorflow.python.keras.optimizers", [[3.0, 4.0], [0.0, 0.0, 6.5]]),
])
def test_clipnorm_clips_as_the_imported_base_class_did(module, clipped):
    source = (f"from {module} import Optimizer\n\n\nclass Probe(Optimizer):\n"
              "    def get_updates(self, loss, params):\n        Probe.seen = self.get_gradients(loss, params)\n        return []\n")
    [probe] = optimizer_classes(load_legacy(source, "probe.py")).values()
    grads = [np.array([3.0, 4.0]), np.array([0.0, 0.0, 12.0])]
    run_legacy(probe, {"clipnorm": 6.5}, [np.zeros(2), np.zeros(3)], [grads])
    assert all(np.allclose(seen, expected) for seen, expected in zip(probe.seen, clipped))
    run_legacy(probe, {"clipnorm": 13.5}, [np.zeros(2), np.zeros(3)], [grads])
    assert all(np.array_equal(seen, g) for seen, g in zip(probe.seen, grads))


def test_weights_round_trip():
    probe = _probe(load("adam"))
    run_legacy(probe, {}, *gradient_sequence(SHAPES, 2, seed=1))
    optimizer = probe.seen[0][0]
    weights = optimizer.get_weights()
    assert [w.shape for w in weights] == [(), (5,), (3, 2), (5,), (3, 2), (1,), (1,)]  # dummy vhats
    assert int(weights[0]) == 2
    optimizer.set_weights([w + 1 for w in weights])
    assert int(optimizer.get_weights()[0]) == 3
    with pytest.raises(ValueError):
        optimizer.set_weights(weights[:-1])
    assert probe.from_config(optimizer.get_config()).get_config() == optimizer.get_config()


# -- the import names ---------------------------------------------------------------------------

def _entries(prefixes=("keras", "tensorflow")) -> dict:
    return {name: module for name, module in sys.modules.items()
            if any(name == p or name.startswith(p + ".") for p in prefixes)}


def test_legacy_modules_resolve_every_spelling_and_restore_sys_modules():
    before = _entries()
    with legacy_modules():
        import keras.backend as k1
        from keras import backend as k2
        from keras.legacy import interfaces
        from keras.optimizers import Optimizer
        from keras.utils import get_custom_objects
        from tensorflow.keras import backend as k3
        from tensorflow.keras.optimizers import Optimizer as O2
        from tensorflow.python.keras.optimizers import Optimizer as O3

        assert k1 is k2 is k3 is K
        assert Optimizer is legacy_keras.Optimizer and O2 is O3 is legacy_keras.TfKerasOptimizer  # tf.keras's clipnorm
        assert interfaces.legacy_get_updates_support(len) is len
        assert isinstance(get_custom_objects(), dict)
        with pytest.raises(ImportError):
            import keras.no_such_module  # noqa: F401
    after = _entries()
    assert after.keys() == before.keys() and all(after[k] is before[k] for k in before)


# -- the fixtures --------------------------------------------------------------------------------

def test_the_suite_covers_at_least_14_fixtures():
    assert len(CONFIGS) >= 14 and all(path.exists() for path in fixture_paths())


@pytest.mark.parametrize("path", fixture_paths(), ids=lambda p: p.stem)
def test_fixture_is_one_legacy_optimizer_with_defaults(path):
    tree = ast.parse(path.read_text())
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    assert len(classes) == 1
    cls = load(path.stem)
    assert cls.__name__ == classes[0].name
    signature = inspect.signature(cls.__init__)
    assert all(p.default is not p.empty for p in signature.parameters.values()
               if p.name != "self" and p.kind is p.POSITIONAL_OR_KEYWORD)
    assert "def get_updates(self, loss, params)" in path.read_text()


@pytest.mark.parametrize("name, kwargs", RUNS, ids=RUN_IDS)
def test_fixture_trains_on_the_stand_in(name, kwargs):
    initial, gradients = gradient_sequence(SHAPES, STEPS, seed=11)
    steps = run_legacy(load(name), kwargs, initial, gradients)
    assert len(steps) == STEPS
    for before, after in zip(initial, steps[-1]):
        assert after.shape == before.shape and after.dtype == np.float64
        assert np.all(np.isfinite(after))
        assert not np.allclose(after, before, rtol=0, atol=1e-9)


def test_compare_and_gradient_sequence():
    initial, gradients = gradient_sequence(SHAPES, 3, seed=4)
    again = gradient_sequence(SHAPES, 3, seed=4)
    assert all(np.array_equal(a, b) for a, b in zip(initial, again[0]))
    assert [g.shape for g in gradients[0]] == list(SHAPES) and len(gradients) == 3
    steps = [[v * (k + 1) for v in initial] for k in range(3)]
    assert compare(steps, steps) == 0.0
    assert np.isclose(compare(steps, [[v * 1.01 for v in s] for s in steps]), 0.01)
    assert compare(steps, [[v * np.nan for v in s] for s in steps]) == float("inf")
    with pytest.raises(ValueError):
        compare(steps, steps[:2])
