"""A project whose other module only makes and inspects the optimizer of the migrated one
(fixtures/get-updates/project_users_harmless): get-updates migrates the optimizer's module, and
the other module, unchanged, runs on it under Keras 3: its make_optimizer() builds an optimizer
(an instance of the migrated class) that computes what the legacy one did with the same
arguments, over 20 steps, for two gradient scales."""

from __future__ import annotations

import shutil
import sys

import numpy as np
import pytest

from conftest import REPO, require
from optfix.verify.keras3 import run_keras3
from optfix.verify.legacy_keras import load_legacy, run_legacy

PROJECT = REPO / "fixtures" / "get-updates" / "project_users_harmless" / "pkg"
STEPS = 20
SHAPES = ((5,), (3, 2))
SCALES = {"normal gradients": 1.0, "gradients near 1e-4": 1e-4}


@pytest.fixture
def migrated_project(tmp_path):
    """The project as a fix leaves it, importable as `pkg`."""
    require("keras")
    package = tmp_path / "pkg"
    package.mkdir()
    for name in ("__init__.py", "train.py"):
        shutil.copy(PROJECT / name, package / name)
    shutil.copy(PROJECT / "sgd.expected.py", package / "sgd.py")
    assert not (PROJECT / "train.expected.py").exists(), "the other module is left as it is"
    saved = {name: module for name, module in sys.modules.items() if name == "pkg" or name.startswith("pkg.")}
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, str(tmp_path))
    try:
        import pkg.train

        yield pkg.train
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == "pkg" or n.startswith("pkg.")]:
            del sys.modules[name]
        sys.modules.update(saved)


@pytest.mark.parametrize("scale", SCALES.values(), ids=SCALES.keys())
def test_the_other_module_runs_on_the_migrated_one(migrated_project, scale) -> None:
    rng = np.random.default_rng(5)
    initial = [rng.normal(size=shape) for shape in SHAPES]
    gradients = [[scale * rng.normal(size=shape) for shape in SHAPES] for _ in range(STEPS)]
    source = (PROJECT / "sgd.py").read_text()
    legacy_class = load_legacy(source, str(PROJECT / "sgd.py"))["MomentumSGD"]
    legacy = run_legacy(legacy_class, {"lr": 0.3, "momentum": 0.8}, initial, gradients)
    migrated = run_keras3(migrated_project.make_optimizer, {"lr": 0.3}, initial, gradients)
    assert max(float(np.abs(legacy[-1][i] - initial[i]).max()) for i in range(len(SHAPES))) > 1e-6 * scale, "no training"
    worst = max(float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))
                for step_a, step_b in zip(migrated, legacy) for a, b in zip(step_a, step_b))
    assert worst <= 1e-6
