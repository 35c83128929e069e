"""Proof that optimizer-api keeps the math: each fixture it rewrites is a small training script,
run as it was written on tf_keras 2.21 (TF 2.x's Keras, `TF_USE_LEGACY_KERAS=1`) and as rewritten
on Keras 3, from the same initial weights on the same data. The variables, models' weights and
recorded numbers (learning rates) the scripts leave must agree to 1e-6. The unsafe rewrites are
shown to list other variables; and the facts the rule reads (optfix/knowledge/optimizer_api.py) are
checked against the installed Keras 3, tf_keras and TensorFlow."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO, require
from optfix.engine.journey import process_given
from optfix.engine.registry import rules_by_id
from optfix.engine.transform import transform
from optfix.knowledge.optimizer_api import (
    AGGREGATION_KEYWORDS,
    DYNAMIC_LOSS_SCALE_MULTIPLIER,
    DYNAMIC_LOSS_SCALE_PARAMETERS,
    KERAS3_LOSS_SCALE_DEFAULTS,
    LOSS_SCALE_PARAMETERS,
    MINIMIZE_PARAMETERS,
    REPORTED_METHODS,
    WEIGHTS_ATTRIBUTES,
    WEIGHTS_METHODS,
)
from optfix.rulekit.rule import FixOptions

pytestmark = pytest.mark.tf

FIXTURES = REPO / "fixtures" / "optimizer-api"
TOLERANCE = 1e-6
# The fixtures that run, by the TF 2.x they were written for: "2.10" for the OptimizerV2 API
# (tf.keras.optimizers.X was what tf_keras keeps as tf.keras.optimizers.legacy.X), "2.11" for the
# optimizers of 2.11-2.15 (tf_keras's tf.keras.optimizers.X as installed), "2.3" for the OptimizerV2
# API with TF 2.1-2.3's `mixed_precision.experimental.LossScaleOptimizer(opt, loss_scale)`.
RUNNABLE = {
    "minimize_lambda": "2.10",
    "minimize_loop": "2.10",
    "minimize_tape": "2.10",
    "receivers": "2.10",
    "annotated_parameter": "2.10",
    "loss_scale_loop": "2.10",
    "apply_gradients_keywords": "2.10",
    "skip_aggregation": "2.11",
    "decayed_lr": "2.10",
    "decayed_lr_keras": "2.10",
    "decayed_lr_decay": "2.10",
    "loss_scale_experimental_loop": "2.3",
}

# Runs each script given (era, path) and prints, as JSON, what each leaves at module level:
# variables, models' weights, and numbers or lists of numbers.
_RUNNER = r"""
import json, os, runpy, sys, warnings
warnings.simplefilter("ignore")
import numpy as np
import tensorflow as tf

def value(item):
    if isinstance(item, (bool, str, type)) or item is None:
        return None
    if isinstance(item, (int, float, np.floating, np.integer)):
        return float(item)
    if hasattr(item, "trainable_variables") and hasattr(item, "weights") and hasattr(item, "layers"):
        return [np.asarray(w).tolist() for w in item.weights]
    if hasattr(item, "assign") and hasattr(item, "numpy"):
        return np.asarray(item.numpy()).tolist()
    if isinstance(item, (list, tuple)) and item and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in item):
        return [float(v) for v in item]
    return None

def use_optimizer_v2():
    # Every module the fixtures may reach tf.keras.optimizers as (`from tensorflow.keras import
    # optimizers` binds another module object than tf.keras.optimizers).
    modules = [tf.keras.optimizers] + [m for name, m in list(sys.modules.items()) if name.endswith("keras.optimizers")]
    for module in modules:
        legacy = getattr(module, "legacy", None)
        for name in ("Adam", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl"):
            if legacy is not None and hasattr(legacy, name):
                setattr(module, name, getattr(legacy, name))

def experimental_loss_scale():
    # tf_keras 2.21 no longer has the experimental class. TF 2.4-2.12 kept it as a thin front
    # of the final LossScaleOptimizer, mapping loss_scale to its arguments as below; that mapping
    # stands in for the class here.
    import types
    from tf_keras import mixed_precision

    def LossScaleOptimizer(optimizer, loss_scale):
        if loss_scale == "dynamic":
            return mixed_precision.LossScaleOptimizer(optimizer)
        if isinstance(loss_scale, tf.compat.v1.mixed_precision.DynamicLossScale):
            assert loss_scale.multiplier == 2, "the final class doubles the scale only"
            return mixed_precision.LossScaleOptimizer(optimizer, initial_scale=loss_scale.initial_loss_scale,
                                                      dynamic_growth_steps=loss_scale.increment_period)
        return mixed_precision.LossScaleOptimizer(optimizer, dynamic=False, initial_scale=loss_scale)

    tf.keras.mixed_precision.experimental = types.SimpleNamespace(LossScaleOptimizer=LossScaleOptimizer)
    experimental = types.SimpleNamespace(DynamicLossScale=tf.compat.v1.mixed_precision.DynamicLossScale)
    tf.mixed_precision = types.SimpleNamespace(experimental=experimental)  # gone from TensorFlow 2.21

era, results = sys.argv[1], {}
for path in sys.argv[2:]:
    if era in ("2.10", "2.3"):
        use_optimizer_v2()
    if era == "2.3":
        experimental_loss_scale()
    namespace = runpy.run_path(path, run_name="__fixture__")
    found = {name: value(item) for name, item in namespace.items() if not name.startswith("_")}
    results[os.path.basename(path)] = {name: found for name, found in found.items() if found is not None}
print("RESULTS " + json.dumps(results))
"""


def _run(era: str | None, paths: list, cwd) -> dict:
    """Run scripts in a fresh interpreter: on tf_keras for an era of TF 2.x, on Keras 3 for None."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "-1"}
    env.pop("TF_USE_LEGACY_KERAS", None)
    if era is not None:
        env["TF_USE_LEGACY_KERAS"] = "1"
    process = subprocess.run([sys.executable, "-c", _RUNNER, era or "keras3", *map(str, paths)],
                             cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert process.returncode == 0, process.stderr[-3000:]
    line = next(line for line in process.stdout.splitlines() if line.startswith("RESULTS "))
    return json.loads(line[len("RESULTS "):])


def _rewrite(name: str, unsafe: bool = False) -> str:
    """The fixture as `fix` leaves it: every rule applied (`decay=` is keras2-optimizer's)."""
    source = (FIXTURES / f"{name}.py").read_text()
    return transform(source, list(rules_by_id().values()), FixOptions(unsafe_fixes=unsafe)).text


def test_every_fixture_fix_leaves_without_findings_runs_here():
    """A file `fix` leaves with no finding must compute what it computed before: each such fixture
    is one of the scripts run above."""
    rules = list(rules_by_id().values())
    clean = []
    for path in sorted(FIXTURES.glob("*.py")):
        if path.name.endswith(".expected.py"):
            continue
        fixed = process_given(path, path.read_bytes(), rules)
        again = process_given(path, fixed.updated if fixed.changed else path.read_bytes(), rules)
        if not again.findings and not again.changed:
            clean.append(path.stem)
    assert "minimize_lambda" in clean
    assert sorted(set(clean) - set(RUNNABLE)) == []


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The originals on tf_keras (one interpreter per era) and the rewrites on Keras 3 (one)."""
    require("tensorflow")
    require("tf_keras")
    folder = tmp_path_factory.mktemp("optimizer-api")
    originals: dict = {}
    for era in sorted(set(RUNNABLE.values())):
        names = [name for name, written in RUNNABLE.items() if written == era]
        originals.update(_run(era, [FIXTURES / f"{name}.py" for name in names], folder))
    rewritten = []
    for name in RUNNABLE:
        path = folder / f"{name}.py"
        path.write_text(_rewrite(name))
        rewritten.append(path)
    return originals, _run(None, rewritten, folder)


@pytest.mark.parametrize("name", sorted(RUNNABLE))
def test_the_rewrite_trains_as_the_original(runs, name):
    originals, rewrites = runs
    before, after = originals[f"{name}.py"], rewrites[f"{name}.py"]
    assert _rewrite(name) != (FIXTURES / f"{name}.py").read_text(), "the rule left the fixture as it was"
    assert before, "the fixture left nothing to compare"
    assert before.keys() == after.keys()
    for key in before:
        old, new = np.asarray(before[key], dtype=object), np.asarray(after[key], dtype=object)
        assert _close(before[key], after[key]), f"{key}: {old} on tf_keras, {new} on Keras 3"


def _close(old, new) -> bool:
    if isinstance(old, list) or isinstance(new, list):
        return isinstance(old, list) and isinstance(new, list) and len(old) == len(new) and all(map(_close, old, new))
    return abs(old - new) <= TOLERANCE * max(1.0, abs(old))


def test_the_original_fails_on_keras_3(tmp_path):
    """What the rule rewrites does not run on Keras 3 as written (one fixture per kind of call)."""
    require("tensorflow")
    for name in ("minimize_lambda", "loss_scale_loop", "apply_gradients_keywords", "skip_aggregation", "decayed_lr"):
        process = subprocess.run([sys.executable, str(FIXTURES / f"{name}.py")], cwd=tmp_path, capture_output=True, text=True,
                                 env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "-1"}, timeout=600)
        assert process.returncode != 0, name
        assert "AttributeError" in process.stderr or "TypeError" in process.stderr, process.stderr[-2000:]


def test_one_optimizer_refuses_a_second_variable_list(tmp_path):
    """The case behind the several-variable-lists finding: TF 2.x's optimizer steps both lists,
    Keras 3's is built for the first and raises on the second."""
    require("tensorflow")
    fixture = FIXTURES / "several_variable_lists.py"
    before = _run("2.10", [fixture], tmp_path)["several_variable_lists.py"]
    assert before["generator"] != [1.0, 2.0] and before["critic"] != [3.0]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "-1"}
    env.pop("TF_USE_LEGACY_KERAS", None)
    process = subprocess.run([sys.executable, str(fixture)], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)
    assert process.returncode != 0
    assert "ValueError: Unknown variable" in process.stderr, process.stderr[-2000:]


def test_keras_3_does_not_count_skipped_steps(tmp_path):
    """The fact behind the finding on every LossScaleOptimizer: a step skipped for overflowing
    gradients adds 1 to iterations on tf_keras, not on Keras 3 (the variables agree above)."""
    rewritten = tmp_path / "loss_scale_experimental_loop.py"
    rewritten.write_text(_rewrite("loss_scale_experimental_loop") + "\nsteps = int(tuned.iterations)\n")
    original = tmp_path / "original" / "loss_scale_experimental_loop.py"
    original.parent.mkdir()
    original.write_text((FIXTURES / "loss_scale_experimental_loop.py").read_text() + "\nsteps = int(tuned.iterations)\n")
    before = _run("2.3", [original], tmp_path)["loss_scale_experimental_loop.py"]
    after = _run(None, [rewritten], tmp_path)["loss_scale_experimental_loop.py"]
    assert before["steps"] == 8 and 0 < after["steps"] < 8


def test_the_unsafe_rewrite_lists_other_variables(tmp_path):
    """weights -> variables runs on Keras 3, but the list is not TF 2.x's: it holds the learning rate too."""
    rewritten = tmp_path / "weights.py"
    rewritten.write_text(_rewrite("weights", unsafe=True))
    before = _run("2.10", [FIXTURES / "weights.py"], tmp_path)["weights.py"]
    after = _run(None, [rewritten], tmp_path)["weights.py"]
    assert before["slots"] == 3 and after["slots"] == 4  # iterations, m, v; Keras 3 adds the learning rate
    assert before["saved"] == 3 and after["saved"] == 4  # get_weights() as saved, and its rewrite


# -- the facts -------------------------------------------------------------------------------------

def _parameters(function) -> list[tuple[str, object]]:
    return [(p.name, p.default) for p in inspect.signature(function).parameters.values() if p.name != "self"]


def test_keras_3_optimizers_lack_the_tf2_api():
    keras = require("keras")
    optimizer = keras.optimizers.Adam()
    for method in (*REPORTED_METHODS, "minimize", "get_scaled_loss", "get_unscaled_gradients", "_decayed_lr",
                   *WEIGHTS_ATTRIBUTES, "get_weights"):
        assert not hasattr(optimizer, method), method
    assert isinstance(optimizer.variables, list)  # an attribute, where TF 2.x had variables()
    assert [name for name, _ in _parameters(keras.optimizers.Optimizer.apply_gradients)] == ["grads_and_vars"]
    assert optimizer.scale_loss(3.0) == 3.0  # every Keras 3 optimizer scales losses, by 1 unless it is told to
    loss_scale = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD())
    assert {name: getattr(loss_scale, name) for name in KERAS3_LOSS_SCALE_DEFAULTS} == KERAS3_LOSS_SCALE_DEFAULTS


def test_tf2_optimizers_had_it():
    tf_keras = require("tf_keras")
    legacy, new = tf_keras.optimizers.legacy.Adam, tf_keras.optimizers.Adam
    for method in (*REPORTED_METHODS, "_decayed_lr", *WEIGHTS_ATTRIBUTES, *WEIGHTS_METHODS):
        assert hasattr(legacy, method), method
    assert [name for name, _ in _parameters(legacy.minimize)] == list(MINIMIZE_PARAMETERS)
    assert [name for name, _ in _parameters(new.minimize)] == ["loss", "var_list", "tape"]
    keywords = {name for name, _ in _parameters(legacy.apply_gradients)} | {name for name, _ in _parameters(new.apply_gradients)}
    assert set(AGGREGATION_KEYWORDS) <= keywords
    assert dict(_parameters(legacy.apply_gradients))["experimental_aggregate_gradients"] is AGGREGATION_KEYWORDS["experimental_aggregate_gradients"]
    assert dict(_parameters(new.apply_gradients))["skip_gradients_aggregation"] is AGGREGATION_KEYWORDS["skip_gradients_aggregation"]


def test_tf2_loss_scale_optimizer_matches_keras_3_defaults():
    tf_keras = require("tf_keras")
    tf = require("tensorflow")
    from tf_keras.src.mixed_precision import loss_scale_optimizer

    parameters = _parameters(loss_scale_optimizer.LossScaleOptimizer.__init__)
    assert [name for name, _ in parameters] == [name for name, _ in LOSS_SCALE_PARAMETERS]
    assert parameters[1:] == list(LOSS_SCALE_PARAMETERS[1:])  # the inner optimizer is required
    dynamic = tf_keras.mixed_precision.LossScaleOptimizer(tf_keras.optimizers.legacy.SGD())
    assert {"initial_scale": dynamic.initial_scale, "dynamic_growth_steps": dynamic.dynamic_growth_steps} == KERAS3_LOSS_SCALE_DEFAULTS
    # TF 2.1-2.3's experimental form: "dynamic" meant a DynamicLossScale with these defaults.
    experimental = dict(_parameters(tf.compat.v1.mixed_precision.DynamicLossScale.__init__))
    assert list(experimental) == list(DYNAMIC_LOSS_SCALE_PARAMETERS)
    assert experimental["initial_loss_scale"] == KERAS3_LOSS_SCALE_DEFAULTS["initial_scale"]
    assert experimental["increment_period"] == KERAS3_LOSS_SCALE_DEFAULTS["dynamic_growth_steps"]
    assert experimental["multiplier"] == DYNAMIC_LOSS_SCALE_MULTIPLIER
