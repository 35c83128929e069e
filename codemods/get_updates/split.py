"""`get_updates` split: each statement to build() or update_step(), or dropped as the base class's own work."""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.codemods.get_updates.build import build_method
from optfix.codemods.get_updates.checkpoint_order import weights_order
from optfix.codemods.get_updates.comprehensions import as_loops
from optfix.codemods.get_updates.enumerated import without_enumerate
from optfix.codemods.get_updates.self_slots import as_local_slots
from optfix.codemods.get_updates.derived_lists import Derived, derived_list, slot_lists
from optfix.codemods.get_updates.loop_slots import with_loop_slots
from optfix.codemods.get_updates.class_code import appended, empty_lists, names_bound, unwrap_with
from optfix.rulekit.class_code import (
    Problem,
    assignment_of,
    attributes_named,
    calls_in,
    expression_of,
    flat,
    is_self_attribute,
    names_in,
)
from optfix.codemods.get_updates.hyperparameters import is_decay
from optfix.codemods.get_updates.update_step import once_per_step_method, update_step_method, written_update
from optfix.codemods.get_updates.wrappers import added_behaviour
from optfix.analysis.tree import code, descendants
from optfix.lazy import libcst as cst

if TYPE_CHECKING:
    from optfix.codemods.get_updates.migration import Migration


def split_get_updates(migration: Migration, function: cst.FunctionDef) -> list[cst.FunctionDef] | None:
    """get_updates as build() and update_step(), and _backend_update_step() where it updates state
    once per step; None where it cannot be migrated (`migration.problems` says why)."""
    params = function.params
    plain = [p.name.value for p in params.params]
    if params.star_arg is not cst.MaybeSentinel.DEFAULT and params.star_arg is not None or params.kwonly_params or params.star_kwarg:
        migration.problem(function, "get_updates takes more than (self, loss, params)")
        return None
    if plain[1:] == ["params", "constraints", "loss"]:
        migration.problem(function, "Keras 1 get_updates(params, constraints, loss): migrate it to Keras 2's (loss, params) first")
        return None
    if len(plain) != 3 or plain[0] != "self":
        migration.problem(function, "get_updates does not take (self, loss, params)")
        return None
    for call in calls_in(function):
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "get_updates":
            migration.problem(call, f"it drives another optimizer's get_updates (a wrapper), which Keras 3 optimizers do not have; "
                                    f"{added_behaviour(migration.node)}")
            return None
    loss, param_list = plain[1], plain[2]
    grads = None
    build: list[cst.BaseStatement] = []
    before: list[cst.BaseStatement] = []
    loops: list[cst.For] = []  # over zip(params, grads, ...): comprehensions become one loop each
    build_locals: set[str] = set()
    step_updates: list[cst.BaseStatement] = []  # of state kept once per step, not per variable
    pending: list[cst.BaseStatement] = []  # empty lists, which a loop may fill with slots
    derived: dict[str, str] = {}  # lists made element by element from per-parameter lists -> their element's name
    derived_at: list[dict[str, str]] = []  # for each loop, the derived lists it may zip
    derived_loops: list[Derived] = []
    statements = as_local_slots(migration, unwrap_with(function.body.body, migration.is_graph_only))
    statements = without_enumerate(migration, as_loops(migration, statements), param_list)
    taken = set().union(*(names_in(s) | names_bound(s) for s in statements)) if statements else set()
    for statement in statements:
        if _is_bookkeeping(migration, statement, first=len(loops) == len(derived_loops) and not step_updates) or _is_weights_list(migration, statement):
            continue
        assignment = assignment_of(statement)
        if assignment and _takes_gradients(migration, assignment[1], plain[1:]):
            if grads is not None or not isinstance(assignment[0], cst.Name):
                migration.problem(statement, "gradients taken more than once: Keras 3 gives update_step one gradient for its variable")
            grads = assignment[0].value
            continue
        if isinstance(statement, cst.If) and is_decay(migration, statement):
            continue
        if isinstance(statement, cst.If) and _branches_make_slots(migration, statement):
            build.append(statement)  # `vhats = [...] if amsgrad`, as an if statement
            continue
        if empty_lists(statement):
            pending.append(statement)  # `ms, vs = [], []`, filled by a loop over the parameters, or not
            continue
        lists = {param_list, *([grads] if grads else []), *slot_lists(build, build_locals), *migration.slots, *derived}
        problems = len(migration.problems)
        made = derived_list(migration, statement, lists, param_list, taken)
        if len(migration.problems) > problems:
            continue
        if made is not None:
            derived_at.append(dict(derived))
            derived[made.name] = made.item
            derived_loops.append(made)
            loops.append(made.loop)
            continue
        if isinstance(statement, cst.For) and isinstance(statement.iter, cst.Name) and statement.iter.value == param_list and not loops:
            filled = appended(statement) & set().union(*(empty_lists(p) for p in pending))
            if not filled or not migration.makes_state(statement) or grads and grads in names_in(statement):
                migration.problem(statement, "a loop over the parameters that does not only make slot lists")
                continue
            migration.slots |= filled
            build += [p for p in pending if empty_lists(p) & filled] + [statement]
            pending = [p for p in pending if not empty_lists(p) & filled]
            continue
        if isinstance(statement, cst.For):
            derived_at.append(dict(derived))
            loops.append(statement)
            continue
        assignment = assignment_of(statement)
        used = names_in(statement)
        if assignment and isinstance(assignment[0], cst.Name) and _same_parameters(assignment[1], param_list):
            migration.problem(statement, f"{assignment[0].value} is the list of the parameters themselves, not of copies: an update "
                                         "through it is a second update of the parameter in the step, which Keras 2's graph ran in no "
                                         "set order with the first, and gradients taken of it are the same gradients again")
            continue
        if (
            assignment and isinstance(assignment[0], cst.Name) and not (grads and grads in used)
            and (migration.makes_state(assignment[1]) or param_list in used or build_locals & used)
        ):
            build.append(statement)  # a slot list, or what slot lists are made from (`shapes`)
            if not migration.makes_state(assignment[1]):
                build_locals.add(assignment[0].value)
            continue
        update = _state_update(migration, statement, first=len(loops) == len(derived_loops) and not step_updates)
        if update is not None:
            step_updates.append(update)  # before or after the loop: made after every update_step
            continue
        if _graph_time_effect(migration, statement):
            continue
        if assignment and is_self_attribute(assignment[0], ("updates",)) and (len(loops) > len(derived_loops) or step_updates):
            migration.problem(statement, "self.updates is assigned anew after updates were added to it: the list Keras 2 got back "
                                         "left them out, which a migration cannot express")
            continue
        if "self.updates" in flat(statement):
            migration.problem(statement, "self.updates used in a way optfix does not translate")
            continue
        if grads is not None and grads in used or param_list in used or set(derived) & used:
            migration.problem(statement, "a computation over all gradients or parameters at once: Keras 3 updates one variable at a time (update_step)")
            continue
        if len(loops) > len(derived_loops):  # after a loop other than a derived list's
            migration.problem(statement, "a statement after the loop over the parameters that is not once-per-step "
                                         "bookkeeping (the step counter, an update of state kept in __init__)")
            continue
        if build_locals & used:
            migration.problem(statement, f"{', '.join(sorted(build_locals & used))} is needed in both build() and update_step()")
        for made in derived_loops:
            if made.reads & names_bound(statement):
                migration.problem(statement, f"it binds {', '.join(sorted(made.reads & names_bound(statement)))}, which the list "
                                             f"{made.name} was made from before: update_step would make it from the new value")
        before.append(statement)
    before = pending + before
    loops = with_loop_slots(migration, loops, param_list, build)
    for statement in [*build, *before, *loops]:
        for node in attributes_named(statement, "weights"):
            if is_self_attribute(node):
                migration.problem(node, "self.weights used in a way optfix does not translate (Keras 3 optimizers have none; "
                                        "optimizer.variables holds their state)")
    if not loops or grads is None:
        migration.problem(function, "get_updates has no `for ... in zip(params, grads, ...)` loop over the parameters")
        return None
    if loss in set().union(*(names_in(s) for s in before)):
        migration.problem(function, "the loss is used other than to take gradients")
    between = [cst.EmptyLine(indent=False)] * max(1, sum(1 for line in function.leading_lines if not line.comment))
    build_function = build_method(migration, build, param_list).with_changes(leading_lines=function.leading_lines)
    _no_loop_leaks(migration, loops, step_updates)
    _nothing_carried(migration, before, loops)
    step_function = update_step_method(migration, before, loops, param_list, grads, derived_at)
    methods = [build_function, step_function.with_changes(leading_lines=between)]
    if step_updates:
        methods.append(once_per_step_method(migration, before, step_updates).with_changes(leading_lines=between))
    return methods


def _takes_gradients(migration: Migration, value: cst.BaseExpression, loss_and_params: list[str]) -> bool:
    """`self.get_gradients(loss, params)`, or the backend's `K.gradients(loss, params)` (also
    `tf.gradients`), which leaves out the clipping Keras 2's get_gradients did: a review says so."""
    if not isinstance(value, cst.Call):
        return False
    if flat(value.func) == "self.get_gradients":
        return True
    taken = [flat(arg.value) for arg in value.args if arg.keyword is None] == loss_and_params and len(value.args) == 2
    if taken and (migration.backend(value.func) == "gradients" or migration.file.imports.qualified_name(value.func) == "tensorflow.gradients"):
        if migration.parent is not None:
            migration.problem(value, f"the gradients are {flat(value.func)}(...), which Keras 2 did not clip, in a subclass of "
                                     f"{code(migration.parent.node.name)}, whose __init__ passes clipnorm= and clipvalue= on")
        migration.unclipped = True
        migration.reviews.append(Problem(value, f"the gradients are {flat(value.func)}(...), not self.get_gradients(): Keras 2 "
                                                "clipped nothing here, so the migrated __init__ drops clipnorm= and clipvalue= "
                                                "(to clip, pass them on and take out that loop)"))
        return True
    return False


def _no_loop_leaks(migration: Migration, loops: list[cst.For], step_updates: list[cst.BaseStatement]) -> None:
    """Each loop, and each update made once per step, reads nothing a loop before it left
    behind (a name of its last iteration): in update_step every loop's body runs for the one
    variable, so such a value would be the current variable's, not the last parameter's."""
    left: set[str] = set()
    for item in [*loops, *step_updates]:
        own = names_bound(item.target) | names_bound(item.body) if isinstance(item, cst.For) else set()
        leaked = (names_in(item) - own) & left
        if leaked:
            migration.problem(item, f"it reads {', '.join(sorted(leaked))} as a loop over the parameters left it (the value of "
                                    "the last parameter): a per-variable update_step cannot express that")
        if isinstance(item, cst.For):
            left |= own


def _nothing_carried(migration: Migration, before: list[cst.BaseStatement], loops: list[cst.For]) -> None:
    """No loop over the parameters carries a value from one parameter to the next: a name bound
    before the loop that the loop rebinds (`lr_t = multiplier(lr_t, p)`, or a rate chosen by
    `p.name` and kept for the parameters after it) and reads before rebinding it in the same
    iteration. update_step starts afresh for each variable, so it cannot carry anything."""
    earlier = set().union(*(names_bound(s) for s in before)) if before else set()
    for loop in loops:
        for name in sorted(names_bound(loop.body) & earlier):
            first = next(s for s in loop.body.body if name in names_in(s))
            assignment = assignment_of(first)
            fresh = assignment and isinstance(assignment[0], cst.Name) and assignment[0].value == name and name not in names_in(assignment[1])
            if not fresh:
                migration.problem(first, f"{name} is changed inside the loop over the parameters and the change is kept for the "
                                         "parameters after it: Keras 3's update_step starts afresh for each variable, so it cannot "
                                         "carry a value from one to the next; compute it from the variable alone")


def _state_update(migration: Migration, statement: cst.BaseStatement, first: bool) -> cst.BaseStatement | None:
    """`self.updates.append((self.m_schedule, new))` (or `K.update(...)`, `K.update_add(...)`) of
    a variable made in __init__, or, `first` (no update made before it, which it would discard),
    `self.updates = [...]` begun with such updates (and the step counter's, which Keras 3 advances
    itself): the variables are then state, made in build(); the statement as `self.updates.append`
    / `extend` of those updates, or None for any other."""
    call = expression_of(statement)
    assignment = assignment_of(statement)
    if isinstance(call, cst.Call) and flat(call.func) == "self.updates.append" and len(call.args) == 1:
        updates, kept = [call.args[0].value], statement
    elif first and assignment and is_self_attribute(assignment[0], ("updates",)) and isinstance(assignment[1], cst.List):
        elements = [e for e in assignment[1].elements if not _counts_steps(migration, e.value)]
        updates = [e.value for e in elements]
        extend = cst.Call(cst.parse_expression("self.updates.extend"), [cst.Arg(cst.List(elements))])
        kept = statement.with_changes(body=[cst.Expr(extend)])
    else:
        return None
    targets = [update[1][0] if (update := written_update(migration, node)) else None for node in updates]
    if not targets or not all(is_self_attribute(t) and t.attr.value in migration.hyper for t in targets):
        return None
    if any(target.attr.value == "iterations" for target in targets):
        migration.problem(statement, "self.iterations is set other than advanced by one: Keras 3's base class keeps the step "
                                     "counter and advances it by one after every step, and optfix migrates only that")
        return kept
    for target in targets:
        if target.attr.value in migration.state:
            migration.problem(statement, f"self.{target.attr.value} is updated twice in one step: Keras 2's graph ran the "
                                         "updates in no set order, so which value it kept is not defined")
        migration.state[target.attr.value] = migration.hyper[target.attr.value]
    return kept


def _same_parameters(value: cst.BaseExpression, param_list: str) -> bool:
    """`[p for p in params]`, `list(params)`, `params[:]`: the parameters again, under another name."""
    if isinstance(value, cst.ListComp) and isinstance(value.elt, cst.Name) and isinstance(value.for_in.target, cst.Name):
        clause = value.for_in
        return (value.elt.value == clause.target.value and flat(clause.iter) == param_list and not clause.ifs
                and clause.inner_for_in is None)
    return flat(value) in (f"list({param_list})", f"{param_list}[:]", f"[*{param_list}]")


def _graph_time_effect(migration: Migration, statement: cst.BaseStatement) -> bool:
    """A statement of get_updates, outside the loops, that sets an attribute of the optimizer
    (`self._init_notified = True`, `self.lr_t = lr * eta`) or hands the optimizer to a function
    (`_update_t_cur_eta_t(self)`), reported. Keras 2 ran it once, when get_updates built the graph
    (a tensor stored so is re-evaluated at every step); Keras 3 has no such pass: update_step runs
    for every variable at every step, and optfix cannot tell what the function does to the optimizer."""
    if isinstance(statement, cst.For):
        return False
    attributes = sorted({flat(node.target) for node in descendants(statement, cst.AssignTarget)
                         if is_self_attribute(node.target) and node.target.attr.value not in ("updates", "weights")})
    if attributes:
        migration.problem(statement, f"it sets {', '.join(attributes)}, which Keras 2 did once, when get_updates built the graph; "
                                     "Keras 3 optimizers have no such pass (update_step runs for every variable at every step), "
                                     "so optfix cannot place it")
        return True
    given = sorted({flat(call.func) for call in calls_in(statement)
                    if any(flat(arg.value) == "self" for arg in call.args) and migration.backend(call.func) is None})
    if given:
        migration.problem(statement, f"it hands the optimizer to {', '.join(f'{name}()' for name in given)}, which optfix does not "
                                     "read: what it does to the optimizer (append updates to self.updates, set attributes) cannot be "
                                     "placed in update_step")
        return True
    return False


def _is_bookkeeping(migration: Migration, statement: cst.BaseStatement, first: bool) -> bool:
    """`self.updates = [K.update_add(self.iterations, 1)]` (`first`: before any update it would
    discard), `self.updates.append(...)` of that, `return self.updates`: what the Keras 3 base
    class does itself."""
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        small = statement.body[0]
        if isinstance(small, cst.Return) and small.value is not None and flat(small.value) == "self.updates":
            return True
        assignment = assignment_of(statement)
        if first and assignment and is_self_attribute(assignment[0], ("updates",)):
            value = assignment[1]
            if isinstance(value, cst.List) and all(_counts_steps(migration, e.value) for e in value.elements):
                return True
        expression = expression_of(statement)
        if isinstance(expression, cst.Call) and flat(expression.func) == "self.updates.append" and len(expression.args) == 1:
            return _counts_steps(migration, expression.args[0].value)
    return False


def _is_weights_list(migration: Migration, statement: cst.BaseStatement) -> bool:
    """`self.weights = [self.iterations] + ms + vs` (or `+=`, `.extend(...)`): the legacy
    checkpoint, which Keras 3 keeps itself (optimizer.variables); build() follows its order."""
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
        return False
    small, assignment = statement.body[0], assignment_of(statement)
    if assignment and is_self_attribute(assignment[0], ("weights",)):
        migration.weights.append((statement, weights_order(assignment[1])))
        return True
    call = small.value if isinstance(small, cst.Expr) else None
    if (isinstance(small, cst.AugAssign) and is_self_attribute(small.target, ("weights",))
            or isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and is_self_attribute(call.func.value, ("weights",))):
        migration.weights.append((statement, None))
        return True
    return False


def _counts_steps(migration: Migration, node: cst.BaseExpression) -> bool:
    """`K.update_add(self.iterations, 1)`, `K.update(self.iterations, self.iterations + 1)` (or
    `tf.assign_add`, a `(variable, value)` pair): the step counter, which Keras 3's base class
    advances after every update_step, where the legacy graph's reads all saw the value before."""
    update = written_update(migration, node)
    if update is None or flat(update[1][0]) != "self.iterations":
        return False
    method, (_, value) = update
    one = ("1", "1.0", "1.")
    return (method == "assign_add" and flat(value) in one
            or method == "assign" and any(flat(value) in (f"self.iterations+{n}", f"{n}+self.iterations") for n in one))


def _branches_make_slots(migration: Migration, statement: cst.If) -> bool:
    """Whether every branch of the if statement only assigns slot lists."""
    branches = [statement.body.body]
    orelse = statement.orelse
    while orelse is not None:
        branches.append(orelse.body.body)
        orelse = orelse.orelse if isinstance(orelse, cst.If) else None
    return all(
        (assignment := assignment_of(line)) and isinstance(assignment[0], cst.Name) and migration.makes_state(assignment[1])
        for branch in branches for line in branch
    )
