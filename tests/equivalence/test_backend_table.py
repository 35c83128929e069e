"""optfix/knowledge/backend.py against the installed Keras 3 and the Keras 2 backend (tf_keras).

The table covers the whole of Keras 2.3.1's keras.backend; each call it translates is translated
by the rule's own code (BackendCalls) and both sides are run on the same values.
"""

from __future__ import annotations

import inspect

import libcst as cst
import numpy as np
import pytest

from conftest import require
from optfix.analysis.tree import code
from optfix.codemods.get_updates.backend_calls import BackendCalls
from optfix.codemods.get_updates.migration import Migration, Names
from optfix.knowledge import backend as facts
from optfix.rulekit.rule import FileContext, FixOptions

_TABLES = {
    "CALLS": set(facts.CALLS), "EXPRESSIONS": set(facts.EXPRESSIONS), "STATE": facts.STATE, "UPDATES": set(facts.UPDATES),
    "EAGER": facts.EAGER, "GRAPH_ONLY": facts.GRAPH_ONLY, "NO_COUNTERPART": set(facts.NO_COUNTERPART),
}
_BOTH = {"zeros_like", "ones_like"}  # tensors in an expression, variables in a slot list


def test_every_keras_2_3_backend_function_is_in_exactly_one_table() -> None:
    seen: dict[str, list[str]] = {}
    for table, names in _TABLES.items():
        for name in names:
            seen.setdefault(name, []).append(table)
    assert set(seen) == facts.KERAS_2_3_BACKEND
    assert {name: tables for name, tables in seen.items() if len(tables) > 1} == {name: ["CALLS", "STATE"] for name in _BOTH}


def _resolve(target: str):
    keras = require("keras")
    module, _, name = target.partition(".")
    return getattr(getattr(keras, module), name)


@pytest.mark.parametrize("name", sorted(facts.CALLS))
def test_each_counterpart_exists_and_takes_the_arguments_where_the_table_puts_them(name) -> None:
    counterpart = facts.CALLS[name]
    parameters = list(inspect.signature(_resolve(counterpart.target)).parameters)
    wanted = [counterpart.renamed.get(p, p) for p in counterpart.parameters]
    assert parameters[:counterpart.keeps_position] == wanted[:counterpart.keeps_position]
    assert set(wanted) | {counterpart.renamed.get(p, p) for p in counterpart.defaults} <= set(parameters)


def _translated(source: str) -> tuple[str, list[str]]:
    """`K.<name>(...)` as get-updates writes it in Keras 3, and the problems it reports."""
    text = "from keras import backend as K\n\n\nclass A:\n    pass\n"
    module = cst.parse_module(text)
    migration = Migration(FileContext(module, text, FixOptions()), module.body[-1], Names(ops="ops", keras="keras"))
    translated = code(cst.parse_expression(source).visit(BackendCalls(migration)))
    return translated, [problem.message for problem in migration.problems]


# Calls as Keras 2 code wrote them: each function with its arguments by position, by keyword and
# left out. x, y: (2, 3) floats in (0.1, 0.9); c: x > y; i: (4,) integer indices; v: a (3,) vector.
CALLS = {
    "abs": ["K.abs(x - 0.5)"], "all": ["K.all(c)", "K.all(c, axis=1, keepdims=True)"], "any": ["K.any(c, 0)"],
    "arange": ["K.arange(5)", "K.arange(1, 7, 2)", "K.arange(3, dtype='float32')"],
    "argmax": ["K.argmax(x)", "K.argmax(x, axis=0)"], "argmin": ["K.argmin(x)", "K.argmin(x, 0)"],
    "backend": ["K.backend()"],
    "batch_normalization": ["K.batch_normalization(x, K.mean(x, 0), K.var(x, 0), v, v * 2)",
                            "K.batch_normalization(x, 0.5, 0.1, 0.0, 1.0, axis=-1, epsilon=0.01)"],
    "binary_crossentropy": ["K.binary_crossentropy(K.cast(c, 'float64'), x)",
                            "K.binary_crossentropy(K.cast(c, 'float64'), x, from_logits=True)"],
    "cast": ["K.cast(x, 'float16')"], "categorical_crossentropy": ["K.categorical_crossentropy(K.softmax(y), K.softmax(x))",
                                                                   "K.categorical_crossentropy(y, x, True)"],
    "clip": ["K.clip(x, 0.2, 0.6)", "K.clip(x, min_value=0.2, max_value=0.6)"],
    "concatenate": ["K.concatenate([x, y])", "K.concatenate([x, y], axis=0)"], "constant": ["K.constant(3)", "K.constant(x, 'float64')"],
    "cos": ["K.cos(x)"], "cumprod": ["K.cumprod(x)", "K.cumprod(x, 1)"], "cumsum": ["K.cumsum(x)", "K.cumsum(x, axis=1)"],
    "dot": ["K.dot(x, K.transpose(y))", "K.dot(K.stack([x, y]), K.transpose(y))"], "dtype": ["K.dtype(x)"],
    "elu": ["K.elu(x - 0.5)", "K.elu(x - 0.5, 0.3)"], "epsilon": ["K.epsilon()"], "exp": ["K.exp(x)"],
    "expand_dims": ["K.expand_dims(x)", "K.expand_dims(x, 0)"], "floatx": ["K.floatx()"],
    "gather": ["K.gather(x, [1, 0, 1])"], "identity": ["K.identity(x)"], "image_data_format": ["K.image_data_format()"],
    "in_top_k": ["K.in_top_k(K.cast(x, 'float32'), [0, 2], 2)"], "is_tensor": ["K.is_tensor(x)"],
    "l2_normalize": ["K.l2_normalize(x)", "K.l2_normalize(x, axis=-1)", "K.l2_normalize(x, 0)"], "log": ["K.log(x)"],
    "logsumexp": ["K.logsumexp(x)", "K.logsumexp(x, 1, True)"], "map_fn": ["K.map_fn(lambda r: r * 2.0, x)"],
    "max": ["K.max(x)", "K.max(x, axis=1)"], "mean": ["K.mean(x, 0, True)"], "min": ["K.min(x, keepdims=True)"],
    "ndim": ["K.ndim(x)"], "one_hot": ["K.one_hot(i, 5)"], "permute_dimensions": ["K.permute_dimensions(x, (1, 0))"],
    "pow": ["K.pow(x, 3.0)", "K.pow(x, a=0.5)"], "prod": ["K.prod(x, 1)"], "relu": ["K.relu(x - 0.5)"],
    "repeat_elements": ["K.repeat_elements(x, 2, 1)", "K.repeat_elements(x, rep=3, axis=0)"],
    "reshape": ["K.reshape(x, (3, 2))", "K.reshape(x, shape=(6,))"], "reverse": ["K.reverse(x, 1)", "K.reverse(x, axes=(0, 1))"],
    "round": ["K.round(x * 4)"], "shape": ["K.shape(x)"], "sigmoid": ["K.sigmoid(x)"], "sign": ["K.sign(x - 0.5)"],
    "sin": ["K.sin(x)"], "size": ["K.size(x)"], "slice": ["K.slice(x, (0, 1), (2, 2))"],
    "softmax": ["K.softmax(x)", "K.softmax(x, axis=0)"], "softplus": ["K.softplus(x)"], "softsign": ["K.softsign(x)"],
    "sparse_categorical_crossentropy": ["K.sparse_categorical_crossentropy(K.constant([0, 2]), K.softmax(x))"],
    "sqrt": ["K.sqrt(x)"], "square": ["K.square(x)"], "squeeze": ["K.squeeze(K.expand_dims(x, 0), 0)"],
    "stack": ["K.stack([x, y])", "K.stack([x, y], axis=1)"], "std": ["K.std(x, 1)"], "stop_gradient": ["K.stop_gradient(x)"],
    "sum": ["K.sum(x)", "K.sum(x, axis=1, keepdims=True)"], "switch": ["K.switch(c, x, y)", "K.switch(K.sum(x) > 1, x, y)"],
    "tanh": ["K.tanh(x)"], "tile": ["K.tile(x, (2, 1))", "K.tile(v, n=2)"], "transpose": ["K.transpose(x)"],
    "var": ["K.var(x, axis=0)"], "zeros_like": ["K.zeros_like(x)"], "ones_like": ["K.ones_like(x, dtype='float16')"],
    "int_shape": ["K.int_shape(x)"], "cast_to_floatx": ["K.cast_to_floatx(i)"], "flatten": ["K.flatten(x)"],
    **{name: [f"K.{name}(x, y)"] for name in ("equal", "greater", "greater_equal", "less", "less_equal", "maximum", "minimum", "not_equal")},
}
# Keras 2.3.1 functions tf_keras no longer has, as Keras 2.3.1 wrote them in TensorFlow.
_KERAS_2_3 = {
    "identity": lambda tf: tf.identity, "is_tensor": lambda tf: tf.is_tensor, "size": lambda tf: tf.size,
    "logsumexp": lambda tf: lambda x, axis=None, keepdims=False: tf.reduce_logsumexp(x, axis, keepdims),
    "slice": lambda tf: tf.slice, "get_variable_shape": lambda tf: lambda x: tuple(x.shape), "backend": lambda tf: lambda: "tensorflow",
}
# Whose Keras 3 value differs in type only: the function runs in the process's settings.
_SETTINGS = {"backend", "epsilon", "floatx", "image_data_format"}


def test_every_translated_function_has_a_sample_call() -> None:
    covered = set(CALLS)
    assert set(facts.CALLS) - covered - {"set_epsilon", "set_floatx", "set_image_data_format", "clear_session", "get_uid",
                                          "is_keras_tensor"} == set()
    assert set(facts.EXPRESSIONS) - covered == {"get_variable_shape"}


class _Keras2:
    """keras.backend as Keras 2.3.1 had it: tf_keras's, and the few it no longer has."""

    def __init__(self):
        self.module, self.tf = require("tf_keras").backend, require("tensorflow")

    def __getattr__(self, name):
        if name in _KERAS_2_3:
            return _KERAS_2_3[name](self.tf)
        return getattr(self.module, name)


def _values(convert):
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0.1, 0.9, (2, 3)), rng.uniform(0.1, 0.9, (2, 3))
    return {"x": convert(x), "y": convert(y), "c": convert(x > y), "i": convert(np.array([0, 3, 1, 4])),
            "v": convert(rng.uniform(0.1, 0.9, (3,)))}


@pytest.mark.parametrize("source", [s for calls in CALLS.values() for s in calls])
def test_each_call_computes_in_keras_3_what_it_computed_in_keras_2(source) -> None:
    keras, tf = require("keras"), require("tensorflow")
    translated, problems = _translated(source)
    assert problems == [] and "K." not in translated, (translated, problems)
    expected = eval(source, {"K": _Keras2()}, _values(lambda a: tf.constant(a)))
    actual = eval(translated, {"ops": keras.ops, "keras": keras}, _values(keras.ops.convert_to_tensor))
    if isinstance(expected, (str, bool, tuple)) or source.split("(")[0][2:] in _SETTINGS:
        assert actual == expected
        return
    expected, actual = np.asarray(expected), keras.ops.convert_to_numpy(actual)
    assert actual.shape == expected.shape
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("source, argument", [
    ("K.relu(x, max_value=6.0)", "max_value="), ("K.relu(x, 0.1, 6.0)", "more than 1 positional"), ("K.clip(x, 0, 1, 2)", "more than 3"),
    ("K.constant(1, shape=(2,))", "shape="), ("K.sum(*xs)", "unpacked"),
])
def test_a_call_with_an_argument_keras_3_has_no_counterpart_for_is_reported(source, argument) -> None:
    translated, problems = _translated(source)
    assert translated == source and len(problems) == 1 and argument in problems[0]


@pytest.mark.parametrize("name", ["hard_sigmoid", "repeat", "batch_dot", "random_normal"])
def test_a_function_without_an_exact_counterpart_is_named_in_the_finding(name) -> None:
    _, problems = _translated(f"K.{name}(x)")
    assert problems == [f"K.{name}() has no exact Keras 3 counterpart: {facts.NO_COUNTERPART[name]}"]


@pytest.mark.parametrize("name, call", [("hard_sigmoid", "{}(x)"), ("repeat", "{}(x, 2)"), ("identity", "{}(3)")])
def test_keras_3_functions_of_the_same_name_compute_something_else(name, call) -> None:
    """Why these are not mapped by name (identity maps to ops.copy instead)."""
    keras, tf = require("keras"), require("tensorflow")
    values = _values(lambda a: a)
    old = eval(call.format("K." + name), {"K": _Keras2()}, _values(lambda a: tf.constant(a)))
    new = eval(call.format("ops." + name), {"ops": keras.ops}, values)
    old, new = np.asarray(old), keras.ops.convert_to_numpy(new)
    assert old.shape != new.shape or not np.allclose(old, new)


@pytest.mark.parametrize("name", sorted(facts.EXPRESSIONS))
def test_each_written_out_expression_means_what_keras_2_meant(name) -> None:
    keras = require("keras")
    x = keras.Variable(np.arange(6, dtype="float32").reshape(2, 3))
    expression = facts.EXPRESSIONS[name].format("x").replace("ops.", "keras.ops.").replace("config.", "keras.config.")
    actual = eval(expression, {"keras": keras, "x": x})
    old = _Keras2()
    expected = getattr(old, name)(old.module.variable(np.arange(6, dtype="float32").reshape(2, 3)))
    np.testing.assert_array_equal(np.asarray(actual), np.asarray(expected))


def test_the_update_methods_exist_on_keras_3_optimizers() -> None:
    optimizer = require("keras").optimizers.Optimizer
    for method in (*facts.UPDATES.values(), "add_variable", "add_variable_from_reference", "_get_variable_index"):
        assert callable(getattr(optimizer, method)), method


def test_the_removed_backend_functions_are_gone_from_keras_3() -> None:
    backend = require("keras").backend
    removed = set(facts.KERAS_2_3_BACKEND)
    still_there = {name for name in removed if hasattr(backend, name)}
    kept = {"backend", "clear_session", "epsilon", "floatx", "get_uid", "image_data_format", "is_keras_tensor",
            "set_epsilon", "set_floatx", "set_image_data_format"}
    assert still_there == kept  # Keras 3 kept these (the settings also as keras.config)
