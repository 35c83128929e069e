"""A list made from per-parameter lists element by element, read as one value per parameter.

`grads = [K.switch(done, a, K.zeros_like(a)) for a in accumulators]` holds, for each parameter,
a value computed from that parameter's elements alone; a later loop over
`zip(params, grads, ...)` reads the one of its parameter. update_step, which sees one variable,
computes that value for it: the comprehension becomes a loop over the lists it reads whose body
binds the value to a name of its own (`grads_item = ...`), and a later loop that zips the list
unpacks that name. The lists it may read are the parameters, the gradients, the slot lists and
other such lists; a comprehension that filters (`if`), nests loops, makes state, or reads a whole
list inside its element is not one value per parameter, and is left to the checks that report it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from optfix.codemods.get_updates.class_code import appended, free_name, names_bound
from optfix.codemods.get_updates.loop_slots import VARIABLES
from optfix.codemods.get_updates.update_step import written_update
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import assignment_of, calls_in, flat, names_in

if TYPE_CHECKING:
    from optfix.codemods.get_updates.migration import Migration


@dataclass
class Derived:
    name: str  # the list
    item: str  # the name of its element in update_step
    loop: cst.For  # `for a in accumulators: grads_item = ...`
    reads: set[str]  # the names its element reads


def derived_list(migration: Migration, statement: cst.BaseStatement, lists: set[str], param_list: str,
                 taken: set[str]) -> Derived | None:
    """`name = [element for target in zip(lists...)]` (or `in one_list`) as a loop binding each
    element; None for any other statement. `lists`: the per-parameter lists so far."""
    assignment = assignment_of(statement)
    if not (assignment and isinstance(assignment[0], cst.Name) and isinstance(assignment[1], cst.ListComp)):
        return None
    name, comprehension = assignment[0].value, assignment[1]
    clause = comprehension.for_in
    if clause.ifs and _lists_read(clause.iter, lists):
        migration.problem(statement, f"{name} keeps only some elements of per-parameter lists (`if`): its elements no longer line "
                                     "up with the parameters, so update_step cannot tell which one is its variable's")
        return None
    if clause.inner_for_in is not None or clause.ifs or clause.asynchronous:
        return None
    read = _lists_read(clause.iter, lists)
    if not read or read == [param_list] or not _matches(clause.target, len(read)):
        return None
    element = comprehension.elt
    own = names_bound(cst.For(target=clause.target, iter=clause.iter, body=cst.IndentedBlock([])))
    if names_in(element) & (lists - own) or "self.updates" in flat(element) or any(
        migration.backend(call.func) in VARIABLES or written_update(migration, call) is not None for call in calls_in(element)
    ):
        return None
    item = free_name(f"{name}_item", taken)
    taken.add(item)
    body = cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(cst.Name(item))], element)])
    loop = cst.For(target=clause.target, iter=clause.iter, body=cst.IndentedBlock([body]), leading_lines=statement.leading_lines)
    return Derived(name, item, loop, names_in(element) - own)


def slot_lists(build: list[cst.BaseStatement], build_locals: set[str]) -> set[str]:
    """The lists the statements moved to build() make (not what those are made from)."""
    made: set[str] = set()
    for statement in build:
        made |= appended(statement) if isinstance(statement, cst.For) else names_bound(statement)
    return made - build_locals


def _lists_read(iterable: cst.BaseExpression, lists: set[str]) -> list[str]:
    """The lists `x` or `zip(x, y, ...)` goes over, if each is one of `lists`; else []."""
    if isinstance(iterable, cst.Name):
        names = [iterable]
    elif isinstance(iterable, cst.Call) and flat(iterable.func) == "zip" and iterable.args and not any(a.star or a.keyword for a in iterable.args):
        names = [a.value for a in iterable.args]
    else:
        return []
    if not all(isinstance(n, cst.Name) and n.value in lists for n in names) or len({n.value for n in names}) != len(names):
        return []
    return [n.value for n in names]


def _matches(target: cst.BaseExpression, count: int) -> bool:
    """One plain name for each list."""
    if count == 1:
        return isinstance(target, cst.Name)
    return isinstance(target, cst.Tuple) and len(target.elements) == count and all(isinstance(e.value, cst.Name) for e in target.elements)

