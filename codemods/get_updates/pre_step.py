"""update_step reads each variable as it was before the step, as get_updates' graph did.

Keras 2 ran all of get_updates' updates as one group after computing them: an expression that
reads `m` saw the value from before the step, even when written after `K.update(m, ...)`. Keras 3
runs update_step's statements in order, so an update that a later statement reads is computed
where it was written and assigned at the end of update_step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import children
from optfix.codemods.get_updates.class_code import names_bound
from optfix.rulekit.class_code import expression_of, names_in
from optfix.lazy import libcst as cst

if TYPE_CHECKING:
    from optfix.codemods.get_updates.migration import Migration

_ASSIGNS = ("self.assign", "self.assign_add", "self.assign_sub")
_METADATA = ("dtype", "shape", "name", "ndim")  # what a variable's update does not change


def read_before_the_step(migration: Migration, body: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
    """The body, each update whose variable a later statement reads deferred to the end."""
    written: dict[str, int] = {}  # variable -> the index of the top-level statement that updates it
    deferred: set[int] = set()
    for index, statement in enumerate(body):
        for name in _values_read(statement) & set(written):
            if written[name] is None:
                migration.problem(statement, f"{name} is read after an update of it inside an if or with block: Keras 2 read its "
                                             "value from before the step, and optfix can move only updates made at the top level")
                return body
            deferred.add(written[name])
        update = _update(statement)
        for name in _nested_updates(statement) if update is None else [update[1]]:
            written[name] = index if update is not None else None
    if not deferred:
        return body
    taken = set().union(*(names_in(s) | names_bound(s) for s in body))
    result, assignments = [], []
    for index, statement in enumerate(body):
        if index not in deferred:
            result.append(statement)
            continue
        call, variable = _update(statement)
        name = _free(f"new_{variable}", taken)
        taken.add(name)
        value = call.args[1].value
        result.append(statement.with_changes(body=[cst.Assign([cst.AssignTarget(cst.Name(name))], value)]))
        second = call.args[1].with_changes(value=cst.Name(name))
        assignments.append(cst.SimpleStatementLine([cst.Expr(call.with_changes(args=[call.args[0], second]))]))
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


def _dotted(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
        return f"{node.value.value}.{node.attr.value}"
    return ""


def _free(name: str, taken: set[str]) -> str:
    while name in taken:
        name += "_"
    return name
