"""`__init__` migrated: `K.variable` hyperparameters as values, the learning rate (and its decay) to the base class."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from optfix.analysis.tree import code
from optfix.codemods.get_updates.backend_calls import BackendCalls
from optfix.codemods.get_updates.class_code import free_name, unwrap_with
from optfix.rulekit.class_code import (
    LEARNING_RATES,
    assignment_of,
    expression_of,
    flat,
    is_self_attribute,
    is_super_init,
    names_in,
)
from optfix.lazy import libcst as cst

if TYPE_CHECKING:
    from optfix.codemods.get_updates.migration import Migration


def hyperparameters(migration: Migration, init: cst.FunctionDef) -> dict[str, cst.BaseExpression]:
    """`self.X = K.variable(value, ...)` in __init__: X -> value."""
    found = {}
    for statement in unwrap_with(init.body.body, migration.is_graph_only):
        assignment = assignment_of(statement)
        if assignment is None or not is_self_attribute(assignment[0]):
            continue
        target, value = assignment
        if isinstance(value, cst.Call) and migration.backend(value.func) in ("variable", "constant") and value.args:
            found[target.attr.value] = value.args[0].value
            dtype = [arg.value for i, arg in enumerate(value.args) if (arg.keyword.value == "dtype" if arg.keyword else i == 1)]
            if dtype:
                migration.dtypes[target.attr.value] = dtype[0]
    if not any(name in found for name in LEARNING_RATES):
        found.update(_plain_rate(migration, init))
    return found


def _plain_rate(migration: Migration, init: cst.FunctionDef) -> dict[str, cst.BaseExpression]:
    """`self.lr = lr`, the learning rate kept as the number a parameter gave: held as a
    K.variable one is, by the base class in Keras 3."""
    params = init.params
    names = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
    for statement in unwrap_with(init.body.body, migration.is_graph_only):
        assignment = assignment_of(statement)
        if assignment and is_self_attribute(assignment[0], LEARNING_RATES) and isinstance(assignment[1], cst.Name) \
                and assignment[1].value in names:
            return {assignment[0].attr.value: assignment[1]}
    return {}


def migrated_init(migration: Migration, init: cst.FunctionDef) -> cst.FunctionDef:
    """The Keras 3 __init__: the learning rate given to the base class's __init__, before which
    nothing is set on `self`; the hyperparameters plain values, the base class's state gone. A
    subclass of a migrated base class of the file (`migration.parent`) leaves the learning rate
    to that class's __init__."""
    hyper = migration.hyper
    learning_rate = next((hyper[name] for name in LEARNING_RATES if name in hyper), None)
    params = init.params
    names = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
    kwargs = params.star_kwarg.name.value if isinstance(params.star_kwarg, cst.Param) else None
    if migration.parent is not None:
        if kwargs is None:
            migration.problem(init, "__init__ takes no **kwargs: Keras 3 gives name and clipping arguments through them (from_config too)")
            return init
        return _init_body(migration, init, names | {kwargs}, None)
    if not isinstance(learning_rate, cst.Name) or learning_rate.value not in names:
        migration.problem(init, "the learning rate is not a parameter of __init__ held in K.variable(...): optfix cannot pass it to the Keras 3 base class")
        return init
    if kwargs is None:
        migration.problem(init, "__init__ takes no **kwargs: Keras 3 gives name and clipping arguments through them (from_config too)")
        return init
    lr = learning_rate.value
    default = next((p.default for p in (*params.posonly_params, *params.params, *params.kwonly_params) if p.name.value == lr), None)
    if isinstance(default, _NOT_NUMBERS):
        migration.problem(default, f"the learning rate's default, {code(default)}, is not a number: Keras 3's base class takes one "
                                   "number or schedule as learning_rate")
        return init
    lines = unwrap_with(init.body.body, migration.is_graph_only)
    base_init = next((i for i, line in enumerate(lines) if isinstance(call := expression_of(line), cst.Call) and is_super_init(call)), None)
    read_later = base_init is not None and any(lr in names_in(line) for line in lines[base_init + 1:] if not _dropped(migration, line))
    # the schedule gets a name of its own where __init__ goes on to read the number
    given = free_name(f"{lr}_schedule", names | names_in(init.body)) if read_later and migration.decay is not None else lr
    return _init_body(migration, init, names | {lr, kwargs}, (lr, kwargs, given))


def _init_body(migration: Migration, init: cst.FunctionDef, taken: set[str], learning_rate: tuple[str, str, str] | None) -> cst.FunctionDef:
    """__init__'s statements migrated; `learning_rate`: the parameter holding it, the **kwargs,
    and the name to give the base class (None: the base class of the file's own takes it)."""
    hyper = migration.hyper
    statements = []
    super_seen = False
    deferred = []  # `self.x = ...` before the base class's __init__, which Keras 3 forbids
    for statement in unwrap_with(init.body.body, migration.is_graph_only):
        assignment = assignment_of(statement)
        if assignment and is_self_attribute(assignment[0]) and not super_seen:
            statement, attribute = _held_in_local(migration, statement, taken | names_in(init.body))
            if statement is None:
                return init
            deferred.append(attribute)
        elif assignment and is_self_attribute(assignment[0]):
            attribute = assignment[0].attr.value
            if _dropped(migration, statement):
                continue
            if attribute in hyper:
                value = hyper[attribute]
                small = statement.body[0]
                statement = statement.with_changes(body=[small.with_changes(value=value)])
        call = expression_of(statement)
        if isinstance(call, cst.Call) and is_super_init(call):
            super_seen = True
            if learning_rate is not None:
                statements += _before_super(migration, *learning_rate)
                keyword = cst.Arg(cst.Name(learning_rate[2]), keyword=cst.Name("learning_rate"),
                                  equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))
                call = call.with_changes(args=[keyword, *call.args])
                statement = statement.with_changes(body=[statement.body[0].with_changes(value=call)])
            statements.append(statement.visit(BackendCalls(migration)))
            statements += [cst.parse_statement(f"self.{attribute} = {attribute}\n") for attribute in deferred]
            continue
        if super_seen:
            statement = statement.visit(_ValuesRead(migration, learning_rate[0] if learning_rate else None))
        statements.append(statement.visit(BackendCalls(migration)))
    if not super_seen:
        migration.problem(init, "__init__ does not call the base class's __init__")
    return init.with_changes(body=init.body.with_changes(body=statements))


_NOT_NUMBERS = (cst.List, cst.Tuple, cst.Dict, cst.Set, cst.SimpleString, cst.ConcatenatedString, cst.FormattedString,
                cst.ListComp, cst.DictComp, cst.SetComp, cst.GeneratorExp, cst.Lambda)


def _dropped(migration: Migration, statement: cst.CSTNode) -> bool:
    """Whether the statement of __init__ sets what the Keras 3 base class holds (the step
    counter, the learning rate) or state that build() makes."""
    assignment = assignment_of(statement)
    if assignment is None or not is_self_attribute(assignment[0]):
        return False
    attribute = assignment[0].attr.value
    return attribute == "iterations" or attribute in LEARNING_RATES and attribute in migration.hyper or attribute in migration.state



def _held_in_local(migration: Migration, statement, taken: set[str]):
    """`self.x = value` as `x = value`, to set the attribute once the base class is built."""
    target = statement.body[0].targets[0].target
    name = target.attr.value
    if name in taken:
        migration.problem(statement, f"self.{name} is set before the base class's __init__ and {name} names something else there: Keras 3 wants the base class built first")
        return None, name
    small = statement.body[0].with_changes(targets=[cst.AssignTarget(cst.Name(name))])
    return statement.with_changes(body=[small]), name


def _before_super(migration: Migration, lr: str, kwargs: str, given: str) -> list[cst.BaseStatement]:
    """What comes before the base class's __init__, which is given the learning rate as `given`."""
    lines = []
    indent = migration.file.module.default_indent
    if migration.unclipped:
        lines.append(f"for unused in ('clipnorm', 'clipvalue'):  # Keras 2 did not clip the gradients get_updates took: nor does this\n"
                     f"{indent}{kwargs}.pop(unused, None)")
    elif migration.global_norm:
        lines.append(f"if {kwargs}.get('clipnorm'):  # Keras 2 clipped the norm of all the gradients together\n"
                     f"{indent}{kwargs}['global_clipnorm'] = {kwargs}.pop('clipnorm')")
    if lr != "learning_rate":
        lines.append(f"{lr} = {kwargs}.pop('learning_rate', {lr})")
    if given != lr:
        lines.append(f"{given} = {lr}")
    if migration.decay is not None:
        schedules = f"{migration.names.keras}.optimizers.schedules"
        decay = code(migration.decay)
        condition = f"if {decay} > 0 and not isinstance({lr}, {schedules}.LearningRateSchedule):\n"
        if given != lr:  # __init__ reads the number later: from from_config, it comes back inside the schedule
            condition = (f"if {decay} > 0 and isinstance({lr}, {schedules}.InverseTimeDecay):\n"
                         f"{indent}{lr} = {lr}.initial_learning_rate\nel{condition}")
        lines.append(f"{condition}{indent}{given} = {schedules}.InverseTimeDecay({lr}, decay_steps=1, decay_rate={decay})")
    return [cst.parse_statement(line + "\n", config=migration.file.module.config_for_parsing) for line in lines]


def is_decay(migration: Migration, statement: cst.If) -> bool:
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
    if migration.parent is not None:  # the base class of the file's own made the schedule, or not
        return migration.parent.decays
    migration.decay = _init_value(migration, "initial_decay")
    return migration.decay is not None


def _init_value(migration: Migration, attribute: str) -> cst.BaseExpression | None:
    """The name that holds `self.<attribute>` where the migrated __init__ calls the base class:
    the Name assigned to it, or, for a value set before the base class's __init__ (Keras 2.3's
    `self.initial_decay = kwargs.pop('decay', 0.0)`), the local the migration keeps it in."""
    for statement in migration.node.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == "__init__":
            super_seen = False
            for line in unwrap_with(statement.body.body, migration.is_graph_only):
                assignment = assignment_of(line)
                call = expression_of(line)
                super_seen = super_seen or isinstance(call, cst.Call) and is_super_init(call)
                if assignment and is_self_attribute(assignment[0], (attribute,)):
                    if isinstance(assignment[1], cst.Name):
                        return assignment[1]
                    return None if super_seen else cst.Name(attribute)
    return None



class _ValuesRead(cst.CSTTransformer):
    """`K.get_value(self.x)` of a hyperparameter, in __init__ after the base class's: the value
    it was made from, the plain attribute now (the learning rate: the parameter holding it)."""

    def __init__(self, migration: Migration, learning_rate: str | None) -> None:
        super().__init__()
        self.migration, self.learning_rate = migration, learning_rate

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if not (self.migration.backend(original.func) in ("get_value", "eval") and len(original.args) == 1):
            return updated
        read = original.args[0].value
        if not is_self_attribute(read, tuple(self.migration.hyper)):
            return updated
        if read.attr.value in LEARNING_RATES:
            return cst.Name(self.learning_rate) if self.learning_rate else updated
        return read
