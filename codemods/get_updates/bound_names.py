"""The last check of a migration: no method of the migrated class reads a name that is not bound there.

Statements move between methods (get_updates' to build() and update_step()); a name that was a
local of get_updates or __init__ and that a migrated method reads without binding it would be a
NameError at run time, or, where a module-level name has the same spelling, the wrong value.
Python's own symbol tables say which names a method reads from outside itself.
"""

from __future__ import annotations

import symtable
import textwrap

from optfix.analysis.tree import code
from optfix.codemods.get_updates.class_code import names_bound
from optfix.rulekit.class_code import Problem
from optfix.lazy import libcst as cst


def unbound_reads(original: cst.ClassDef, migrated: cst.ClassDef) -> list[Problem]:
    """A problem for each method of `migrated` that reads, from outside itself, a name that
    get_updates or __init__ bound locally, and that its original (if it had one) did not."""
    before = _methods(original)
    moved = set()
    for name in ("get_updates", "__init__"):
        if name in before:
            function = before[name]
            moved |= names_bound(function.body) | {p.name.value for p in _parameters(function)}
    problems = []
    for name, method in _methods(migrated).items():
        outside = _read_from_outside(method)
        if outside is None:
            problems.append(Problem(original, f"the migrated {name}() does not compile"))
            continue
        earlier = _read_from_outside(before[name]) if name in before else set()
        unbound = (outside - (earlier or set())) & moved
        if unbound:
            problems.append(Problem(original, f"the migrated {name}() would read {', '.join(sorted(unbound))}, which it does "
                                              "not bind (a local of the legacy code): optfix cannot migrate this class safely"))
    return problems


def _methods(node: cst.ClassDef) -> dict[str, cst.FunctionDef]:
    return {s.name.value: s for s in node.body.body if isinstance(s, cst.FunctionDef)}


def _parameters(function: cst.FunctionDef) -> list[cst.Param]:
    params = function.params
    extra = [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
    return [*params.posonly_params, *params.params, *params.kwonly_params, *extra]


def _read_from_outside(function: cst.FunctionDef) -> set[str] | None:
    """The names the function (and the comprehensions and lambdas in it) reads as globals."""
    text = textwrap.dedent(code(function.with_changes(decorators=[], leading_lines=[])))
    try:
        table = symtable.symtable(text, "<migrated>", "exec")
    except SyntaxError:
        return None
    found = set()
    stack = list(table.get_children())
    while stack:
        scope = stack.pop()
        found |= {s.get_name() for s in scope.get_symbols() if s.is_global() and s.is_referenced() and not s.is_declared_global()}
        stack += scope.get_children()
    return found
