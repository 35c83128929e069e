"""optfix/knowledge/training_kernels.py against the installed TensorFlow: each kernel the table
writes out runs beside its statements (executed as a Keras 3 optimizer runs them, `self.assign*`
and keras.ops on Keras variables), on the same values, for each value of its flag; each sparse
kernel runs beside its dense kernel's statements on the gradient made dense, and the two agree
exactly where the table says rows without a gradient stay as they were."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from conftest import require
from optfix.knowledge.training_kernels import DROPPED_ARGUMENTS, KERNELS, MODULES, SCATTER_MODULES, SCATTERS, SPARSE, kernel_named

SHAPE = (5, 3)
INDICES = np.array([0, 3, 4], dtype=np.int64)  # rows 1 and 2 get no gradient
_POSITIVE_SLOTS = {"accum", "v", "vhat", "ms", "accum_update"}
_REGULARISERS = {"l1", "l2", "l2_shrinkage"}


def _variable_values(names, rng, zero_rows=False) -> dict[str, np.ndarray]:
    values = {}
    for name in names:
        if name in _POSITIVE_SLOTS:
            value = rng.uniform(0.5, 1.5, SHAPE)
            if name == "ms":
                value += 1.0  # above mg ** 2, for the centered RMSProp's square root
        elif name == "mg":
            value = rng.uniform(-0.5, 0.5, SHAPE)
        else:
            value = rng.uniform(-1.5, 1.5, SHAPE)
        if zero_rows and name != "var":
            value[1:3] = 0.0  # a slot as it starts: rows never given a gradient
        values[name] = value
    return values


def _scalars(names, rng, regularised: bool) -> dict[str, float]:
    scalars = {}
    for name in names:
        if name in _REGULARISERS:
            scalars[name] = float(rng.uniform(0.05, 0.3)) if regularised else 0.0
        elif name == "lr_power":
            scalars[name] = -0.7 if regularised else -0.5
        else:
            scalars[name] = float(rng.uniform(0.1, 0.9))  # rates, decays, powers of a decay, epsilon
    return scalars


class _Optimizer:
    """What the statements call on `self`: Keras 3's Optimizer.assign*."""

    def assign(self, variable, value):
        variable.assign(value)

    def assign_add(self, variable, value):
        variable.assign_add(value)

    def assign_sub(self, variable, value):
        variable.assign_sub(value)


def _run_statements(statements, variables: dict, scalars: dict, gradient: np.ndarray, gradient_name: str) -> dict:
    keras = require("keras")
    held = {name: keras.Variable(value, dtype="float64") for name, value in variables.items()}
    namespace = {"self": _Optimizer(), "ops": keras.ops, **held, gradient_name: keras.ops.convert_to_tensor(gradient, "float64"),
                 **{name: keras.ops.convert_to_tensor(value, "float64") for name, value in scalars.items()}}
    for statement in statements:
        exec(statement, namespace)
    return {name: np.array(keras.ops.convert_to_numpy(variable)) for name, variable in held.items()}


def _run_kernel(name: str, variables: dict, scalars: dict, tensors: dict, flag: dict) -> dict:
    tf = require("tensorflow")
    held = {key: tf.Variable(value, dtype=tf.float64) for key, value in variables.items()}
    arguments = {key: variable.handle for key, variable in held.items()}
    arguments |= {key: tf.constant(value, tf.float64) for key, value in scalars.items()}
    arguments |= tensors | flag
    getattr(tf.raw_ops, name)(**arguments, use_locking=False)
    return {key: variable.numpy() for key, variable in held.items()}


def _gradient_name(row) -> str:
    return "delta" if "delta" in row.arguments else "grad"


_DENSE_CASES = [(row.name, flag, regularised) for row in KERNELS.values() for flag in row.update for regularised in (True, False)]


@pytest.mark.parametrize(("name", "flag", "regularised"), _DENSE_CASES,
                         ids=[f"{n}-{row_flag}-{'regularised' if r else 'plain'}" for n, row_flag, r in _DENSE_CASES])
def test_the_statements_compute_what_the_kernel_computes(name, flag, regularised) -> None:
    row = KERNELS[name]
    rng = np.random.default_rng(len(name))
    gradient_name = _gradient_name(row)
    variables = _variable_values(row.variables, rng)
    scalars = _scalars([a for a in row.arguments if a not in row.variables and a != gradient_name], rng, regularised)
    gradient = rng.normal(size=SHAPE)
    kernel = _run_kernel(name, variables, scalars, {gradient_name: gradient}, {} if flag is None else {row.flag: flag})
    ours = _run_statements(row.update[flag], variables, scalars, gradient, gradient_name)
    assert not np.allclose(kernel["var"], variables["var"]), f"{name}: the kernel left the variable as it was"
    for variable in row.variables:
        np.testing.assert_allclose(ours[variable], kernel[variable], rtol=1e-12, atol=1e-14, err_msg=f"{name} ({flag}): {variable}")


def _sparse_against_dense(row, dense, zero_rows: bool) -> tuple[bool, bool]:
    """(all rows equal, the rows given a gradient equal) for one start of the slots."""
    rng = np.random.default_rng(len(row.name))
    gradient_name = _gradient_name(dense)
    variables = _variable_values(dense.variables, rng, zero_rows=zero_rows)
    scalars = _scalars([a for a in dense.arguments if a not in dense.variables and a != gradient_name], rng, regularised=True)
    rows = rng.normal(size=(len(INDICES), SHAPE[1]))
    made_dense = np.zeros(SHAPE)
    made_dense[INDICES] = rows
    flag = {} if dense.flag is None else {dense.flag: dense.flag_default}
    sparse = _run_kernel(row.name, variables, scalars, {"grad": rows, "indices": INDICES}, flag)
    ours = _run_statements(dense.update[None if dense.flag is None else dense.flag_default], variables, scalars, made_dense, gradient_name)
    same = all(np.allclose(ours[v], sparse[v], rtol=1e-12, atol=1e-14) for v in dense.variables)
    touched = all(np.allclose(ours[v][INDICES], sparse[v][INDICES], rtol=1e-12, atol=1e-14) for v in dense.variables)
    return same, touched


@pytest.mark.parametrize("name", sorted(SPARSE))
def test_a_sparse_kernel_equals_the_dense_update_exactly_where_the_table_says_rows_stay(name) -> None:
    """Slots that start at zero on the rows without a gradient (as they do before an embedding's
    row is first looked up) and slots that have moved."""
    row = SPARSE[name]
    outcomes = [_sparse_against_dense(row, KERNELS[row.dense], zero_rows) for zero_rows in (True, False)]
    same = all(equal for equal, _ in outcomes)
    assert same == row.rows_stay, f"{name}: {'equal' if same else 'different'}, the table says {'equal' if row.rows_stay else row.why}"
    assert all(touched for _, touched in outcomes), f"{name}: the rows given a gradient differ: not the row-wise form of {row.dense}"


def _parameters(function) -> tuple[list[str], dict[str, object]]:
    """The kernel wrapper's tensor arguments in order, and its attributes with their defaults."""
    parameters = inspect.signature(function).parameters
    tensors = [p for p, v in parameters.items() if p not in DROPPED_ARGUMENTS and v.default is inspect.Parameter.empty]
    attributes = {p: v.default for p, v in parameters.items() if p not in DROPPED_ARGUMENTS and v.default is not inspect.Parameter.empty}
    return tensors, attributes


@pytest.mark.parametrize("row", KERNELS.values(), ids=lambda r: r.name)
def test_a_kernel_row_names_its_arguments_in_tensorflows_order(row) -> None:
    require("tensorflow")
    from tensorflow.python.ops import gen_training_ops

    tensors, attributes = _parameters(getattr(gen_training_ops, row.function))
    assert tensors == list(row.arguments)
    assert attributes == ({row.flag: row.flag_default} if row.flag else {})
    assert set(row.update) == ({True, False} if row.flag else {None})
    for module in MODULES:
        assert kernel_named(f"{module}.{row.name}") is row and kernel_named(f"{module}.{row.function}") is row


@pytest.mark.parametrize("row", SPARSE.values(), ids=lambda r: r.name)
def test_a_sparse_row_is_its_dense_kernel_with_indices(row) -> None:
    require("tensorflow")
    from tensorflow.python.ops import gen_training_ops

    tensors, attributes = _parameters(getattr(gen_training_ops, row.function))
    dense = KERNELS[row.dense]
    assert sorted(tensors) == sorted((*("grad" if a == "delta" else a for a in dense.arguments), "indices"))
    assert attributes == ({dense.flag: dense.flag_default} if dense.flag else {})
    assert row.rows_stay or row.why
    for module in MODULES:
        assert kernel_named(f"{module}.{row.name}") is row and kernel_named(f"{module}.{row.function}") is row


def _run_row_statements(statements, variables: dict, scalars: dict, rows: np.ndarray, indices: np.ndarray) -> dict:
    """The row-wise statements as a Keras 3 optimizer runs them on the TensorFlow backend: its own
    assign*() scatters a tf.IndexedSlices."""
    keras, tf = require("keras"), require("tensorflow")
    held = {name: keras.Variable(value, dtype="float64") for name, value in variables.items()}
    namespace = {"self": keras.optimizers.SGD(), "ops": keras.ops, "tf": tf, **held, "indices": tf.constant(indices),
                 "grad": tf.constant(rows, tf.float64), **{name: tf.constant(value, tf.float64) for name, value in scalars.items()}}
    for statement in statements:
        exec(statement, namespace)
    return {name: np.array(keras.ops.convert_to_numpy(variable)) for name, variable in held.items()}


_SPARSE_CASES = [(row.name, flag, zero_rows) for row in SPARSE.values() for flag in row.update for zero_rows in (True, False)]


@pytest.mark.parametrize(("name", "flag", "zero_rows"), _SPARSE_CASES,
                         ids=[f"{n}-{row_flag}-{'zero rows' if z else 'moved slots'}" for n, row_flag, z in _SPARSE_CASES])
def test_the_row_wise_statements_compute_what_the_sparse_kernel_computes(name, flag, zero_rows) -> None:
    """Every row: those given a gradient (in no order) updated, the others left as they were."""
    row = SPARSE[name]
    dense = KERNELS[row.dense]
    rng = np.random.default_rng(len(name) + 1)
    variables = _variable_values(row.variables, rng, zero_rows=zero_rows)
    scalars = _scalars([a for a in row.arguments if a not in row.variables and a not in ("grad", "indices")], rng, regularised=True)
    indices = np.array([4, 0, 3], dtype=np.int64)
    rows = rng.normal(size=(len(indices), SHAPE[1]))
    kernel = _run_kernel(name, variables, scalars, {"grad": rows, "indices": indices}, {} if flag is None else {dense.flag: flag})
    ours = _run_row_statements(row.update[flag], variables, scalars, rows, indices)
    assert not np.allclose(kernel["var"][indices], variables["var"][indices]), f"{name}: the kernel left the rows as they were"
    for variable in row.variables:
        np.testing.assert_allclose(ours[variable], kernel[variable], rtol=1e-12, atol=1e-14, err_msg=f"{name} ({flag}): {variable}")


@pytest.mark.parametrize("row", SPARSE.values(), ids=lambda r: r.name)
def test_a_sparse_row_names_its_arguments_in_tensorflows_order(row) -> None:
    require("tensorflow")
    from tensorflow.python.ops import gen_training_ops

    tensors, _ = _parameters(getattr(gen_training_ops, row.function))
    assert tensors == list(row.arguments)


@pytest.mark.parametrize("row", SCATTERS.values(), ids=lambda r: r.name)
def test_a_raw_scatter_s_statements_compute_what_the_op_computes(row) -> None:
    """A row given twice written twice, as by the op."""
    tf = require("tensorflow")
    rng = np.random.default_rng(3)
    variables = {"resource": rng.uniform(-1.5, 1.5, SHAPE)}
    indices = np.array([4, 0, 4], dtype=np.int64) if row.method != "assign" else np.array([4, 0], dtype=np.int64)
    updates = rng.normal(size=(len(indices), SHAPE[1]))
    held = tf.Variable(variables["resource"], dtype=tf.float64)
    getattr(tf.raw_ops, row.name)(resource=held.handle, indices=indices, updates=updates)
    keras = require("keras")
    resource = keras.Variable(variables["resource"], dtype="float64")
    namespace = {"self": keras.optimizers.SGD(), "tf": tf, "resource": resource, "indices": tf.constant(indices),
                 "updates": tf.constant(updates, tf.float64)}
    for statement in row.update[None]:
        exec(statement, namespace)
    assert not np.allclose(held.numpy(), variables["resource"])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(resource), held.numpy(), rtol=1e-12, atol=1e-14)
    for module in SCATTER_MODULES:
        assert kernel_named(f"{module}.{row.name}") is row
