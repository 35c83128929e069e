"""The hyperparameters a `self._get_hyper(name, ...)` of a name that is not a literal can read,
where the class says: `name` a parameter of a helper method that every call in the class gives a
string literal (larq's `self._get_decayed_hyper("gamma", var_dtype)`), or the target of a loop
over string literals (`for name in ("beta_1", "beta_2"):`). None where it can be anything else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import descendants
from optfix.codemods.optimizer_v2 import expressions  # a module imported by it: its names read at run time
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import is_self_attribute

if TYPE_CHECKING:
    from optfix.codemods.optimizer_v2.migration import Migration


def possible_names(migration: Migration, call: cst.Call) -> list[str] | None:
    """The literal names the first argument of `call` (a `_get_hyper` in one of the class's
    methods) can hold, in the order the class gives them; None where optfix cannot tell."""
    if not call.args or not isinstance(call.args[0].value, cst.Name) or call.args[0].keyword is not None:
        return None
    name = call.args[0].value.value
    # The call as the class wrote it: `call` may be a copy, made as the method was rewritten.
    # Where the same text is written twice, either may be this one: the names of both.
    found = [(m, c) for m in migration.methods.values() for c in descendants(m, cst.Call) if c is call or c.deep_equals(call)]
    resolved = [_resolved(migration, method, name, written) for method, written in found]
    if not resolved or None in resolved:
        return None
    return list(dict.fromkeys(n for names in resolved for n in names))


def _resolved(migration: Migration, method: cst.FunctionDef, name: str, call: cst.Call) -> list[str] | None:
    if _rebound(method, name, call):
        return None
    loop = _loop_over(method, name, call)
    return loop if loop is not None else _literal_arguments(migration, method, name)


def _rebound(method: cst.FunctionDef, name: str, call: cst.Call) -> bool:
    """`name` assigned in the method, but as the target of the loop around `call`."""
    loops = [f for f in descendants(method, cst.For) if any(c is call for c in descendants(f.body, cst.Call))]
    targets = [t.target for t in descendants(method, cst.AssignTarget)] + [f.target for f in descendants(method, cst.For) if f not in loops]
    targets += [a.target for a in descendants(method, cst.AugAssign)] + [a.target for a in descendants(method, cst.AnnAssign)]
    return any(isinstance(t, cst.Name) and t.value == name or name in {n.value for n in descendants(t, cst.Name)} for t in targets)


def _loop_over(method: cst.FunctionDef, name: str, call: cst.Call) -> list[str] | None:
    """The literals of `for name in ("a", "b"):` around `call`."""
    for loop in descendants(method, cst.For):
        if isinstance(loop.target, cst.Name) and loop.target.value == name and any(c is call for c in descendants(loop.body, cst.Call)):
            if not isinstance(loop.iter, (cst.Tuple, cst.List, cst.Set)):
                return None
            values = [expressions.literal(e.value) for e in loop.iter.elements]
            return values if values and None not in values and not any(isinstance(e, cst.StarredElement) for e in loop.iter.elements) else None
    return None


def _literal_arguments(migration: Migration, method: cst.FunctionDef, name: str) -> list[str] | None:
    """The literals every call of the helper `method` on self gives its parameter `name`."""
    params = [p.name.value for p in method.params.params]
    if name not in params or params[0] != "self" or method.decorators:
        return None
    position = params.index(name) - 1
    helper = method.name.value
    references = [a for m in migration.methods.values() for a in descendants(m, cst.Attribute) if is_self_attribute(a, (helper,))]
    calls = [c for m in migration.methods.values() for c in descendants(m, cst.Call) if is_self_attribute(c.func, (helper,))]
    if not calls or len(references) != len(calls):  # passed on as a value: called where optfix cannot see
        return None
    values = []
    for call in calls:
        given = [a for i, a in enumerate(call.args) if a.keyword is not None and a.keyword.value == name
                 or a.keyword is None and not a.star and i == position]
        if len(given) != 1 or any(a.star for a in call.args):
            return None
        value = expressions.literal(given[0].value)
        if value is None:
            return None
        values.append(value)
    return list(dict.fromkeys(values))
