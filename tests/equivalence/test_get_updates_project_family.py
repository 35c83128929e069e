"""Proof that get-updates keeps the math of a Keras 2 optimizer family spread over modules of a
project (fixtures/get-updates/project_base: the base class in base.py, its subclass in momentum.py;
project_family_subclassed: a family in base.py and another subclass in plain.py): the original
package runs on the numpy stand-in of the Keras 2 backend, the package as a fix leaves it (each
module's NAME.expected.py) under Keras 3, on TensorFlow and on JAX; 20 steps, two gradient scales,
the defaults and then every argument moved off its default with `decay > 0`."""

from __future__ import annotations

import importlib.util
import shutil
import sys
import types
from pathlib import Path

import pytest

from conftest import REPO, require
from test_get_updates_arguments import DECAY, non_default_arguments
from test_get_updates_equivalence import SCALES, _gradients, _relative
from optfix.verify.keras3 import run_keras3
from optfix.verify.legacy_keras import legacy_modules, run_legacy

CASES = {"project_base": ("DecayedMomentum",), "project_family_subclassed": ("DecayedMomentum", "PlainDescent")}
OPTIMIZERS = [(case, name) for case, names in CASES.items() for name in names]


def _package(case: str) -> Path:
    return REPO / "fixtures" / "get-updates" / case / "pkg"


def _modules(case: str) -> list[Path]:
    return sorted(p for p in _package(case).glob("*.py") if not p.name.endswith(".expected.py") and p.name != "__init__.py")


def _legacy_classes(case: str) -> dict[str, type]:
    """The original package's classes, its modules executed on the Keras 2 stand-in."""
    package = types.ModuleType("pkg")
    package.__path__ = [str(_package(case))]
    loaded = {"pkg": package}
    saved = {name: sys.modules.pop(name) for name in list(sys.modules) if name == "pkg" or name.startswith("pkg.")}
    try:
        with legacy_modules():
            sys.modules["pkg"] = package
            for path in sorted(_modules(case), key=lambda p: p.stem != "base"):  # the base class's module first
                module = types.ModuleType(f"pkg.{path.stem}")
                module.__package__, module.__file__ = "pkg", str(path)
                sys.modules[module.__name__] = loaded[module.__name__] = module
                exec(compile(path.read_text(), str(path), "exec"), module.__dict__)
    finally:
        for name in loaded:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
    return {name: value for module in loaded.values() for name, value in vars(module).items() if isinstance(value, type)}


def _fixed_package(case: str, folder: Path) -> Path:
    """The package as a fix leaves it, under `folder`."""
    target = folder / "pkg"
    target.mkdir()
    shutil.copy(_package(case) / "__init__.py", target / "__init__.py")
    for path in _modules(case):
        expected = path.with_name(path.stem + ".expected.py")
        assert expected.exists(), f"{path.name} is migrated"
        shutil.copy(expected, target / path.name)
    return target


@pytest.fixture(params=list(CASES))
def migrated(request, tmp_path):
    """(case, the fixed package's classes, its folder), importable as `pkg` meanwhile."""
    require("keras")
    _fixed_package(request.param, tmp_path)
    saved = {name: sys.modules.pop(name) for name in list(sys.modules) if name == "pkg" or name.startswith("pkg.")}
    sys.path.insert(0, str(tmp_path))
    try:
        classes = {}
        for path in _modules(request.param):
            module = importlib.import_module(f"pkg.{path.stem}")
            classes |= {name: value for name, value in vars(module).items() if isinstance(value, type)}
        yield request.param, classes, tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == "pkg" or n.startswith("pkg.")]:
            del sys.modules[name]
        sys.modules.update(saved)


def _arguments(cls: type) -> dict:
    return {**non_default_arguments(cls), "decay": DECAY}


def _worst(migrated: list, legacy: list) -> float:
    return max(_relative(m, l) for step_m, step_l in zip(migrated, legacy) for m, l in zip(step_m, step_l))


@pytest.mark.parametrize("scale", SCALES.values(), ids=SCALES.keys())
def test_the_migrated_family_computes_what_the_legacy_one_computed(migrated, scale) -> None:
    case, classes, _ = migrated
    legacy_classes = _legacy_classes(case)
    initial, gradients = _gradients(scale)
    for name in CASES[case]:
        for arguments in ({}, _arguments(legacy_classes[name])):
            legacy = run_legacy(legacy_classes[name], arguments, initial, gradients)
            assert max(_relative(legacy[-1][i], initial[i]) for i in range(len(initial))) > 1e-9, "no training"
            worst = _worst(run_keras3(classes[name], arguments, initial, gradients), legacy)
            assert worst <= 1e-6, f"{case} {name} with {arguments}: {worst:.2e}"


def test_the_arguments_and_the_decay_change_what_the_legacy_family_computes() -> None:
    """Else the comparison above would prove nothing about them."""
    initial, gradients = _gradients(1.0)
    for case, name in OPTIMIZERS:
        cls = _legacy_classes(case)[name]
        defaults = run_legacy(cls, {}, initial, gradients)
        for arguments in (_arguments(cls), {"decay": DECAY}):
            moved = run_legacy(cls, arguments, initial, gradients)
            assert max(_relative(a, b) for a, b in zip(moved[-1], defaults[-1])) > 1e-6, (case, name, arguments)


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed: the verify-jax extra")
def test_the_migrated_family_computes_the_same_on_jax(tmp_path) -> None:
    """Each migrated subclass, its module run on the migrated base class's module (as `optfix
    verify` runs them), on Keras 3 over JAX."""
    from optfix.verify.keras3_runner import MODULE, environment
    from optfix.verify.processes import run_jobs

    jobs, expected = [], []
    for case, name in OPTIMIZERS:
        folder = tmp_path / case
        folder.mkdir(exist_ok=True)
        package = folder / "pkg" if (folder / "pkg").exists() else _fixed_package(case, folder)
        legacy_class = _legacy_classes(case)[name]
        [path] = [p for p in package.glob("*.py") if f"class {name}(" in p.read_text()]
        sources = {str(p.resolve()): p.read_text() for p in package.glob("*.py") if p != path}
        for scale in SCALES.values():
            initial, gradients = _gradients(scale)
            for arguments in ({}, _arguments(legacy_class)):
                jobs.append({"path": str(path), "source": path.read_text(), "sources": sources, "name": name,
                             "kwargs": arguments, "initial": initial, "gradients": gradients})
                expected.append(run_legacy(legacy_class, arguments, initial, gradients))
    results = run_jobs(MODULE, jobs, env=environment("jax"))
    assert len(results) == len(jobs) == 4 * len(OPTIMIZERS)
    for job, result, legacy in zip(jobs, results, expected):
        assert isinstance(result, list), f"{job['path']}: {result}"
        assert _worst(result, legacy) <= 1e-6, f"{job['path']} {job['name']} on JAX with {job['kwargs']}"
