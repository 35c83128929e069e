"""Proof that optimizer-v2 keeps the math, by running the original.

Each migrated fixture runs twice on the same gradients: as written, on tf_keras's OptimizerV2 (the
real tf.keras 2 code, in a process of its own: optfix/verify/tf_keras_runner.py, as `optfix verify` runs it), and as migrated, on Keras 3.
Cases: default arguments and non-default ones (every float changed, every flag flipped), gradients
of two scales, time-based decay > 0, and, for a class that had a sparse method or subclasses a
built-in (Adam), a dense variable beside an embedding whose gradient is a tf.IndexedSlices (rows
changing from step to step, one given twice), at both scales; schedules given as configs to the
parameters annotated as taking one (tensorflow_addons' learning rate and weight decay). Both sides
run in float64; OptimizerV2 holds
hyperparameters as float32 variables, so the non-default values are ones float32 holds exactly.
The parameters must agree at every one of 20 steps to 1e-6 of how far the original moved them
(normwise: the largest distance between the two over the distance the original covered). Each migrated
class also survives from_config(get_config()) (with decay too), and trains a model with fit, saved
and loaded. Classes shaped like tf.keras 2's own SGD and Adam must equal Keras 3's built-ins.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, require
from fit_and_save import assert_trains_and_saves
from optfix.knowledge.optimizer_v2_builtins import KEPT_BASES

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
FIXTURES = REPO / "fixtures" / "optimizer-v2"
STEPS = 20
SHAPES = ((5,), (3, 2))
EMBEDDING = (6, 3)  # a variable whose gradient is sparse: rows of a table
SCALES = {"normal gradients": 1.0, "gradients near 1e-4": 1e-4}
DECAY = 0.05
TOLERANCE = 1e-6


def _expected(path: Path) -> Path:
    """The migration: with --unsafe-fixes where only those give it (a lazy sparse update)."""
    unsafe = path.with_suffix(".unsafe.expected.py")
    return unsafe if unsafe.exists() else path.with_suffix(".expected.py")


MIGRATED = sorted(p for p in FIXTURES.glob("*.py") if not p.name.endswith(".expected.py") and _expected(p).exists())


def _classes(path: Path) -> dict[str, ast.ClassDef]:
    return {node.name: node for node in ast.parse(_expected(path).read_text()).body if isinstance(node, ast.ClassDef)}


def _leaves(path: Path) -> list[str]:
    """The optimizers a migrated fixture defines: its classes that no other class of it extends (a
    base class of the file's own holding __init__ and helpers is run through its subclasses)."""
    classes = _classes(path)
    extended = {ast.unparse(base) for node in classes.values() for base in node.bases}
    return [name for name in classes if name not in extended]


# Each migrated optimizer class, with its fixture.
OPTIMIZERS = [(path, name) for path in MIGRATED for name in _leaves(path)]


def _optimizer_id(pair: tuple[Path, str]) -> str:
    path, name = pair
    return path.stem if len(_leaves(path)) == 1 else f"{path.stem}.{name}"


@dataclass(frozen=True)
class Case:
    path: Path
    name: str
    kwargs: dict = field(hash=False)
    scale: float = 1.0
    sparse: bool = False
    cls: str = ""  # the class to run, where the fixture defines several (a base class and its subclasses)

    def gradients(self) -> tuple[list[np.ndarray], list[list]]:
        rng = np.random.default_rng(7)
        if self.sparse:  # a dense variable beside an embedding
            initial = [rng.uniform(0.5, 1.5, SHAPES[0]), rng.uniform(0.5, 1.5, EMBEDDING)]
            steps = []
            for step in range(STEPS):  # each step a row given twice and rows given none, not the same rows each step
                indices = np.array([step % 6, (step + 2) % 6, (step + 2) % 6, (step + 5) % 6] if step % 3 else [0, 2, 2, 5], dtype=np.int64)
                steps.append([self.scale * rng.normal(size=SHAPES[0]), (self.scale * rng.normal(size=(len(indices), EMBEDDING[1])), indices)])
            return initial, steps
        initial = [rng.uniform(0.5, 1.5, shape) for shape in SHAPES]
        return initial, [[self.scale * rng.normal(size=shape) for shape in SHAPES] for _ in range(STEPS)]


@cache
def _migrated_module(path: Path) -> dict:
    """The namespace of a migrated fixture, its module executed once (registration is global)."""
    require("keras")
    namespace = {"__name__": f"migrated_{path.stem}"}
    exec(compile(_expected(path).read_text(), str(_expected(path)), "exec"), namespace)
    return namespace


def _migrated_class(path: Path, name: str = "") -> type:
    """The Keras 3 class of a migrated fixture: the one named, or its only optimizer."""
    keras = require("keras")
    namespace = _migrated_module(path)
    [cls] = [v for k, v in namespace.items() if isinstance(v, type) and issubclass(v, keras.optimizers.Optimizer)
             and v.__module__ == namespace["__name__"] and (k == name if name else k in _leaves(path))]
    return cls


def _own_init(path: Path, name: str) -> list[ast.FunctionDef]:
    """The __init__ that names the class's arguments: its own, or (where it has none, or one that
    passes `*args, **kwargs` on) that of its base class in the file."""
    classes, inits = _classes(path), []
    while name in classes and not inits:
        node = classes[name]
        inits = [s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__" and not s.args.vararg]
        name = next((ast.unparse(b) for b in node.bases if ast.unparse(b) in classes), "")
    return inits


def _non_default(path: Path, name: str = "") -> dict:
    """Every float parameter changed to another value float32 holds exactly, every flag flipped.
    Read from the migrated class's source, so that collecting the cases imports no Keras."""
    tree = ast.parse(_expected(path).read_text())
    inits = _own_init(path, name or _leaves(path)[0])
    if not inits:  # a built-in's subclass that keeps its __init__
        [base] = [ast.unparse(b).rsplit(".", 1)[-1] for node in ast.walk(tree) if isinstance(node, ast.ClassDef) for b in node.bases]
        return INHERITED_NON_DEFAULT[base]
    [init] = inits
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


# The non-default arguments of a built-in whose __init__ a subclass keeps: values float32 holds exactly.
INHERITED_NON_DEFAULT = {"Adam": {"learning_rate": 0.0078125, "beta_1": 0.875, "beta_2": 0.9921875, "epsilon": 2.0**-12, "amsgrad": True}}


def _has_sparse_method(path: Path) -> bool:
    return "def _resource_apply_sparse" in path.read_text()


def _sees_sparse_gradients(path: Path) -> bool:
    """A class with a sparse method, or a built-in's subclass (its sparse path the built-in's):
    the migrated update_step tells an embedding's gradient apart."""
    sparse = [node for node in ast.walk(ast.parse(path.read_text()))
              if isinstance(node, ast.FunctionDef) and node.name == "_resource_apply_sparse"]
    inert = bool(sparse) and all(isinstance(s, (ast.Raise, ast.Pass)) or isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                 for s in sparse[0].body)  # the original raises, or leaves the embedding as it was: nothing to compare
    return "IndexedSlices" in _expected(path).read_text() and not inert


def _decays(path: Path) -> bool:
    return "InverseTimeDecay" in _expected(path).read_text()


# A schedule's config, as tensorflow_addons' optimizers take one for any hyperparameter annotated `Dict`.
SCHEDULE = {"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.0078125, "decay_steps": 4, "decay_rate": 0.5}}


def _schedule_kwargs(path: Path) -> dict:
    """Each parameter of the original's __init__ annotated as possibly a dict, given a schedule's config."""
    inits = [node for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.FunctionDef) and node.name == "__init__"]
    return {a.arg: SCHEDULE for init in inits for a in init.args.args if a.annotation is not None and "Dict" in ast.unparse(a.annotation)}


def _cases() -> list[Case]:
    cases = []
    for path, cls in OPTIMIZERS:
        named = cls if len(_leaves(path)) > 1 else ""
        for scale_name, scale in SCALES.items():
            cases.append(Case(path, f"default arguments, {scale_name}", {}, scale, cls=named))
            cases.append(Case(path, f"non-default arguments, {scale_name}", _non_default(path, cls), scale, cls=named))
        cases.append(Case(path, "decay > 0", {"decay": DECAY}, cls=named))  # ignored by classes that never read the decayed rate
        if _schedule_kwargs(path):
            cases.append(Case(path, "schedules given as configs", _schedule_kwargs(path), cls=named))
        if _sees_sparse_gradients(path):
            for scale_name, scale in SCALES.items():
                cases.append(Case(path, f"sparse gradient, {scale_name}", {}, scale, sparse=True, cls=named))
                cases.append(Case(path, f"sparse gradient, non-default arguments, {scale_name}", _non_default(path, cls), scale,
                                  sparse=True, cls=named))
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def originals() -> dict[Case, list]:
    """What every case gives on tf_keras's OptimizerV2: one process runs them all."""
    require("tf_keras")
    from optfix.verify.processes import run_jobs
    from optfix.verify.tf_keras_runner import ENVIRONMENT, MODULE

    jobs, keys = [], []
    for case in CASES:
        initial, gradients = case.gradients()
        jobs.append({"path": str(case.path), "kwargs": case.kwargs, "initial": initial, "gradients": gradients, "name": case.cls})
        keys.append(case)
        base = _built_in_base(case.path)
        if base is not None:  # the legacy built-in alone, on the same gradients
            source = f"import tensorflow as tf\n\n\nclass Legacy{base}(tf.keras.optimizers.{base}):\n    pass\n"
            jobs.append({"path": f"legacy_{base}.py", "source": source, "kwargs": _base_kwargs(case, base),
                         "initial": initial, "gradients": gradients})
            keys.append(("built-in", case))
    results = run_jobs(MODULE, jobs, ENVIRONMENT)
    return dict(zip(keys, results))


def _built_in_base(path: Path) -> str | None:
    """The Keras 3 built-in a migrated subclass of a tf.keras 2 built-in extends."""
    tree = ast.parse(_expected(path).read_text())
    bases = [ast.unparse(b).rsplit(".", 1)[-1] for node in ast.walk(tree) if isinstance(node, ast.ClassDef) for b in node.bases]
    return next((b for b in bases if b in KEPT_BASES), None)


def _base_kwargs(case: Case, base: str) -> dict:
    return {k: v for k, v in case.kwargs.items() if k in KEPT_BASES[base] or k == "decay"}


def _made_dense(gradient, variable: np.ndarray) -> np.ndarray:
    if not isinstance(gradient, tuple):
        return gradient
    values, indices = gradient
    dense = np.zeros_like(variable)
    np.add.at(dense, indices, values)  # a row given twice, summed
    return dense


def _tolerance(case: Case, originals) -> float:
    """TOLERANCE; for a built-in's subclass, plus what the two built-ins differ by on the case (in
    float64, OptimizerV2 reads its hyperparameters from float32 variables, which Keras 3's Adam
    does not: 6.6e-6 with beta_2 = 0.999, 0 with betas float32 holds): the migration may add
    nothing to it."""
    base = _built_in_base(case.path)
    if base is None:
        return TOLERANCE
    keras = require("keras")
    initial, gradients = case.gradients()
    legacy = originals[("built-in", case)]
    assert not isinstance(legacy, str), f"the legacy built-in did not run:\n{legacy}"
    kwargs = _base_kwargs(case, base)
    if "decay" in kwargs:
        rate = kwargs.pop("learning_rate", 0.001)
        kwargs["learning_rate"] = keras.optimizers.schedules.InverseTimeDecay(rate, decay_steps=1, decay_rate=kwargs.pop("decay"))
    dense = [[_made_dense(g, v) for g, v in zip(step, initial)] for step in gradients]  # as the migrated update_step makes them
    gap = _difference(legacy, _keras3_run(getattr(keras.optimizers, base), kwargs, initial, dense), initial)
    assert gap <= 1e-4, f"tf_keras's {base} and Keras 3's differ by {gap:.2e} of the movement: not a rounding"
    return TOLERANCE + gap


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
    assert any(_schedule_kwargs(p) for p in MIGRATED)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.path.stem}{'.' + c.cls if c.cls else ''}: {c.name}")
def test_the_migrated_class_computes_what_the_original_computed(case, originals) -> None:
    original = originals[case]
    assert not isinstance(original, str), f"the original did not run:\n{original}"
    initial, gradients = case.gradients()
    migrated = _keras3_run(_migrated_class(case.path, case.cls), case.kwargs, initial, gradients)
    difference = _difference(original, migrated, initial)
    assert difference <= _tolerance(case, originals), f"{case.path.stem} ({case.name}): the migrated class differs by {difference:.2e} of the movement"


@pytest.mark.parametrize("pair", [(p, c) for p, c in OPTIMIZERS if _decays(p)], ids=_optimizer_id)
def test_decay_changes_what_the_original_computed(pair, originals) -> None:
    """The decay case proves something: without decay, the original computes otherwise."""
    path, cls = pair
    ours = [c for c in CASES if c.path == path and c.cls in ("", cls)]
    case = next(c for c in ours if c.name.startswith("default arguments, normal"))
    decayed = originals[next(c for c in ours if c.name == "decay > 0")]
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


@pytest.mark.parametrize("pair", OPTIMIZERS, ids=_optimizer_id)
def test_the_migrated_class_round_trips_through_its_config(pair) -> None:
    path, name = pair
    cls = _migrated_class(path, name)
    assert _round_trip(cls, {})
    assert _round_trip(cls, _non_default(path, name))
    if _decays(path):
        assert _round_trip(cls, {"decay": DECAY})


@pytest.mark.parametrize("pair", OPTIMIZERS, ids=_optimizer_id)
def test_the_migrated_class_trains_a_model_and_saves(pair, tmp_path) -> None:
    assert_trains_and_saves(_migrated_class(*pair), tmp_path)


# Fixtures written as tf.keras 2 writes its own SGD and Adam: migrated, they are Keras 3's built-ins.
# Keras 3's Adam rounds `1 - beta` to float32 even for float64 variables, so its arguments here are
# ones float32 holds exactly.
_EXACT_ADAM = {"learning_rate": 2.0**-10, "beta_1": 0.875, "beta_2": 1 - 2.0**-10, "epsilon": 2.0**-20}
BUILT_INS = {
    "sgd_style": ("SGD", [{}, {"momentum": 0.5}, {"momentum": 0.5, "nesterov": True}]),
    "adam_style": ("Adam", [_EXACT_ADAM, {**_EXACT_ADAM, "amsgrad": True}, {**_EXACT_ADAM, "epsilon": 0.5}]),
    # Vendored copies of tf.keras 2's built-ins that call TensorFlow's fused kernels, written out.
    "kernel_adam": ("Adam", [_EXACT_ADAM, {**_EXACT_ADAM, "amsgrad": True}]),
    "kernel_sgd": ("SGD", [{}, {"momentum": 0.5}, {"momentum": 0.5, "nesterov": True}]),
    # Keras 3's Adagrad and RMSprop (without momentum) add epsilon under the square root, the legacy
    # ones after it: compared with an epsilon too small to tell.
    "kernel_adagrad": ("Adagrad", [{"learning_rate": 2.0**-6, "initial_accumulator_value": 0.125, "epsilon": 2.0**-40}]),
    "kernel_rmsprop": ("RMSprop", [{"rho": 0.875, "momentum": 0.5, "epsilon": 2.0**-20},
                                   {"rho": 0.875, "momentum": 0.5, "epsilon": 2.0**-20, "centered": True},
                                   {"rho": 0.875, "epsilon": 2.0**-40, "centered": True}]),
    "kernel_adadelta": ("Adadelta", [{"learning_rate": 0.5, "rho": 0.875, "epsilon": 2.0**-20}]),
    "kernel_adamax": ("Adamax", [{"learning_rate": 2.0**-8, "beta_1": 0.875, "beta_2": 0.96875, "epsilon": 2.0**-20}]),
    "kernel_ftrl": ("Ftrl", [{"learning_rate": 0.25}, {"learning_rate": 0.25, "learning_rate_power": -0.625, "l1_regularization_strength": 0.0625,
                                                      "l2_regularization_strength": 0.25, "l2_shrinkage_regularization_strength": 0.125,
                                                      "beta": 0.5}]),
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


# tf.keras 2's Nadam decays its momentum schedule as 0.96 ** (schedule_decay * step), Keras 3's as
# 0.96 ** step: with schedule_decay=1 the migrated Nadam (its momentum cache updated once per step,
# in _backend_update_step) must be Keras 3's, betas float32 holds exactly.
_EXACT_NADAM = {"learning_rate": 2.0**-10, "beta_1": 0.875, "beta_2": 1 - 2.0**-10, "epsilon": 2.0**-20}


@pytest.mark.parametrize("stem", ["kernel_nadam", "nadam_momentum_cache"])
def test_the_migrated_nadam_is_keras_3s_nadam(stem) -> None:
    keras = require("keras")
    initial, gradients = Case(FIXTURES / f"{stem}.py", "built-in", {}).gradients()
    for kwargs in (_EXACT_NADAM, {**_EXACT_NADAM, "beta_1": 0.75}):
        ours = _keras3_run(_migrated_class(FIXTURES / f"{stem}.py"), {**kwargs, "schedule_decay": 1.0}, initial, gradients)
        theirs = _keras3_run(keras.optimizers.Nadam, kwargs, initial, gradients)
        assert _difference(theirs, ours, initial) <= TOLERANCE, (stem, kwargs)
        default_schedule = _keras3_run(_migrated_class(FIXTURES / f"{stem}.py"), kwargs, initial, gradients)
        assert _difference(theirs, default_schedule, initial) > 100 * TOLERANCE  # the schedule decay is what tells them apart


def _without_tensorflow(path: Path) -> bool:
    """A migration that imports TensorFlow nowhere, or only in update_step's branch for an
    embedding's rows."""
    return not any(line.startswith(("import tensorflow", "from tensorflow")) for line in _expected(path).read_text().splitlines())


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed: the verify-jax extra")
def test_a_migration_importing_no_tensorflow_runs_on_jax_without_it(originals, tmp_path) -> None:
    """On JAX, with `import tensorflow` failing, the module loads and the dense path computes what
    the original computed (normal gradients: at 1e-4, the Yogi-style fixture's `sign(v - g * g)`
    differs on JAX by 6.4e-6, with and without the guard of the rows' branch)."""
    from optfix.verify.keras3_runner import MODULE, environment
    from optfix.verify.processes import run_jobs

    guarded = [p for p in MIGRATED if _without_tensorflow(p)]
    assert {"kernel_lazy_momentum", "kernel_proximal_adagrad", "adam_style", "sign_step_sizes", "built_in_subclass",
            "shared_resource_apply"} <= {p.stem for p in guarded}
    blocker = tmp_path / "tensorflow"
    blocker.mkdir()
    (blocker / "__init__.py").write_text('raise ImportError("TensorFlow is not installed here")\n')
    # Non-default arguments: float32 holds them exactly. A default such as beta_2 = 0.999 OptimizerV2
    # read from a float32 variable, and Keras 3 on TensorFlow casts the Python float through float32
    # too, where JAX keeps it in float64 (6.5e-6 apart with Adam's betas).
    cases = [c for c in CASES if c.path in guarded and not c.sparse and c.name == "non-default arguments, normal gradients"]
    jobs = [{"path": str(_expected(c.path)), "source": _expected(c.path).read_text(), "name": _migrated_class(c.path, c.cls).__name__,
             "kwargs": c.kwargs, "initial": c.gradients()[0], "gradients": c.gradients()[1]} for c in cases]
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    results = run_jobs(MODULE, jobs, env={**environment("jax"), "PYTHONPATH": path})
    for case, result in zip(cases, results):
        assert isinstance(result, list), f"{case.path.stem} on JAX without TensorFlow: {result}"
        difference = _difference(originals[case], result, case.gradients()[0])
        assert difference <= _tolerance(case, originals), f"{case.path.stem} ({case.name}) on JAX: {difference:.2e}"
