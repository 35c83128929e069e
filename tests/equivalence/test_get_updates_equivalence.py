"""Proof that get-updates keeps the math: each legacy fixture runs from its ORIGINAL source on the
numpy stand-in of the Keras 2 backend (optfix.verify.legacy_keras, itself checked against tf_keras
in graph mode by test_legacy_backend.py), and its migrated source runs under the installed Keras 3,
on the same gradients; the parameters must agree at every step to 1e-6 (normwise, relative, both
sides in float64 so that what differs is the math, not the rounding). Each migrated class must
also train a model with `fit`, be saved and loaded, and survive get_config/from_config unless
get-updates reported (in NAME.findings) that it cannot.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, require
from fit_and_save import assert_trains_and_saves
from optfix.verify.keras3 import run_keras3
from optfix.verify.legacy_keras import load_legacy, optimizer_classes, run_legacy

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
FIXTURES = REPO / "fixtures" / "get-updates"
# What get-updates says where the migrated file cannot be imported (the fixture proves the finding).
IMPORT_FAILS = "which Keras 3 removed"


def _imports(path: Path) -> bool:
    findings = path.with_suffix(".findings")
    return not (findings.exists() and IMPORT_FAILS in findings.read_text())


MIGRATED = sorted(p for p in FIXTURES.glob("*.py")
                  if not p.name.endswith(".expected.py") and p.with_suffix(".expected.py").exists() and _imports(p))
STEPS = 20
SHAPES = ((5,), (3, 2))
SCALES = {"normal gradients": 1.0, "gradients near 1e-4": 1e-4}


# What get-updates says where the migrated class's get_config -> from_config would not give it back.
ROUND_TRIP_FINDINGS = ("from_config(get_config()) would fail", "the round trip changes")


def _round_trip_reported(path: Path) -> bool:
    findings = path.with_suffix(".findings")
    return findings.exists() and any(text in findings.read_text() for text in ROUND_TRIP_FINDINGS)


ROUND_TRIPS = [p for p in MIGRATED if not _round_trip_reported(p)]
REPORTED = [p for p in MIGRATED if _round_trip_reported(p)]


def _expected(path: Path) -> Path:
    return path.with_name(path.stem + ".expected.py")


@cache
def _migrated_class(path: Path) -> type:
    """The Keras 3 class of a migrated fixture, its module executed once (registration is global)."""
    keras = require("keras")
    namespace = {"__name__": f"migrated_{path.stem}"}
    exec(compile(_expected(path).read_text(), str(_expected(path)), "exec"), namespace)
    [cls] = [v for v in namespace.values() if isinstance(v, type) and issubclass(v, keras.optimizers.Optimizer)
             and v.__module__ == namespace["__name__"] and "update_step" in vars(v) and "<locals>" not in v.__qualname__]
    return cls


def _legacy_class(path: Path) -> type:
    """The fixture's optimizer: the class that defines get_updates (a base class of its own may hold the rest)."""
    [cls] = [c for c in optimizer_classes(load_legacy(path.read_text(), str(path))).values()
             if "get_updates" in vars(c) and "<locals>" not in c.__qualname__]  # not a class factory's product
    return cls


def _gradients(scale: float) -> tuple[list[np.ndarray], list[list[np.ndarray]]]:
    rng = np.random.default_rng(7)
    initial = [rng.normal(size=shape) for shape in SHAPES]
    return initial, [[scale * rng.normal(size=shape) for shape in SHAPES] for _ in range(STEPS)]


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def test_most_fixtures_are_migrated() -> None:
    assert len(MIGRATED) >= 8


@pytest.mark.parametrize("scale", SCALES.values(), ids=SCALES.keys())
@pytest.mark.parametrize("path", MIGRATED, ids=lambda p: p.stem)
def test_migrated_optimizer_computes_what_the_legacy_one_computed(path, scale) -> None:
    initial, gradients = _gradients(scale)
    legacy = run_legacy(_legacy_class(path), {}, initial, gradients)
    migrated = run_keras3(_migrated_class(path), {}, initial, gradients)
    moved = max(_relative(legacy[-1][i], initial[i]) for i in range(len(SHAPES)))
    assert moved > 1e-9, "the legacy run did not train: the comparison would prove nothing"
    worst = max(_relative(m, l) for step_m, step_l in zip(migrated, legacy) for m, l in zip(step_m, step_l))
    assert worst <= 1e-6, f"{path.stem}: migrated and legacy differ by {worst:.2e} (relative)"


# Keras 2's time-based decay, taken as a parameter or from **kwargs
DECAYING = [p for p in MIGRATED if re.search(r"\bdecay=|\.pop\('decay'", p.read_text())]


def test_some_fixtures_decay_their_learning_rate() -> None:
    assert len(DECAYING) >= 3


@pytest.mark.parametrize("path", DECAYING, ids=lambda p: p.stem)
def test_migrated_optimizer_decays_as_the_legacy_one_did(path) -> None:
    initial, gradients = _gradients(1.0)
    plain = run_legacy(_legacy_class(path), {}, initial, gradients)
    legacy = run_legacy(_legacy_class(path), {"decay": 0.05}, initial, gradients)
    migrated = run_keras3(_migrated_class(path), {"decay": 0.05}, initial, gradients)
    assert max(_relative(a, b) for a, b in zip(legacy[-1], plain[-1])) > 1e-6, "decay changed nothing: the comparison would prove nothing"
    worst = max(_relative(m, l) for step_m, step_l in zip(migrated, legacy) for m, l in zip(step_m, step_l))
    assert worst <= 1e-6, f"{path.stem} with decay: migrated and legacy differ by {worst:.2e} (relative)"


# Standalone Keras 2 clipped the global norm for clipnorm=; the migration passes it on as global_clipnorm.
GLOBAL_NORM = [p for p in MIGRATED if "global_clipnorm" in _expected(p).read_text()]
# tf.keras 2 clipped each gradient's norm, as Keras 3's clipnorm does: the migration keeps it.
PER_TENSOR = [p for p in MIGRATED if p not in GLOBAL_NORM]


def _clipping_changes(path: Path) -> bool:
    initial, gradients = _gradients(1.0)
    plain = run_legacy(_legacy_class(path), {}, initial, gradients)
    legacy = run_legacy(_legacy_class(path), {"clipnorm": 0.5}, initial, gradients)
    return max(_relative(a, b) for a, b in zip(legacy[-1], plain[-1])) > 1e-6


def test_clipping_changes_what_most_standalone_keras_fixtures_compute() -> None:
    """Not all: a sign-based update is the same whatever the gradients' norm."""
    assert sum(map(_clipping_changes, GLOBAL_NORM)) >= 10


def test_clipping_changes_what_the_tf_keras_fixtures_compute() -> None:
    assert sum(map(_clipping_changes, PER_TENSOR)) >= 2


@pytest.mark.parametrize("path", MIGRATED, ids=lambda p: p.stem)
def test_clipnorm_clips_what_the_legacy_base_class_clipped(path) -> None:
    initial, gradients = _gradients(1.0)
    legacy = run_legacy(_legacy_class(path), {"clipnorm": 0.5}, initial, gradients)
    migrated = run_keras3(_migrated_class(path), {"clipnorm": 0.5}, initial, gradients)
    worst = max(_relative(m, l) for step_m, step_l in zip(migrated, legacy) for m, l in zip(step_m, step_l))
    assert worst <= 1e-6, f"{path.stem} with clipnorm=0.5: migrated and legacy differ by {worst:.2e} (relative)"
    if path in ROUND_TRIPS:
        assert _round_trip(_migrated_class(path), clipnorm=0.5)


def _settings(optimizer) -> dict:
    """The optimizer's plain attributes (its hyperparameters, name, clipping...), floats rounded
to float32 as the base class's config holds the learning rate."""
    return {k: np.float32(v) if isinstance(v, float) else v for k, v in vars(optimizer).items()
            if isinstance(v, (bool, int, float, str, type(None)))}


def _round_trip(cls, **kwargs):
    """`cls.from_config(get_config())` of an instance, and whether it holds the same settings
    and gives the same config."""
    optimizer = cls(**kwargs)
    config = optimizer.get_config()
    again = cls.from_config(dict(config))
    return again.get_config() == config and _settings(again) == _settings(optimizer)


@pytest.mark.parametrize("path", ROUND_TRIPS, ids=lambda p: p.stem)
def test_migrated_optimizer_round_trips_through_its_config(path) -> None:
    assert _round_trip(_migrated_class(path))


@pytest.mark.parametrize("path", [p for p in DECAYING if p in ROUND_TRIPS], ids=lambda p: p.stem)
def test_a_decaying_optimizer_round_trips_and_decays_as_before(path) -> None:
    """With decay > 0 the learning rate is a schedule: it must come back as one, decaying alike."""
    cls = _migrated_class(path)
    assert _round_trip(cls, decay=0.05)
    initial, gradients = _gradients(1.0)
    again = cls.from_config(cls(decay=0.05).get_config())
    direct = run_keras3(cls, {"decay": 0.05}, initial, gradients)
    rebuilt = run_keras3(lambda: cls.from_config(again.get_config()), {}, initial, gradients)
    assert max(_relative(a, b) for a, b in zip(rebuilt[-1], direct[-1])) <= 1e-12


@pytest.mark.parametrize("path", REPORTED, ids=lambda p: p.stem)
def test_a_round_trip_get_updates_reports_does_fail(path) -> None:
    """The findings are true: the class comes back different, or not at all."""
    try:
        same = _round_trip(_migrated_class(path))
    except (AttributeError, TypeError, ValueError):
        same = False
    assert not same


@pytest.mark.parametrize("path", ROUND_TRIPS, ids=lambda p: p.stem)
def test_migrated_optimizer_trains_a_model_and_saves(path, tmp_path) -> None:
    assert_trains_and_saves(_migrated_class(path), tmp_path)
