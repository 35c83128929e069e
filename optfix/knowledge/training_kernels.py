"""TensorFlow's fused training kernels (`tf.raw_ops.ResourceApplyAdam`,
`training_ops.resource_apply_adam`, ...) with the update each performs, written as Keras 3
optimizer statements.

A row holds the kernel's arguments in TensorFlow's order (without `use_locking`, which only
orders concurrent writes, and `name`), which of them are variables (passed as resource
handles), and the statements of its update over those names: `self.assign*` on the variables,
`ops` for `keras.ops`; other names the statements bind are temporaries. The statements follow
the CPU kernels of tensorflow/core/kernels/training_ops.cc operation for operation (where the
kernel's docstring is looser, the kernel wins: `m += (g - m) * (1 - beta1)`, not
`beta1 * m + (1 - beta1) * g`). A kernel whose update depends on a boolean attribute
(`use_nesterov`, `update_slots`, `multiply_linear_by_lr`) has statements for each value.

Each sparse kernel (`ResourceSparseApply*`) updates only the rows of the gradient it is given
(its rows unique: OptimizerV2 sums a row given twice first). Made dense, zero on the other rows,
the gradient gives the dense update what the sparse kernel did only where a zero gradient leaves
a row as it was. `SPARSE` says, kernel by kernel, whether it does (with its dense kernel) or why
not, and has the kernel's row-wise statements: its dense kernel's, over the rows of each variable
taken at `indices` (`ops.take`), written back with `self.assign(v, tf.IndexedSlices(rows,
indices))`, which Keras 3's TensorFlow optimizer scatters.

Checked against the installed TensorFlow, by running each kernel beside its statements, in
tests/equivalence/test_training_kernels.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Where the kernels are reached from: TensorFlow's public raw ops and its generated wrappers.
MODULES = (
    "tensorflow.raw_ops", "tensorflow.compat.v1.raw_ops", "tensorflow.compat.v2.raw_ops",
    "tensorflow.python.training.training_ops", "tensorflow.python.training.gen_training_ops",
    "tensorflow.python.ops.gen_training_ops",
)
DROPPED_ARGUMENTS = ("use_locking", "name")


@dataclass(frozen=True)
class Kernel:
    name: str  # the op, as tf.raw_ops names it
    function: str  # its wrapper in gen_training_ops
    arguments: tuple[str, ...]
    variables: tuple[str, ...]  # the arguments that are variables, updated in place
    update: dict[bool | None, tuple[str, ...]]  # the statements, per value of `flag` (None: no flag)
    flag: str | None = None
    flag_default: bool = False


@dataclass(frozen=True)
class Sparse:
    name: str
    function: str
    dense: str  # the dense kernel it is the row-wise form of
    rows_stay: bool  # a zero gradient leaves a row of every variable as it was, in the dense update
    why: str = ""  # where they do not: what the dense update does to rows without a gradient

    @property
    def arguments(self) -> tuple[str, ...]:
        """The dense kernel's, the gradient named `grad`, with `indices` after it (TensorFlow's order)."""
        names = tuple("grad" if name == "delta" else name for name in KERNELS[self.dense].arguments)
        at = names.index("grad") + 1
        return (*names[:at], "indices", *names[at:])

    @property
    def variables(self) -> tuple[str, ...]:
        return KERNELS[self.dense].variables

    @property
    def flag(self) -> str | None:
        return KERNELS[self.dense].flag

    @property
    def flag_default(self) -> bool:
        return KERNELS[self.dense].flag_default

    @property
    def update(self) -> dict[bool | None, tuple[str, ...]]:
        """The row-wise statements, per value of the flag."""
        dense = KERNELS[self.dense]
        return {flag: _row_wise(statements, dense.variables) for flag, statements in dense.update.items()}


ROWS = "{}_rows"  # the local holding a variable's rows at `indices`
_UPDATE = re.compile(r"self\.assign(_add|_sub)?\((\w+), (.*)\)")


def _row_wise(statements: tuple[str, ...], variables: tuple[str, ...]) -> tuple[str, ...]:
    """A dense kernel's statements over the rows at `indices`: each variable read as its rows,
    each update of it a new value of its rows, the rows written back at the end."""
    def over_rows(text: str) -> str:
        text = re.sub(r"\bdelta\b", "grad", text)
        return re.sub(r"\b(" + "|".join(variables) + r")\b", lambda m: ROWS.format(m.group(1)), text)

    rows = [f"{ROWS.format(v)} = ops.take({v}, indices, axis=0)" for v in variables]
    for statement in statements:
        update = _UPDATE.fullmatch(statement)
        if update is None:
            rows.append(over_rows(statement))
            continue
        operation, target, value = update.groups()
        value = over_rows(value)
        row = ROWS.format(target)
        value = value if operation is None or value.isidentifier() else f"({value})"
        rows.append(f"{row} = {value}" if operation is None else f"{row} = {row} {'+' if operation == '_add' else '-'} {value}")
    return (*rows, *(f"self.assign({v}, tf.IndexedSlices({ROWS.format(v)}, indices))" for v in variables))


_ADAM_MOMENTS = (
    "alpha = lr * ops.sqrt(1 - beta2_power) / (1 - beta1_power)",
    "self.assign_add(m, (grad - m) * (1 - beta1))",
    "self.assign_add(v, (ops.square(grad) - v) * (1 - beta2))",
)


def _ftrl(shrinkage: bool, by_lr: bool) -> tuple[str, ...]:
    gradient = "grad_with_shrinkage" if shrinkage else "grad"
    linear = (f"self.assign_add(linear, {gradient} * lr - (ops.power(new_accum, -lr_power) - ops.power(accum, -lr_power)) * var)" if by_lr
              else f"self.assign_add(linear, {gradient} - (ops.power(new_accum, -lr_power) - ops.power(accum, -lr_power)) / lr * var)")
    threshold = "l1 * lr" if by_lr else "l1"
    quadratic = "quadratic = ops.power(new_accum, -lr_power) + 2 * l2 * lr" if by_lr else "quadratic = ops.power(new_accum, -lr_power) / lr + 2 * l2"
    return (
        *(("grad_with_shrinkage = grad + 2 * l2_shrinkage * var",) if shrinkage else ()),
        "new_accum = accum + ops.square(grad)",
        linear,
        quadratic,
        f"self.assign(var, ops.where(ops.abs(linear) > {threshold}, ({threshold} * ops.sign(linear) - linear) / quadratic, ops.zeros_like(new_accum)))",
        "self.assign(accum, new_accum)",
    )


def _proximal(rate: str) -> tuple[str, ...]:
    """The proximal (FOBOS) step at rate `rate`; with l1 = 0 it is `prox_var / (1 + l2 * rate)`
    exactly (the kernel's other branch), since sign(x) * |x| is x."""
    return (f"prox_var = var - delta * {rate}" if rate == "alpha" else f"prox_var = var - grad * {rate}",
            f"self.assign(var, ops.sign(prox_var) * ops.maximum(ops.abs(prox_var) - {rate} * l1, 0) / (1 + l2 * {rate}))")


KERNELS = {row.name: row for row in (
    Kernel("ResourceApplyGradientDescent", "resource_apply_gradient_descent", ("var", "alpha", "delta"), ("var",),
           {None: ("self.assign_sub(var, delta * alpha)",)}),
    Kernel("ResourceApplyMomentum", "resource_apply_momentum", ("var", "accum", "lr", "grad", "momentum"), ("var", "accum"),
           {False: ("self.assign(accum, accum * momentum + grad)", "self.assign_sub(var, accum * lr)"),
            True: ("self.assign(accum, accum * momentum + grad)", "self.assign_sub(var, grad * lr + accum * momentum * lr)")},
           flag="use_nesterov"),
    Kernel("ResourceApplyKerasMomentum", "resource_apply_keras_momentum", ("var", "accum", "lr", "grad", "momentum"), ("var", "accum"),
           {False: ("self.assign(accum, accum * momentum - grad * lr)", "self.assign_add(var, accum)"),
            True: ("self.assign(accum, accum * momentum - grad * lr)", "self.assign_add(var, accum * momentum - grad * lr)")},
           flag="use_nesterov"),
    Kernel("ResourceApplyAdam", "resource_apply_adam",
           ("var", "m", "v", "beta1_power", "beta2_power", "lr", "beta1", "beta2", "epsilon", "grad"), ("var", "m", "v"),
           {False: (*_ADAM_MOMENTS, "self.assign_sub(var, (m * alpha) / (ops.sqrt(v) + epsilon))"),
            True: (*_ADAM_MOMENTS, "self.assign_sub(var, ((grad * (1 - beta1) + beta1 * m) * alpha) / (ops.sqrt(v) + epsilon))")},
           flag="use_nesterov"),
    Kernel("ResourceApplyAdamWithAmsgrad", "resource_apply_adam_with_amsgrad",
           ("var", "m", "v", "vhat", "beta1_power", "beta2_power", "lr", "beta1", "beta2", "epsilon", "grad"), ("var", "m", "v", "vhat"),
           {None: (*_ADAM_MOMENTS, "self.assign(vhat, ops.maximum(vhat, v))",
                   "self.assign_sub(var, (m * alpha) / (ops.sqrt(vhat) + epsilon))")}),
    Kernel("ResourceApplyAdaMax", "resource_apply_ada_max", ("var", "m", "v", "beta1_power", "lr", "beta1", "beta2", "epsilon", "grad"),
           ("var", "m", "v"),
           {None: ("self.assign_add(m, (grad - m) * (1 - beta1))", "self.assign(v, ops.maximum(beta2 * v, ops.abs(grad)))",
                   "self.assign_sub(var, lr / (1 - beta1_power) * (m / (v + epsilon)))")}),
    Kernel("ResourceApplyAdadelta", "resource_apply_adadelta", ("var", "accum", "accum_update", "lr", "rho", "epsilon", "grad"),
           ("var", "accum", "accum_update"),
           {None: ("self.assign(accum, accum * rho + ops.square(grad) * (1 - rho))",
                   "update = ops.sqrt(accum_update + epsilon) * ops.rsqrt(accum + epsilon) * grad",
                   "self.assign_sub(var, update * lr)",
                   "self.assign(accum_update, accum_update * rho + ops.square(update) * (1 - rho))")}),
    Kernel("ResourceApplyAdagrad", "resource_apply_adagrad", ("var", "accum", "lr", "grad"), ("var", "accum"),
           {True: ("self.assign_add(accum, ops.square(grad))", "self.assign_sub(var, grad * lr * ops.rsqrt(accum))"),
            False: ("self.assign_sub(var, grad * lr * ops.rsqrt(accum))",)},
           flag="update_slots", flag_default=True),
    Kernel("ResourceApplyAdagradV2", "resource_apply_adagrad_v2", ("var", "accum", "lr", "epsilon", "grad"), ("var", "accum"),
           {True: ("self.assign_add(accum, ops.square(grad))", "self.assign_sub(var, grad * lr / (ops.sqrt(accum) + epsilon))"),
            False: ("self.assign_sub(var, grad * lr / (ops.sqrt(accum) + epsilon))",)},
           flag="update_slots", flag_default=True),
    Kernel("ResourceApplyProximalAdagrad", "resource_apply_proximal_adagrad", ("var", "accum", "lr", "l1", "l2", "grad"), ("var", "accum"),
           {None: ("self.assign_add(accum, ops.square(grad))", "adagrad_lr = lr * ops.rsqrt(accum)", *_proximal("adagrad_lr"))}),
    Kernel("ResourceApplyProximalGradientDescent", "resource_apply_proximal_gradient_descent", ("var", "alpha", "l1", "l2", "delta"),
           ("var",), {None: _proximal("alpha")}),
    Kernel("ResourceApplyFtrl", "resource_apply_ftrl", ("var", "accum", "linear", "grad", "lr", "l1", "l2", "lr_power"),
           ("var", "accum", "linear"), {False: _ftrl(False, False), True: _ftrl(False, True)}, flag="multiply_linear_by_lr"),
    Kernel("ResourceApplyFtrlV2", "resource_apply_ftrl_v2", ("var", "accum", "linear", "grad", "lr", "l1", "l2", "l2_shrinkage", "lr_power"),
           ("var", "accum", "linear"), {False: _ftrl(True, False), True: _ftrl(True, True)}, flag="multiply_linear_by_lr"),
    Kernel("ResourceApplyRMSProp", "resource_apply_rms_prop", ("var", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"),
           ("var", "ms", "mom"),
           {None: ("self.assign_add(ms, (ops.square(grad) - ms) * (1 - rho))",
                   "self.assign(mom, mom * momentum + (grad * lr) / ops.sqrt(ms + epsilon))",
                   "self.assign_sub(var, mom)")}),
    Kernel("ResourceApplyCenteredRMSProp", "resource_apply_centered_rms_prop",
           ("var", "mg", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"), ("var", "mg", "ms", "mom"),
           {None: ("self.assign_add(ms, (ops.square(grad) - ms) * (1 - rho))",
                   "self.assign_add(mg, (grad - mg) * (1 - rho))",
                   "self.assign(mom, mom * momentum + (grad * lr) / ops.sqrt(ms - ops.square(mg) + epsilon))",
                   "self.assign_sub(var, mom)")}),
    Kernel("ResourceApplyAddSign", "resource_apply_add_sign", ("var", "m", "lr", "alpha", "sign_decay", "beta", "grad"), ("var", "m"),
           {None: ("self.assign(m, m * beta + grad * (1 - beta))",
                   "self.assign_sub(var, lr * (alpha + sign_decay * ops.sign(grad) * ops.sign(m)) * grad)")}),
    Kernel("ResourceApplyPowerSign", "resource_apply_power_sign", ("var", "m", "lr", "logbase", "sign_decay", "beta", "grad"), ("var", "m"),
           {None: ("self.assign(m, m * beta + grad * (1 - beta))",
                   "self.assign_sub(var, lr * ops.exp(logbase * sign_decay * ops.sign(grad) * ops.sign(m)) * grad)")}),
)}

_DECAYS = "decays the slots of rows without a gradient"
SPARSE = {row.name: row for row in (
    Sparse("ResourceSparseApplyAdagradV2", "resource_sparse_apply_adagrad_v2", "ResourceApplyAdagradV2", True),
    Sparse("ResourceSparseApplyAdagrad", "resource_sparse_apply_adagrad", "ResourceApplyAdagrad", False,
           "turns a row without a gradient into NaN while its accumulator is 0 (0 * rsqrt(0)), where the sparse kernel leaves it"),
    Sparse("ResourceSparseApplyMomentum", "resource_sparse_apply_momentum", "ResourceApplyMomentum", False,
           "decays the accumulator of rows without a gradient and moves them by it"),
    Sparse("ResourceSparseApplyKerasMomentum", "resource_sparse_apply_keras_momentum", "ResourceApplyKerasMomentum", False,
           "decays the accumulator of rows without a gradient and moves them by it"),
    Sparse("ResourceSparseApplyRMSProp", "resource_sparse_apply_rms_prop", "ResourceApplyRMSProp", False,
           f"{_DECAYS} (ms, mom) and moves them by their momentum"),
    Sparse("ResourceSparseApplyCenteredRMSProp", "resource_sparse_apply_centered_rms_prop", "ResourceApplyCenteredRMSProp", False,
           f"{_DECAYS} (mg, ms, mom) and moves them by their momentum"),
    Sparse("ResourceSparseApplyAdadelta", "resource_sparse_apply_adadelta", "ResourceApplyAdadelta", False,
           f"{_DECAYS} (accum, accum_update)"),
    Sparse("ResourceSparseApplyFtrl", "resource_sparse_apply_ftrl", "ResourceApplyFtrl", False,
           "recomputes every row from its linear term: a row never given a gradient becomes 0"),
    Sparse("ResourceSparseApplyFtrlV2", "resource_sparse_apply_ftrl_v2", "ResourceApplyFtrlV2", False,
           "recomputes every row from its linear term (a row never given a gradient becomes 0) and shrinks it by l2_shrinkage"),
    Sparse("ResourceSparseApplyProximalAdagrad", "resource_sparse_apply_proximal_adagrad", "ResourceApplyProximalAdagrad", False,
           "shrinks rows without a gradient by the l1 and l2 proximal step"),
    Sparse("ResourceSparseApplyProximalGradientDescent", "resource_sparse_apply_proximal_gradient_descent",
           "ResourceApplyProximalGradientDescent", False, "shrinks rows without a gradient by the l1 and l2 proximal step"),
)}



@dataclass(frozen=True)
class Scatter:
    """A write of a variable's rows (`tf.raw_ops.ResourceScatterAdd(resource=var.handle, indices=...,
    updates=...)`), as Keras 3's TensorFlow optimizer scatters a tf.IndexedSlices; a row given
    twice is written twice, as by the op."""
    name: str
    function: str
    method: str  # the self.assign* that scatters it
    arguments: tuple[str, ...] = ("resource", "indices", "updates")
    variables: tuple[str, ...] = ("resource",)
    flag: None = None
    flag_default: bool = False

    @property
    def update(self) -> dict[None, tuple[str, ...]]:
        return {None: (f"self.{self.method}(resource, tf.IndexedSlices(updates, indices))",)}


SCATTER_MODULES = ("tensorflow.raw_ops", "tensorflow.compat.v1.raw_ops", "tensorflow.compat.v2.raw_ops",
                   "tensorflow.python.ops.gen_resource_variable_ops")
SCATTERS = {row.name: row for row in (
    Scatter("ResourceScatterAdd", "resource_scatter_add", "assign_add"),
    Scatter("ResourceScatterSub", "resource_scatter_sub", "assign_sub"),
    Scatter("ResourceScatterUpdate", "resource_scatter_update", "assign"),
)}

_BY_FUNCTION = {row.function: row for row in (*KERNELS.values(), *SPARSE.values())}
_SCATTER_BY_FUNCTION = {row.function: row for row in SCATTERS.values()}


def kernel_named(qualified: str) -> Kernel | Sparse | Scatter | None:
    """The row of a kernel reached through one of MODULES (a scatter: SCATTER_MODULES), by its op
    or its wrapper's name."""
    module, _, name = qualified.rpartition(".")
    if module in SCATTER_MODULES and (name in SCATTERS or name in _SCATTER_BY_FUNCTION):
        return SCATTERS.get(name) or _SCATTER_BY_FUNCTION[name]
    if module not in MODULES:
        return None
    return KERNELS.get(name) or SPARSE.get(name) or _BY_FUNCTION.get(name)
