"""A variable of the optimizer that OptimizerV2 updated once per step, before the variables'
updates read it: tf.keras 2's Nadam and its momentum cache.

    def _create_slots(self, var_list):
        if self._m_cache is None:
            self._m_cache = self.add_weight("momentum_cache", shape=[], dtype=var_dtype, initializer="ones", ...)
    def _prepare(self, var_list):
        self._m_cache_read = tf.identity(self._m_cache)        # the value before the step
        return super()._prepare(var_list)
    def _prepare_local(self, var_device, var_dtype, apply_state):  # (or the update methods)
        m_schedule_new = tf.cast(self._m_cache_read, var_dtype) * m_t
        if var_dtype is self._m_cache.dtype:
            m_schedule_new = tf.identity(tf.compat.v1.assign(self._m_cache, m_schedule_new))

Each write computes the new value from the snapshot taken before the step, so every write of a
step writes the same value and the updates read that value. Keras 3 does such work where its own
Nadam does, once per step before the updates: `_backend_update_step` computes the value from the
variable (which still holds the snapshot) and assigns it, then calls the base class's; the
variable is made in `build()` with its initial value and dtype; where the update read the written
value (`m_schedule_new = tf.identity(assign(...))`) it reads the variable, cast to its dtype.
The guard on the dtype goes: a variable of another dtype, for which OptimizerV2 computed the value
in that dtype without writing it, reads the written value cast (the same up to rounding). The
statements that only fed the write go from the update. Where anything else reads the snapshot (the value before the step), or the new value depends on
the model variable, its gradient or the variable itself rather than the snapshot, it is not this
shape: the class is left to the other checks, or refused with the reason.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from optfix.analysis.tree import code, descendants
from optfix.codemods.optimizer_v2.expressions import argument, literal, self_method
from optfix.codemods.optimizer_v2.statements import Statements
from optfix.knowledge import optimizer_v2 as api
from optfix.knowledge.tf_math import IDENTITY
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import Problem, assignment_of, descendant_ids, expression_of, is_docstring, is_self_attribute, is_super_call

if TYPE_CHECKING:
    from optfix.codemods.optimizer_v2.migration import Migration

_KEPT = ("__init__", api.SLOTS, api.STEP_PREPARATION)  # methods that do not write the variable
_PARAMETERS = ("grads", "trainable_variables", "learning_rate")  # of Keras 3's _backend_update_step


class StepVariable:
    """Found by `step_variable()`; `node` is the class rewritten to read the variable."""

    def __init__(self, migration: Migration, variable: str, snapshot: str) -> None:
        self.migration, self.variable, self.snapshot = migration, variable, snapshot
        self.original: cst.ClassDef = migration.node  # the class as written
        self.node: cst.ClassDef = migration.node
        self.lines: list[cst.BaseStatement] = []  # the new value, computed from the variable
        self.value: cst.BaseExpression | None = None
        self.dtypes: list[str] = []

    def on_original(self, reviews: list[Problem]) -> list[Problem]:
        """The reviews, each at a node of the class as written: a rewritten method's at the method."""
        original = self.original
        originals = descendant_ids(original)
        methods = {s.name.value: s for s in original.body.body if isinstance(s, cst.FunctionDef)}
        located = []
        for review in reviews:
            node = review.node
            if id(node) not in originals:
                node = methods.get(node.name.value, original.name) if isinstance(node, cst.FunctionDef) else original.name
            located.append(Problem(node, review.message))
        return located

    def method(self) -> cst.FunctionDef:
        """`_backend_update_step`, in Keras 3 terms."""
        migration = self.migration
        lines = Statements(migration, migration.translator(), updates=True).body(list(self.lines))
        value = code(self.value.visit(migration.translator()))
        opening = [f"{name} = self.{self.variable}.dtype" for name in self.dtypes]  # none where the value reads no dtype
        text = "\n".join([f"def _backend_update_step(self, {', '.join(_PARAMETERS)}):",
                          *(f"    {line}" for line in opening), *(f"    {line}" if line.strip() else "" for line in _code_lines(lines)),
                          f"    self.assign(self.{self.variable}, {value})",
                          f"    super()._backend_update_step({', '.join(_PARAMETERS)})", ""])
        made = cst.parse_statement(text, config=migration.file.module.config_for_parsing)
        return made.with_changes(leading_lines=[cst.EmptyLine(indent=False)])


def step_variable(migration: Migration, methods: dict[str, cst.FunctionDef]) -> StepVariable | None:
    """The class's step-wide variable, its writes rewritten; None where the class has none of this
    shape (or with a problem, where it has one optfix cannot move)."""
    prepare = methods.get(api.STEP_PREPARATION)
    create = methods.get(api.SLOTS)
    if prepare is None or create is None:
        return None
    found = _snapshot(migration, prepare)
    if found is None:
        return None
    snapshot_line, snapshot, variable = found
    made = _made_in(create, variable)
    if made is None:
        return None
    step = StepVariable(migration, variable, snapshot)
    replaced: dict[int, cst.CSTNode | None] = {id(snapshot_line): None}
    rest = [s for s in prepare.body.body if s is not snapshot_line and not is_docstring(s)]
    if len(rest) == 1 and _returns_base_prepare(rest[0]):
        replaced = {id(prepare): None}
    new_variable = _as_keras3_variable(migration, made[1], variable)
    if new_variable is None:
        return None
    replaced[id(made[0])] = new_variable
    for statement in create.body.body:
        if code(statement).replace(" ", "").strip() == f"self._weights.append(self.{variable})":
            replaced[id(statement)] = None  # OptimizerV2's list of weights: Keras 3 keeps its own
    written: list[str] = []
    for name, method in methods.items():
        if name in _KEPT or not isinstance(method.body, cst.IndentedBlock):
            continue
        rewritten = _rewritten_writer(step, method, written)
        if rewritten is None:
            return None
        replaced[id(method)] = rewritten
    if not written:
        return None
    if len(set(written)) > 1:
        migration.problem(methods[api.STEP_PREPARATION], f"its methods write different values to self.{variable} in one step: "
                                                         "Keras 3 would update it once, before the updates")
        return None
    body = []
    for statement in migration.node.body.body:  # the class's own nodes (its bases) kept as they are
        if id(statement) in replaced:
            body += [replaced[id(statement)]] if replaced[id(statement)] is not None else []
        else:
            body.append(statement.visit(_Replace(replaced)))
    node = migration.node.with_changes(body=migration.node.body.with_changes(body=body))
    for attribute in descendants(node, cst.Attribute):
        if is_self_attribute(attribute) and attribute.attr.value == snapshot:
            migration.problem(attribute, f"it reads self.{snapshot}, the value of self.{variable} before the step's update, beside "
                                         f"computing that update: Keras 3 updates self.{variable} once per step before the updates "
                                         "(in _backend_update_step) and keeps no value from before it")
            return None
    step.node = node
    return step


def _snapshot(migration: Migration, prepare: cst.FunctionDef) -> tuple[cst.BaseStatement, str, str] | None:
    """(statement, snapshot attribute, variable attribute) of `self.R = tf.identity(self.X)`."""
    for statement in prepare.body.body:
        assignment = assignment_of(statement)
        if assignment is None or not is_self_attribute(assignment[0]) or not isinstance(assignment[1], cst.Call):
            continue
        call = assignment[1]
        if migration.qualified(call.func) in IDENTITY and len(call.args) == 1 and is_self_attribute(call.args[0].value):
            return statement, assignment[0].attr.value, call.args[0].value.attr.value
    return None


def _made_in(create: cst.FunctionDef, variable: str) -> tuple[cst.BaseStatement, cst.Call] | None:
    """The statement of _create_slots that makes the variable (`if self.X is None:` around it,
    and the legacy `self._weights.append(self.X)`, included) and its add_weight() call."""
    for statement in create.body.body:
        block = statement
        if isinstance(statement, cst.If) and statement.orelse is None and code(statement.test).replace(" ", "") == f"self.{variable}isNone":
            body = [s for s in statement.body.body if code(s).replace(" ", "").strip() != f"self._weights.append(self.{variable})"]
            if len(body) != 1:
                continue
            block = body[0]
        assignment = assignment_of(block)
        if assignment is not None and is_self_attribute(assignment[0]) and assignment[0].attr.value == variable \
                and isinstance(assignment[1], cst.Call) and self_method(assignment[1]) == "add_weight":
            return statement, assignment[1]
    return None


def _as_keras3_variable(migration: Migration, call: cst.Call, variable: str) -> cst.BaseStatement | None:
    """`self.X = self.add_variable(...)` with add_weight's name, shape, initial value and dtype
    (OptimizerV2's add_weight made float32 where given no dtype)."""
    name, shape = argument(call, 0, "name"), argument(call, 1, "shape")
    dtype, initializer, trainable = argument(call, 2, "dtype"), argument(call, 3, "initializer"), argument(call, 4, "trainable")
    value = literal(initializer) if initializer is not None else "zeros"
    if name is None or shape is None or value not in api.INITIALIZER_STRINGS or trainable is not None and code(trainable) != "False":
        migration.problem(call, f"self.{variable} is made with arguments optfix does not move to Keras 3's add_variable(): a name, "
                                "a shape, a dtype, and 'zeros' or 'ones'")
        return None
    written_dtype = code(dtype) if dtype is not None else migration.string("float32")
    initial = code(initializer) if initializer is not None else migration.string("zeros")
    text = (f"self.{variable} = self.add_variable(shape={code(shape)}, initializer={initial}, dtype={written_dtype}, "
            f"name={code(name)})\n")
    return cst.parse_statement(text, config=migration.file.module.config_for_parsing)


def _returns_base_prepare(statement: cst.BaseStatement) -> bool:
    small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 else None
    return isinstance(small, cst.Return) and isinstance(small.value, cst.Call) and is_super_call(small.value, api.STEP_PREPARATION)


def _rewritten_writer(step: StepVariable, method: cst.FunctionDef, written: list[str]) -> cst.FunctionDef | None:
    """The method with its write of the variable read back instead; None where it writes it
    otherwise than as a statement of its own (left to the other checks), or, with a problem, from
    other than the snapshot and the step's numbers."""
    migration, variable = step.migration, step.variable
    body = list(method.body.body)
    statements = Statements(migration, migration.translator(), updates=True)
    writes = [c for c in descendants(method, cst.Call) if _writes(statements, c, variable)]
    if not writes:
        return method
    params = [p.name.value for p in method.params.params]
    found = [(index, w) for index, statement in enumerate(body) if (w := _write(statements, statement, variable)) is not None]
    if len(writes) != 1 or len(found) != 1:
        return None
    [(index, (target, value))] = found
    lines, dtypes, why = _slice(body[:index], value, params, method.name.value, step)
    if why is not None:
        migration.problem(body[index], f"it writes self.{variable} in {method.name.value}() from the snapshot _prepare() takes, but "
                                       f"{why}: Keras 3 writes it once per step, before the updates (in _backend_update_step)")
        return None
    written.append(ast.dump(ast.parse(code(cst.Module(body=[*lines, cst.SimpleStatementLine([cst.Expr(value)])])))))
    if step.value is None:  # the first writer's statements (all compute the same)
        step.lines = [s.visit(_SnapshotAsVariable(step.snapshot, variable)) for s in lines]
        step.value, step.dtypes = value.visit(_SnapshotAsVariable(step.snapshot, variable)), dtypes
    migration.uses_ops = True
    ops = migration.names.ops
    read = f"{ops}.cast(self.{variable}, {dtypes[0]})" if dtypes else f"{ops}.convert_to_tensor(self.{variable})"
    kept = body[:index] + ([] if target is None else [cst.parse_statement(f"{target} = {read}\n")]) + body[index + 1:]
    feeding = {id(s) for s in lines}
    return method.with_changes(body=method.body.with_changes(body=_without_dead_lines(kept, step.snapshot, feeding)))


def _writes(statements: Statements, node: cst.CSTNode, variable: str) -> bool:
    found = statements.assign_call(node)
    return found is not None and is_self_attribute(found[1]) and found[1].attr.value == variable


def _write(statements: Statements, statement: cst.BaseStatement, variable: str) -> tuple[str | None, cst.BaseExpression] | None:
    """(name bound to the written value, or None; the value) of `self.X.assign(v)`, `name =
    tf.identity(tf.compat.v1.assign(self.X, v))`, alone or under `if <dtype> is self.X.dtype:`."""
    if isinstance(statement, cst.If) and statement.orelse is None and isinstance(statement.body, cst.IndentedBlock) \
            and len(statement.body.body) == 1 and f"self.{variable}.dtype" in code(statement.test):
        statement = statement.body.body[0]
    call, target = expression_of(statement), None
    assignment = assignment_of(statement)
    if assignment is not None and isinstance(assignment[0], cst.Name):
        target, call = assignment[0].value, assignment[1]
    while isinstance(call, cst.Call) and statements.migration.qualified(call.func) in IDENTITY and len(call.args) == 1:
        call = call.args[0].value
    found = statements.assign_call(call) if call is not None else None
    if found is None or found[0] != "assign" or not is_self_attribute(found[1]) or found[1].attr.value != variable:
        return None
    return target, found[2]


def _slice(before: list[cst.BaseStatement], value: cst.BaseExpression, params: list[str], method: str,
           step: StepVariable) -> tuple[list[cst.BaseStatement], list[str], str | None]:
    """The statements the value needs and the names of the dtype among them; or why they cannot
    be computed once per step: they need the method's other parameters (the variable, its
    gradient), the step-wide variable itself, or a name bound otherwise than by one assignment."""
    dtype_params = {params[2]} if method == api.PREPARE and len(params) == 4 else set()
    needed = _names(value)
    lines, dtypes = [], []
    itself = f"it is written from self.{step.variable} itself, which an update before may have written"
    if any(is_self_attribute(a) and a.attr.value == step.variable for a in descendants(value, cst.Attribute)):
        return [], [], itself
    for statement in reversed(before):
        if not _bound(statement) & needed:
            continue
        assignment = assignment_of(statement)
        if assignment is None or not isinstance(assignment[0], cst.Name):
            return [], [], f"the value needs {', '.join(sorted(_bound(statement) & needed))}, bound otherwise than by one assignment"
        name = assignment[0].value
        needed.discard(name)
        source = code(assignment[1]).replace(" ", "")
        if len(params) > 2 and source in (f"{params[2]}.dtype", f"{params[2]}.dtype.base_dtype"):
            dtypes.append(name)
            continue
        if any(is_self_attribute(a) and a.attr.value == step.variable for a in descendants(assignment[1], cst.Attribute)):
            return [], [], itself
        needed |= _names(assignment[1])
        lines.insert(0, statement)
    for name in sorted(needed & set(params[1:])):
        if name not in dtype_params:
            return [], [], f"the value reads {name}, so each variable's update wrote a value of its own"
        dtypes.append(name)
    clash = set(_PARAMETERS) & {n.value for s in lines for n in descendants(s, cst.Name)}
    if clash:
        return [], [], f"the value needs a local named {sorted(clash)[0]}, a parameter of Keras 3's _backend_update_step"
    return lines, dtypes, None


def _bound(statement: cst.BaseStatement) -> set[str]:
    """The names a statement binds, in any of its forms (`x = `, `x += `, `for x in`, `as x`, `x :=`)."""
    targets = [t.target for t in descendants(statement, cst.AssignTarget)]
    targets += [n.target for n in descendants(statement, (cst.AugAssign, cst.AnnAssign, cst.For, cst.NamedExpr))]
    targets += [a.name for a in descendants(statement, cst.AsName)]
    return {n.value for t in targets for n in descendants(t, cst.Name)}


def _names(node: cst.CSTNode) -> set[str]:
    """The names an expression reads (not attributes nor keywords)."""
    attributes = {id(a.attr) for a in descendants(node, cst.Attribute)}
    keywords = {id(a.keyword) for a in descendants(node, cst.Arg) if a.keyword is not None}
    return {n.value for n in descendants(node, cst.Name) if id(n) not in attributes and id(n) not in keywords}


def _without_dead_lines(body: list[cst.BaseStatement], snapshot: str, feeding: set[int]) -> list[cst.BaseStatement]:
    """Without the assignments that read the snapshot or computed the written value (`feeding`)
    and whose name nothing after reads: they only fed the write, now gone."""
    while True:
        for index, statement in enumerate(body):
            assignment = assignment_of(statement)
            if assignment is None or not isinstance(assignment[0], cst.Name):
                continue
            reads = any(is_self_attribute(a) and a.attr.value == snapshot for a in descendants(assignment[1], cst.Attribute))
            if (reads or id(statement) in feeding) and not _read_before_bound(assignment[0].value, body[index + 1:]):
                body = body[:index] + body[index + 1:]
                break
        else:
            return body


def _read_before_bound(name: str, statements: list[cst.BaseStatement]) -> bool:
    """Whether a statement reads `name` before a plain assignment binds it again."""
    for statement in statements:
        if name in _names(statement):
            assignment = assignment_of(statement)
            if assignment is None or not isinstance(assignment[0], cst.Name) or assignment[0].value != name \
                    or name in _names(assignment[1]):
                return True
        assignment = assignment_of(statement)
        if assignment is not None and isinstance(assignment[0], cst.Name) and assignment[0].value == name:
            return False
    return False


def _code_lines(statements: list[cst.BaseStatement]) -> list[str]:
    return code(cst.Module(body=statements)).rstrip("\n").splitlines()


class _SnapshotAsVariable(cst.CSTTransformer):
    def __init__(self, snapshot: str, variable: str) -> None:
        super().__init__()
        self.snapshot, self.variable = snapshot, variable

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if is_self_attribute(original) and original.attr.value == self.snapshot:
            return updated.with_changes(attr=cst.Name(self.variable))
        return updated


class _Replace(cst.CSTTransformer):
    """Statements and methods of the class replaced (None: removed), by identity."""

    def __init__(self, replaced: dict[int, cst.CSTNode | None]) -> None:
        super().__init__()
        self.replaced = replaced

    def on_visit(self, node: cst.CSTNode) -> bool:
        return id(node) not in self.replaced

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):
        if id(original) in self.replaced:
            new = self.replaced[id(original)]
            return cst.RemoveFromParent() if new is None else new
        return updated
