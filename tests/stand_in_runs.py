"""The get-updates fixtures that the numpy stand-in of the Keras 2 backend (optfix.verify.legacy_keras)
runs, each with its defaults and with settings that take its other branches; shared by the tests
of the stand-in itself (unit/) and those that compare it with tf_keras and Keras 3 (equivalence/)."""

from __future__ import annotations

from pathlib import Path

from conftest import REPO
from optfix.verify.legacy_keras import load_legacy, optimizer_classes

FIXTURES = REPO / "fixtures" / "get-updates"
SHAPES = ((5,), (3, 2))
STEPS = 20

# Each fixture's defaults, plus settings that take its other branches (decay, nesterov, amsgrad,
# warm-up, clipping, ...).
CONFIGS = {
    "sgd": [{}, {"lr": 0.05, "momentum": 0.9, "decay": 0.01}, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "clipnorm": 1.0}],
    "adam": [{}, {"lr": 0.01, "amsgrad": True, "decay": 0.01}, {"clipvalue": 0.5}, {"clipnorm": 0.5}],
    "adamax": [{}, {"decay": 0.05}],
    "nadam": [{}, {"schedule_decay": 0.04, "clipnorm": 2.0}],
    "rmsprop": [{}, {"rho": 0.8, "decay": 0.01}],
    "adagrad": [{}, {"lr": 0.1, "epsilon": 1e-4, "decay": 0.1}],
    "adadelta": [{}, {"rho": 0.9, "decay": 0.01}],
    "adamw": [{}, {"weight_decay": 0.1, "batch_size": 32, "samples_per_epoch": 1024, "epochs": 10, "clipnorm": 0.5}],
    "adabound": [{}, {"amsbound": True, "weight_decay": 1e-3, "final_lr": 0.01, "gamma": 0.1}],
    "radam": [{}, {"total_steps": 30, "warmup_proportion": 0.2, "min_lr": 1e-5, "weight_decay": 0.01}],
    "lion": [{}, {"lr": 1e-3, "weight_decay": 0.1, "decay": 0.01}],
    "lamb": [{}, {"exclude_from_weight_decay": ["param_1"], "lr": 0.01}],
    "yogi": [{}, {"lr": 0.05, "decay": 0.01, "epsilon": 1e-3}],
    "adamod": [{}, {"beta_3": 0.9, "lr": 0.01}],
    "radam_relu": [{}, {"beta_2": 0.99, "decay": 0.01}],
    "adafactor": [{}, {"relative_step": False, "scale_parameter": False, "lr": 0.01, "clip_threshold": 0.5}],
}
RUNS = [(name, kwargs) for name, configs in CONFIGS.items() for kwargs in configs]
RUN_IDS = [f"{name}-{i}" for name, configs in CONFIGS.items() for i in range(len(configs))]


def fixture_paths() -> list[Path]:
    # This suite's optimizers; the directory also holds the rule's own cases (wrappers, ...).
    return [FIXTURES / f"{name}.py" for name in CONFIGS]


def load(name: str) -> type:
    """The legacy optimizer class of fixture NAME, loaded on the stand-in."""
    path = FIXTURES / f"{name}.py"
    [cls] = optimizer_classes(load_legacy(path.read_text(), str(path))).values()
    return cls
