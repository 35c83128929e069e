"""get_updates written with list comprehensions and local update lists, read as the loop form split() knows.

`updates = [K.update(p, p - lr * g) for p, g in zip(params, grads)]; return updates` is the same
program as `for p, g in zip(params, grads): self.updates.append(K.update(p, p - lr * g))`
followed by `return self.updates`: one update per parameter, written as an expression. The
statements are rewritten so (a comprehension's variables are its own, so nothing leaks), and a
local list of updates is named `self.updates`, the list the rest of the migration reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.codemods.get_updates.class_code import names_bound
from optfix.rulekit.class_code import assignment_of, expression_of, flat, is_self_attribute, names_in
from optfix.lazy import libcst as cst

if TYPE_CHECKING:
    from optfix.codemods.get_updates.migration import Migration

UPDATES = "self.updates"


def as_loops(migration: Migration, statements: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
    """The statements of get_updates, local update lists as `self.updates` and each statement
    that builds updates with list comprehensions as the loops it stands for."""
    local = _local_update_lists(migration, statements)
    if local:
        visited = (s.visit(_AsSelfUpdates(local)) for s in statements)
        statements = [s for s in visited if isinstance(s, cst.CSTNode)]  # `self.updates = self.updates` removed
    result = []
    for statement in statements:
        statement = _branches_merged(statement)
        result += _unrolled(migration, statement) or [statement]
    return result


def _branches_merged(statement: cst.BaseStatement) -> cst.BaseStatement:
    """`if c: x = [a for T in Z]` / `else: x = [b for T in Z]` as `x = [a if c else b for T in Z]`,
    one list made element by element (c reads none of T, so it is the same for every element)."""
    if not (isinstance(statement, cst.If) and isinstance(statement.orelse, cst.Else)):
        return statement
    branches = [statement.body.body, statement.orelse.body.body]
    assignments = [assignment_of(b[0]) if len(b) == 1 else None for b in branches]
    if not all(a and isinstance(a[0], cst.Name) and isinstance(a[1], cst.ListComp) and not a[1].for_in.ifs
               and a[1].for_in.inner_for_in is None for a in assignments):
        return statement
    (name, then), (other, otherwise) = assignments
    if flat(name) != flat(other) or flat(then.for_in.target) != flat(otherwise.for_in.target) \
            or flat(then.for_in.iter) != flat(otherwise.for_in.iter) or names_in(statement.test) & names_bound(then.for_in.target):
        return statement
    element = cst.IfExp(test=statement.test, body=then.elt.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]),
                        orelse=otherwise.elt.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]))
    merged = branches[0][0].with_changes(body=[branches[0][0].body[0].with_changes(value=then.with_changes(elt=element))])
    return merged.with_changes(leading_lines=statement.leading_lines)


def _local_update_lists(migration: Migration, statements) -> set[str]:
    """The local names get_updates returns (or stores as self.updates) that hold its updates:
    every statement of get_updates that binds one binds it to a list of updates (or to
    self.updates), so the name can stand for self.updates."""
    candidates = set()
    for statement in statements:
        small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 else None
        if isinstance(small, cst.Return) and isinstance(small.value, cst.Name):
            candidates.add(small.value.value)
        assignment = assignment_of(statement)
        if assignment and is_self_attribute(assignment[0], ("updates",)) and isinstance(assignment[1], cst.Name):
            candidates.add(assignment[1].value)
    found = set()
    for name in candidates:
        bindings = [a[1] for s in statements if (a := assignment_of(s)) and isinstance(a[0], cst.Name) and a[0].value == name]
        if bindings and all(_terms(migration, value, name) is not None or flat(value) == UPDATES for value in bindings):
            found.add(name)
    return found


class _AsSelfUpdates(cst.CSTTransformer):
    """Local update lists as `self.updates`, and `self.updates = self.updates` gone."""

    def __init__(self, names: set[str]) -> None:
        super().__init__()
        self.names = names

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return cst.parse_expression(UPDATES) if original.value in self.names else updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
        return updated.with_changes(attr=original.attr)  # `self.updates = updates`: the attribute is no local

    def leave_SimpleStatementLine(self, original, updated):
        assignment = assignment_of(updated)
        if assignment and flat(assignment[0]) == UPDATES and flat(assignment[1]) == UPDATES:
            return cst.RemoveFromParent()
        return updated


def _unrolled(migration: Migration, statement: cst.BaseStatement) -> list[cst.BaseStatement] | None:
    """`self.updates = [...] + [... for ...]`, `self.updates += ...`, `self.updates.extend(...)`,
    `return [...]`: as appends to self.updates, a loop for each comprehension; None for a
    statement that is not one of these, or that holds no comprehension."""
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
        return None
    small = statement.body[0]
    assignment = assignment_of(statement)
    expression = expression_of(statement)
    opening: list[cst.BaseStatement] = []
    closing: list[cst.BaseStatement] = []
    if assignment and flat(assignment[0]) == UPDATES:
        value = assignment[1]
        opening = [statement.with_changes(body=[small.with_changes(value=cst.List([]))])]
    elif isinstance(small, cst.AugAssign) and flat(small.target) == UPDATES and isinstance(small.operator, cst.AddAssign):
        value = small.value
    elif isinstance(expression, cst.Call) and flat(expression.func) == f"{UPDATES}.extend" and len(expression.args) == 1:
        value = expression.args[0].value
    elif isinstance(small, cst.Return) and small.value is not None and flat(small.value) != UPDATES:
        value = small.value
        opening = [cst.parse_statement(f"{UPDATES} = []\n")]
        closing = [statement.with_changes(body=[small.with_changes(value=cst.parse_expression(UPDATES))])]
    else:
        return None
    terms = _terms(migration, value.with_changes(lpar=[], rpar=[]) if isinstance(value, cst.BinaryOperation) else value, UPDATES)
    if terms is None or not any(isinstance(term, cst.ListComp) for term in terms):
        return None
    if terms and flat(terms[0]) == UPDATES:  # `self.updates = self.updates + [...]`
        opening, terms = [], terms[1:]
    lines = []
    for term in terms:
        if isinstance(term, cst.ListComp):
            lines.append(_loop(term))
        else:
            lines += [_append(element.value) for element in term.elements]
    result = opening + lines + closing
    if result:
        result[0] = result[0].with_changes(leading_lines=statement.leading_lines)
    return result


def _terms(migration: Migration, value: cst.BaseExpression, updates: str) -> list[cst.BaseExpression] | None:
    """`A + B + ...` as its terms, where each is a list of updates, a comprehension making one
    update per element of a zip, or (first) the list of updates itself; None otherwise."""
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add) and not value.lpar:
        left, right = _terms(migration, value.left, updates), _terms(migration, value.right, updates)
        return None if left is None or right is None or (right and flat(right[0]) == updates) else left + right
    if flat(value) == updates:
        return [value]
    if isinstance(value, cst.List) and all(isinstance(e, cst.Element) and _is_update(migration, e.value) for e in value.elements):
        return [value]
    if (isinstance(value, cst.ListComp) and _is_update(migration, value.elt) and value.for_in.inner_for_in is None
            and not value.for_in.asynchronous):
        return [value]
    return None


def _is_update(migration: Migration, node: cst.BaseExpression) -> bool:
    from optfix.codemods.get_updates.update_step import written_update

    return written_update(migration, node) is not None


def _loop(comprehension: cst.ListComp) -> cst.For:
    """`[U for T in I if C]` as `for T in I:\n    if C:\n        self.updates.append(U)`."""
    clause = comprehension.for_in
    body: cst.BaseStatement = _append(comprehension.elt)
    for condition in reversed(clause.ifs):
        body = cst.If(test=condition.test, body=cst.IndentedBlock([body]))
    return cst.For(target=clause.target, iter=clause.iter, body=cst.IndentedBlock([body]))


def _append(update: cst.BaseExpression) -> cst.SimpleStatementLine:
    """`self.updates.append(<update>)`."""
    call = cst.parse_expression(f"{UPDATES}.append(x)").with_changes(args=[cst.Arg(update)])
    return cst.SimpleStatementLine([cst.Expr(call)])
