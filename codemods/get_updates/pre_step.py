"""update_step reads each variable as it was before the step, as get_updates' graph did.

Keras 2 ran all of get_updates' updates as one group after computing them: an expression that
reads `m` saw the value from before the step, even when written after `K.update(m, ...)`. Keras 3
runs update_step's statements in order, so an update that a later statement reads is computed
where it was written and assigned at the end of update_step.

Several loops over the parameters become one update_step, each loop's names unpacked in turn
(`p, g, m = variable, gradient, self.ms[index]`, then `q, mm = variable, self.ms[index]`): a
variable is then read under more than one name, so reads and updates are matched by the variable
each name stands for, not by the name, and a deferred update assigns that variable itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import children
from optfix.codemods.get_updates.class_code import free_name, names_bound
from optfix.rulekit.class_code import expression_of, names_in
from optfix.lazy import libcst as cst

if TYPE_CHECKING:
    from optfix.codemods.get_updates.migration import Migration

_ASSIGNS = ("self.assign", "self.assign_add", "self.assign_sub")
_METADATA = ("dtype", "shape", "name", "ndim")  # what a variable's update does not change


def read_before_the_step(migration: Migration, body: list[cst.BaseStatement], bound: dict[str, str] | None = None,
                         unpacked: dict[int, dict[str, str]] | None = None) -> list[cst.BaseStatement]:
    """The body, each update whose variable a later statement reads deferred to the end.
    `bound`: the names that stand for a variable when the body begins (`m` -> `self.ms[index]`);
    `unpacked`: by the id of a statement of the body, the names it binds so."""
    unpacked = unpacked or {}
    current = dict(bound or {})  # name -> the variable it stands for, as code
    written: dict[str, int | None] = {}  # variable -> the index of the top-level statement that updates it
    targets: dict[int, str] = {}  # index of a deferred update -> the variable it assigns, as code
    deferred: set[int] = set()
    for index, statement in enumerate(body):
        if id(statement) in unpacked:
            current.update(unpacked[id(statement)])  # names bound to variables: not a read of their values
            continue
        for name in _values_read(statement):
            variable = current.get(name, name)
            if variable not in written:
                continue
            if written[variable] is None:
                migration.problem(statement, f"{name} is read after an update of it inside an if or with block: Keras 2 read its "
                                             "value from before the step, and optfix can move only updates made at the top level")
                return body
            deferred.add(written[variable])
        update = _update(statement)
        for name in _nested_updates(statement) if update is None else [update[1]]:
            variable = current.get(name, name)
            if update is not None and variable in written:
                migration.problem(statement, f"{_described(variable)} is updated twice in one step: Keras 2's graph ran the "
                                             "updates in no set order, so which value it kept is not defined")
                return body
            written[variable] = index if update is not None else None
            if update is not None:
                targets[index] = variable
        for name in names_bound(statement):
            current.pop(name, None)  # a name rebound to a value of its own
    if not deferred:
        return body
    taken = set().union(*(names_in(s) | names_bound(s) for s in body))
    result, assignments = [], []
    for index, statement in enumerate(body):
        if index not in deferred:
            result.append(statement)
            continue
        call, written_name = _update(statement)
        name = free_name(f"new_{written_name}", taken)
        taken.add(name)
        value = call.args[1].value
        result.append(statement.with_changes(body=[cst.Assign([cst.AssignTarget(cst.Name(name))], value)]))
        still = current.get(written_name, written_name) == targets[index]  # the name stands for the variable at the end too
        first = call.args[0] if still else call.args[0].with_changes(value=cst.parse_expression(targets[index]))
        second = call.args[1].with_changes(value=cst.Name(name))
        assignments.append(cst.SimpleStatementLine([cst.Expr(call.with_changes(args=[first, second]))]))
    return result + assignments


def _update(statement: cst.BaseStatement) -> tuple[cst.Call, str] | None:
    """`self.assign(m, value)` at the top level, and its variable's name."""
    call = expression_of(statement)
    if (isinstance(call, cst.Call) and _dotted(call.func) in _ASSIGNS and len(call.args) == 2
            and isinstance(call.args[0].value, cst.Name)):
        return call, call.args[0].value.value
    return None


def _nested_updates(statement: cst.BaseStatement) -> list[str]:
    """The variables updated inside the blocks of an if or with statement."""
    if not isinstance(statement, (cst.If, cst.With, cst.Else)):
        return []
    found = []
    for child in children(statement):
        if isinstance(child, cst.BaseSuite):
            for line in child.body:
                update = _update(line)
                found += [update[1]] if update else _nested_updates(line)
        elif isinstance(child, (cst.If, cst.Else)):
            found += _nested_updates(child)
    return found


def _values_read(node: cst.CSTNode) -> set[str]:
    """The names whose values `node` reads: not `m.dtype` or `m.shape`, which an update keeps."""
    found = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Attribute) and current.attr.value in _METADATA and isinstance(current.value, cst.Name):
            continue
        if isinstance(current, cst.Name):
            found.add(current.value)
        elif isinstance(current, cst.Attribute):
            stack.append(current.value)
        elif isinstance(current, cst.AssignTarget):
            if not isinstance(current.target, (cst.Name, cst.Tuple, cst.List)):
                stack.append(current.target)  # `x[i] = ...` reads x
        else:
            stack.extend(children(current))
    return found


def _described(variable: str) -> str:
    """`self.ms[index]` as "each parameter's slot of ms", `variable` as "each parameter"."""
    if variable == "variable":
        return "each parameter"
    if variable.startswith("self.") and variable.endswith("[index]"):
        return f"each parameter's slot of {variable[len('self.'):-len('[index]')]}"
    return variable


def _dotted(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
        return f"{node.value.value}.{node.attr.value}"
    return ""

