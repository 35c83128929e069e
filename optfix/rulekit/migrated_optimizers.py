"""What a Keras 3 optimizer class migrated from a legacy one may still do differently than its
original, read from the class as it is: the same findings on the run that migrates it and on every
later run, so a second `check` keeps reporting them until the code changes.

Shared by the rules that migrate optimizer classes whole (get-updates, optimizer-v2). Which
classes are their output is each rule's to recognise (by the shape it writes): a Keras 3
optimizer written as such, which reads `variable.name` knowing how Keras 3 names variables (as
Keras 3's own `exclude_from_weight_decay` does), is not reviewed."""

from __future__ import annotations

from optfix.analysis.tree import code, descendants
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import Problem, assignment_of
from optfix.rulekit.config_round_trip import config_problems

# methods whose parameters are no optimizer's variables
_NOT_UPDATES = frozenset({"__init__", "get_config", "from_config", "build"})


def variable_name_review(node: cst.Attribute) -> Problem:
    """`p.name` of a variable the optimizer updates: Keras 3 names it otherwise than Keras 2 did."""
    return Problem(node, f"{code(node)}: Keras 3 names variables by their layer's attribute ('kernel', not 'dense/kernel:0'): "
                         "check what is matched against it")


def variable_name_reads(node: cst.ClassDef) -> list[cst.Attribute]:
    """The `.name` reads of a variable in a class's code: of a parameter of its update methods and
    of the functions they define (`def new_update(x, new_x)`), or of a name update_step binds to
    its variable (`p, g = variable, gradient`)."""
    found = []
    for method in (s for s in node.body.body if isinstance(s, cst.FunctionDef) and s.name.value not in _NOT_UPDATES):
        names = _aliases(method) if method.name.value == "update_step" else set()
        for function in [method, *descendants(method.body, cst.FunctionDef)]:
            names |= {p.name.value for p in function.params.params} - {"self", "cls"}
        found += [a for a in descendants(method, cst.Attribute)
                  if a.attr.value == "name" and isinstance(a.value, cst.Name) and a.value.value in names]
    return list({id(a): a for a in found}.values())


def residual_problems(node: cst.ClassDef) -> list[Problem]:
    """The findings a migrated Keras 3 optimizer class still deserves: its variable-name reads and
    a get_config that would not round-trip through its own `__init__`."""
    problems = [variable_name_review(attribute) for attribute in variable_name_reads(node)]
    if any(isinstance(s, cst.FunctionDef) and s.name.value == "__init__" for s in node.body.body):
        problems += config_problems(node, node)
    return problems


def _aliases(step: cst.FunctionDef) -> set[str]:
    """The names a statement of update_step binds to its variable parameter, by one-target
    assignment (`p = variable`) or unpacking (`p, g = variable, gradient`)."""
    params = [p.name.value for p in step.params.params]
    if len(params) < 3:
        return set()
    variable, names = params[2], set()
    for statement in step.body.body:
        assignment = assignment_of(statement)
        if assignment is None:
            continue
        target, value = assignment
        pairs = zip(target.elements, value.elements) if isinstance(target, cst.Tuple) and isinstance(value, cst.Tuple) else []
        pairs = [(t.value, v.value) for t, v in pairs] or [(target, value)]
        names |= {t.value for t, v in pairs
                  if isinstance(t, cst.Name) and isinstance(v, cst.Name) and v.value == variable}
    return names
