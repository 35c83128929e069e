"""A numpy stand-in for the Keras 2 backend and base optimizer, to run legacy `get_updates` code.

The original source of a Keras 2.0-2.3 optimizer runs unmodified and without TensorFlow or Keras:
`legacy_modules()` puts this module's `backend` and `Optimizer` under the names legacy code
imports (`keras`, `keras.backend`, `tensorflow.keras.optimizers`, ...), and `run_legacy` drives it.

Execution is eager. Each step the harness feeds the gradients, calls `get_updates` again and then
applies every returned update at once, so every read saw the pre-step values (the semantics of a
TF1 `K.function` whose updates run as one group). State persists across steps because, inside
`get_updates`, the i-th call that creates a variable returns the variable that the i-th call
created on the first step; variables created in `__init__` are created once, as in Keras 2.
"""

from __future__ import annotations

import contextlib
import sys
import types
from pathlib import Path

import numpy as np

__all__ = ["Variable", "backend", "Optimizer", "installed", "legacy_modules", "load_legacy", "optimizer_classes", "run_legacy"]

_CONFIG = {"floatx": "float32", "epsilon": 1e-7}


def _value(x):
    if isinstance(x, Variable):
        return x.value
    if isinstance(x, (list, tuple)):  # K.sum([...]), K.maximum(a, b) on lists of tensors
        return np.asarray([_value(e) for e in x])
    return np.asarray(x)


def _frozen(array):
    # Read-only: numpy code writing into a variable's array would change it behind the updates.
    array.flags.writeable = False
    return array


class Variable(np.lib.mixins.NDArrayOperatorsMixin):
    """A backend variable: a numpy array that only the harness (or K.set_value) replaces."""

    _count = 0

    def __init__(self, value, dtype=None, name=None, constraint=None):
        Variable._count += 1
        self.value = _frozen(np.array(_value(value), dtype=dtype))
        self.name = name or f"variable_{Variable._count}"
        self.constraint = constraint

    shape = property(lambda self: self.value.shape)
    dtype = property(lambda self: self.value.dtype)
    ndim = property(lambda self: self.value.ndim)
    # TF1's graph variables compared by identity (`x in params` in Keras 2 code), and hashed so
    __eq__, __ne__, __hash__ = object.__eq__, object.__ne__, object.__hash__

    def __array__(self, dtype=None, copy=None):
        return self.value if dtype is None else self.value.astype(dtype)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if "out" in kwargs:
            raise TypeError("a Variable changes only through K.update*: in-place numpy ops are not allowed")
        return getattr(ufunc, method)(*(_value(x) if isinstance(x, Variable) else x for x in inputs), **kwargs)

    __getitem__ = lambda self, key: self.value[key]
    __bool__ = lambda self: bool(self.value)  # numpy's rule; without it every Variable is truthy
    __repr__ = lambda self: f"<Variable {self.name!r} shape={self.shape} dtype={self.dtype.name}>"

    def _set(self, value):
        value = _value(value)
        if value.shape != self.shape:
            raise ValueError(f"cannot assign shape {value.shape} to {self!r}")
        if not np.can_cast(value.dtype, self.dtype, "same_kind"):
            raise TypeError(f"cannot assign {value.dtype.name} to {self!r}")
        self.value = _frozen(value.astype(self.dtype))  # a new array: values read earlier stay as they were


for _op in ("add", "sub", "mul", "matmul", "truediv", "floordiv", "mod", "pow", "lshift", "rshift", "and", "xor", "or"):
    # TF1 variables had no in-place operators: `lr *= x` made a new tensor and left `lr` alone.
    setattr(Variable, f"__i{_op}__", lambda self, other, _f=getattr(Variable, f"__{_op}__"): _f(self, other))


class _Update:
    """A deferred assignment, as returned by K.update*; the new value is already computed."""

    def __init__(self, variable, value):
        if not isinstance(variable, Variable):
            raise TypeError(f"can only update a variable, not {type(variable).__name__}")
        self.variable, self.value = variable, _value(value)


class _Run:
    """The state of one `run_legacy`: fed gradients and the variables get_updates created."""

    def __init__(self):
        self.created: list[Variable] = []
        self.cursor: int | None = None  # None outside get_updates: every call creates
        self.gradients: dict[int, np.ndarray] = {}

    def create(self, variable: Variable) -> Variable:
        if self.cursor is None:
            return variable
        if self.cursor == len(self.created):
            self.created.append(variable)
        old = self.created[self.cursor]
        if (old.shape, old.dtype) != (variable.shape, variable.dtype):
            raise RuntimeError(f"get_updates created {variable!r} where an earlier step created {old!r}")
        self.cursor += 1
        return old


_run = _Run()


# -- the backend ---------------------------------------------------------------------------------

backend = types.ModuleType("keras.backend", "numpy stand-in for the Keras 2 backend (optfix.verify)")


def _shape(shape):
    return (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)


def _dtype(dtype):
    return dtype or _CONFIG["floatx"]


for _name, _make in {
    "variable": lambda value, dtype=None, name=None, constraint=None: Variable(value, _dtype(dtype), name, constraint),
    "zeros": lambda shape, dtype=None, name=None: Variable(np.zeros(_shape(shape)), _dtype(dtype), name),
    "ones": lambda shape, dtype=None, name=None: Variable(np.ones(_shape(shape)), _dtype(dtype), name),
    "eye": lambda size, dtype=None, name=None: Variable(np.eye(size), _dtype(dtype), name),
}.items():
    setattr(backend, _name, lambda *args, _make=_make, **kwargs: _run.create(_make(*args, **kwargs)))

for _name, _function in {
    "square": np.square, "exp": np.exp, "log": np.log, "abs": np.abs, "sign": np.sign,
    "maximum": np.maximum, "minimum": np.minimum, "pow": np.power,
    "equal": np.equal, "not_equal": np.not_equal, "greater": np.greater,
    "greater_equal": np.greater_equal, "less": np.less, "less_equal": np.less_equal,
}.items():
    setattr(backend, _name, lambda *args, _function=_function: _function(*(_value(a) for a in args)))

for _name, _function in {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "std": np.std,
                         "prod": np.prod, "any": np.any, "all": np.all}.items():
    setattr(backend, _name, lambda x, axis=None, keepdims=False, _function=_function:
            _function(_value(x), axis=axis, keepdims=keepdims))


def _switch(condition, then_expression, else_expression):
    # TF builds both branches of a graph conditional, so both callables run (and create state).
    then_value = np.array(_value(then_expression() if callable(then_expression) else then_expression))
    else_value = np.array(_value(else_expression() if callable(else_expression) else else_expression))
    condition = _value(condition).astype(bool)
    if condition.ndim == 0:
        return then_value if condition else else_value
    # Keras aligns a lower-rank condition with the leading axes of the expressions.
    condition = condition.reshape(condition.shape + (1,) * (then_value.ndim - condition.ndim))
    return np.where(condition, then_value, else_value)


def _clip(x, min_value, max_value):
    if isinstance(min_value, (int, float)) and isinstance(max_value, (int, float)) and max_value < min_value:
        max_value = min_value
    lo, hi = (-np.inf if min_value is None else _value(min_value)), (np.inf if max_value is None else _value(max_value))
    return np.clip(_value(x), lo, hi)


def _relu(x, alpha=0.0, max_value=None, threshold=0.0):
    x = _value(x)
    y = np.where(x > threshold, x, alpha * (x - threshold))
    return y if max_value is None else np.minimum(y, max_value)


def _set_floatx(value):
    if value not in ("float16", "float32", "float64"):
        raise ValueError(f"Unknown floatx type: {value}")
    _CONFIG["floatx"] = str(value)


def _gradients(loss, variables):
    try:
        return [_run.gradients[id(v)].copy() for v in variables]  # the loss is a sentinel
    except KeyError:
        raise ValueError("no gradient was fed for one of the variables") from None


def _batch_set_value(pairs):
    for x, value in pairs:
        x._set(np.asarray(value, dtype=x.dtype))


def _l2_normalize(x, axis=None):
    x = _value(x)
    return x / np.sqrt(np.maximum(np.sum(np.square(x), axis=axis, keepdims=True), 1e-12))


for _name, _function in {
    "constant": lambda value, dtype=None, shape=None, name=None: (
        np.full(_shape(shape), _value(value), dtype=_dtype(dtype)) if shape is not None
        else np.array(_value(value), dtype=_dtype(dtype))),
    # Tensors, not variables, in Keras 2 as in tf_keras: `K.update` on one fails there, and here.
    "zeros_like": lambda x, dtype=None, name=None: np.zeros_like(_value(x), dtype=dtype),
    "ones_like": lambda x, dtype=None, name=None: np.ones_like(_value(x), dtype=dtype),
    "update": lambda x, new_x: _Update(x, new_x),
    "update_add": lambda x, increment: _Update(x, _value(x) + _value(increment)),
    "update_sub": lambda x, decrement: _Update(x, _value(x) - _value(decrement)),
    "sqrt": lambda x: np.sqrt(np.maximum(_value(x), 0.0)),  # Keras 2 clips negatives to 0
    "clip": _clip,
    "relu": _relu,
    "switch": _switch,
    "cast": lambda x, dtype: _value(x).astype(dtype),
    "dtype": lambda x: _value(x).dtype.name,
    "int_shape": lambda x: tuple(np.shape(_value(x))),
    "get_variable_shape": lambda x: tuple(np.shape(_value(x))),
    "shape": lambda x: np.asarray(np.shape(_value(x)), dtype="int32"),
    "ndim": lambda x: _value(x).ndim,
    "epsilon": lambda: _CONFIG["epsilon"],
    "set_epsilon": lambda value: _CONFIG.update(epsilon=float(value)),
    "floatx": lambda: _CONFIG["floatx"],
    "set_floatx": _set_floatx,
    "cast_to_floatx": lambda x: np.array(_value(x), dtype=_CONFIG["floatx"]),
    "get_value": lambda x: np.array(_value(x)),
    "eval": lambda x: np.array(_value(x)),
    "batch_get_value": lambda xs: [np.array(_value(x)) for x in xs],
    "set_value": lambda x, value: x._set(np.asarray(value, dtype=x.dtype)),
    "batch_set_value": _batch_set_value,
    "name_scope": lambda name, *args, **kwargs: contextlib.nullcontext(name),
    "symbolic": lambda function: function,
    "l2_normalize": _l2_normalize,
    "expand_dims": lambda x, axis=-1: np.expand_dims(_value(x), axis).copy(),
    "stop_gradient": lambda x: [np.array(_value(e)) for e in x] if isinstance(x, (list, tuple)) else np.array(_value(x)),
    "backend": lambda: "tensorflow",
    "gradients": _gradients,
}.items():
    setattr(backend, _name, _function)


# -- the base optimizer --------------------------------------------------------------------------

class Optimizer:
    """Keras 2.2.4's base optimizer: clipnorm clips the GLOBAL norm, then clipvalue clips."""

    def __init__(self, **kwargs):
        for k in kwargs:
            if k not in ("clipnorm", "clipvalue"):
                raise TypeError("Unexpected keyword argument passed to optimizer: " + str(k))
        self.__dict__.update(kwargs)
        self.updates = []
        self.weights = []

    def get_updates(self, loss, params):
        raise NotImplementedError

    def get_gradients(self, loss, params):
        grads = backend.gradients(loss, params)
        if any(g is None for g in grads):
            raise ValueError("An operation has `None` for gradient.")
        if getattr(self, "clipnorm", 0) > 0:
            norm = np.sqrt(sum(np.sum(np.square(g)) for g in grads))
            grads = [g * (self.clipnorm / norm) if norm >= self.clipnorm else g for g in grads]
        if getattr(self, "clipvalue", 0) > 0:
            grads = [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def set_weights(self, weights):
        if len(weights) != len(self.weights) or any(p.shape != np.shape(w) for p, w in zip(self.weights, weights)):
            raise ValueError("the weights do not match the optimizer's weights in number or shapes")
        backend.batch_set_value(zip(self.weights, weights))

    def get_weights(self):
        return backend.batch_get_value(self.weights)

    def get_config(self):
        return {k: getattr(self, k) for k in ("clipnorm", "clipvalue") if hasattr(self, k)}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __getattr__(self, name):
        # Keras 2.3's read-only alias `lr` of `learning_rate`; a class of 2.2's that sets `self.lr` never gets here.
        if name == "lr" and "learning_rate" in self.__dict__:
            return self.learning_rate
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


class TfKerasOptimizer(Optimizer):
    """tf.keras 2's Keras 2 base optimizer (optimizer_v1): clipnorm clips each gradient's own norm."""

    def get_gradients(self, loss, params):
        clipnorm = getattr(self, "clipnorm", 0)
        self.clipnorm = 0
        try:
            grads = super().get_gradients(loss, params)
        finally:
            self.clipnorm = clipnorm
        if clipnorm > 0:
            norms = [np.sqrt(np.sum(np.square(g))) for g in grads]
            grads = [g * (clipnorm / norm) if norm > clipnorm else g for g, norm in zip(grads, norms)]
        return grads


# -- the legacy import names ---------------------------------------------------------------------

def _module(name, package=False, **members):
    module = types.ModuleType(name)
    module.__dict__.update(members)
    if package:
        module.__path__ = []  # a package, so `import keras.layers` fails as "no module", not "not a package"
    return module


_custom_objects: dict = {}
_interfaces = _module("keras.legacy.interfaces", legacy_get_updates_support=lambda function: function)
_generic_utils = _module("keras.utils.generic_utils", get_custom_objects=lambda: _custom_objects,
                         serialize_keras_object=lambda instance: {"class_name": type(instance).__name__, "config": instance.get_config()})
_KERAS = {
    "": _module("keras", True, backend=backend, __version__="2.2.4"),
    ".backend": backend,
    ".optimizers": _module("keras.optimizers", Optimizer=Optimizer, interfaces=_interfaces),
    ".legacy": _module("keras.legacy", True, interfaces=_interfaces),
    ".legacy.interfaces": _interfaces,
    ".utils": _module("keras.utils", True, get_custom_objects=_generic_utils.get_custom_objects, generic_utils=_generic_utils),
    ".utils.generic_utils": _generic_utils,
}
_KERAS[""].__dict__.update(optimizers=_KERAS[".optimizers"], legacy=_KERAS[".legacy"], utils=_KERAS[".utils"])
# tf.keras 2: the same backend, its own base optimizer
_TF_KERAS = {**_KERAS, "": _module("tensorflow.keras", True, backend=backend, __version__="2.2.4-tf"),
             ".optimizers": _module("tensorflow.keras.optimizers", Optimizer=TfKerasOptimizer, interfaces=_interfaces)}
_TF_KERAS[""].__dict__.update(optimizers=_TF_KERAS[".optimizers"], legacy=_KERAS[".legacy"], utils=_KERAS[".utils"])
# TensorFlow 1's own way to write an update (`tf.assign`, `tf.compat.v1.assign_add`, `state_ops`).
_ASSIGNS = {
    "assign": lambda ref, value, *args, **kwargs: _Update(ref, value),
    "assign_add": lambda ref, value, *args, **kwargs: _Update(ref, _value(ref) + _value(value)),
    "assign_sub": lambda ref, value, *args, **kwargs: _Update(ref, _value(ref) - _value(value)),
}


class _Overlay(types.ModuleType):
    """A TensorFlow module as legacy code sees it: the stand-in's members first, then those of
    the real module, where TensorFlow was imported already (never imported here)."""

    def __init__(self, name, real, **members):
        super().__init__(name)
        self.__dict__.update(members)
        self.__path__ = []
        self._real = real

    def __getattr__(self, name):
        if self._real is None:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r} (TensorFlow is not imported)")
        return getattr(self._real, name)


def _tensorflow_overlays() -> dict:
    """`tensorflow`, `tensorflow.compat.v1`, `tensorflow.python.ops.state_ops` and their parents
    (their `assign*` and `gradients` the stand-in's)."""
    real = sys.modules.get
    modules = {"tensorflow.python.ops.state_ops": _Overlay("tensorflow.python.ops.state_ops", real("tensorflow.python.ops.state_ops"), **_ASSIGNS)}
    modules["tensorflow.python.ops"] = _Overlay("tensorflow.python.ops", real("tensorflow.python.ops"),
                                                state_ops=modules["tensorflow.python.ops.state_ops"])
    modules["tensorflow.python"] = _Overlay("tensorflow.python", real("tensorflow.python"), keras=_TF_KERAS[""], ops=modules["tensorflow.python.ops"])
    modules["tensorflow.compat.v1"] = _Overlay("tensorflow.compat.v1", real("tensorflow.compat.v1"), keras=_TF_KERAS[""],
                                               gradients=_gradients, **_ASSIGNS)
    modules["tensorflow.compat"] = _Overlay("tensorflow.compat", real("tensorflow.compat"), v1=modules["tensorflow.compat.v1"])
    modules["tensorflow"] = _Overlay("tensorflow", real("tensorflow"), keras=_TF_KERAS[""], compat=modules["tensorflow.compat"],
                                     python=modules["tensorflow.python"], gradients=_gradients, **_ASSIGNS)
    return modules


_MISSING = object()


@contextlib.contextmanager
def legacy_modules():
    """Make `keras`, `tensorflow.keras` and `tensorflow.python.keras` imports resolve to the stand-in.

    `tensorflow` (and `tensorflow.compat.v1`, `tensorflow.python.ops.state_ops`) are overlays for
    the duration: their `keras` and variable updates (`assign*`) are the stand-in's, anything
    else comes from the real module where TensorFlow was imported already. On exit every
    `sys.modules` entry under these names is exactly what it was before.
    """
    names = {"keras" + suffix: module for suffix, module in _KERAS.items()}
    names.update({prefix + suffix: module for prefix in ("tensorflow.keras", "tensorflow.python.keras")
                  for suffix, module in _TF_KERAS.items()})
    names.update(_tensorflow_overlays())
    with installed(names):
        yield


@contextlib.contextmanager
def installed(modules: dict):
    """`modules` in `sys.modules` for the duration; every entry is restored after."""
    saved = {name: sys.modules.get(name, _MISSING) for name in modules}
    sys.modules.update(modules)
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is _MISSING:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def load_legacy(source: str, filename: str, name: str | None = None, package: str | None = None, project=None) -> dict:
    """Execute a legacy module's source against the stand-in and return its namespace: the
    module `name` (default: the file's stem) of `package`; `project`, called with the stand-in
    in place, gives the `sys.modules` entries of the project's own modules it imports."""
    namespace = {"__name__": name or Path(filename).stem, "__file__": filename, "__package__": package}
    with legacy_modules(), installed(project() if project else {}):
        exec(compile(source, filename, "exec"), namespace)
    return namespace


def optimizer_classes(namespace: dict) -> dict[str, type]:
    """The optimizer classes a loaded legacy module defines."""
    return {name: value for name, value in namespace.items()
            if isinstance(value, type) and issubclass(value, Optimizer) and value is not Optimizer
            and value.__module__ == namespace.get("__name__")}


def _flatten(updates):
    for update in updates:
        if isinstance(update, list):
            yield from _flatten(update)
        elif isinstance(update, _Update):
            yield update
        elif isinstance(update, tuple) and len(update) == 2:  # Keras 2.2's `(variable, new_value)`
            yield _Update(*update)
        else:
            raise TypeError(f"get_updates returned {update!r}, which is not an update")


def run_legacy(cls, kwargs: dict, initial: list[np.ndarray], gradients: list[list[np.ndarray]]) -> list[list[np.ndarray]]:
    """Train `cls(**kwargs)` on variables holding `initial` with the given per-step gradients;
    the parameter values after each step (see `train_legacy`)."""
    return train_legacy(cls, kwargs, initial, gradients)[1]


def train_legacy(cls, kwargs: dict, initial: list[np.ndarray], gradients: list[list[np.ndarray]]):
    """Train `cls(**kwargs)` on variables holding `initial` with the given per-step gradients.

    Returns the optimizer and the parameter values after each step. floatx is the dtype of `initial` meanwhile (a
    Keras 2 user with float64 weights had set floatx to float64); reads of variables inside
    `get_updates` all see the values from before the step.
    """
    global _run
    saved_run, saved_floatx = _run, _CONFIG["floatx"]
    _run = _Run()
    _CONFIG["floatx"] = np.result_type(*initial).name
    # Graph code computes both sides of a K.switch, so numpy must not warn about the unused one.
    with legacy_modules(), np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        try:
            params = [Variable(np.array(value), name=f"param_{i}") for i, value in enumerate(initial)]
            optimizer = cls(**kwargs)
            steps = []
            for grads in gradients:
                _run.gradients = {id(p): np.array(g, dtype=p.dtype) for p, g in zip(params, grads)}
                _run.cursor = 0
                try:
                    updates = optimizer.get_updates(loss=object(), params=params)
                finally:
                    _run.cursor = None
                pending = list(_flatten(updates))
                if len({id(u.variable) for u in pending}) != len(pending):
                    raise ValueError("get_updates updates a variable twice in one step: TF1 leaves the result undefined")
                for u in pending:
                    u.variable._set(u.value)
                steps.append([p.value.copy() for p in params])
            return optimizer, steps
        finally:
            _run, _CONFIG["floatx"] = saved_run, saved_floatx
