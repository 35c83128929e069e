"""A custom Keras 2 optimizer class (`get_updates(loss, params)`) rewritten as a Keras 3 one.

`migrate()` reads the class, and either returns the Keras 3 class or says, construct by
construct, why it cannot: a class is migrated whole or not at all. The plan, per method:
- `__init__`: backend variables become plain attributes; the class's own `iterations` and `lr`
  variables go, the learning rate goes to the base class (which Keras 3 requires), wrapped in
  an InverseTimeDecay schedule where `get_updates` applied time-based decay; `learning_rate=` is
  accepted from callers (and from `from_config`).
- `get_updates` becomes `build(var_list)` (the slot lists, one variable per parameter) and
  `update_step(gradient, variable, learning_rate)` (the statements before the loop over the
  parameters, then the loop's body); `K.update*` becomes `self.assign*`. What the base class now
  does (gradients, clipping, the step counter, constraints, `self.weights`) is dropped; build()
  makes the slots in the order `self.weights` listed them (optfix/checkpoint_order.py).
- `get_config` reads attributes instead of `K.get_value` and leaves the learning rate to the
  base class's config where it merges that (optfix.rulekit.config_round_trip checks its keys).
- everywhere: `K.<function>` becomes its `keras.ops` / `keras.config` counterpart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from optfix.analysis.tree import code
from optfix.rulekit.calls import NOT_CONSTANT, constant
from optfix.codemods.get_updates.checkpoint_order import ITERATIONS, Unit, in_checkpoint_order, made_order, split_loop, weights_order
from optfix.codemods.get_updates.class_code import appended, appended_in_order, branch_lines, empty_lists, unwrap_with
from optfix.rulekit.class_code import (
    LEARNING_RATES,
    Problem,
    assignment_of,
    attributes_named,
    calls_in,
    descendant_ids,
    expression_of,
    flat,
    is_self_attribute,
    is_super_init,
    names_in,
    merges_base_config,
    only_adjusts_the_list,
)
from optfix.knowledge import backend as facts
from optfix.knowledge.namespaces import keras_member
from optfix.lazy import libcst as cst
from optfix.rulekit.rule import FileContext


@dataclass
class Names:
    """How the migrated code reaches Keras 3, in the file's terms."""

    ops: str  # `ops` or `keras.ops`
    keras: str  # the expression for the `keras` package


class _Backend(cst.CSTTransformer):
    """`K.<function>(...)` to Keras 3, everywhere in a piece of the class; what it cannot
    translate becomes a Problem."""

    def __init__(self, migration: Migration, learning_rate: str | None = None) -> None:
        super().__init__()
        self.migration = migration
        self.learning_rate = learning_rate  # what `self.lr` reads as, inside update_step
        self.callees: set[int] = set()

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        name = self.migration.backend(original.func)
        if name is None:
            return updated
        names = self.migration.names
        if name == "dtype" and len(updated.args) == 1 and is_self_attribute(original.args[0].value, tuple(self.migration.hyper)):
            # a K.variable hyperparameter is a Python number now: its dtype is the one K.variable gave it
            given = self.migration.dtypes.get(original.args[0].value.attr.value)
            return given or cst.parse_expression(f"{names.keras}.config.floatx()")
        if name == "switch":  # Keras 2 took a branch as a value or as a function giving it
            updated = updated.with_changes(args=[_called(arg) for arg in updated.args])
        if name in facts.CALLS:
            target = facts.CALLS[name].replace("ops.", names.ops + ".", 1).replace("config.", names.keras + ".config.", 1)
            return updated.with_changes(func=cst.parse_expression(target))
        if name in facts.EXPRESSIONS and len(updated.args) == 1 and not updated.args[0].keyword:
            template = facts.EXPRESSIONS[name].replace("ops.", names.ops + ".").replace("config.", names.keras + ".config.")
            return cst.parse_expression(template.format(code(updated.args[0].value)))
        self.migration.problem(original, _unknown(name))
        return updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if self.learning_rate and is_self_attribute(original, LEARNING_RATES):
            return cst.Name(self.learning_rate)
        return updated

    def visit_Call(self, node: cst.Call) -> bool:
        self.callees.add(id(node.func))
        return True

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        name = self.migration.backend(node)
        if name is not None and id(node) not in self.callees:
            self.migration.problem(node, f"K.{name} used as a value: optfix translates backend calls only")
        return True


def _called(arg: cst.Arg) -> cst.Arg:
    """`lambda: x` as `x`."""
    value = arg.value
    if isinstance(value, cst.Lambda) and not code(value.params).strip():
        return arg.with_changes(value=value.body)
    return arg


class _Rename(cst.CSTTransformer):
    """`self.<old>` -> `self.<new>`."""

    def __init__(self, names: dict[str, str]) -> None:
        super().__init__()
        self.names = names

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
        if is_self_attribute(original, tuple(self.names)):
            return updated.with_changes(attr=cst.Name(self.names[original.attr.value]))
        return updated


def _unknown(name: str) -> str:
    if name in facts.EAGER:
        return f"K.{name}() reads or writes a value while the graph is built: Keras 3 has no graph-building phase to run it in"
    if name in facts.STATE:
        return f"K.{name}() makes state where optfix cannot tell what it holds (only slot lists over the parameters, and hyperparameters in __init__, are migrated)"
    return f"K.{name}() has no Keras 3 counterpart optfix knows"


@dataclass
class Migration:
    """One class's migration; `problems` says why it cannot be, if it cannot."""

    file: FileContext
    node: cst.ClassDef
    names: Names
    problems: list[Problem] = field(default_factory=list)
    reviews: list[Problem] = field(default_factory=list)  # migrated, but a person should look here
    slots: set[str] = field(default_factory=set)  # slot lists, attributes of the same names in Keras 3
    decay: cst.BaseExpression | None = None  # the decay rate, where get_updates decayed lr
    hyper: dict[str, cst.BaseExpression] = field(default_factory=dict)  # K.variable attributes of __init__
    dtypes: dict[str, cst.BaseExpression] = field(default_factory=dict)  # the dtype= given to those K.variable calls
    state: dict[str, cst.BaseExpression] = field(default_factory=dict)  # those updated once per step
    weights: list[tuple[cst.BaseStatement, list[str] | None]] = field(default_factory=list)  # `self.weights = ...`, its order

    def problem(self, node: cst.CSTNode, message: str) -> None:
        self.problems.append(Problem(node, message))

    def located_problems(self) -> list[Problem]:
        """The problems, each at a node of the original class (a translated piece of code is
        located at the statement of the class it came from, or at the class)."""
        originals = descendant_ids(self.node)
        located = [problem if id(problem.node) in originals else Problem(self.node, problem.message) for problem in self.problems]
        return list({(id(problem.node), problem.message): problem for problem in located}.values())

    def backend(self, node: cst.CSTNode) -> str | None:
        """`sqrt` for `K.sqrt` where K is a Keras 2 backend module, through the imports."""
        member = keras_member(self.file.imports.qualified_name(node)) or ""
        if member.startswith("backend."):
            return member[len("backend."):]
        return None

    def is_graph_only(self, node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Call) and self.backend(node.func) in facts.GRAPH_ONLY

    # -- the whole class --------------------------------------------------------------------

    def run(self) -> cst.ClassDef | None:
        methods = {
            statement.name.value: statement
            for statement in self.node.body.body
            if isinstance(statement, cst.FunctionDef)
        }
        overridden = {
            "get_gradients": "Keras 3 optimizers have no such method to override",
            "get_weights": "Keras 3 optimizers have no such method to override (their state is optimizer.variables)",
            "set_weights": "Keras 3's set_weights() sets optimizer.variables, which begin with the base class's iterations and "
                           "learning rate, not the legacy self.weights: an override written for that list does not carry over",
        }
        dropped = methods.get("set_weights")
        if dropped is not None and only_adjusts_the_list(dropped):
            del methods["set_weights"]
            self.reviews.append(Problem(dropped, "set_weights() override removed: it only reshaped a list in the legacy self.weights "
                                                 "layout (such as an old checkpoint without the step counter) before the base class's "
                                                 "set_weights(); Keras 3's takes optimizer.variables (iterations, learning rate, then "
                                                 "the slots), which a legacy list fits neither way"))
        else:
            dropped = None
        for name, why in overridden.items():
            if name in methods:
                self.problem(methods[name], f"{name}() is overridden: {why}; move its logic by hand")
        for name, method in methods.items():
            if name not in ("__init__", "get_updates", *overridden):
                for node in attributes_named(method, "weights") + attributes_named(method, "updates"):
                    if is_self_attribute(node):
                        instead = ("their state is optimizer.variables: the base class's iterations and learning rate, then the slots"
                                   if node.attr.value == "weights" else "they make their updates in apply()")
                        self.problem(node, f"{name}() reads {code(node)}, which Keras 3 optimizers do not have ({instead})")
        init = methods.get("__init__")
        updates = methods["get_updates"]
        if init is None:
            self.problem(self.node, "no __init__: optfix needs it to give Keras 3 the learning rate")
            return None
        self.hyper = self._hyperparameters(init)
        update_methods = self._get_updates(updates)
        if self.problems or update_methods is None:
            return None
        body = []
        for statement in self.node.body.body:
            if statement is dropped:
                continue
            if statement is init:
                body.append(self._init(init))
            elif statement is updates:
                body += update_methods
            elif statement is methods.get("get_config"):
                body.append(self._get_config(statement))
            else:
                body.append(statement.visit(_Backend(self)))
        if self.problems:
            return None
        migrated = self.node.with_changes(body=self.node.body.with_changes(body=body))
        owned = {name: f"{name}_" for name in self._assigned_attributes(init) & facts.BASE_ATTRIBUTES}
        return migrated.visit(_Rename(owned)) if owned else migrated

    def _assigned_attributes(self, init: cst.FunctionDef) -> set[str]:
        return {
            assignment[0].attr.value
            for statement in unwrap_with(init.body.body, self.is_graph_only)
            if (assignment := assignment_of(statement)) and is_self_attribute(assignment[0])
        }

    # -- __init__ ----------------------------------------------------------------------------

    def _hyperparameters(self, init: cst.FunctionDef) -> dict[str, cst.BaseExpression]:
        """`self.X = K.variable(value, ...)` in __init__: X -> value."""
        found = {}
        for statement in unwrap_with(init.body.body, self.is_graph_only):
            assignment = assignment_of(statement)
            if assignment is None or not is_self_attribute(assignment[0]):
                continue
            target, value = assignment
            if isinstance(value, cst.Call) and self.backend(value.func) in ("variable", "constant") and value.args:
                found[target.attr.value] = value.args[0].value
                dtype = [arg.value for i, arg in enumerate(value.args) if (arg.keyword.value == "dtype" if arg.keyword else i == 1)]
                if dtype:
                    self.dtypes[target.attr.value] = dtype[0]
        return found

    def _init(self, init: cst.FunctionDef) -> cst.FunctionDef:
        hyper = self.hyper
        learning_rate = next((hyper[name] for name in LEARNING_RATES if name in hyper), None)
        params = init.params
        names = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
        kwargs = params.star_kwarg.name.value if isinstance(params.star_kwarg, cst.Param) else None
        if not isinstance(learning_rate, cst.Name) or learning_rate.value not in names:
            self.problem(init, "the learning rate is not a parameter of __init__ held in K.variable(...): optfix cannot pass it to the Keras 3 base class")
            return init
        if kwargs is None:
            self.problem(init, "__init__ takes no **kwargs: Keras 3 gives name and clipping arguments through them (from_config too)")
            return init
        lr = learning_rate.value
        statements = []
        super_seen = False
        deferred = []  # `self.x = ...` before the base class's __init__, which Keras 3 forbids
        lines = unwrap_with(init.body.body, self.is_graph_only)
        base_init = next((i for i, line in enumerate(lines) if isinstance(call := expression_of(line), cst.Call) and is_super_init(call)), None)
        read_later = base_init is not None and any(lr in names_in(line) for line in lines[base_init + 1:] if not self._dropped(line))
        # the schedule gets a name of its own where __init__ goes on to read the number
        given = self._free_name(f"{lr}_schedule", names | names_in(init.body)) if read_later and self.decay is not None else lr
        for statement in lines:
            assignment = assignment_of(statement)
            if assignment and is_self_attribute(assignment[0]) and not super_seen:
                statement, attribute = self._held_in_local(statement, names | {lr, kwargs} | names_in(init.body))
                if statement is None:
                    return init
                deferred.append(attribute)
            elif assignment and is_self_attribute(assignment[0]):
                attribute = assignment[0].attr.value
                if self._dropped(statement):
                    continue
                if attribute in hyper:
                    value = hyper[attribute]
                    small = statement.body[0]
                    statement = statement.with_changes(body=[small.with_changes(value=value)])
            call = expression_of(statement)
            if isinstance(call, cst.Call) and is_super_init(call):
                super_seen = True
                statements += self._before_super(lr, kwargs, given)
                keyword = cst.Arg(cst.Name(given), keyword=cst.Name("learning_rate"),
                                  equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))
                call = call.with_changes(args=[keyword, *call.args])
                statement = statement.with_changes(body=[statement.body[0].with_changes(value=call)])
                statements.append(statement.visit(_Backend(self)))
                statements += [cst.parse_statement(f"self.{attribute} = {attribute}\n") for attribute in deferred]
                continue
            statements.append(statement.visit(_Backend(self)))
        if not super_seen:
            self.problem(init, "__init__ does not call the base class's __init__")
        return init.with_changes(body=init.body.with_changes(body=statements))

    def _dropped(self, statement: cst.CSTNode) -> bool:
        """Whether the statement of __init__ sets what the Keras 3 base class holds (the step
        counter, the learning rate) or state that build() makes."""
        assignment = assignment_of(statement)
        if assignment is None or not is_self_attribute(assignment[0]):
            return False
        attribute = assignment[0].attr.value
        return attribute == "iterations" or attribute in LEARNING_RATES and attribute in self.hyper or attribute in self.state

    @staticmethod
    def _free_name(name: str, taken: set[str]) -> str:
        while name in taken:
            name += "_"
        return name

    def _held_in_local(self, statement, taken: set[str]):
        """`self.x = value` as `x = value`, to set the attribute once the base class is built."""
        target = statement.body[0].targets[0].target
        name = target.attr.value
        if name in taken:
            self.problem(statement, f"self.{name} is set before the base class's __init__ and {name} names something else there: Keras 3 wants the base class built first")
            return None, name
        small = statement.body[0].with_changes(targets=[cst.AssignTarget(cst.Name(name))])
        return statement.with_changes(body=[small]), name

    def _before_super(self, lr: str, kwargs: str, given: str) -> list[cst.BaseStatement]:
        """What comes before the base class's __init__, which is given the learning rate as `given`."""
        lines = []
        if lr != "learning_rate":
            lines.append(f"{lr} = {kwargs}.pop('learning_rate', {lr})")
        if given != lr:
            lines.append(f"{given} = {lr}")
        if self.decay is not None:
            schedules = f"{self.names.keras}.optimizers.schedules"
            decay = code(self.decay)
            lines.append(
                f"if {decay} > 0 and not isinstance({lr}, {schedules}.LearningRateSchedule):\n"
                f"{self.file.module.default_indent}{given} = {schedules}.InverseTimeDecay({lr}, decay_steps=1, decay_rate={decay})"
            )
        return [cst.parse_statement(line + "\n", config=self.file.module.config_for_parsing) for line in lines]

    # -- get_updates -------------------------------------------------------------------------

    def _get_updates(self, function: cst.FunctionDef) -> list[cst.FunctionDef] | None:
        params = function.params
        plain = [p.name.value for p in params.params]
        if params.star_arg is not cst.MaybeSentinel.DEFAULT and params.star_arg is not None or params.kwonly_params or params.star_kwarg:
            self.problem(function, "get_updates takes more than (self, loss, params)")
            return None
        if plain[1:] == ["params", "constraints", "loss"]:
            self.problem(function, "Keras 1 get_updates(params, constraints, loss): migrate it to Keras 2's (loss, params) first")
            return None
        if len(plain) != 3 or plain[0] != "self":
            self.problem(function, "get_updates does not take (self, loss, params)")
            return None
        for call in calls_in(function):
            if isinstance(call.func, cst.Attribute) and call.func.attr.value == "get_updates":
                self.problem(call, "it drives another optimizer's get_updates (a wrapper): Keras 3 has no such method to delegate to; "
                                   "rebuild it on the Keras 3 API (gradient_accumulation_steps, use_ema, or apply() of the inner optimizer)")
                return None
        loss, param_list = plain[1], plain[2]
        grads = None
        build: list[cst.BaseStatement] = []
        before: list[cst.BaseStatement] = []
        loop: cst.For | None = None
        build_locals: set[str] = set()
        step_updates: list[cst.BaseStatement] = []  # of state kept once per step, not per variable
        pending: list[cst.BaseStatement] = []  # empty lists, which a loop may fill with slots
        for statement in unwrap_with(function.body.body, self.is_graph_only):
            if self._is_bookkeeping(statement) or self._is_weights_list(statement):
                continue
            assignment = assignment_of(statement)
            if assignment and isinstance(assignment[1], cst.Call) and flat(assignment[1].func) == "self.get_gradients":
                if grads is not None or not isinstance(assignment[0], cst.Name):
                    self.problem(statement, "gradients taken more than once")
                grads = assignment[0].value
                continue
            if isinstance(statement, cst.If) and self._is_decay(statement):
                continue
            if isinstance(statement, cst.If) and self._branches_make_slots(statement):
                build.append(statement)  # `vhats = [...] if amsgrad`, as an if statement
                continue
            if empty_lists(statement):
                pending.append(statement)  # `ms, vs = [], []`, filled by a loop over the parameters, or not
                continue
            if isinstance(statement, cst.For) and isinstance(statement.iter, cst.Name) and statement.iter.value == param_list and loop is None:
                filled = appended(statement) & set().union(*(empty_lists(p) for p in pending))
                if not filled or not self._makes_state(statement) or grads and grads in names_in(statement):
                    self.problem(statement, "a loop over the parameters that does not only make slot lists")
                    continue
                self.slots |= filled
                build += [p for p in pending if empty_lists(p) & filled] + [statement]
                pending = [p for p in pending if not empty_lists(p) & filled]
                continue
            if isinstance(statement, cst.For):
                if loop is not None:
                    self.problem(statement, "a second loop over the parameters: optfix migrates one")
                loop = statement
                continue
            assignment = assignment_of(statement)
            used = names_in(statement)
            if (
                assignment and isinstance(assignment[0], cst.Name) and not (grads and grads in used)
                and (self._makes_state(assignment[1]) or param_list in used or build_locals & used)
            ):
                build.append(statement)  # a slot list, or what slot lists are made from (`shapes`)
                if not self._makes_state(assignment[1]):
                    build_locals.add(assignment[0].value)
                continue
            if loop is None and self._is_state_update(statement):
                step_updates.append(statement)
                continue
            if "self.updates" in flat(statement):
                self.problem(statement, "self.updates used in a way optfix does not translate")
                continue
            if grads is not None and grads in used or param_list in used:
                self.problem(statement, "a computation over all gradients or parameters at once: Keras 3 updates one variable at a time (update_step)")
                continue
            if loop is not None:
                self.problem(statement, "a statement after the loop over the parameters")
                continue
            if build_locals & used:
                self.problem(statement, f"{', '.join(sorted(build_locals & used))} is needed in both build() and update_step()")
            before.append(statement)
        before = pending + before
        for statement in [*build, *before, *([loop] if loop else [])]:
            for node in attributes_named(statement, "weights"):
                if is_self_attribute(node):
                    self.problem(node, "self.weights used in a way optfix does not translate (Keras 3 optimizers have none; "
                                       "optimizer.variables holds their state)")
        if loop is None or grads is None:
            self.problem(function, "get_updates has no `for ... in zip(params, grads, ...)` loop over the parameters")
            return None
        if loss in set().union(*(names_in(s) for s in before)):
            self.problem(function, "the loss is used other than to take gradients")
        between = [cst.EmptyLine(indent=False)] * max(1, sum(1 for line in function.leading_lines if not line.comment))
        build_method = self._build(build, param_list).with_changes(leading_lines=function.leading_lines)
        step_method = self._update_step(before, loop, param_list, grads)
        methods = [build_method, step_method.with_changes(leading_lines=between)]
        if step_updates:
            methods.append(self._once_per_step(before, step_updates).with_changes(leading_lines=between))
        return methods

    def _is_state_update(self, statement: cst.BaseStatement) -> bool:
        """`self.updates.append((self.m_schedule, new))` (or `K.update(...)`) of a variable made in
        __init__; the variable is then state, made in build()."""
        call = expression_of(statement)
        if not (isinstance(call, cst.Call) and flat(call.func) == "self.updates.append" and len(call.args) == 1):
            return False
        update = call.args[0].value
        if isinstance(update, cst.Tuple) and len(update.elements) == 2:
            target = update.elements[0].value
        elif isinstance(update, cst.Call) and self.backend(update.func) == "update" and len(update.args) == 2:
            target = update.args[0].value
        else:
            return False
        if not (is_self_attribute(target) and target.attr.value in self.hyper):
            return False
        self.state[target.attr.value] = self.hyper[target.attr.value]
        return True

    def _once_per_step(self, before, updates) -> cst.FunctionDef:
        """The updates of state: after the base class has run update_step for every variable, so
        that each of those read the values from before the step, as in Keras 2."""
        translate = _Backend(self, learning_rate="learning_rate")
        needed = set().union(*(names_in(u) for u in updates))
        kept = []
        for statement in reversed(before):
            assignment = assignment_of(statement)
            if assignment and isinstance(assignment[0], cst.Name) and assignment[0].value in needed:
                kept.insert(0, statement)
                needed |= names_in(statement)
        assignments = [line for u in updates for line in self._assignments(u, expression_of(u), translate)]
        return self._method(
            "_backend_update_step(self, grads, trainable_variables, learning_rate)",
            ["super()._backend_update_step(grads, trainable_variables, learning_rate)"],
            [*(s.visit(translate) for s in kept), *assignments],
        )

    def _is_bookkeeping(self, statement: cst.BaseStatement) -> bool:
        """`self.updates = [K.update_add(self.iterations, 1)]`, `self.weights = ...`, `return
        self.updates`: what the Keras 3 base class does itself."""
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            small = statement.body[0]
            if isinstance(small, cst.Return) and small.value is not None and flat(small.value) == "self.updates":
                return True
            assignment = assignment_of(statement)
            if assignment and is_self_attribute(assignment[0], ("updates",)):
                value = assignment[1]
                if isinstance(value, cst.List) and all(self._counts_steps(e.value) for e in value.elements):
                    return True
            expression = expression_of(statement)
            if isinstance(expression, cst.Call) and flat(expression.func) == "self.updates.append" and len(expression.args) == 1:
                return self._counts_steps(expression.args[0].value)
        return False

    def _is_weights_list(self, statement: cst.BaseStatement) -> bool:
        """`self.weights = [self.iterations] + ms + vs` (or `+=`, `.extend(...)`): the legacy
        checkpoint, which Keras 3 keeps itself (optimizer.variables); build() follows its order."""
        if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
            return False
        small, assignment = statement.body[0], assignment_of(statement)
        if assignment and is_self_attribute(assignment[0], ("weights",)):
            self.weights.append((statement, weights_order(assignment[1])))
            return True
        call = small.value if isinstance(small, cst.Expr) else None
        if (isinstance(small, cst.AugAssign) and is_self_attribute(small.target, ("weights",))
                or isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and is_self_attribute(call.func.value, ("weights",))):
            self.weights.append((statement, None))
            return True
        return False

    def _counts_steps(self, node: cst.BaseExpression) -> bool:
        """`K.update_add(self.iterations, 1)`."""
        return (
            isinstance(node, cst.Call) and self.backend(node.func) == "update_add" and len(node.args) == 2
            and flat(node.args[0].value) == "self.iterations" and flat(node.args[1].value) in ("1", "1.0", "1.")
        )

    def _is_decay(self, statement: cst.If) -> bool:
        """`if self.initial_decay > 0: lr = lr * (1. / (1. + self.decay * K.cast(self.iterations, ...)))`,
        which is InverseTimeDecay(lr, decay_steps=1, decay_rate=decay)."""
        if not re.fullmatch(r"self\.initial_decay>0\.?0?", flat(statement.test)) or statement.orelse is not None:
            return False
        body = statement.body.body
        if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine) or len(body[0].body) != 1:
            return False
        step = r"(?:\w+\.cast\(self\.iterations,\w+\.(?:dtype\(self\.decay\)|floatx\(\))\)|self\.iterations)"
        decayed = rf"\(?1\.?0?/\(1\.?0?\+self\.decay\*{step}\)\)?"
        small = flat(body[0].body[0])
        match = re.fullmatch(rf"(\w+)=(\w+)\*{decayed}|(\w+)\*={decayed}", small)
        if not match or match.group(1) != match.group(2) and match.group(3) is None:
            return False
        self.decay = self._init_value("initial_decay")
        return self.decay is not None

    def _init_value(self, attribute: str) -> cst.BaseExpression | None:
        """The name that holds `self.<attribute>` where the migrated __init__ calls the base class:
        the Name assigned to it, or, for a value set before the base class's __init__ (Keras 2.3's
        `self.initial_decay = kwargs.pop('decay', 0.0)`), the local the migration keeps it in."""
        for statement in self.node.body.body:
            if isinstance(statement, cst.FunctionDef) and statement.name.value == "__init__":
                super_seen = False
                for line in unwrap_with(statement.body.body, self.is_graph_only):
                    assignment = assignment_of(line)
                    call = expression_of(line)
                    super_seen = super_seen or isinstance(call, cst.Call) and is_super_init(call)
                    if assignment and is_self_attribute(assignment[0], (attribute,)):
                        if isinstance(assignment[1], cst.Name):
                            return assignment[1]
                        return None if super_seen else cst.Name(attribute)
        return None

    def _makes_state(self, value: cst.BaseExpression) -> bool:
        return any(self.backend(call.func) in facts.STATE for call in calls_in(value))

    def _branches_make_slots(self, statement: cst.If) -> bool:
        """Whether every branch of the if statement only assigns slot lists."""
        branches = [statement.body.body]
        orelse = statement.orelse
        while orelse is not None:
            branches.append(orelse.body.body)
            orelse = orelse.orelse if isinstance(orelse, cst.If) else None
        return all(
            (assignment := assignment_of(line)) and isinstance(assignment[0], cst.Name) and self._makes_state(assignment[1])
            for branch in branches for line in branch
        )

    def _build(self, statements: list[cst.BaseStatement], param_list: str) -> cst.FunctionDef:
        units = [Unit(self._slots_made(s), set() if empty_lists(s) else names_in(s), s) for s in statements]
        units += [Unit([f"self.{name}"], set(), name) for name in self.state]
        body = []
        for unit in self._checkpoint_order(units):
            if isinstance(unit.item, str):
                body.append(self._state_variable(unit.item))
            else:
                body.append(self._in_build(unit.item, param_list))
        indent = self.file.module.default_indent
        return self._method("build(self, var_list)", [f"if self.built:\n{indent}return", "super().build(var_list)"], body)

    def _state_variable(self, name: str) -> cst.BaseStatement:
        value = self.state[name]
        initializer = {0: "'zeros'", 1: "'ones'"}.get(constant(value), f"{self.names.keras}.initializers.Constant({code(value)})")
        if constant(value) is NOT_CONSTANT:
            self.problem(value, f"self.{name} starts at a value build() cannot know: write it out")
        return cst.parse_statement(f"self.{name} = self.add_variable((), initializer={initializer}, name={name!r})\n")

    def _slots_made(self, statement: cst.BaseStatement) -> list[str]:
        """The slot lists a statement of build() makes, in the order it makes them."""
        if isinstance(statement, cst.For):
            return list(dict.fromkeys(name for name in appended_in_order(statement) if name in self.slots))
        if isinstance(statement, cst.If):
            return list(dict.fromkeys(a[0].value for line in branch_lines(statement) if (a := assignment_of(line))))
        assignment = assignment_of(statement)
        if assignment and isinstance(assignment[0], cst.Name) and self._makes_state(assignment[1]):
            return [assignment[0].value]
        return []

    def _computes_for_slots(self, statement: cst.BaseStatement) -> bool:
        """`shape = K.int_shape(p)`: a name computed, no state made."""
        assignment = assignment_of(statement)
        return bool(assignment) and isinstance(assignment[0], cst.Name) and not self._makes_state(assignment[1])

    def _reads_only(self, expression: cst.BaseExpression) -> bool:
        """Whether an expression calls nothing but len() and backend functions that only read."""
        return all(
            flat(call.func) == "len" or (name := self.backend(call.func)) in facts.CALLS or name in facts.EXPRESSIONS
            for call in calls_in(expression)
        )

    def _checkpoint_order(self, units: list[Unit]) -> list[Unit]:
        """The units, reordered so that build() makes the variables in the order of the legacy
        `self.weights`; a review where that order cannot be followed or kept."""
        if not self.weights:
            return units
        statement, order = self.weights[0]
        if order is None or len(self.weights) > 1:
            where = next((s for s, o in self.weights if o is None), self.weights[-1][0])
            self.reviews.append(Problem(where, f"{flat(where)}: optfix cannot follow how self.weights is built, so the optimizer's "
                                               "variables (its checkpoint) may be in another order than the legacy self.weights"))
            return units
        target = [name for name in order if name != ITERATIONS]
        if order.count(ITERATIONS) and order[0] != ITERATIONS:
            self.reviews.append(Problem(statement, "self.weights lists self.iterations after slots: Keras 3's step counter is always "
                                                   "the first of optimizer.variables, so the checkpoint's order differs"))
        made = set(made_order(units))
        unknown = [name for name in target if name not in made]
        if unknown:
            self.reviews.append(Problem(statement, f"self.weights holds {', '.join(unknown)}, which the migrated optimizer does not "
                                                   "keep as variables: its checkpoint holds fewer variables than the legacy one"))
        split = []
        for unit in units:
            if isinstance(unit.item, cst.For) and len(unit.makes) > 1:
                ranked = sorted(unit.makes, key=lambda name: target.index(name) if name in target else len(target))
                loops = split_loop(unit.item, ranked, self._computes_for_slots, self._reads_only)
                if loops is not None:
                    split += [Unit([name], unit.reads, loop) for name, loop in zip(ranked, loops)]
                    continue
            split.append(unit)
        wanted = [name for name in target if name in made] + [name for name in made_order(units) if name not in target]
        if made_order(split) == wanted and all(len(unit.makes) < 2 for unit in split):
            return split if len(split) > len(units) else units
        ordered = in_checkpoint_order(split, target)
        if ordered is None or made_order(ordered) != wanted:
            self.reviews.append(Problem(statement, "build() cannot make the slots in the order self.weights lists them: Keras 3's "
                                                   "optimizer.variables (and so its checkpoints) follow build()'s order, which differs"))
            return units
        return ordered

    def _in_build(self, statement: cst.BaseStatement, param_list: str) -> cst.BaseStatement:
        """A statement of get_updates as build() has it: slot lists become attributes of
        variables made by the optimizer, over `var_list`."""
        if isinstance(statement, cst.If):
            changes = {"body": statement.body.with_changes(body=[self._in_build(s, param_list) for s in statement.body.body]),
                       "test": statement.test.visit(_Slots(self, "", param_list)).visit(_Backend(self))}
            if isinstance(statement.orelse, cst.If):
                changes["orelse"] = self._in_build(statement.orelse, param_list)
            elif isinstance(statement.orelse, cst.Else):
                orelse = statement.orelse
                changes["orelse"] = orelse.with_changes(body=orelse.body.with_changes(body=[self._in_build(s, param_list) for s in orelse.body.body]))
            return statement.with_changes(**changes)
        if isinstance(statement, cst.For):  # `for p in params: ms.append(K.zeros(...))`
            body = statement.body.with_changes(body=[self._in_build(s, param_list) for s in statement.body.body])
            return statement.with_changes(iter=cst.Name("var_list"), body=body)
        call = expression_of(statement)
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and flat(call.func.value) in self.slots:
            name = call.func.value.value
            slot = call.with_changes(
                func=cst.parse_expression(f"self.{name}.{call.func.attr.value}"),
                args=[arg.with_changes(value=arg.value.visit(_Slots(self, name, param_list)).visit(_Backend(self))) for arg in call.args],
            )
            return statement.with_changes(body=[statement.body[0].with_changes(value=slot)])
        target, value = assignment_of(statement)
        if isinstance(target, cst.Tuple) and empty_lists(statement):
            names = ", ".join(f"self.{e.value.value}" for e in target.elements)
            return statement.with_changes(body=[statement.body[0].with_changes(targets=[cst.AssignTarget(cst.parse_expression(names))])])
        if isinstance(target, cst.Name) and target.value in self.slots and empty_lists(statement):
            return statement.with_changes(body=[statement.body[0].with_changes(targets=[cst.AssignTarget(cst.parse_expression(f"self.{target.value}"))])])
        if self._makes_state(value):
            self.slots.add(target.value)
            new_target = cst.parse_expression(f"self.{target.value}")
        else:
            new_target = target
        value = value.visit(_Slots(self, target.value, param_list)).visit(_Backend(self))
        small = statement.body[0].with_changes(targets=[cst.AssignTarget(new_target)], value=value)
        return statement.with_changes(body=[small])

    def _update_step(self, before, loop: cst.For, param_list: str, grads: str) -> cst.FunctionDef:
        target, zipped = loop.target, loop.iter
        if not (isinstance(zipped, cst.Call) and flat(zipped.func) == "zip" and all(isinstance(a.value, cst.Name) and not a.star for a in zipped.args)):
            self.problem(loop, "the loop is not over zip(params, grads, slot lists...)")
            return loop
        sources = [a.value.value for a in zipped.args]
        if param_list not in sources or grads not in sources or any(s not in (param_list, grads, *self.slots) for s in sources):
            self.problem(loop, "the loop zips lists other than the parameters, gradients and slot lists")
            return loop
        if not isinstance(target, cst.Tuple) or len(target.elements) != len(sources):
            self.problem(loop, "the loop's target does not unpack one name per zipped list")
            return loop
        variable_name = target.elements[sources.index(param_list)].value
        for node in attributes_named(loop.body, "name"):
            if isinstance(node.value, cst.Name) and isinstance(variable_name, cst.Name) and node.value.value == variable_name.value:
                self.reviews.append(Problem(node, f"{code(node)}: Keras 3 names variables by their layer's attribute "
                                                  "('kernel', not 'dense/kernel:0'): check what is matched against it"))
        values = []
        for source in sources:
            values.append("variable" if source == param_list else "gradient" if source == grads else f"self.{source}[index]")
        header = [f"learning_rate = {self.names.ops}.cast(learning_rate, variable.dtype)"]
        if self.slots:
            header.append("index = self._get_variable_index(variable)")
        header.append(f"{code(target).strip()} = {', '.join(values)}")
        translate = _Backend(self, learning_rate="learning_rate")
        body = [s.visit(translate) for s in before] + self._loop_body(loop.body.body, translate, {param_list, grads})
        return self._method("update_step(self, gradient, variable, learning_rate)", header, body)

    def _method(self, signature: str, opening: list[str], body: list[cst.BaseStatement]) -> cst.FunctionDef:
        """`def <signature>:` in the file's indentation, its `opening` lines (code) then `body`."""
        indent = self.file.module.default_indent
        lines = "".join(indent + line.replace("\n", "\n" + indent) + "\n" for line in opening)
        method = cst.parse_statement(f"def {signature}:\n{lines}", config=self.file.module.config_for_parsing)
        return method.with_changes(body=method.body.with_changes(body=[*method.body.body, *body]))

    def _loop_body(self, statements, translate: _Backend, whole_lists: set[str]) -> list[cst.BaseStatement]:
        body = []
        for statement in statements:
            if isinstance(statement, cst.If) and "constraint" in flat(statement.test):
                continue  # Keras 3 applies constraints after update_step
            if whole_lists & names_in(statement):
                self.problem(statement, "the loop body reads the whole list of parameters or gradients")
                continue
            expression = expression_of(statement)
            if isinstance(expression, cst.Call) and flat(expression.func) in ("self.updates.append", "self.updates.extend"):
                body += self._assignments(statement, expression, translate)
            elif isinstance(statement, (cst.If, cst.With)) and isinstance(statement.body, cst.IndentedBlock):
                body.append(self._nested(statement, translate, whole_lists))
            elif "self.updates" in flat(statement):
                self.problem(statement, "self.updates used in a way optfix does not translate")
            else:
                body.append(statement.visit(translate))
        return body

    def _nested(self, statement, translate: _Backend, whole_lists: set[str]):
        """An if/with block of the loop body, its blocks translated like the body itself."""
        def block(suite: cst.IndentedBlock) -> cst.IndentedBlock:
            return suite.with_changes(body=self._loop_body(suite.body, translate, whole_lists) or [cst.SimpleStatementLine([cst.Pass()])])

        changes = {"body": block(statement.body)}
        if isinstance(statement, cst.If):
            changes["test"] = statement.test.visit(translate)
            orelse = statement.orelse
            if isinstance(orelse, cst.If):
                changes["orelse"] = self._nested(orelse, translate, whole_lists)
            elif isinstance(orelse, cst.Else):
                changes["orelse"] = orelse.with_changes(body=block(orelse.body))
        else:
            changes["items"] = [item.visit(translate) for item in statement.items]
        return statement.with_changes(**changes)

    def _assignments(self, statement, call: cst.Call, translate: _Backend) -> list[cst.BaseStatement]:
        """`self.updates.append(K.update(m, m_t))` -> `self.assign(m, m_t)`; `extend([...])` one each."""
        if len(call.args) != 1:
            self.problem(statement, "self.updates.append() with other than one update")
            return []
        argument = call.args[0].value
        items = [e.value for e in argument.elements] if flat(call.func).endswith("extend") and isinstance(argument, (cst.List, cst.Tuple)) else [argument]
        result = []
        for index, item in enumerate(items):
            if isinstance(item, cst.Call) and self.backend(item.func) in facts.UPDATES and len(item.args) == 2:
                method, args = facts.UPDATES[self.backend(item.func)], item.args
            elif isinstance(item, cst.Tuple) and len(item.elements) == 2:
                method, args = "assign", [cst.Arg(e.value) for e in item.elements]
            else:
                self.problem(statement, f"an update optfix does not recognise: {code(item)}")
                continue
            written = cst.Call(cst.parse_expression(f"self.{method}"), [
                cst.Arg(args[0].value, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))), cst.Arg(args[1].value)
            ]).visit(translate)
            line = statement.with_changes(body=[cst.Expr(written)])
            if index:
                line = line.with_changes(leading_lines=[])
            result.append(line)
        return result

    # -- get_config --------------------------------------------------------------------------

    def _get_config(self, function: cst.FunctionDef) -> cst.FunctionDef:
        return function.visit(_Config(self, merges_base_config(function))).visit(_Backend(self))


class _Slots(cst.CSTTransformer):
    """Inside a slot list: `K.zeros(K.int_shape(p), dtype=K.dtype(p))` over `params` ->
    `self.add_variable_from_reference(p, name=...)` over `var_list`."""

    def __init__(self, migration: Migration, name: str, param_list: str) -> None:
        super().__init__()
        self.migration, self.name, self.param_list = migration, name, param_list

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        return updated.with_changes(value="var_list") if original.value == self.param_list else updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        function = self.migration.backend(original.func)
        if function not in facts.STATE:
            return updated
        initializer = facts.INITIALIZERS.get(function)
        args = original.args
        if function == "variable" and args and self._full(args[0].value):
            return self._full(args[0].value)
        if function == "variable" or initializer is None or not args:
            self.migration.problem(original, _unknown(function))
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
        """`np.full(fill_value=c, shape=K.int_shape(p))`, a slot that starts at c, as the
        variable `K.variable` made of it."""
        if not (isinstance(value, cst.Call) and flat(value.func) in ("np.full", "numpy.full")):
            return None
        arguments = {arg.keyword.value if arg.keyword else ("shape", "fill_value")[index]: arg.value for index, arg in enumerate(value.args)}
        shape, fill = arguments.get("shape"), arguments.get("fill_value")
        if set(arguments) != {"shape", "fill_value"} or not (isinstance(shape, cst.Call) and self.migration.backend(shape.func) == "int_shape"):
            return None
        initializer = f"{self.migration.names.keras}.initializers.Constant({code(fill)})"
        return cst.parse_expression(f"self.add_variable_from_reference({code(shape.args[0].value)}, name={self.name!r}, initializer={initializer})")


class _Config(cst.CSTTransformer):
    """get_config: `K.get_value(self.x)` -> `self.x`; where it merges the base class's config,
    which holds the learning rate (as `learning_rate`), the class's own learning-rate entries go.
    (optfix.rulekit.config_round_trip checks the keys that are left against __init__.)"""

    def __init__(self, migration: Migration, merged: bool) -> None:
        super().__init__()
        self.migration = migration
        self.merged = merged

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if self.migration.backend(original.func) in ("get_value", "eval") and len(updated.args) == 1 and is_self_attribute(original.args[0].value):
            return updated.args[0].value
        if self.merged and (flat(original.func) == "dict" or isinstance(original.func, cst.Attribute) and original.func.attr.value == "update"):
            kept = [arg for arg in updated.args if not (arg.keyword and arg.keyword.value in LEARNING_RATES)]
            if len(kept) < len(updated.args):
                return updated.with_changes(args=[*kept[:-1], kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)] if kept else [])
        return updated

    def leave_SimpleStatementLine(self, original, updated):
        """`config['lr'] = ...` goes, and so does an update() left with nothing to update."""
        if self.merged and flat(original) != flat(updated) and re.fullmatch(r"\w+\.update\((\{\})?\)", flat(updated)):
            return cst.RemoveFromParent()
        assignment = assignment_of(updated)
        if self.merged and assignment and isinstance(assignment[0], cst.Subscript) and len(assignment[0].slice) == 1:
            index = assignment[0].slice[0].slice
            if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString) and index.value.evaluated_value in LEARNING_RATES:
                return cst.RemoveFromParent()
        return updated

    def leave_Dict(self, original: cst.Dict, updated: cst.Dict) -> cst.Dict:
        if not self.merged:
            return updated
        kept = [
            element for element in updated.elements
            if not (isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)
                    and element.key.evaluated_value in LEARNING_RATES)
        ]
        if len(kept) == len(updated.elements):
            return updated
        if kept and len(kept) < len(updated.elements):
            last = updated.elements[-1]
            kept[-1] = kept[-1].with_changes(comma=last.comma)
        return updated.with_changes(elements=kept)


