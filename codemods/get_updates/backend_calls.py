"""`K.<function>(...)` translated to `keras.ops` / `keras.config`, or reported where it has no counterpart."""

from __future__ import annotations

import re
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
        if name == "relu" and (leaky := _leaky(updated)) is not None:
            return cst.parse_expression(f"{names.ops}.leaky_relu({code(leaky[0])}, negative_slope={code(leaky[1])})")
        if name == "switch":  # Keras 2 took a branch as a value or as a function giving it
            updated = updated.with_changes(args=[_called(arg) for arg in updated.args])
        if name in facts.CALLS:
            return self._counterpart(original, updated, name, facts.CALLS[name])
        if name in facts.EXPRESSIONS and len(updated.args) == 1 and not updated.args[0].keyword:
            return cst.parse_expression(self._spelled(facts.EXPRESSIONS[name]).format(code(updated.args[0].value)))
        self.migration.problem(original, untranslatable(name))
        return updated

    def _spelled(self, text: str) -> str:
        """`ops.x`, `config.x`, `backend.x` of the tables as the migrated file reaches them."""
        names = self.migration.names
        for prefix, spelled in (("ops.", names.ops + "."), ("config.", names.keras + ".config."), ("backend.", names.keras + ".backend.")):
            text = re.sub(rf"(?<![\w.]){re.escape(prefix)}", spelled, text)
        return text

    def _counterpart(self, original: cst.Call, updated: cst.Call, name: str, counterpart: facts.Counterpart) -> cst.BaseExpression:
        """The call with the counterpart's name, its arguments renamed, moved to keywords and
        completed where Keras 3's function needs it; a problem where an argument has no counterpart."""
        args = list(updated.args)
        if any(arg.star for arg in args):
            self.migration.problem(original, f"K.{name}() with unpacked arguments: optfix cannot tell which parameters they fill")
            return updated
        given = []
        for index, arg in enumerate(args):
            parameter = arg.keyword.value if arg.keyword else (counterpart.parameters[index] if index < len(counterpart.parameters) else None)
            if parameter is None or parameter not in counterpart.parameters:
                what = f"the argument {parameter}=" if arg.keyword else f"more than {len(counterpart.parameters)} positional arguments"
                takes = ", ".join(counterpart.parameters) or "no arguments"
                self.migration.problem(original, f"K.{name}() called with {what}: its Keras 3 counterpart, "
                                                 f"{self._spelled(counterpart.target)}(), takes only {takes} of Keras 2's parameters")
                return updated
            given.append(parameter)
            if arg.keyword or index >= counterpart.keeps_position:
                keyword = counterpart.renamed.get(parameter, parameter)
                args[index] = arg.with_changes(keyword=cst.Name(keyword), equal=_EQUAL)
        for parameter, default in counterpart.defaults.items():
            if parameter not in given:
                if args:
                    args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                args.append(cst.Arg(cst.parse_expression(self._spelled(default)), keyword=cst.Name(counterpart.renamed.get(parameter, parameter)), equal=_EQUAL))
        return updated.with_changes(func=cst.parse_expression(self._spelled(counterpart.target)), args=args)

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


_EQUAL = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))


def _called(arg: cst.Arg) -> cst.Arg:
    """`lambda: x` as `x`."""
    value = arg.value
    if isinstance(value, cst.Lambda) and not code(value.params).strip():
        return arg.with_changes(value=value.body)
    return arg


def _leaky(call: cst.Call) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    """x and alpha of `K.relu(x, alpha)` without max_value or threshold: Keras 2 computed
    tf.nn.leaky_relu(x, alpha) there, which is ops.leaky_relu(x, negative_slope=alpha)."""
    given = {}
    for index, arg in enumerate(call.args):
        if arg.star:
            return None
        given[arg.keyword.value if arg.keyword else ("x", "alpha", "max_value", "threshold")[min(index, 3)]] = arg.value
    return (given["x"], given["alpha"]) if set(given) == {"x", "alpha"} else None


def untranslatable(name: str) -> str:
    """Why `K.<name>()` cannot be migrated."""
    if name in facts.EAGER:
        return f"K.{name}() reads or writes a value while the graph is built: Keras 3 has no graph-building phase to run it in"
    if name in facts.STATE:
        return f"K.{name}() makes state where optfix cannot tell what it holds (only slot lists over the parameters, and hyperparameters in __init__, are migrated)"
    if name in facts.NO_COUNTERPART:
        return f"K.{name}() has no exact Keras 3 counterpart: {facts.NO_COUNTERPART[name]}"
    return f"K.{name}() has no Keras 3 counterpart optfix knows"
