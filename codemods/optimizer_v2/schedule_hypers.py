"""Hyperparameters other than the learning rate that may hold a schedule or a callable
(`weight_decay: Union[FloatTensorLike, Callable, Dict]`, deserialized from a config dict in
`__init__`), and how their reads keep OptimizerV2's meaning in Keras 3:

- `_get_hyper(name, dtype)` gave a `LearningRateSchedule` back as the object, called any other
  callable, and cast the value to `dtype`: the migration tests the attribute against Keras 3's
  `LearningRateSchedule` and casts only what is not one;
- `_serialize_hyperparameter(name)` gave a schedule's config, the value of a callable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import code, descendants
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import LEARNING_RATES

if TYPE_CHECKING:
    from optfix.codemods.optimizer_v2.migration import Migration

_NOT_A_NUMBER = ("Callable", "Dict", "dict", "Schedule")


def may_hold_schedule(migration: Migration, name: str) -> bool:
    """Whether `_set_hyper(name, P)` sets a parameter P of __init__ annotated as possibly a
    callable, a dict or a schedule, or that __init__ rebinds from a `deserialize(...)` call."""
    call = migration.hypers.get(name)
    if name in LEARNING_RATES or call is None or len(call.args) != 2 or not isinstance(call.args[1].value, cst.Name):
        return False
    value = call.args[1].value.value
    init = _init(migration)
    if init is None:
        return False
    params = init.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        if param.name.value == value and param.annotation is not None:
            if any(word in code(param.annotation.annotation) for word in _NOT_A_NUMBER):
                return True
    return any(isinstance(t.target, cst.Name) and t.target.value == value and _deserializes(assign.value)
               for assign in descendants(init, cst.Assign) for t in assign.targets)


def read(migration: Migration, attribute: str, dtype: str | None) -> cst.BaseExpression:
    """`_get_hyper` of a hyperparameter that may hold a schedule, as OptimizerV2 read it."""
    value = f"{attribute}() if callable({attribute}) else {attribute}"
    if dtype is not None:
        migration.uses_ops = True
        value = f"{migration.names.ops}.cast({value}, {dtype})"
    return cst.parse_expression(f"({attribute} if isinstance({attribute}, {_schedule(migration)}) else {value})")


def serialized(migration: Migration, attribute: str) -> cst.BaseExpression:
    """`_serialize_hyperparameter` of a hyperparameter that may hold a schedule."""
    schedules = f"{migration.names.keras}.optimizers.schedules"
    return cst.parse_expression(f"({schedules}.serialize({attribute}) if isinstance({attribute}, {_schedule(migration)}) "
                                f"else {attribute}() if callable({attribute}) else {attribute})")


def _schedule(migration: Migration) -> str:
    return f"{migration.names.keras}.optimizers.schedules.LearningRateSchedule"


def _deserializes(value: cst.BaseExpression) -> bool:
    func = value.func if isinstance(value, cst.Call) else None
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None
    return name == "deserialize"


def _init(migration: Migration) -> cst.FunctionDef | None:
    body = migration.node.body.body if isinstance(migration.node.body, cst.IndentedBlock) else ()
    return next((s for s in body if isinstance(s, cst.FunctionDef) and s.name.value == "__init__"), None)
