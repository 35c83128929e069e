"""An override of OptimizerV2's `_prepare(var_list)`, which ran once per step before the updates:

    def _prepare(self, var_list):
        self._warmup = tf.minimum(1.0, tf.cast(self.iterations + 1, tf.float32) / self.warmup_steps)
        return super()._prepare(var_list)

Where what it sets is computed from the step count, hyperparameters and constants, computing it
again for each variable gives the same value (Keras 3 counts the step after every update_step of
it): each attribute becomes a local at the top of update_step (`warmup = ...`), and the update
reads that. Not where it reads a variable the updates write (once per variable, each would read
what the one before wrote; a snapshot the updates write the variable from, as Nadam's momentum
cache, is step_variable.py's, which takes it out of _prepare first), makes an
update itself (once per step, not once per variable), reads the variables or its attributes are
read outside the update.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import code, descendants
from optfix.codemods.optimizer_v2.expressions import argument, self_method
from optfix.knowledge import optimizer_v2 as api
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import assignment_of, is_docstring, is_self_attribute, is_super_call

if TYPE_CHECKING:
    from optfix.codemods.optimizer_v2.migration import Migration

_READERS = (api.DENSE, *api.SPARSE)  # the methods that may read what _prepare sets


class StepPreparation:
    def __init__(self, migration: Migration, method: cst.FunctionDef, methods: dict[str, cst.FunctionDef]) -> None:
        self.migration, self.method, self.methods = migration, method, methods
        self.locals: dict[str, str] = {}  # attribute -> the local of update_step that holds it
        self.lines: list[cst.BaseStatement] = []
        self._read()

    def _refuse(self, node: cst.CSTNode, why: str) -> None:
        self.migration.problem(node, f"it overrides _prepare(), which ran once per step before the updates, and {why}")

    def _read(self) -> None:
        params = [p.name.value for p in self.method.params.params]
        body = [s for s in self.method.body.body if not is_docstring(s)] if isinstance(self.method.body, cst.IndentedBlock) else []
        if len(params) != 2 or not body or not _returns_the_base_call(body[-1], params[1]):
            self._refuse(self.method, "it does more than set attributes before returning super()._prepare(var_list): Keras 3 has "
                                      "no per-step hook for it")
            return
        written = self._written_by_updates()
        used = {n.value for m in self.methods.values() for n in descendants(m, cst.Name)}
        for statement in body[:-1]:
            assignment = assignment_of(statement)
            if assignment is None or not is_self_attribute(assignment[0]):
                self._refuse(statement, f"{code(statement).strip()} is not the setting of an attribute: Keras 3 has no per-step hook for it")
                return
            attribute, value = assignment[0].attr.value, assignment[1]
            if params[1] in {n.value for n in descendants(value, cst.Name)}:
                self._refuse(statement, "it reads the variables of the step, which update_step (once per variable) does not have")
                return
            if any(_is_update(self.migration, call) for call in descendants(value, cst.Call)):
                self._refuse(statement, "it updates a variable there: once per step, where update_step runs once per variable")
                return
            read = [a.attr.value for a in descendants(value, cst.Attribute) if is_self_attribute(a) and a.attr.value in written]
            if read:
                self._refuse(statement, f"it reads self.{read[0]} there, which the update writes: computed in update_step, once per "
                                        "variable, each variable after the first would read what the one before wrote (Keras 3's own "
                                        "Nadam updates its step-wide momentum cache once per step, in _backend_update_step)")
                return
            readers = [name for name, m in self.methods.items() if name not in (*_READERS, "_prepare", "__init__")
                       and any(is_self_attribute(a) and a.attr.value == attribute for a in descendants(m, cst.Attribute))]
            if readers:
                self._refuse(statement, f"{readers[0]}() reads self.{attribute}, which it sets: update_step would compute it for itself only")
                return
            local = attribute.lstrip("_") or "prepared"
            while local in used or local in self.locals.values():
                local += "_"
            self.locals[attribute] = local
            self.lines.append(statement.with_changes(body=[cst.Assign([cst.AssignTarget(cst.Name(local))], value)]))

    def _written_by_updates(self) -> set[str]:
        """The attributes of self that a method updates (`self._m_cache.assign(...)`,
        `tf.compat.v1.assign(self._m_cache, ...)`) or makes a weight of."""
        written = set()
        for call in descendants(self.migration.node, cst.Call):
            target = _updated(self.migration, call)
            if target is not None and is_self_attribute(target):
                written.add(target.attr.value)
        for line in descendants(self.migration.node, cst.Assign):
            if isinstance(line.value, cst.Call) and self_method(line.value) == "add_weight":
                written |= {t.target.attr.value for t in line.targets if is_self_attribute(t.target)}
        return written

    def reading_locals(self, method: cst.FunctionDef) -> cst.FunctionDef:
        """An update method reading the locals in place of the attributes."""
        return method.visit(_Locals(self.locals)) if self.locals else method


def _returns_the_base_call(statement: cst.BaseStatement, var_list: str) -> bool:
    small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 else None
    call = small.value if isinstance(small, cst.Return) else None
    return isinstance(call, cst.Call) and is_super_call(call, "_prepare") and len(call.args) == 1 \
        and isinstance(call.args[0].value, cst.Name) and call.args[0].value.value == var_list


def _updated(migration: Migration, call: cst.Call) -> cst.BaseExpression | None:
    """The variable a call updates."""
    qualified = migration.qualified(call.func) or ""
    if qualified in api.ASSIGN_FUNCTIONS:
        return argument(call, 0, "ref")
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in (*api.ASSIGN_METHODS, *api.SCATTER_METHODS):
        return func.value
    return None


def _is_update(migration: Migration, call: cst.Call) -> bool:
    return _updated(migration, call) is not None


class _Locals(cst.CSTTransformer):
    def __init__(self, locals_: dict[str, str]) -> None:
        super().__init__()
        self.locals = locals_

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if is_self_attribute(original) and original.attr.value in self.locals:
            return cst.Name(self.locals[original.attr.value])
        return updated
