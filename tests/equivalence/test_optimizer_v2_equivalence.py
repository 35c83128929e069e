"""Proof that optimizer-v2 keeps the math, by running the original.

Each migrated fixture runs twice on the same gradients: as written, on tf_keras's OptimizerV2 (the
real tf.keras 2 code, in a process of its own: optfix/verify/tf_keras_runner.py, as `optfix verify` runs it), and as migrated, on Keras 3.
Cases: default arguments and non-default ones (every float changed, every flag flipped), gradients
of two scales, time-based decay > 0, and, for a class that had a sparse method, the gradient of an
embedding (a tf.IndexedSlices with a repeated row). Both sides run in float64; OptimizerV2 holds
hyperparameters as float32 variables, so the non-default values are ones float32 holds exactly.
The parameters must agree at every one of 20 steps to 1e-6 of how far the original moved them
(normwise: the largest distance between the two over the distance the original covered). Each migrated
class also survives from_config(get_config()) (with decay too), and trains a model with fit, saved
and loaded. Classes shaped like tf.keras 2's own SGD and Adam must equal Keras 3's built-ins.
"""

from __future__ import annotations

import ast
import inspect
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, require
from fit_and_save import assert_trains_and_saves

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
FIXTURES = REPO / "fixtures" / "optimizer-v2"
MIGRATED = sorted(p for p in FIXTURES.glob("*.py") if not p.name.endswith(".expected.py") and p.with_suffix(".expected.py").exists())
STEPS = 20
SHAPES = ((5,), (3, 2))
EMBEDDING = (6, 3)  # a variable whose gradient is sparse: rows of a table
SCALES = {"normal gradients": 1.0, "gradients near 1e-4": 1e-4}
DECAY = 0.05
TOLERANCE = 1e-6


def _expected(path: Path) -> Path:
    return path.with_suffix(".expected.py")


@dataclass(frozen=True)
class Case:
    path: Path
    name: str
    kwargs: dict = field(hash=False)
    scale: float = 1.0
    sparse: bool = False

    def gradients(self) -> tuple[list[np.ndarray], list[list]]:
        rng = np.random.default_rng(7)
        if self.sparse:
            initial = [rng.uniform(0.5, 1.5, EMBEDDING)]
            indices = np.array([0, 2, 2, 5], dtype=np.int64)  # rows 1, 3, 4 get no gradient; row 2 two
            steps = [[(self.scale * rng.normal(size=(len(indices), EMBEDDING[1])), indices)] for _ in range(STEPS)]
            return initial, steps
        initial = [rng.uniform(0.5, 1.5, shape) for shape in SHAPES]
        return initial, [[self.scale * rng.normal(size=shape) for shape in SHAPES] for _ in range(STEPS)]


@cache
def _migrated_class(path: Path) -> type:
    """The Keras 3 class of a migrated fixture, its module executed once (registration is global)."""
    keras = require("keras")
    namespace = {"__name__": f"migrated_{path.stem}"}
    exec(compile(_expected(path).read_text(), str(_expected(path)), "exec"), namespace)
    [cls] = [v for v in namespace.values() if isinstance(v, type) and issubclass(v, keras.optimizers.Optimizer)
             and v.__module__ == namespace["__name__"]]
    return cls


def _non_default(path: Path) -> dict:
    """Every float parameter changed to another value float32 holds exactly, every flag flipped.
    Read from the migrated class's source, so that collecting the cases imports no Keras."""
    tree = ast.parse(_expected(path).read_text())
    [init] = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name == "__init__"]
    positional = init.args.args[len(init.args.args) - len(init.args.defaults):]
    pairs = [*zip(positional, init.args.defaults), *((a, d) for a, d in zip(init.args.kwonlyargs, init.args.kw_defaults) if d)]
    changed = {}
    for argument, node in pairs:
        try:
            default = ast.literal_eval(node)
        except ValueError:
            continue
        if isinstance(default, bool):
            changed[argument.arg] = not default
        elif isinstance(default, float):
            changed[argument.arg] = 0.5 if default == 0.0 else float(np.float32(default * 0.75))
    return changed


def _has_sparse_method(path: Path) -> bool:
    return "def _resource_apply_sparse" in path.read_text()


def _decays(path: Path) -> bool:
    return "InverseTimeDecay" in _expected(path).read_text()


def _cases() -> list[Case]:
    cases = []
    for path in MIGRATED:
        for scale_name, scale in SCALES.items():
            cases.append(Case(path, f"default arguments, {scale_name}", {}, scale))
            cases.append(Case(path, f"non-default arguments, {scale_name}", _non_default(path), scale))
        cases.append(Case(path, "decay > 0", {"decay": DECAY}))  # ignored by classes that never read the decayed rate
        if _has_sparse_method(path):
            cases.append(Case(path, "sparse gradient", {}, sparse=True))
            cases.append(Case(path, "sparse gradient, non-default arguments", _non_default(path), sparse=True))
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def originals() -> dict[Case, list]:
    """What every case gives on tf_keras's OptimizerV2: one process runs them all."""
    require("tf_keras")
    from optfix.verify.processes import run_jobs
    from optfix.verify.tf_keras_runner import ENVIRONMENT, MODULE

    jobs = []
    for case in CASES:
        initial, gradients = case.gradients()
        jobs.append({"path": str(case.path), "kwargs": case.kwargs, "initial": initial, "gradients": gradients})
    results = run_jobs(MODULE, jobs, ENVIRONMENT)
    return dict(zip(CASES, results))


def _keras3_run(cls, kwargs: dict, initial, gradients) -> list[list[np.ndarray]]:
    keras, tf = require("keras"), require("tensorflow")
    saved = keras.config.floatx()
    keras.config.set_floatx("float64")
    try:
        optimizer = cls(**kwargs)
        variables = [keras.Variable(value, dtype="float64") for value in initial]
        steps = []
        for step in gradients:
            pairs = []
            for gradient, variable in zip(step, variables):
                if isinstance(gradient, tuple):
                    values, indices = gradient
                    gradient = tf.IndexedSlices(tf.constant(values), tf.constant(indices), tf.constant(variable.shape, tf.int64))
                pairs.append((gradient, variable))
            optimizer.apply_gradients(pairs)
            steps.append([np.array(keras.ops.convert_to_numpy(v)) for v in variables])
        return steps
    finally:
        keras.config.set_floatx(saved)


def _flat(values) -> np.ndarray:
    return np.concatenate([np.ravel(v) for v in values])


def _difference(reference: list, other: list, initial: list) -> float:
    """The largest distance between two runs over the steps, as a share of the distance the
    reference run moved the parameters from where they started."""
    moved = np.linalg.norm(_flat(reference[-1]) - _flat(initial))
    assert moved > 1e-12, "the reference run did not train: the comparison would prove nothing"
    return max(float(np.linalg.norm(_flat(a) - _flat(b))) for a, b in zip(reference, other)) / moved


def test_the_fixtures_cover_the_constructs() -> None:
    assert len(MIGRATED) >= 4
    assert sum(_decays(p) for p in MIGRATED) >= 3
    assert any(not _decays(p) for p in MIGRATED)
    assert any(_has_sparse_method(p) for p in MIGRATED)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.path.stem}: {c.name}")
def test_the_migrated_class_computes_what_the_original_computed(case, originals) -> None:
    original = originals[case]
    assert not isinstance(original, str), f"the original did not run:\n{original}"
    initial, gradients = case.gradients()
    migrated = _keras3_run(_migrated_class(case.path), case.kwargs, initial, gradients)
    difference = _difference(original, migrated, initial)
    assert difference <= TOLERANCE, f"{case.path.stem} ({case.name}): the migrated class differs by {difference:.2e} of the movement"


@pytest.mark.parametrize("path", [p for p in MIGRATED if _decays(p)], ids=lambda p: p.stem)
def test_decay_changes_what_the_original_computed(path, originals) -> None:
    """The decay case proves something: without decay, the original computes otherwise."""
    case = next(c for c in CASES if c.path == path and c.name.startswith("default arguments, normal"))
    decayed = originals[next(c for c in CASES if c.path == path and c.name == "decay > 0")]
    assert _difference(originals[case], decayed, case.gradients()[0]) > 100 * TOLERANCE


def _round_trip(cls, kwargs: dict) -> bool:
    keras = require("keras")
    optimizer = cls(**kwargs)
    config = optimizer.get_config()
    again = cls.from_config(dict(config))
    same_rate = all(np.isclose(float(schedule(step)), float(other(step)))
                    for step in (0, 3) for schedule, other in [(_rate(optimizer, keras), _rate(again, keras))])
    return again.get_config() == config and same_rate


def _rate(optimizer, keras):
    rate = optimizer._learning_rate
    if isinstance(rate, keras.optimizers.schedules.LearningRateSchedule):
        return rate
    return lambda step: keras.ops.convert_to_numpy(rate)


@pytest.mark.parametrize("path", MIGRATED, ids=lambda p: p.stem)
def test_the_migrated_class_round_trips_through_its_config(path) -> None:
    cls = _migrated_class(path)
    assert _round_trip(cls, {})
    assert _round_trip(cls, _non_default(path))
    if _decays(path):
        assert _round_trip(cls, {"decay": DECAY})


@pytest.mark.parametrize("path", MIGRATED, ids=lambda p: p.stem)
def test_the_migrated_class_trains_a_model_and_saves(path, tmp_path) -> None:
    assert_trains_and_saves(_migrated_class(path), tmp_path)


# Fixtures written as tf.keras 2 writes its own SGD and Adam: migrated, they are Keras 3's built-ins.
# Keras 3's Adam rounds `1 - beta` to float32 even for float64 variables, so its arguments here are
# ones float32 holds exactly.
_EXACT_ADAM = {"learning_rate": 2.0**-10, "beta_1": 0.875, "beta_2": 1 - 2.0**-10, "epsilon": 2.0**-20}
BUILT_INS = {
    "sgd_style": ("SGD", [{}, {"momentum": 0.5}, {"momentum": 0.5, "nesterov": True}]),
    "adam_style": ("Adam", [_EXACT_ADAM, {**_EXACT_ADAM, "amsgrad": True}, {**_EXACT_ADAM, "epsilon": 0.5}]),
}


@pytest.mark.parametrize("stem", sorted(BUILT_INS))
def test_a_class_shaped_like_a_tf_keras_built_in_migrates_to_keras_3s(stem) -> None:
    keras = require("keras")
    built_in, variants = BUILT_INS[stem]
    initial, gradients = Case(FIXTURES / f"{stem}.py", "built-in", {}).gradients()
    for kwargs in variants:
        ours = _keras3_run(_migrated_class(FIXTURES / f"{stem}.py"), kwargs, initial, gradients)
        theirs = _keras3_run(getattr(keras.optimizers, built_in), kwargs, initial, gradients)
        assert _difference(theirs, ours, initial) <= TOLERANCE, (stem, kwargs)
