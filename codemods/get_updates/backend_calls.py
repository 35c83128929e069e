"""`K.<function>(...)` translated to `keras.ops` / `keras.config`, or reported where it has no counterpart."""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import code
from optfix.rulekit.class_code import LEARNING_RATES, is_self_attribute
from optfix.knowledge import backend as facts
from optfix.lazy import libcst as cst

if TYPE_CHECKING:
    from optfix.codemods.get_updates.migration import Migration


class BackendCalls(cst.CSTTransformer):
    """`K.<function>(...)` to Keras 3, everywhere in a piece of the class; what it cannot
    translate becomes a Problem."""

    def __init__(self, migration: Migration, learning_rate: str | None = None) -> None:
        super().__init__()
        self.migration = migration
        self.learning_rate = learning_rate  # what `self.lr` reads as, inside update_step
        self.callees: set[int] = set()

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        name = self.migration.backend(original.func)
        if name is None:
            return updated
        names = self.migration.names
        if name == "dtype" and len(updated.args) == 1 and is_self_attribute(original.args[0].value, tuple(self.migration.hyper)):
            # a K.variable hyperparameter is a Python number now: its dtype is the one K.variable gave it
            given = self.migration.dtypes.get(original.args[0].value.attr.value)
            return given or cst.parse_expression(f"{names.keras}.config.floatx()")
        if name == "switch":  # Keras 2 took a branch as a value or as a function giving it
            updated = updated.with_changes(args=[_called(arg) for arg in updated.args])
        if name in facts.CALLS:
            target = facts.CALLS[name].replace("ops.", names.ops + ".", 1).replace("config.", names.keras + ".config.", 1)
            return updated.with_changes(func=cst.parse_expression(target))
        if name in facts.EXPRESSIONS and len(updated.args) == 1 and not updated.args[0].keyword:
            template = facts.EXPRESSIONS[name].replace("ops.", names.ops + ".").replace("config.", names.keras + ".config.")
            return cst.parse_expression(template.format(code(updated.args[0].value)))
        self.migration.problem(original, untranslatable(name))
        return updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if self.learning_rate and is_self_attribute(original, LEARNING_RATES):
            return cst.Name(self.learning_rate)
        return updated

    def visit_Call(self, node: cst.Call) -> bool:
        self.callees.add(id(node.func))
        return True

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        name = self.migration.backend(node)
        if name is not None and id(node) not in self.callees:
            self.migration.problem(node, f"K.{name} used as a value: optfix translates backend calls only")
        return True


def _called(arg: cst.Arg) -> cst.Arg:
    """`lambda: x` as `x`."""
    value = arg.value
    if isinstance(value, cst.Lambda) and not code(value.params).strip():
        return arg.with_changes(value=value.body)
    return arg


def untranslatable(name: str) -> str:
    """Why `K.<name>()` cannot be migrated."""
    if name in facts.EAGER:
        return f"K.{name}() reads or writes a value while the graph is built: Keras 3 has no graph-building phase to run it in"
    if name in facts.STATE:
        return f"K.{name}() makes state where optfix cannot tell what it holds (only slot lists over the parameters, and hyperparameters in __init__, are migrated)"
    return f"K.{name}() has no Keras 3 counterpart optfix knows"
