"""build(var_list): the slot lists `get_updates` made, as the optimizer's variables, in the legacy checkpoint's order."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from optfix.analysis.tree import code
from optfix.codemods.get_updates.backend_calls import BackendCalls, untranslatable
from optfix.codemods.get_updates.checkpoint_order import ITERATIONS, Unit, in_checkpoint_order, made_order, split_loop
from optfix.codemods.get_updates.class_code import appended_in_order, branch_lines, empty_lists
from optfix.rulekit.class_code import Problem, assignment_of, calls_in, expression_of, flat, names_in
from optfix.knowledge import backend as facts
from optfix.lazy import libcst as cst
from optfix.rulekit.calls import NOT_CONSTANT, constant

if TYPE_CHECKING:
    from optfix.codemods.get_updates.migration import Migration


def build_method(migration: Migration, statements: list[cst.BaseStatement], param_list: str) -> cst.FunctionDef:
    """build(var_list): the slot lists (and state variables) made by the optimizer, in the legacy
    checkpoint's order where it can be followed."""
    units = [Unit(_slots_made(migration, s), set() if empty_lists(s) else names_in(s), s) for s in statements]
    units += [Unit([f"self.{name}"], set(), name) for name in migration.state]
    body = []
    for unit in _in_legacy_order(migration, units):
        if isinstance(unit.item, str):
            body.append(_state_variable(migration, unit.item))
        else:
            body.append(_in_build(migration, unit.item, param_list))
    indent = migration.file.module.default_indent
    return migration.method("build(self, var_list)", [f"if self.built:\n{indent}return", "super().build(var_list)"], body)


def _state_variable(migration: Migration, name: str) -> cst.BaseStatement:
    value = migration.state[name]
    initializer = {0: "'zeros'", 1: "'ones'"}.get(constant(value), f"{migration.names.keras}.initializers.Constant({code(value)})")
    if constant(value) is NOT_CONSTANT:
        migration.problem(value, f"self.{name} starts at a value build() cannot know: write it out")
    return cst.parse_statement(f"self.{name} = self.add_variable((), initializer={initializer}, name={name!r})\n")


def _slots_made(migration: Migration, statement: cst.BaseStatement) -> list[str]:
    """The slot lists a statement of build() makes, in the order it makes them."""
    if isinstance(statement, cst.For):
        return list(dict.fromkeys(name for name in appended_in_order(statement) if name in migration.slots))
    if isinstance(statement, cst.If):
        return list(dict.fromkeys(a[0].value for line in branch_lines(statement) if (a := assignment_of(line))))
    assignment = assignment_of(statement)
    if assignment and isinstance(assignment[0], cst.Name) and migration.makes_state(assignment[1]):
        return [assignment[0].value]
    return []


def _computes_for_slots(migration: Migration, statement: cst.BaseStatement) -> bool:
    """`shape = K.int_shape(p)`: a name computed, no state made."""
    assignment = assignment_of(statement)
    return bool(assignment) and isinstance(assignment[0], cst.Name) and not migration.makes_state(assignment[1])


def _reads_only(migration: Migration, expression: cst.BaseExpression) -> bool:
    """Whether an expression calls nothing but len() and backend functions that only read."""
    return all(
        flat(call.func) == "len" or (name := migration.backend(call.func)) in facts.CALLS or name in facts.EXPRESSIONS
        for call in calls_in(expression)
    )


def _in_legacy_order(migration: Migration, units: list[Unit]) -> list[Unit]:
    """The units, reordered so that build() makes the variables in the order of the legacy
    `self.weights`; a review where that order cannot be followed or kept."""
    if not migration.weights:
        return units
    statement, order = migration.weights[0]
    if order is None or len(migration.weights) > 1:
        where = next((s for s, o in migration.weights if o is None), migration.weights[-1][0])
        migration.reviews.append(Problem(where, f"{flat(where)}: optfix cannot follow how self.weights is built, so the optimizer's "
                                                "variables (its checkpoint) may be in another order than the legacy self.weights"))
        return units
    target = [name for name in order if name != ITERATIONS]
    if migration.weights_in_loop:
        if target:
            migration.reviews.append(Problem(statement, "self.weights lists slot lists and, in the loop over the parameters, the "
                                                        "slots made there: optfix cannot follow that order, so the optimizer's "
                                                        "variables (its checkpoint) may be in another order than the legacy ones"))
        return units  # build() makes each parameter's slots in turn, as the legacy loop did
    if order.count(ITERATIONS) and order[0] != ITERATIONS:
        migration.reviews.append(Problem(statement, "self.weights lists self.iterations after slots: Keras 3's step counter is always "
                                                    "the first of optimizer.variables, so the checkpoint's order differs"))
    made = set(made_order(units))
    unknown = [name for name in target if name not in made]
    if unknown:
        migration.reviews.append(Problem(statement, f"self.weights holds {', '.join(unknown)}, which the migrated optimizer does not "
                                                    "keep as variables: its checkpoint holds fewer variables than the legacy one"))
    split = []
    for unit in units:
        if isinstance(unit.item, cst.For) and len(unit.makes) > 1:
            ranked = sorted(unit.makes, key=lambda name: target.index(name) if name in target else len(target))
            loops = split_loop(unit.item, ranked, partial(_computes_for_slots, migration), partial(_reads_only, migration))
            if loops is not None:
                split += [Unit([name], unit.reads, loop) for name, loop in zip(ranked, loops)]
                continue
        split.append(unit)
    wanted = [name for name in target if name in made] + [name for name in made_order(units) if name not in target]
    if made_order(split) == wanted and all(len(unit.makes) < 2 for unit in split):
        return split if len(split) > len(units) else units
    ordered = in_checkpoint_order(split, target)
    if ordered is None or made_order(ordered) != wanted:
        migration.reviews.append(Problem(statement, "build() cannot make the slots in the order self.weights lists them: Keras 3's "
                                                    "optimizer.variables (and so its checkpoints) follow build()'s order, which differs"))
        return units
    return ordered


def _in_build(migration: Migration, statement: cst.BaseStatement, param_list: str) -> cst.BaseStatement:
    """A statement of get_updates as build() has it: slot lists become attributes of
    variables made by the optimizer, over `var_list`."""
    if isinstance(statement, cst.If):
        changes = {"body": statement.body.with_changes(body=[_in_build(migration, s, param_list) for s in statement.body.body]),
                   "test": statement.test.visit(_Slots(migration, "", param_list)).visit(BackendCalls(migration))}
        if isinstance(statement.orelse, cst.If):
            changes["orelse"] = _in_build(migration, statement.orelse, param_list)
        elif isinstance(statement.orelse, cst.Else):
            orelse = statement.orelse
            changes["orelse"] = orelse.with_changes(body=orelse.body.with_changes(body=[_in_build(migration, s, param_list) for s in orelse.body.body]))
        return statement.with_changes(**changes)
    if isinstance(statement, cst.For):  # `for p in params: ms.append(K.zeros(...))`
        body = statement.body.with_changes(body=[_in_build(migration, s, param_list) for s in statement.body.body])
        return statement.with_changes(iter=cst.Name("var_list"), body=body)
    call = expression_of(statement)
    if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and flat(call.func.value) in migration.slots:
        name = call.func.value.value
        slot = call.with_changes(
            func=cst.parse_expression(f"self.{name}.{call.func.attr.value}"),
            args=[arg.with_changes(value=arg.value.visit(_Slots(migration, name, param_list)).visit(BackendCalls(migration))) for arg in call.args],
        )
        return statement.with_changes(body=[statement.body[0].with_changes(value=slot)])
    target, value = assignment_of(statement)
    if isinstance(target, cst.Tuple) and empty_lists(statement):
        names = ", ".join(f"self.{e.value.value}" for e in target.elements)
        return statement.with_changes(body=[statement.body[0].with_changes(targets=[cst.AssignTarget(cst.parse_expression(names))])])
    if isinstance(target, cst.Name) and target.value in migration.slots and empty_lists(statement):
        return statement.with_changes(body=[statement.body[0].with_changes(targets=[cst.AssignTarget(cst.parse_expression(f"self.{target.value}"))])])
    if migration.makes_state(value):
        migration.slots.add(target.value)
        new_target = cst.parse_expression(f"self.{target.value}")
    else:
        new_target = target
    value = value.visit(_Slots(migration, target.value, param_list)).visit(BackendCalls(migration))
    small = statement.body[0].with_changes(targets=[cst.AssignTarget(new_target)], value=value)
    return statement.with_changes(body=[small])


class _Slots(cst.CSTTransformer):
    """Inside a slot list: `K.zeros(K.int_shape(p), dtype=K.dtype(p))` over `params` ->
    `self.add_variable_from_reference(p, name=...)` over `var_list`; another slot list it is
    made from is the optimizer's attribute."""

    def __init__(self, migration: Migration, name: str, param_list: str) -> None:
        super().__init__()
        self.migration, self.name, self.param_list = migration, name, param_list

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        if original.value == self.param_list:
            return updated.with_changes(value="var_list")
        if original.value in self.migration.slots and original.value != self.name:  # `[K.zeros([]) for _ in moments]`
            return cst.parse_expression(f"self.{original.value}")
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        function = self.migration.backend(original.func)
        if function not in facts.STATE:
            return updated
        initializer = facts.INITIALIZERS.get(function)
        args = original.args
        if function == "variable" and args and self._full(args[0].value):
            return self._full(args[0].value)
        if function == "variable" or initializer is None or not args:
            self.migration.problem(original, untranslatable(function))
            return updated
        first = args[0].value
        reference = None
        if function.endswith("_like"):
            reference = first
        elif isinstance(first, cst.Call) and self.migration.backend(first.func) in ("int_shape", "get_variable_shape") and len(first.args) == 1:
            reference = first.args[0].value
        elif isinstance(first, cst.Attribute) and first.attr.value == "shape":
            reference = first.value
        init = "" if initializer == "zeros" else f", initializer={initializer!r}"
        if reference is not None:
            return cst.parse_expression(f"self.add_variable_from_reference({code(reference)}, name={self.name!r}{init})")
        shape = code(first)
        if isinstance(first, cst.Integer):
            shape = f"({shape},)"
        return cst.parse_expression(f"self.add_variable({shape}, name={self.name!r}{init})")

    def _full(self, value: cst.BaseExpression) -> cst.BaseExpression | None:
        """A numpy array of a parameter's shape, a slot that starts at one value
        (`np.full(K.int_shape(p), c)`, `np.zeros(K.get_value(p).shape)`, `np.ones_like(K.get_value(p))`),
        as the variable `K.variable` made of it."""
        scale = None
        if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Multiply):  # `np.ones(shape) * c`
            value, scale = (value.left, value.right) if isinstance(value.left, cst.Call) else (value.right, value.left)
        if not (isinstance(value, cst.Call) and flat(value.func).split(".")[0] in ("np", "numpy")):
            return None
        function = flat(value.func).split(".", 1)[1]
        if scale is not None and function not in ("ones", "ones_like"):
            return None
        parameters = {"full": ("shape", "fill_value"), "zeros": ("shape",), "ones": ("shape",),
                      "zeros_like": ("a",), "ones_like": ("a",)}.get(function)
        if parameters is None or any(arg.star for arg in value.args) or len(value.args) > len(parameters):
            return None
        arguments = {arg.keyword.value if arg.keyword else parameters[index]: arg.value for index, arg in enumerate(value.args)}
        if set(arguments) != set(parameters):
            return None
        reference = self._shape_of(arguments["shape"]) if "shape" in arguments else self._value_of(arguments["a"])
        fill = code(arguments["fill_value"]) if function == "full" else ("1" if function.startswith("ones") else None)
        fill = code(scale) if scale is not None else fill
        initializer = "" if fill is None else f", initializer={self.migration.names.keras}.initializers.Constant({fill})"
        if reference is None and isinstance(arguments.get("shape"), cst.Name):  # `for shape in shapes`
            return cst.parse_expression(f"self.add_variable({code(arguments['shape'])}, name={self.name!r}{initializer})")
        if reference is None:
            return None
        return cst.parse_expression(f"self.add_variable_from_reference({code(reference)}, name={self.name!r}{initializer})")

    def _shape_of(self, shape: cst.BaseExpression) -> cst.BaseExpression | None:
        """p of `K.int_shape(p)`, `p.shape`, `K.get_value(p).shape`."""
        if isinstance(shape, cst.Call) and self.migration.backend(shape.func) in ("int_shape", "get_variable_shape") and len(shape.args) == 1:
            return shape.args[0].value
        if isinstance(shape, cst.Attribute) and shape.attr.value == "shape":
            return self._value_of(shape.value)
        return None

    def _value_of(self, value: cst.BaseExpression) -> cst.BaseExpression | None:
        """p of `K.get_value(p)` (or of `p`)."""
        if isinstance(value, cst.Call) and self.migration.backend(value.func) in ("get_value", "eval") and len(value.args) == 1:
            value = value.args[0].value
        return value if isinstance(value, cst.Name) else None
