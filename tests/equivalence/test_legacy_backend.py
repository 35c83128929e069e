"""The legacy side of the proof for get-updates against the real thing: the numpy stand-in of the
Keras 2 backend (optfix.verify.legacy_keras) computes what real tf_keras computes for the same
unmodified source in TF1 graph mode, and what the Keras 3 built-in optimizers compute.

Both sides run in float64, so a difference is the math, not the rounding. The graph-mode side
runs in one subprocess for all fixtures (legacy_graph_runner.py): graph mode is global to a
process, and no Keras 3 may be imported there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import require
from optfix.verify.keras3 import compare, gradient_sequence, run_keras3
from optfix.verify.legacy_keras import backend as K
from optfix.verify.legacy_keras import legacy_modules, run_legacy
from stand_in_runs import FIXTURES, RUN_IDS, RUNS, SHAPES, STEPS, load

RUNNER = Path(__file__).with_name("legacy_graph_runner.py")


@pytest.fixture(autouse=True)
def _float64():
    saved = K.floatx()
    K.set_floatx("float64")
    yield
    K.set_floatx(saved)


def _flat(steps) -> np.ndarray:
    return np.array([np.concatenate([np.ravel(p) for p in step]) for step in steps])


def _entries(prefixes=("keras", "tensorflow")) -> dict:
    return {name: module for name, module in sys.modules.items()
            if any(name == p or name.startswith(p + ".") for p in prefixes)}


def test_real_keras_3_works_after_the_stand_in_in_the_same_process():
    keras = require("keras")
    before = _entries()
    with legacy_modules():
        from tensorflow.keras import backend as fake

        assert fake is K
    assert _entries() == before
    import keras as again

    assert again is keras and float(keras.ops.add(1.0, 2.0)) == 3.0


# -- the stand-in against tf_keras in TF1 graph mode ---------------------------------------------

@pytest.fixture(scope="module")
def graph_mode(tmp_path_factory):
    require("tensorflow")
    require("tf_keras")
    work = tmp_path_factory.mktemp("graph")
    initial, gradients = gradient_sequence(SHAPES, STEPS, seed=23)
    arrays = {f"initial_{i}": value for i, value in enumerate(initial)}
    arrays.update({f"gradients_{i}": np.array([step[i] for step in gradients]) for i in range(len(SHAPES))})
    np.savez(work / "gradients.npz", **arrays)
    runs = [{"path": str(FIXTURES / f"{name}.py"), "kwargs": kwargs} for name, kwargs in RUNS]
    (work / "runs.json").write_text(json.dumps(runs))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run([sys.executable, str(RUNNER), str(work / "runs.json"), str(work / "gradients.npz"),
                           str(work / "out.npz")], capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    out = np.load(work / "out.npz")
    return initial, gradients, {key: out[key] for key in out.files}


@pytest.mark.e2e  # the graph-mode side runs in a subprocess
@pytest.mark.parametrize("index", range(len(RUNS)), ids=RUN_IDS)
def test_stand_in_computes_what_tf_keras_graph_mode_computes(index, graph_mode):
    initial, gradients, results = graph_mode
    assert f"error_{index}" not in results, str(results[f"error_{index}"])
    name, kwargs = RUNS[index]
    graph = results[f"run_{index}"]
    ours = _flat(run_legacy(load(name), kwargs, initial, gradients))
    start = np.concatenate([np.ravel(v) for v in initial])
    difference = np.linalg.norm(ours - graph, axis=1)
    assert compare([[row] for row in graph], [[row] for row in ours]) <= 1e-6  # relative to the values
    assert np.all(difference <= 1e-6 * np.linalg.norm(graph - start, axis=1))  # and to how far they moved


# -- the two sides of a proof together -----------------------------------------------------------

@pytest.mark.parametrize("name, legacy_kwargs, keras3_name, keras3_kwargs", [
    ("sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True}, "SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("adamax", {"lr": 0.002}, "Adamax", {"learning_rate": 0.002, "epsilon": 1e-7}),
    ("adam", {"amsgrad": True}, "Adam", {"learning_rate": 0.001, "epsilon": 1e-7, "amsgrad": True}),
])
def test_legacy_fixture_agrees_with_the_keras_3_builtin(name, legacy_kwargs, keras3_name, keras3_kwargs):
    keras = require("keras")
    initial, gradients = gradient_sequence(SHAPES, STEPS, seed=2)
    old = run_legacy(load(name), legacy_kwargs, initial, gradients)
    new = run_keras3(getattr(keras.optimizers, keras3_name), keras3_kwargs, initial, gradients)
    assert new[0][0].dtype == np.float64
    assert compare(old, new) <= 1e-6
    assert compare(old, run_keras3(keras.optimizers.SGD, {"learning_rate": 0.5}, initial, gradients)) > 1e-3
