"""Rule `learning-rate-api`, run for real: each statement the rule rewrote in the fixtures does in
Keras 3 what the original did in Keras 2, and the original fails in Keras 3.

Keras 2 is tf_keras's OptimizerV2 (`tf_keras.optimizers.legacy`), the optimizers that had `lr`:
the original statement runs there (its Keras imports mapped to tf_keras), the rewritten one in
Keras 3, each on a freshly compiled model whose learning rate is 0.1; the learning rate after the
statement, and the value it computes, must agree. The knowledge in optfix/knowledge/runtime.py is
checked against the installed packages here too.
"""

from __future__ import annotations

import ast
import os
import re
import warnings
from types import SimpleNamespace

import pytest

from conftest import REPO, require
from optfix.knowledge.runtime import (
    BACKEND_VALUE_FAILURES,
    BROKEN,
    CONFIG_DECAY,
    NOT_IN_KERAS3,
    OPTIMIZER_CLASS_NAMES,
    OPTIMIZER_CONSTRUCTORS,
    REMOVED_ATTRIBUTES,
    RENAMED_ATTRIBUTES,
    VALUE_FUNCTIONS,
    VARIABLE_ATTRIBUTES,
    backend_function,
)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

FIXTURES = REPO / "fixtures" / "learning-rate-api"
RUNTIME = ["callbacks", "set_value", "tf_keras_backend", "tf_keras_package", "names", "formatting", "attribute_functions"]
CONFIGS = [("config_dicts", ".expected.py"), ("config_identifier", ".unsafe.expected.py")]
START = 0.1
# What Keras 3 raises for the legacy spellings (optimizer-semantics.md §3.2, and the backends).
KERAS3_ERROR = re.compile(r"has no attribute '(lr|get_value|set_value|eval)'|'str' object has no attribute 'name'")


@pytest.fixture(scope="module")
def keras():
    keras = require("keras")
    require("tensorflow")
    assert keras.__version__.startswith("3."), keras.__version__
    return keras


@pytest.fixture(scope="module")
def tf_keras():
    return require("tf_keras")


def _reach(dotted: str):
    """A module, reached by attributes where it cannot be imported (`tensorflow.keras.backend`)."""
    import importlib

    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError:
        parent, _, name = dotted.rpartition(".")
        return getattr(_reach(parent), name)


# -- the statements the rule rewrote ----------------------------------------------------------------

def _units(tree: ast.Module) -> list[ast.AST]:
    """What runs on its own, in order: simple statements, the tests of `if`/`while`, lambda bodies;
    imports aside (the rule may remove them)."""
    units = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.stmt) and not hasattr(node, "body"):
            units.append(node)
        elif isinstance(node, (ast.If, ast.While)):
            units.append(node.test)
        elif isinstance(node, ast.Lambda):
            units.append(node.body)
    return units


def _rewritten(name: str, suffix: str = ".expected.py") -> list[tuple[ast.AST, ast.AST]]:
    before = ast.parse((FIXTURES / f"{name}.py").read_text())
    after = ast.parse((FIXTURES / f"{name}{suffix}").read_text())
    pairs = list(zip(_units(before), _units(after), strict=True))
    # A statement that changed only inside a lambda merely defines it: the lambda's body is a unit.
    changed = [(old, new) for old, new in pairs if ast.unparse(old) != ast.unparse(new)
               and not any(isinstance(node, ast.Lambda) for node in ast.walk(old))]
    assert changed, name
    return changed


def _imports(source: str) -> str:
    return "\n".join(ast.unparse(n) for n in ast.parse(source).body if isinstance(n, (ast.Import, ast.ImportFrom)))


def _as_tf_keras(imports: str) -> str:
    """The same imports from tf_keras, the Keras 2 the code was written for."""
    def mapped(module: str) -> str:
        for old in ("tensorflow.keras", "keras"):
            if module == old or module.startswith(old + "."):
                return "tf_keras" + module[len(old):]
        return module

    lines = []
    for node in ast.parse(imports).body:
        if isinstance(node, ast.ImportFrom):
            lines.append(ast.unparse(ast.ImportFrom(mapped(node.module), node.names, node.level)))
            continue
        for alias in node.names:
            lines.append(f"import {mapped(alias.name)}" + (f" as {alias.asname}" if alias.asname else ""))
            if not alias.asname and mapped(alias.name) != alias.name:
                lines.append(f"{alias.name.split('.')[0]} = tf_keras")  # `import keras`: code says keras.
    return "\n".join(lines)


def _run(unit: ast.AST, namespace: dict) -> object:
    """Execute a statement or evaluate an expression; the value it computes, if any."""
    if isinstance(unit, ast.expr):
        return eval(compile(ast.Expression(unit), "<unit>", "eval"), namespace)
    if isinstance(unit, ast.Return):
        return eval(compile(ast.Expression(unit.value), "<unit>", "eval"), namespace) if unit.value else None
    exec(compile(ast.Module([unit], []), "<unit>", "exec"), namespace)
    if isinstance(unit, ast.Assign) and isinstance(unit.targets[0], ast.Name):
        return namespace[unit.targets[0].id]
    return None


def _plain(value: object) -> object:
    if isinstance(value, bool) or value is None:
        return value
    try:
        return pytest.approx(float(value))
    except (TypeError, ValueError):
        return type(value).__name__


def _world(keras_module, optimizer, imports: str, extra: dict | None = None) -> tuple[dict, object]:
    model = keras_module.Sequential([keras_module.Input((3,)), keras_module.layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse")
    namespace = {"model": model, "self": SimpleNamespace(model=model), "lr": 0.05, "new_lr": 0.05, "old": 0.05,
                 "epoch": 0, "logs": {}}
    exec(imports, namespace)
    namespace.update(extra or {})
    for name in ("opt", "adam", "optimizer"):
        namespace[name] = model.optimizer
    return namespace, model


def _cases(names: list[str]) -> list:
    return [pytest.param(name, old, new, id=f"{name}:{new.lineno}") for name in names for old, new in _rewritten(name)]


@pytest.mark.parametrize(("name", "old", "new"), _cases(RUNTIME))
def test_rewritten_statement_does_in_keras_3_what_the_original_did_in_keras_2(keras, tf_keras, name, old, new, capsys) -> None:
    before = (FIXTURES / f"{name}.py").read_text()
    after = (FIXTURES / f"{name}.expected.py").read_text()

    legacy, legacy_model = _world(tf_keras, tf_keras.optimizers.legacy.SGD(START), _as_tf_keras(_imports(before)),
                                  {"tf": SimpleNamespace(keras=tf_keras)})
    expected = _plain(_run(old, legacy))
    expected_rate = float(tf_keras.backend.get_value(legacy_model.optimizer.lr))

    modern, modern_model = _world(keras, keras.optimizers.SGD(START), _imports(after))
    outcome = _plain(_run(new, modern))
    if expected is not None:  # set_value() gave None, .assign() gives the variable: nobody reads either
        assert outcome == expected
    assert float(modern_model.optimizer.learning_rate) == pytest.approx(expected_rate)

    # The original, in Keras 3: an AttributeError, or not what Keras 2 did (hasattr, setattr).
    broken, broken_model = _world(keras, keras.optimizers.SGD(START), _imports(before))
    try:
        outcome = _plain(_run(old, broken))
    except AttributeError as error:
        assert KERAS3_ERROR.search(str(error)), error
    else:
        assert (outcome, float(broken_model.optimizer.learning_rate)) != (expected, pytest.approx(expected_rate))


def _optimizer_configs(unit: ast.AST, namespace: dict) -> list[dict]:
    return [
        eval(compile(ast.Expression(node), "<dict>", "eval"), namespace)
        for node in ast.walk(unit)
        if isinstance(node, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "class_name" for k in node.keys)
    ]


@pytest.mark.parametrize(("name", "suffix"), CONFIGS)
def test_rewritten_configs_build_the_optimizer_with_their_learning_rate(keras, name, suffix) -> None:
    namespace = {"args": SimpleNamespace(optimizer="adam", lr=0.25, beta_1=0.8)}
    for old, new in _rewritten(name, suffix):
        for legacy, modern in zip(_optimizer_configs(old, namespace), _optimizer_configs(new, namespace), strict=True):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # the 'decay' left for a person
                with pytest.raises(ValueError, match=r"Argument\(s\) not recognized: \{'lr'"):
                    keras.optimizers.get(legacy)
                optimizer = keras.optimizers.get(modern)
            assert isinstance(optimizer, keras.optimizers.Optimizer)
            assert float(optimizer.learning_rate) == pytest.approx(legacy["config"]["lr"])


@pytest.mark.parametrize(("name", "old", "new"), _cases(["from_config"]))
def test_rewritten_from_config_builds_the_optimizer_with_its_learning_rate(keras, name, old, new) -> None:
    namespace = {"keras": keras, "tf": SimpleNamespace(keras=keras), "SGD": keras.optimizers.SGD}
    legacy = next(node for node in ast.walk(old) if isinstance(node, ast.Dict))
    rate = eval(compile(ast.Expression(legacy), "<dict>", "eval"))["lr"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the 'decay' left for a person
        with pytest.raises(ValueError, match=r"Argument\(s\) not recognized: \{'lr'"):
            _run(old, dict(namespace))
        optimizer = _run(new, dict(namespace))
    assert isinstance(optimizer, keras.optimizers.Optimizer)
    assert float(optimizer.learning_rate) == pytest.approx(rate)


# -- the knowledge ----------------------------------------------------------------------------------

@pytest.mark.parametrize("root", sorted(BACKEND_VALUE_FAILURES))
@pytest.mark.parametrize("function", sorted(VALUE_FUNCTIONS))
def test_backend_value_functions_on_keras_3_variables(keras, tf_keras, root, function) -> None:
    backend = _reach(f"{root}.backend")
    assert backend_function(f"{root}.backend.{function}") == (root, function)
    optimizer = keras.optimizers.SGD(START)
    failure = BACKEND_VALUE_FAILURES[root].get(function)
    if failure == NOT_IN_KERAS3:
        assert not hasattr(backend, function)
        return
    call = getattr(backend, function)
    arguments = (optimizer.learning_rate, 0.5) if VALUE_FUNCTIONS[function] == "write" else (optimizer.learning_rate,)
    if failure == BROKEN:
        with pytest.raises(AttributeError, match="'str' object has no attribute 'name'"):
            call(*arguments)
        return
    assert failure is None
    result = call(*arguments)
    if VALUE_FUNCTIONS[function] == "write":
        assert float(optimizer.learning_rate) == pytest.approx(0.5)
    else:
        assert float(result) == pytest.approx(START)


def test_renamed_attributes_are_the_same_state_under_the_new_name(keras, tf_keras) -> None:
    modern, legacy = keras.optimizers.Adam(START), tf_keras.optimizers.legacy.Adam(START)
    for old, new in RENAMED_ATTRIBUTES.items():
        with pytest.raises(AttributeError, match=f"no attribute '{old}'"):
            getattr(modern, old)
        assert getattr(legacy, old) is getattr(legacy, new)
        assert float(getattr(modern, new)) == pytest.approx(float(getattr(legacy, old)))


def test_removed_attributes_are_gone_in_keras_3(keras, tf_keras) -> None:
    for name in REMOVED_ATTRIBUTES:
        assert hasattr(tf_keras.optimizers.legacy.SGD(START), name)
        with pytest.raises(AttributeError, match=f"no attribute '{name}'"):
            getattr(keras.optimizers.SGD(START), name)


def test_variable_attributes_are_assignable_variables(keras) -> None:
    optimizer = keras.optimizers.SGD(START)
    for name in VARIABLE_ATTRIBUTES:
        variable = getattr(optimizer, name)
        assert isinstance(variable, keras.Variable), name
        variable.assign(variable * 2)
        assert keras.ops.convert_to_numpy(getattr(optimizer, name)) == keras.ops.convert_to_numpy(variable)


def test_advice_on_decay_and_schedules_holds(keras, tf_keras) -> None:
    # A 'decay' key is dropped with a warning; the InverseTimeDecay config the finding gives works.
    with pytest.warns(UserWarning, match="decay"):
        ignored = keras.optimizers.get({"class_name": "sgd", "config": {"learning_rate": START, "decay": 0.5}})
    assert "decay" not in ignored.get_config()
    schedule = {"module": "keras.optimizers.schedules", "class_name": "InverseTimeDecay",
                "config": {"initial_learning_rate": START, "decay_steps": 1, "decay_rate": 0.5}}
    assert str(schedule).replace(str(START), "lr").replace("0.5", "decay") in CONFIG_DECAY
    decayed = keras.optimizers.get({"class_name": "sgd", "config": {"learning_rate": schedule}})
    decayed.iterations.assign(2)
    assert float(decayed.learning_rate) == pytest.approx(START / (1 + 0.5 * 2))
    # With a schedule, Keras 3 refuses a number where tf.keras 2 replaced the schedule.
    with pytest.raises(TypeError, match="not settable"):
        decayed.learning_rate = 0.5
    legacy = tf_keras.optimizers.legacy.SGD(tf_keras.optimizers.schedules.InverseTimeDecay(START, 1, 0.5))
    legacy.lr = 0.5
    assert float(tf_keras.backend.get_value(legacy.lr)) == pytest.approx(0.5)


def test_optimizer_class_names_work_in_configs(keras) -> None:
    for name in OPTIMIZER_CLASS_NAMES:
        optimizer = keras.optimizers.get({"class_name": name, "config": {"learning_rate": 0.25}})
        assert float(optimizer.learning_rate) == pytest.approx(0.25), name


def test_optimizer_constructors_in_keras_3_have_a_learning_rate(keras) -> None:
    for name in OPTIMIZER_CONSTRUCTORS:
        member = getattr(keras.optimizers, name, None)
        if isinstance(member, type):
            assert "learning_rate" in dir(member), name
        elif name in ("get", "deserialize"):
            assert callable(member)
        else:  # Keras 2 lowercase factories: gone in Keras 3, optimizers where they were written
            assert name.islower(), name
