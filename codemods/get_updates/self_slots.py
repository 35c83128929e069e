"""Slot lists get_updates keeps as attributes (`self.accumulators = [K.zeros(...) for p in params]`).

Keras 2 code often stored the lists it made on the optimizer. Read as local lists, they are slot
lists like any other, which build() makes as attributes of the same name: the class's other
methods still find them there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.codemods.get_updates.class_code import free_name
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import assignment_of, is_self_attribute, names_in

if TYPE_CHECKING:
    from optfix.codemods.get_updates.migration import Migration

_KEPT = ("updates", "weights", "iterations")


def as_local_slots(migration: Migration, statements: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
    """The statements, each attribute that a statement of get_updates sets to a new list of
    variables read as a local of the same name (where that name is free)."""
    taken = set().union(*(names_in(s) for s in statements)) if statements else set()
    attributes = {}
    for statement in statements:
        assignment = assignment_of(statement)
        if not (assignment and is_self_attribute(assignment[0]) and isinstance(assignment[1], cst.ListComp)):
            continue
        name = assignment[0].attr.value
        if name in _KEPT or name in migration.hyper or not migration.makes_state(assignment[1]):
            continue
        if free_name(name, taken) == name and name not in attributes:
            attributes[name] = name
            taken.add(name)
    if not attributes:
        return statements
    return [s.visit(_AsLocals(attributes)) for s in statements]


class _AsLocals(cst.CSTTransformer):
    def __init__(self, names: dict[str, str]) -> None:
        super().__init__()
        self.names = names

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if is_self_attribute(original, tuple(self.names)):
            return cst.Name(self.names[original.attr.value])
        return updated
