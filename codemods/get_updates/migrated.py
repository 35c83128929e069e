"""A class this rule migrated, read again on a later run: what the migration reported that the
class may still do differently is read from the class as it now is (the shared reading of
migrated Keras 3 optimizers), so a second `check` keeps reporting it until the code changes.

The migration's own output is recognised by its shape: a registered Keras optimizer subclass
with `build(self, var_list)` and `update_step(self, gradient, variable, learning_rate)`, whose
update_step begins by casting the learning rate to the variable's dtype and unpacks the loop's
names from `variable` and `gradient` (`p, g, m = variable, gradient, self.moments[index]`); the
base class of a family migrated together, a registered class with `__init__` of which such a
class of the module derives; and a class factory's class around the base class's update_step
(`super().update_step(gradient, variable, learning_rate)`, no get_updates), where the file
applies the factory to classes of the first shape."""

from __future__ import annotations

import re

from optfix.analysis.tree import code, descendants
from optfix.codemods.get_updates.factories import applications
from optfix.codemods.get_updates.hierarchy import methods_of, subclasses
from optfix.codemods.get_updates.wrappers import factory_of
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import Problem, flat, is_super_call
from optfix.rulekit.config_round_trip import config_problems
from optfix.rulekit.migrated_optimizers import residual_problems as migrated_class_problems

_STEP = ["self", "gradient", "variable", "learning_rate"]


def residual_problems(module: cst.Module, node: cst.ClassDef) -> list[Problem]:
    """The findings a migrated class of `module` still deserves; none for a class of any other shape."""
    methods = methods_of(node)
    if _migrated_shape(node, methods) or _factory_class(module, node, methods):
        return migrated_class_problems(node)
    family_base = _registered(node) and "__init__" in methods and "get_updates" not in methods and any(
        _migrated_shape(child, methods_of(child)) for child in subclasses(module, node.name.value))
    return config_problems(node, node) if family_base else []


def _migrated_shape(node: cst.ClassDef, methods: dict[str, cst.FunctionDef]) -> bool:
    return (
        "get_updates" not in methods
        and _parameters(methods.get("build")) == ["self", "var_list"]
        and _parameters(methods.get("update_step")) == _STEP
        and _registered(node)
        and _casts_the_rate_first(methods["update_step"])
        and _unpacks_the_variable(methods["update_step"])
    )


def _factory_class(module: cst.Module, node: cst.ClassDef, methods: dict[str, cst.FunctionDef]) -> bool:
    step = methods.get("update_step")
    if "get_updates" in methods or _parameters(step) != _STEP:
        return False
    if not any(is_super_call(call, "update_step") for call in descendants(step, cst.Call)):
        return False
    found = factory_of(module, node)
    given = applications(module, found[0]) if found else None
    classes = {s.name.value: s for s in module.body if isinstance(s, cst.ClassDef)}
    return bool(given) and all(
        isinstance(e, cst.Name) and e.value in classes and _migrated_shape(classes[e.value], methods_of(classes[e.value]))
        for e in given)


def _registered(node: cst.ClassDef) -> bool:
    return any("register_keras_serializable" in code(d.decorator) for d in node.decorators)


def _casts_the_rate_first(step: cst.FunctionDef) -> bool:
    """update_step begins as this rule writes it: `learning_rate = ops.cast(learning_rate, variable.dtype)`."""
    first = step.body.body[0] if step.body.body else None
    return (isinstance(first, cst.SimpleStatementLine) and isinstance(first.body[0], cst.Assign)
            and re.fullmatch(r"learning_rate=[\w.]*\bcast\(learning_rate,variable\.dtype\)", flat(first.body[0])) is not None)


def _parameters(method: cst.FunctionDef | None) -> list[str] | None:
    return None if method is None else [p.name.value for p in method.params.params]


def _unpacks_the_variable(step: cst.FunctionDef) -> bool:
    """A statement of update_step unpacks `variable` to the loop's names (`p, g = variable, gradient`)."""
    for statement in step.body.body:
        if not (isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Assign)):
            continue
        assign = statement.body[0]
        if len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Tuple) and isinstance(assign.value, cst.Tuple) \
                and any(isinstance(v.value, cst.Name) and v.value.value == "variable" for v in assign.value.elements):
            return True
    return False
