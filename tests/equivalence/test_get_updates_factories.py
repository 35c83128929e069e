"""Classes made by class factories (`def extend_with_x(Base): class New(Base)`), migrated by
get-updates where the fixture applies the factory to a Keras 2 optimizer of its own: the product
of each application, run from the original source on the numpy Keras 2 backend and as migrated
under Keras 3, on the same gradients, computes the same, with arguments of the base class and of
the factory's class."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, require
from optfix.verify.keras3 import run_keras3
from optfix.verify.legacy_keras import load_legacy, run_legacy

FIXTURES = REPO / "fixtures" / "get-updates"
STEPS = 20
SHAPES = ((5,), (3, 2))
SCALES = {"normal gradients": 1.0, "gradients near 1e-4": 1e-4}
# fixture -> the name the file binds the factory's product to, and arguments beside the defaults
PRODUCTS = {
    "factory_applied": ("HeavyBallSGDW", {"lr": 0.05, "momentum": 0.8, "weight_decay_rate": 0.1}),
    "factory_applied_schedule": ("WarmSGD", {"lr": 0.2, "decay": 0.05, "warmup_steps": 7}),
    "factory_applied_lambda": ("ClippedSGD", {"lr": 3.0}),
    "factory_applied_guarded": ("ShrinkingSGD", {"lr": 0.1, "keep": 0.9}),
    "factory_applied_trust_ratio": ("TrustedSGD", {"lr": 0.05, "momentum": 0.5, "skip_pattern": "kernel"}),
    "factory_applied_rate": ("DecayingBaseSGDW", {"lr": 0.2, "decay": 0.05, "weight_decay_rate": 0.3}),
    "factory_applied_membership": ("AdamWD", {"learning_rate": 0.01, "beta_1": 0.8, "weight_decay_rate": 0.1}),
}


def _products(namespace: dict, name: str) -> type:
    product = namespace[name]
    assert "<locals>" in product.__qualname__, f"{name} is not made by a class factory"
    return product


def _legacy(stem: str) -> type:
    path = FIXTURES / f"{stem}.py"
    return _products(load_legacy(path.read_text(), str(path)), PRODUCTS[stem][0])


def _migrated(stem: str) -> type:
    require("keras")
    path = FIXTURES / f"{stem}.expected.py"
    namespace = {"__name__": f"migrated_factory_{stem}"}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return _products(namespace, PRODUCTS[stem][0])


def _gradients(scale: float):
    rng = np.random.default_rng(11)
    initial = [rng.normal(size=shape) for shape in SHAPES]
    return initial, [[scale * rng.normal(size=shape) for shape in SHAPES] for _ in range(STEPS)]


def _worst(a: list[list[np.ndarray]], b: list[list[np.ndarray]]) -> float:
    return max(float(np.linalg.norm(x - y) / max(np.linalg.norm(y), 1e-30)) for sa, sb in zip(a, b) for x, y in zip(sa, sb))


def test_every_migrated_factory_fixture_is_run() -> None:
    migrated = {p.stem for p in FIXTURES.glob("factory_*.py") if not p.name.endswith(".expected.py")
                and p.with_name(f"{p.stem}.expected.py").exists()}
    assert migrated == set(PRODUCTS)


@pytest.mark.parametrize("scale", SCALES.values(), ids=SCALES.keys())
@pytest.mark.parametrize("arguments", ["defaults", "given"])
@pytest.mark.parametrize("stem", sorted(PRODUCTS))
def test_the_factory_product_computes_what_the_legacy_one_computed(stem, arguments, scale) -> None:
    kwargs = PRODUCTS[stem][1] if arguments == "given" else {}
    initial, gradients = _gradients(scale)
    legacy = run_legacy(_legacy(stem), kwargs, initial, gradients)
    assert _worst([legacy[-1]], [initial]) > 1e-9, "the legacy run did not train"
    migrated = run_keras3(_migrated(stem), kwargs, initial, gradients)
    assert _worst(migrated, legacy) <= 1e-6


@pytest.mark.parametrize("stem", sorted(PRODUCTS))
def test_the_factory_changes_what_its_base_class_computes(stem) -> None:
    """Else the comparison above would not prove the patch is kept."""
    initial, gradients = _gradients(1.0)
    product = _legacy(stem)
    base = product.__mro__[1]
    kwargs = PRODUCTS[stem][1]
    own = {k: v for k, v in kwargs.items() if k in base.__init__.__code__.co_varnames}
    assert _worst(run_legacy(product, kwargs, initial, gradients), run_legacy(base, own, initial, gradients)) > 1e-6


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed: the verify-jax extra")
def test_the_factory_products_compute_the_same_on_jax() -> None:
    """Their update_step is keras.ops only: Keras 3 on JAX (float64) computes what the legacy run did."""
    from optfix.verify.keras3_runner import MODULE, environment
    from optfix.verify.processes import run_jobs

    require("tensorflow")  # the legacy side's tf.norm is TensorFlow's

    initial, gradients = _gradients(1.0)
    jobs, legacy = [], []
    for stem, (name, kwargs) in sorted(PRODUCTS.items()):
        path = FIXTURES / f"{stem}.expected.py"
        jobs.append({"path": str(path), "source": path.read_text(), "name": name, "kwargs": kwargs,
                     "initial": initial, "gradients": gradients})
        legacy.append(run_legacy(_legacy(stem), kwargs, initial, gradients))
    results = run_jobs(MODULE, jobs, env=environment("jax"))
    for (stem, _), result, expected in zip(sorted(PRODUCTS.items()), results, legacy):
        assert isinstance(result, list), f"{stem}: {result}"
        assert _worst(result, expected) <= 1e-6, stem
