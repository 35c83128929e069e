"""One optimizer stepping several variable lists.

TF 2.x optimizers made slots for whatever variables a step was given, so one optimizer could
minimize `l1` over `a` and `l2` over `b`. A Keras 3 optimizer is built for the variables of its
first step and refuses any other (`ValueError: Unknown variable ... This optimizer can only be
called for the variables it was originally built with`). The calls of minimize and apply_gradients
on one optimizer are grouped here, and a call whose variable list is written differently from the
first call's is named.
"""

from __future__ import annotations

from optfix.analysis.tree import code
from optfix.knowledge.optimizer_api import MINIMIZE_PARAMETERS
from optfix.lazy import libcst as cst
from optfix.rulekit.calls import bind

from optfix.codemods.optimizer_api.values import OptimizerValues, Scope


def variable_list(call: cst.Call) -> cst.BaseExpression | None:
    """The variables a minimize or apply_gradients call steps, where the call spells them out:
    minimize's var_list, or the second argument of the zip given to apply_gradients."""
    method = call.func.attr.value
    if method == "minimize":
        names = bind(call, list(MINIMIZE_PARAMETERS))
        if names is None or "var_list" not in names:
            return None
        return call.args[names.index("var_list")].value
    if not call.args or call.args[0].keyword is not None and call.args[0].keyword.value != "grads_and_vars":
        return None
    pairs = call.args[0].value
    if isinstance(pairs, cst.Call) and isinstance(pairs.func, cst.Name) and pairs.func.value in ("list", "tuple") and len(pairs.args) == 1:
        pairs = pairs.args[0].value
    if isinstance(pairs, cst.Call) and isinstance(pairs.func, cst.Name) and pairs.func.value == "zip" and len(pairs.args) == 2:
        return pairs.args[1].value
    return None


class VariableLists:
    """The variable lists each optimizer of the file is stepped with, in the order of the calls."""

    def __init__(self, values: OptimizerValues) -> None:
        self.values = values
        self.seen: dict[tuple, str] = {}  # optimizer -> the variable list of its first call
        self.conflicts: list[tuple[cst.Call, str, str]] = []  # (call, its list, the first call's list)

    def note(self, call: cst.Call, scope: Scope) -> None:
        variables = variable_list(call)
        key = self._optimizer(call.func.value, scope)
        if variables is None or isinstance(variables, cst.Lambda) or key is None:
            return  # a callable var_list is read at the step: its text says nothing
        written = code(variables)
        first = self.seen.setdefault(key, written)
        if first != written:
            self.conflicts.append((call, written, first))

    def _optimizer(self, receiver: cst.BaseExpression, scope: Scope) -> tuple | None:
        """Which optimizer object `receiver` names: a name by the scope that binds it, an
        attribute (`self.opt`) by its text within its class."""
        if isinstance(receiver, cst.Name):
            bound = self.values.binding_scope(receiver.value, scope)
            return None if bound is None else ("name", receiver.value, id(bound))
        if isinstance(receiver, cst.Attribute):
            owner = scope
            while owner is not None and not owner.is_class:
                owner = owner.parent
            return ("attribute", code(receiver), id(owner))
        return None
