"""TensorFlow's fused training kernels (`tf.raw_ops.ResourceApplyAdam(var=var.handle, ...)`,
`training_ops.resource_apply_adam(...)`) in `_resource_apply_dense`, written out as the Keras 3
statements of their update (optfix/knowledge/training_kernels.py), before the method becomes
update_step.

The sparse kernels (`ResourceSparseApplyRMSProp`) of a sparse method that becomes update_step's
branch for a tf.IndexedSlices gradient are written out the same way, as their row-wise statements.

A kernel call made as a statement (`K(...)`, `return K(...)`, `x = K(...)`) is replaced by its
statements, each argument put where the kernel reads it: a variable (`m.handle`, or `m`) as the
variable, a value as its expression (computed first into a local where it is more than a name or
an item, or reads a variable the kernel updates), `use_locking` gone, a boolean attribute given as an
expression (`use_nesterov=self.nesterov`) as an `if` over the statements of each value.
Temporaries get names the class does not use. A call the table does not know, or whose
arguments optfix cannot match, stays, and the migration refuses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import descendants
from optfix.codemods.optimizer_v2.expressions import literal
from optfix.knowledge.training_kernels import DROPPED_ARGUMENTS, SPARSE, Kernel, Scatter, Sparse, kernel_named
from optfix.lazy import libcst as cst

if TYPE_CHECKING:
    from optfix.codemods.optimizer_v2.migration import Migration

_ATOMIC = ("Name", "Attribute", "Subscript", "Integer", "Float", "SimpleString")


def written_out(migration: Migration, dense: cst.FunctionDef) -> cst.FunctionDef:
    """The dense method with its kernel statements written out (the method itself where it has none)."""
    return dense.visit(_WriteOut(migration, Kernel))


def rows_written_out(migration: Migration, sparse: cst.FunctionDef) -> cst.FunctionDef:
    """A sparse method with its sparse kernels written out as their row-wise statements, and its
    raw scatters (`ResourceScatterAdd`) as self.assign*() of a tf.IndexedSlices."""
    return sparse.visit(_WriteOut(migration, (Sparse, Scatter)))


def sparse_kernel_calls(migration: Migration, method: cst.FunctionDef) -> list[cst.Call]:
    """Calls of sparse kernels and raw scatters."""
    return [call for call in descendants(method, cst.Call) if isinstance(kernel_named(migration.qualified(call.func) or ""), (Sparse, Scatter))]


def sparse_kernel(migration: Migration, call: cst.Call) -> Sparse | None:
    row = kernel_named(migration.qualified(call.func) or "")
    return row if isinstance(row, Sparse) else None


def dense_kernels(migration: Migration) -> set[str]:
    """The kernels the class's `_resource_apply_dense` calls."""
    methods = [s for s in migration.node.body.body if isinstance(s, cst.FunctionDef) and s.name.value == "_resource_apply_dense"]
    rows = (kernel_named(migration.qualified(call.func) or "") for method in methods for call in descendants(method, cst.Call))
    return {row.name for row in rows if isinstance(row, Kernel)}


def sparse_row_named(name: str) -> Sparse | None:
    """A sparse kernel's row by the last part of the name a call reads it by."""
    return SPARSE.get(name) or next((row for row in SPARSE.values() if row.function == name), None)


class _WriteOut(cst.CSTTransformer):
    def __init__(self, migration: Migration, kind: type | tuple[type, ...]) -> None:
        super().__init__()
        self.migration, self.kind = migration, kind
        node = migration.node
        labels = {id(a.keyword) for a in descendants(node, cst.Arg) if a.keyword} | {id(a.attr) for a in descendants(node, cst.Attribute)}
        self.taken = {n.value for n in descendants(node, cst.Name) if id(n) not in labels}  # names, not keywords or attributes
        self.taken |= {literal(s) for s in descendants(node, cst.SimpleString)} - {None}  # coefficient keys become locals too

    def leave_SimpleStatementLine(self, original, updated):
        if len(updated.body) != 1:
            return updated
        small = updated.body[0]
        value = small.value if isinstance(small, (cst.Expr, cst.Return)) else None
        target = None
        if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
            value, target = small.value, small.targets[0].target.value
        if not isinstance(value, cst.Call):
            return updated
        row = kernel_named(self.migration.qualified(value.func) or "")
        if not isinstance(row, self.kind):
            return updated
        statements = self._statements(row, value, target)
        if statements is None:
            return updated
        if isinstance(small, cst.Return):
            statements.append(cst.SimpleStatementLine([cst.Return()]))
        statements[0] = statements[0].with_changes(leading_lines=updated.leading_lines)
        return cst.FlattenSentinel(statements)

    def _statements(self, row: Kernel | Sparse | Scatter, call: cst.Call, target: str | None) -> list[cst.BaseStatement] | None:
        given = _arguments(row, call)
        if given is None or any(name not in given for name in row.arguments):
            return None
        values: dict[str, cst.BaseExpression] = {}
        for name in row.arguments:
            value = given[name]
            if name in row.variables:
                value = value.value if isinstance(value, cst.Attribute) and value.attr.value == "handle" else value
                if not isinstance(value, cst.Name):
                    return None
            values[name] = value
        updated = {values[name].value for name in row.variables}
        prelude = []  # values the kernel reads once, before its updates: computed once, first
        for name in row.arguments:
            value = values[name]
            if name not in row.variables and (type(value).__name__ not in _ATOMIC
                                              or updated & {n.value for n in descendants(value, cst.Name)}):
                values[name] = cst.Name(self._fresh(name))
                prelude.append(cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(values[name])], value)]))
        flag = given.get(row.flag) if row.flag else None
        if row.flag is None:
            return prelude + self._made(row.update[None], values, target, row)
        if flag is None or isinstance(flag, cst.Name) and flag.value in ("True", "False"):
            choice = row.flag_default if flag is None else flag.value == "True"
            return prelude + self._made(row.update[choice], values, target, row)
        branches = [cst.IndentedBlock(self._made(row.update[choice], values, target, row)) for choice in (True, False)]
        return [*prelude, cst.If(test=flag, body=branches[0], orelse=cst.Else(body=branches[1]))]

    def _made(self, templates, values, target: str | None, row: Kernel | Sparse | Scatter) -> list[cst.BaseStatement]:
        temporaries = {t.target.value for text in templates for t in descendants(cst.parse_statement(text), cst.AssignTarget)}
        names = dict(values)
        for temporary in sorted(temporaries):
            names[temporary] = cst.Name(self._fresh(temporary))
        if any("ops." in text for text in templates):
            self.migration.uses_ops = True
            names["ops"] = cst.parse_expression(self.migration.names.ops)
        if any("tf." in text for text in templates):
            names["tf"] = cst.parse_expression(self.migration.tensorflow())
        made = [cst.parse_statement(text).visit(_Substitute(names)) for text in templates]
        if target is not None:
            made[-1] = _bound(made[-1], target)
        return made

    def _fresh(self, name: str) -> str:
        """`name`, or `name_1`, ...: one the class does not use (each kernel's temporaries are
        bound before they are read, so two kernels may share one)."""
        fresh, number = name, 1
        while fresh in self.taken:
            fresh, number = f"{name}_{number}", number + 1
        return fresh


def _arguments(row: Kernel | Sparse | Scatter, call: cst.Call) -> dict[str, cst.BaseExpression] | None:
    """The kernel's arguments by name, without those that change nothing; None where they are
    not all plain positional or keyword arguments the kernel takes."""
    given = {}
    for index, arg in enumerate(call.args):
        if arg.star:
            return None
        name = arg.keyword.value if arg.keyword is not None else (row.arguments[index] if index < len(row.arguments) else None)
        if name is None or name not in (*row.arguments, row.flag, *DROPPED_ARGUMENTS):
            return None
        if name not in DROPPED_ARGUMENTS:
            given[name] = arg.value
    return given


def _bound(statement: cst.SimpleStatementLine, target: str) -> cst.SimpleStatementLine:
    """The kernel's last update, `self.assign(v, x)`, as `target = v.assign(x)`: the name the code
    bound the kernel's operation to, which Statements then reads as a variable (the code only
    groups or returns it)."""
    call = statement.body[0].value
    legacy = cst.Call(cst.Attribute(call.args[0].value, call.func.attr), [call.args[1].with_changes(comma=cst.MaybeSentinel.DEFAULT)])
    return statement.with_changes(body=[cst.Assign([cst.AssignTarget(cst.Name(target))], legacy)])


class _Substitute(cst.CSTTransformer):
    """The template's names (not attributes or keywords) replaced by expressions."""

    def __init__(self, names: dict[str, cst.BaseExpression]) -> None:
        super().__init__()
        self.names = names

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return self.names.get(original.value, updated)

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
        return updated.with_changes(attr=original.attr)

    def leave_AssignTarget(self, original: cst.AssignTarget, updated: cst.AssignTarget) -> cst.AssignTarget:
        return updated

