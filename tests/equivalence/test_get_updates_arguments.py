"""Proof that get-updates keeps the math for the arguments a user passes, not only the defaults:
every migrated fixture runs 20 steps at two gradient scales with each of its own hyperparameters
moved off its default (floats scaled, flags flipped, counts shortened or set) and, where the class
decays its learning rate, `decay > 0`; the migrated class computes what the legacy one computed
with the same arguments, under Keras 3 on TensorFlow and on JAX. The arguments must change what
the legacy class computes, else the comparison would prove nothing about them."""

from __future__ import annotations

import importlib.util
import inspect

import pytest

from test_get_updates_equivalence import DECAYING, MIGRATED, SCALES, _gradients, _legacy_class, _migrated_class, _relative
from optfix.verify.keras3 import run_keras3
from optfix.verify.legacy_keras import run_legacy

DECAY = 0.05


def _moved(name: str, default):
    """A value other than the default that the argument's meaning allows."""
    if isinstance(default, bool):
        return not default
    if isinstance(default, int):
        if default == 0:
            return 10  # a count that the 20 steps reach (RAdam's total_steps: 0 is "no warmup")
        return max(default // 2, 1)  # steps, sizes: a shorter count
    if isinstance(default, float):
        return default * 0.7 if default else 0.01
    return default  # None (K.epsilon()), patterns, lists: the default stands


def non_default_arguments(cls: type) -> dict:
    """Each keyword of `cls.__init__` that has a number or flag default, moved off it; `decay` set
    where the class decays its learning rate."""
    parameters = inspect.signature(cls.__init__).parameters.values()
    arguments = {p.name: _moved(p.name, p.default) for p in parameters
                 if p.default is not inspect.Parameter.empty and p.name != "decay"}
    return {k: v for k, v in arguments.items() if v is not None}


def _arguments(path) -> dict:
    arguments = non_default_arguments(_legacy_class(path))
    return {**arguments, "decay": DECAY} if path in DECAYING else arguments


def test_every_migrated_fixture_has_arguments_to_move() -> None:
    assert all(_arguments(path) for path in MIGRATED)


@pytest.mark.parametrize("path", MIGRATED, ids=lambda p: p.stem)
def test_the_arguments_change_what_the_legacy_optimizer_computes(path) -> None:
    """Else the comparison below would prove nothing about them."""
    initial, gradients = _gradients(1.0)
    defaults = run_legacy(_legacy_class(path), {}, initial, gradients)
    legacy = run_legacy(_legacy_class(path), _arguments(path), initial, gradients)
    assert max(_relative(a, b) for a, b in zip(legacy[-1], defaults[-1])) > 1e-6


@pytest.mark.parametrize("scale", SCALES.values(), ids=SCALES.keys())
@pytest.mark.parametrize("path", MIGRATED, ids=lambda p: p.stem)
def test_migrated_optimizer_computes_what_the_legacy_one_computed_with_given_arguments(path, scale) -> None:
    arguments = _arguments(path)
    initial, gradients = _gradients(scale)
    legacy = run_legacy(_legacy_class(path), arguments, initial, gradients)
    migrated = run_keras3(_migrated_class(path), arguments, initial, gradients)
    worst = max(_relative(m, l) for step_m, step_l in zip(migrated, legacy) for m, l in zip(step_m, step_l))
    assert worst <= 1e-6, f"{path.stem} with {arguments}: migrated and legacy differ by {worst:.2e} (relative)"


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed: the verify-jax extra")
def test_every_migrated_fixture_computes_the_same_on_jax_with_given_arguments() -> None:
    """A migration is keras.ops only: Keras 3 on JAX (float64) computes what the legacy run did."""
    from optfix.verify.keras3_runner import MODULE, environment
    from optfix.verify.processes import run_jobs

    jobs, legacy = [], []
    for scale in SCALES.values():
        initial, gradients = _gradients(scale)
        for path in MIGRATED:
            expected = path.with_name(path.stem + ".expected.py")
            jobs.append({"path": str(expected), "source": expected.read_text(), "name": _migrated_class(path).__name__,
                         "kwargs": _arguments(path), "initial": initial, "gradients": gradients})
            legacy.append(run_legacy(_legacy_class(path), _arguments(path), initial, gradients))
    results = run_jobs(MODULE, jobs, env=environment("jax"))
    assert len(results) == len(jobs) == 2 * len(MIGRATED)
    for job, result, expected in zip(jobs, results, legacy):
        assert isinstance(result, list), f"{job['path']}: {result}"
        worst = max(_relative(m, l) for step_m, step_l in zip(result, expected) for m, l in zip(step_m, step_l))
        assert worst <= 1e-6, f"{job['path']} on JAX with {job['kwargs']}: {worst:.2e}"
