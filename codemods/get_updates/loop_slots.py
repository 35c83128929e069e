"""State made inside the loop over the parameters (`m = K.zeros(K.int_shape(p))`): a slot of each parameter.

Keras 2 made such a variable once per parameter when get_updates ran; Keras 3 makes it in
build(). The loop becomes a loop over one more list, `for p, g, m in zip(params, grads, ms)`,
and build() makes `ms` with one loop over the parameters, every slot of a parameter before the
next parameter's, the order in which the legacy loop made them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.codemods.get_updates.class_code import free_name, names_bound
from optfix.rulekit.class_code import assignment_of, attributes_named, calls_in, expression_of, is_self_attribute, names_in
from optfix.lazy import libcst as cst

VARIABLES = ("variable", "zeros", "ones")

if TYPE_CHECKING:
    from optfix.codemods.get_updates.migration import Migration


def with_loop_slots(migration: Migration, loops: list[cst.For], param_list: str, build: list[cst.BaseStatement]) -> list[cst.For]:
    """The loops, each slot it made in its body taken out as a list it zips; the statements
    that make those lists are added to `build`."""
    taken = set().union(*(names_in(loop) for loop in loops), *(names_bound(s) for s in build), migration.slots) if loops else set()
    return [_with_slots(migration, loop, param_list, build, taken) for loop in loops]


def _with_slots(migration: Migration, loop: cst.For, param_list: str, build: list[cst.BaseStatement], taken: set[str]) -> cst.For:
    made = [(index, statement) for index, statement in enumerate(loop.body.body) if _makes_slot(migration, statement)]
    if not made:
        return loop
    zipped, target = loop.iter, loop.target
    if not (isinstance(zipped, cst.Call) and isinstance(target, cst.Tuple) and len(zipped.args) == len(target.elements)
            and any(isinstance(a.value, cst.Name) and a.value.value == param_list for a in zipped.args)):
        migration.problem(made[0][1], "a variable made inside a loop that does not zip the parameters with one name for each list")
        return loop
    parameter = next(e.value for a, e in zip(zipped.args, target.elements) if isinstance(a.value, cst.Name) and a.value.value == param_list)
    if not isinstance(parameter, cst.Name):
        migration.problem(made[0][1], "a variable made inside a loop whose parameter is not a plain name")
        return loop
    per_iteration = names_bound(loop.target) | names_bound(loop.body)
    lists: list[tuple[str, cst.BaseExpression]] = []
    body = list(loop.body.body)
    for index, statement in made:
        name, value = assignment_of(statement)[0].value, _inlined(migration, assignment_of(statement)[1], body[:index], parameter.value, per_iteration)
        earlier = set().union(*(names_in(s) for s in body[:index])) if index else set()
        depends = (names_in(value) - {parameter.value}) & per_iteration
        if depends or name in earlier or name in {l[0] for l in lists}:
            why = f"it depends on {', '.join(sorted(depends))}" if depends else f"{name} is used before it"
            migration.problem(statement, f"{name} is made inside the loop over the parameters, and {why}: build() cannot make it")
            return loop
        lists.append((name, value))
    slot_names = {name for name, _ in lists}
    listed = [s for s in body if _lists_loop_slots(s, slot_names)]
    migration.weights_in_loop |= bool(listed)
    kept = [s for i, s in enumerate(body) if i not in {index for index, _ in made} and all(s is not l for l in listed)]
    names = []
    for name, _ in lists:
        plural = f"{name}s"
        list_name = plural if free_name(plural, taken) == plural else free_name(f"{name}_slots", taken)
        taken.add(list_name)
        names.append(list_name)
    migration.slots |= set(names)
    indent = migration.file.module.default_indent
    build += [cst.parse_statement(f"{list_name} = []\n") for list_name in names]
    appends = "".join(f"{indent}{list_name}.append(x)\n" for list_name in names)
    making = cst.parse_statement(f"for {parameter.value} in {param_list}:\n{appends}")
    making = making.with_changes(body=making.body.with_changes(body=[
        line.with_changes(body=[cst.Expr(expression_of(line).with_changes(args=[cst.Arg(value)]))])
        for line, (_, value) in zip(making.body.body, lists)
    ]))
    build.append(making)
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    args = [arg.with_changes(comma=comma) for arg in zipped.args[:-1]] + [zipped.args[-1].with_changes(comma=comma)]
    elements = [e.with_changes(comma=comma) for e in target.elements[:-1]] + [target.elements[-1].with_changes(comma=comma)]
    args += [cst.Arg(cst.Name(list_name), comma=comma) for list_name in names]
    elements += [cst.Element(cst.Name(name), comma=comma) for name, _ in lists]
    args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    elements[-1] = elements[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return loop.with_changes(iter=zipped.with_changes(args=args), target=target.with_changes(elements=elements),
                             body=loop.body.with_changes(body=kept))


def _inlined(migration: Migration, value: cst.BaseExpression, earlier: list[cst.BaseStatement], parameter: str,
             per_iteration: set[str]) -> cst.BaseExpression:
    """`K.zeros(shape)` after `shape = K.int_shape(p)` in the loop, as `K.zeros(K.int_shape(p))`:
    a name the loop computes from the parameter alone, once, before the slot."""
    computed = {}
    for statement in earlier:
        assignment = assignment_of(statement)
        if not (assignment and isinstance(assignment[0], cst.Name)):
            computed = {k: v for k, v in computed.items() if not (names_bound(statement) & ({k} | names_in(v)))}
            continue
        target, expression = assignment[0].value, assignment[1]
        computed.pop(target, None)
        if not (names_in(expression) - {parameter}) & per_iteration and not migration.makes_state(expression) \
                and _reads_only(migration, expression):
            computed[target] = expression
    return value.visit(_Substituted(computed)) if computed else value


def _reads_only(migration: Migration, expression: cst.BaseExpression) -> bool:
    return all(migration.backend(call.func) in ("int_shape", "shape", "dtype", "get_variable_shape") for call in calls_in(expression))


class _Substituted(cst.CSTTransformer):
    def __init__(self, values: dict[str, cst.BaseExpression]) -> None:
        super().__init__()
        self.values = values

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return self.values.get(original.value, updated)

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
        return updated.with_changes(attr=original.attr)

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return updated.with_changes(keyword=original.keyword)


def _makes_slot(migration: Migration, statement: cst.BaseStatement) -> bool:
    """`m = K.zeros(...)`: a variable (K.zeros_like and K.ones_like made tensors)."""
    assignment = assignment_of(statement)
    return (bool(assignment) and isinstance(assignment[0], cst.Name) and isinstance(assignment[1], cst.Call)
            and migration.backend(assignment[1].func) in VARIABLES)


def _lists_loop_slots(statement: cst.BaseStatement, slots: set[str]) -> bool:
    """`self.weights.append(m)` (or `+= [m, v]`, `.extend([m, v])`) of slots made in the loop:
    Keras 3 lists the variables build() makes itself, in the order it makes them."""
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
        return False
    small = statement.body[0]
    if isinstance(small, cst.AugAssign) and is_self_attribute(small.target, ("weights",)):
        listed = small.value
    elif isinstance(expression := expression_of(statement), cst.Call) and isinstance(expression.func, cst.Attribute) \
            and is_self_attribute(expression.func.value, ("weights",)) and expression.func.attr.value in ("append", "extend") \
            and len(expression.args) == 1:
        listed = expression.args[0].value
    else:
        return False
    return not attributes_named(listed, "weights") and bool(names_in(listed)) and names_in(listed) <= slots

