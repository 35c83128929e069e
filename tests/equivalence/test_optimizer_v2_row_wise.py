"""Proof on TensorFlow's own OptimizerV2 classes whose sparse path updates rows lazily, through a
row-wise kernel (SGD with momentum, RMSprop, Adadelta, Ftrl of the installed tf_keras) or with
scatters (Nadam, whose momentum cache is also written once per step): their source, the base class written
`tf.keras.optimizers.legacy.Optimizer` (tf_keras imports it from tf_keras.src, which optfix leaves
alone), migrated by optfix in memory and run on Keras 3 beside the original on tf_keras, with a
dense variable beside an embedding whose gradient is a tf.IndexedSlices (rows changing from step
to step, one given twice), 20 steps, two gradient scales, float64. The embedding's rows without a
gradient must stay as the sparse kernel left them: without the IndexedSlices branch (the gradient
made dense first) the migrated class moves them, which the last test shows."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from conftest import require
from optfix.engine.registry import rules_by_id
from optfix.engine.transform import transform
from optfix.rulekit.rule import FixOptions

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
STEPS = 20
SCALES = (1.0, 1e-4)
TOLERANCE = 1e-6
# Arguments float32 holds exactly (OptimizerV2 holds hyperparameters as float32 variables).
CLASSES = {
    ("gradient_descent.py", "SGD"): [{}, {"momentum": 0.5}, {"momentum": 0.5, "nesterov": True}, {"learning_rate": 0.0078125, "decay": 0.05}],
    ("rmsprop.py", "RMSprop"): [{}, {"momentum": 0.5}, {"centered": True}, {"momentum": 0.5, "centered": True, "rho": 0.875},
                                {"learning_rate": 0.0078125, "decay": 0.05}],
    ("adadelta.py", "Adadelta"): [{}, {"learning_rate": 0.5, "rho": 0.875, "epsilon": 2.0**-20}],
    ("nadam.py", "Nadam"): [{}, {"learning_rate": 0.0078125, "beta_1": 0.875, "beta_2": 0.96875, "epsilon": 2.0**-20, "schedule_decay": 0.125},
                            {"schedule_decay": 1.0, "decay": 0.05}],
    ("ftrl.py", "Ftrl"): [{}, {"learning_rate": 0.25, "learning_rate_power": -0.625, "l1_regularization_strength": 0.0625,
                              "l2_regularization_strength": 0.25, "beta": 0.5},
                          {"learning_rate": 0.25, "l2_shrinkage_regularization_strength": 0.125, "l1_regularization_strength": 0.0625}],
}
CASES = [(file, name, kwargs, scale) for (file, name), variants in CLASSES.items() for kwargs in variants for scale in SCALES]


@cache
def _source(file: str) -> str:
    """The installed tf_keras's file, its base class as a user's code writes it."""
    folder = Path(require("tf_keras").__file__).parent / "src" / "optimizers" / "legacy"
    text = (folder / file).read_text()
    assert "(optimizer_v2.OptimizerV2):" in text
    return text.replace("(optimizer_v2.OptimizerV2):", "(tf.keras.optimizers.legacy.Optimizer):")


@cache
def _migrated(file: str) -> dict:
    require("keras")
    text = transform(_source(file), [rules_by_id()["optimizer-v2"]], FixOptions(unsafe_fixes=True)).text  # lazy rows: an unsafe fix
    assert "if isinstance(gradient, tf.IndexedSlices):" in text, f"{file}: not migrated with a branch for an embedding's rows"
    namespace = {"__name__": f"migrated_{file[:-3]}"}
    exec(compile(text, file, "exec"), namespace)
    return namespace


def _gradients(scale: float) -> tuple[list[np.ndarray], list[list]]:
    rng = np.random.default_rng(11)
    initial = [rng.uniform(0.5, 1.5, (5,)), rng.uniform(0.5, 1.5, (6, 3))]
    steps = []
    for step in range(STEPS):  # a row given twice, rows given none, other rows each step
        indices = np.array([step % 6, (step + 2) % 6, (step + 2) % 6, (step + 5) % 6] if step % 3 else [0, 2, 2, 5], dtype=np.int64)
        steps.append([scale * rng.normal(size=(5,)), (scale * rng.normal(size=(len(indices), 3)), indices)])
    return initial, steps


@pytest.fixture(scope="module")
def originals() -> dict:
    require("tf_keras")
    from optfix.verify.processes import run_jobs
    from optfix.verify.tf_keras_runner import ENVIRONMENT, MODULE

    jobs = []
    for file, name, kwargs, scale in CASES:
        initial, gradients = _gradients(scale)
        jobs.append({"path": file, "source": _source(file), "name": name, "kwargs": kwargs, "initial": initial, "gradients": gradients})
    return dict(zip(range(len(CASES)), run_jobs(MODULE, jobs, ENVIRONMENT)))


def _difference(reference: list, other: list, initial: list) -> float:
    """The largest distance between two runs over the steps, over the distance the reference moved."""
    flat = lambda values: np.concatenate([np.ravel(v) for v in values])  # noqa: E731
    moved = np.linalg.norm(flat(reference[-1]) - flat(initial))
    assert moved > 1e-12
    return max(float(np.linalg.norm(flat(a) - flat(b))) for a, b in zip(reference, other)) / moved


def _run(cls, kwargs: dict, initial, gradients) -> list:
    from optfix.verify.keras3 import run_keras3

    kwargs = dict(kwargs)
    if "decay" in kwargs:  # the migrated constructor takes OptimizerV2's decay= from **kwargs
        kwargs["decay"] = kwargs.pop("decay")
    return run_keras3(cls, kwargs, initial, gradients)


@pytest.mark.parametrize("index", range(len(CASES)), ids=[f"{n} {k or 'defaults'} scale {s:g}" for _, n, k, s in CASES])
def test_the_migrated_class_computes_what_tensorflows_computes(index, originals) -> None:
    file, name, kwargs, scale = CASES[index]
    original = originals[index]
    assert not isinstance(original, str), f"the original did not run:\n{original}"
    initial, gradients = _gradients(scale)
    migrated = _run(_migrated(file)[name], kwargs, initial, gradients)
    difference = _difference(original, migrated, initial)
    assert difference <= TOLERANCE, f"{name} {kwargs}: differs by {difference:.2e} of the movement"


@pytest.mark.parametrize(("file", "name"), list(CLASSES), ids=[n for _, n in CLASSES])
def test_the_embedding_case_tells_a_lazy_update_from_a_dense_one(file, name, originals) -> None:
    """The same class fed the embedding's gradient made dense differs from the original: the
    equality above is the row-wise branch's. Each class's second variant (SGD's and RMSprop's with
    momentum: without, their sparse paths compute what the dense one does)."""
    index = [i for i, case in enumerate(CASES) if case[:2] == (file, name) and case[3] == 1.0][1]
    initial, gradients = _gradients(1.0)
    dense = [[g if not isinstance(g, tuple) else _summed(g, v.shape) for g, v in zip(step, initial)] for step in gradients]
    migrated = _run(_migrated(file)[name], CASES[index][2], initial, dense)
    assert _difference(originals[index], migrated, initial) > 100 * TOLERANCE


def _summed(gradient: tuple, shape) -> np.ndarray:
    values, indices = gradient
    dense = np.zeros(shape)
    np.add.at(dense, indices, values)
    return dense
