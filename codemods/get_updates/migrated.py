"""A class this rule migrated, read again on a later run: what the migration reported that the
class may still do differently is read from the class as it now is, so a second `check` keeps
reporting it until the code changes.

The migration's own output is recognised by its shape: a registered Keras optimizer subclass
with `build(self, var_list)` and `update_step(self, gradient, variable, learning_rate)`, whose
update_step begins by casting the learning rate to the variable's dtype and unpacks the loop's
names from `variable` and `gradient` (`p, g, m = variable, gradient, self.moments[index]`); and
the base class of a family migrated together, a registered class with `__init__` of which such
a class of the module derives."""

from __future__ import annotations

import re

from optfix.analysis.tree import code
from optfix.codemods.get_updates.update_step import variable_name_review
from optfix.lazy import libcst as cst
from optfix.codemods.get_updates.hierarchy import methods_of, subclasses
from optfix.rulekit.class_code import Problem, attributes_named, flat
from optfix.rulekit.config_round_trip import config_problems


def residual_problems(module: cst.Module, node: cst.ClassDef) -> list[Problem]:
    """The findings a migrated class of `module` still deserves; none for a class of any other shape."""
    methods = methods_of(node)
    step = methods.get("update_step")
    if not _migrated_shape(node, methods):
        family_base = _registered(node) and "__init__" in methods and "get_updates" not in methods and any(
            _migrated_shape(child, methods_of(child)) for child in subclasses(module, node.name.value))
        return config_problems(node, node) if family_base else []
    problems = [variable_name_review(attribute) for name in _unpacked_variables(step)
                for attribute in attributes_named(step.body, "name")
                if isinstance(attribute.value, cst.Name) and attribute.value.value == name]
    if "__init__" in methods:
        problems += config_problems(node, node)
    return problems


def _migrated_shape(node: cst.ClassDef, methods: dict[str, cst.FunctionDef]) -> bool:
    return (
        "get_updates" not in methods
        and _parameters(methods.get("build")) == ["self", "var_list"]
        and _parameters(methods.get("update_step")) == ["self", "gradient", "variable", "learning_rate"]
        and _registered(node)
        and _casts_the_rate_first(methods["update_step"])
    )


def _registered(node: cst.ClassDef) -> bool:
    return any("register_keras_serializable" in code(d.decorator) for d in node.decorators)


def _casts_the_rate_first(step: cst.FunctionDef) -> bool:
    """update_step begins as this rule writes it: `learning_rate = ops.cast(learning_rate, variable.dtype)`."""
    first = step.body.body[0] if step.body.body else None
    return (isinstance(first, cst.SimpleStatementLine) and isinstance(first.body[0], cst.Assign)
            and re.fullmatch(r"learning_rate=[\w.]*\bcast\(learning_rate,variable\.dtype\)", flat(first.body[0])) is not None)


def _parameters(method: cst.FunctionDef | None) -> list[str] | None:
    return None if method is None else [p.name.value for p in method.params.params]


def _unpacked_variables(step: cst.FunctionDef) -> list[str]:
    """The names `variable` is unpacked to by a statement of update_step (`p, g = variable, gradient`)."""
    names = []
    for statement in step.body.body:
        if not (isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Assign)):
            continue
        assign = statement.body[0]
        if len(assign.targets) != 1 or not isinstance(assign.targets[0].target, cst.Tuple) or not isinstance(assign.value, cst.Tuple):
            continue
        targets, values = assign.targets[0].target.elements, assign.value.elements
        names += [t.value.value for t, v in zip(targets, values)
                  if isinstance(v.value, cst.Name) and v.value.value == "variable" and isinstance(t.value, cst.Name)]
    return names
