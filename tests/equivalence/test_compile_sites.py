"""Every optimizer site that optimizer-instance and optimizer-name fix runs, with the installed Keras.

For each fixture of the two rules that has an expected output, the original module and the
rewritten one are executed statement by statement, a fresh `model` given to each statement. Then:
- each argument the rule changed (found by comparing the two trees) is evaluated in both modules:
  Keras rejects the original (`Could not interpret optimizer identifier`), and the rewritten one
  gives an optimizer of the intended class (the class the original named, or the class the
  original string names) that trains a model for a step;
- each statement of the rewritten module runs, unless the original statement raised the same
  error; a model a statement compiled trains for a step.
Fixtures that use the Keras 2.11-2.15 namespaces (`optimizers.legacy`) run in a subprocess where
tf.keras is tf_keras (TF_USE_LEGACY_KERAS=1), the only Keras they are valid in.
"""

from __future__ import annotations

import ast
import functools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # conftest, when run as a script
from conftest import REPO, require

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

RULES = ("optimizer-instance", "optimizer-name")
CASES = sorted(
    path for rule in RULES for path in (REPO / "fixtures" / rule).glob("*.expected.py")
    if not path.name.endswith(".unsafe.expected.py")
)
LEGACY_NAMESPACES = re.compile(r"optimizers\.(?:legacy|experimental)\b")
REJECTED = "Could not interpret optimizer identifier"


def _input(expected: Path) -> Path:
    return expected.with_name(expected.name.removesuffix(".expected.py") + ".py")


def _case(expected: Path):
    """A fixture in the legacy namespaces runs in a subprocess (marker e2e)."""
    marks = [pytest.mark.e2e] if LEGACY_NAMESPACES.search(expected.read_text()) else []
    return pytest.param(expected, marks=marks, id=f"{expected.parent.name}/{expected.name.removesuffix('.expected.py')}")


@pytest.mark.parametrize("expected", [_case(path) for path in CASES])
def test_every_fixed_site_runs(expected: Path) -> None:
    require("tensorflow")
    if LEGACY_NAMESPACES.search(expected.read_text()):
        require("tf_keras")
        env = {**os.environ, "TF_USE_LEGACY_KERAS": "1"}
        run = subprocess.run([sys.executable, __file__, str(expected)], env=env, capture_output=True, text=True, timeout=600, check=False)
        assert run.returncode == 0, run.stdout + run.stderr
    else:
        check(_input(expected), expected, require("keras"))


def check(source: Path, expected: Path, keras) -> None:
    before, after = ast.parse(source.read_text()).body, ast.parse(expected.read_text()).body
    known = {ast.dump(statement) for statement in before}
    added = [s for s in after if isinstance(s, (ast.Import, ast.ImportFrom)) and ast.dump(s) not in known]
    kept = [s for s in after if not any(s is a for a in added)]
    assert len(kept) == len(before), "the rules change arguments and add imports, nothing else"

    before_names, before_errors = _execute(before, keras)
    after_names, after_errors = _execute(after, keras)
    error_of = {id(statement): error for statement, error in zip(after, after_errors)}
    assert not [error_of[id(a)] for a in added if error_of[id(a)]], "an added import fails"
    for old, new, old_error in zip(before, kept, before_errors):
        new_error = error_of[id(new)]
        if new_error is None:
            continue
        where = f"line {new.lineno} of {expected.name}"
        # Only where the original failed the same way; Keras rejects no optimizer the rule changed.
        assert old_error is not None and (type(old_error), str(old_error)) == (type(new_error), str(new_error)), (
            f"{where} raises {new_error!r}; the original raised {old_error!r}")
        assert REJECTED not in str(new_error) or ast.dump(old) == ast.dump(new), f"{where}: {new_error}"

    changes = [pair for old, new in zip(before, kept) for pair in _differences(old, new)]
    assert changes, "the expected output differs from its input"
    for old, new in changes:
        assert isinstance(old, ast.expr) and isinstance(new, ast.expr), ast.dump(new)
        _check_site(_evaluate(old, before_names), _evaluate(new, after_names), keras)


def _check_site(original, fixed, keras) -> None:
    if isinstance(original, str) and original.lower() in _registered(keras):
        _check_keras2_defaults(original, fixed, keras)
        return
    with pytest.raises(ValueError, match=REJECTED):
        _model(keras).compile(optimizer=original, loss="mse")
    optimizer = keras.optimizers.get(fixed)  # what compile() makes of a name or an instance
    assert isinstance(optimizer, _optimizer_types(keras)), optimizer
    built = type(optimizer)
    if isinstance(original, type):  # the class given is the class built
        assert (built.__module__, built.__qualname__) == (original.__module__, original.__qualname__), (original, built)
    elif isinstance(fixed, str):  # a corrected name: Keras builds the class it names
        assert built.__name__.lower() == fixed.lower()
    else:  # a name Keras cannot look up, replaced by the class it names
        name = re.sub(r"[\s_]|\(\)", "", original).lower()
        assert built.__name__.lower() in {name, name.removesuffix("optimizer")}, (original, built)
    model = _model(keras)
    model.compile(optimizer=optimizer, loss="mse")
    _train(model)


@functools.cache
def _registered(keras) -> frozenset[str]:
    """The names Keras 3 builds an optimizer for."""
    return frozenset(name.lower() for name in dir(keras.optimizers) if not name.startswith("_") and _accepts(keras, name))


def _accepts(keras, name: str) -> bool:
    try:
        keras.optimizers.get(name.lower())
    except Exception:  # noqa: BLE001  (what Keras raises for a name it does not build varies)
        return False
    return True


def _check_keras2_defaults(original: str, fixed, keras) -> None:
    """A name Keras 3 accepts, in code written for Keras 2.2, replaced by its class with the
    defaults Keras 2.2 gave it written out (the class's math is checked beside Keras 2.2's by the
    keras2-optimizer equivalence tests)."""
    from optfix.knowledge.keras import keras2_defaults

    built = keras.optimizers.get(original)
    assert type(fixed) is type(built), (original, fixed)
    config, default = fixed.get_config(), built.get_config()
    for key, (old, new) in keras2_defaults(type(fixed).__name__).items():
        assert default[key] == pytest.approx(new) and config[key] == pytest.approx(old), (key, config[key], default[key])
    model = _model(keras)
    model.compile(optimizer=fixed, loss="mse")
    _train(model)


def _execute(statements: list[ast.stmt], keras) -> tuple[dict, list[Exception | None]]:
    """Run each statement in one namespace, each with a fresh `model`; what each raised."""
    names: dict = {"__name__": "fixture"}
    errors: list[Exception | None] = []
    for statement in statements:
        names["model"] = _model(keras)
        try:
            exec(compile(ast.Module([statement], []), "<fixture>", "exec"), names)  # noqa: S102
        except Exception as error:  # noqa: BLE001  (compared with what the other module raised)
            errors.append(error)
            continue
        errors.append(None)
        model = names["model"]
        if getattr(model, "optimizer", None) is not None and getattr(model, "loss", None):
            _train(model)
    return names, errors


def _evaluate(node: ast.expr, names: dict):
    return eval(compile(ast.Expression(node), "<fixture>", "eval"), names)


def _differences(old: ast.AST, new: ast.AST) -> list[tuple[ast.AST, ast.AST]]:
    """The outermost nodes where two trees differ."""
    if ast.dump(old) == ast.dump(new):
        return []
    if type(old) is type(new):
        found = []
        for field in old._fields:
            a, b = getattr(old, field), getattr(new, field)
            pairs = list(zip(a, b)) if isinstance(a, list) and isinstance(b, list) and len(a) == len(b) else [(a, b)]
            for x, y in pairs:
                if isinstance(x, ast.AST) and isinstance(y, ast.AST):
                    found += _differences(x, y)
                elif x != y:
                    return [(old, new)]
        if found:
            return found
    return [(old, new)]


def _model(keras):
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])


def _train(model) -> None:
    import numpy as np

    model.run_eagerly = True  # one step: tracing would cost more than it
    rng = np.random.default_rng(0)
    history = model.fit(rng.random((4, 3), "float32"), rng.random((4, 1), "float32"), batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert int(model.optimizer.iterations) == 1


def _optimizer_types(keras) -> tuple[type, ...]:
    legacy = getattr(keras.optimizers, "legacy", None)
    return (keras.optimizers.Optimizer, *([legacy.Optimizer] if legacy is not None else []))


if __name__ == "__main__":  # one fixture under tf_keras: `tf.keras` must be tf_keras before TensorFlow loads
    import tensorflow as tf

    fixture = Path(sys.argv[1])
    assert "tf_keras" in tf.keras.__name__, tf.keras.__name__
    check(_input(fixture), fixture, tf.keras)
