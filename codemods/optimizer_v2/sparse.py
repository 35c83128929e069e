"""What becomes of an OptimizerV2's sparse methods (`_resource_apply_sparse`, and
`_resource_apply_sparse_duplicate_indices`) in Keras 3, which has none: it passes the gradient of
an embedding (a `tf.IndexedSlices`) to update_step, whose math reads it as the dense gradient,
zero in the rows the batch did not touch.

- A sparse method that hands the gradient, made dense, to `_resource_apply_dense`, or that only
  raises, computes what update_step computes: it goes.
- One that writes the variable, or a slot of it, only at the gradient's rows (a scatter, a sparse
  kernel) is a lazy update, as LazyAdam's: rows without a gradient keep their values, where the dense update moves
  them too (momentum, decay). On the TensorFlow backend, Keras 3 hands update_step an embedding's
  gradient as a tf.IndexedSlices, and its self.assign*() scatter one: a lazy method that writes rows
  with scatters, or with TensorFlow's sparse kernels (written out as their row-wise statements),
  becomes a branch of update_step for that gradient. One whose kernel call optfix cannot write out
  is not migrated.
- One that writes whole variables, as the dense method does, goes, with a finding: optfix does
  not prove that it computes what the dense method computes.
- One that does nothing (`pass`, a bare `return`) left an embedding's variable as it was; it goes,
  with a finding: Keras 3's update_step updates such a variable as any other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import code, descendants
from optfix.codemods.optimizer_v2.expressions import argument, self_method
from optfix.codemods.optimizer_v2.kernels import dense_kernels, rows_written_out, sparse_kernel, sparse_kernel_calls, sparse_row_named
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import is_docstring, is_super_call

if TYPE_CHECKING:
    from optfix.codemods.optimizer_v2.migration import Migration

SAME, WHOLE, LAZY, NOTHING = "same as dense", "whole variables", "rows only", "nothing"
_SCATTERS = ("scatter_add", "scatter_sub", "scatter_update", "scatter_nd_add", "scatter_nd_sub", "scatter_nd_update",
             "scatter_max", "scatter_min", "scatter_mul", "scatter_div")


def sparse_kind(migration: Migration, method: cst.FunctionDef) -> tuple[str, cst.CSTNode | None]:
    """SAME, WHOLE, LAZY or NOTHING, with the node that shows a lazy update."""
    params = [p.name.value for p in method.params.params]
    variable = params[2] if len(params) > 2 else None
    body = [s for s in method.body.body if not is_docstring(s)]
    calls = [c for s in body for c in descendants(s, cst.Call)]
    if body and all(isinstance(s, cst.SimpleStatementLine) and all(isinstance(small, cst.Raise) for small in s.body) for s in body):
        return SAME, None
    if all(_does_nothing(s) for s in body):
        return NOTHING, None
    for call in calls:
        kernel = sparse_kernel(migration, call)
        if kernel is not None:  # rows left as they were by a zero gradient: the dense update on it is the same
            return (SAME, None) if kernel.rows_stay and kernel.dense in dense_kernels(migration) else (LAZY, call)
        writes_rows = _writes_rows(migration, call, variable)
        if writes_rows:
            return LAZY, call
    slot_rows = _slots_written_by_rows_only(calls, variable, _slot_names(method, variable))
    if slot_rows is not None:
        return LAZY, slot_rows
    delegated = [c for c in calls if self_method(c) in ("_resource_apply_dense", "_resource_apply_sparse")]
    if delegated and len(body) <= 3 and not any(_updates(c) for c in calls):
        return SAME, None
    return WHOLE, None


def _does_nothing(statement: cst.BaseStatement) -> bool:
    """`pass`, `...`, or `return` / `return None`."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for small in statement.body:
        if isinstance(small, cst.Pass) or isinstance(small, cst.Expr) and isinstance(small.value, cst.Ellipsis):
            continue
        if isinstance(small, cst.Return) and (small.value is None or isinstance(small.value, cst.Name) and small.value.value == "None"):
            continue
        return False
    return True


def _writes_rows(migration: Migration, call: cst.Call, variable: str | None) -> bool:
    """A write of the variable at some rows: a scatter of it, or a sparse TensorFlow kernel."""
    target = argument(call, 0, "resource") or argument(call, 0, "ref") or argument(call, 0, "x")
    of_variable = isinstance(target, cst.Name) and target.value == variable
    method = self_method(call)
    if method is not None and method.startswith("_resource_scatter") and of_variable:
        return True
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in _SCATTERS:
        return isinstance(func.value, cst.Name) and func.value.value == variable or of_variable
    qualified = migration.qualified(func) or ""
    return "Sparse" in qualified.rpartition(".")[2] or "_sparse_" in qualified.rpartition(".")[2]


def _slot_names(method: cst.FunctionDef, variable: str | None) -> dict[str, str]:
    """The names the method binds to a slot of its variable (`m = self.get_slot(var, "m")`), and
    the slot each reads."""
    return {target.target.value: _slot_of(assign.value, variable) for assign in descendants(method, cst.Assign)
            for target in assign.targets if isinstance(target.target, cst.Name) and _slot_of(assign.value, variable)}


def _slot_of(node: cst.BaseExpression, variable: str | None, names: dict[str, str] | None = None) -> str | None:
    """The slot `node` is: `self.get_slot(var, "m")` of the method's variable, or a name bound to one."""
    if isinstance(node, cst.Name):
        return (names or {}).get(node.value)
    if not (isinstance(node, cst.Call) and self_method(node) == "get_slot"):
        return None
    of, name = argument(node, 0, "var"), argument(node, 1, "slot_name")
    if not (isinstance(of, cst.Name) and of.value == variable and isinstance(name, cst.SimpleString)):
        return None
    return str(name.evaluated_value)


def _slots_written_by_rows_only(calls: list[cst.Call], variable: str | None, names: dict[str, str]) -> cst.Call | None:
    """A scatter into a slot of the variable that the method never writes whole
    (`self._resource_scatter_update(self.get_slot(var, "m"), indices, m_rows)`): that slot's other
    rows keep their values, where the dense update on a gradient made dense updates them too (decays
    a moment, ...). A slot first written whole (`m.assign(m * beta_1)`) and then scattered into
    (Adam's sparse path) is updated in every row, as the dense update does."""
    scattered, whole = {}, set()
    for call in calls:
        method, func = self_method(call), call.func
        if method is not None and method.startswith("_resource_scatter"):
            slot = _slot_of(argument(call, 0, "x") or cst.Name("_"), variable, names)
            if slot is not None:
                scattered.setdefault(slot, call)
        elif isinstance(func, cst.Attribute) and func.attr.value in _SCATTERS:
            slot = _slot_of(func.value, variable, names)
            if slot is not None:
                scattered.setdefault(slot, call)
        elif isinstance(func, cst.Attribute) and func.attr.value in _WHOLE_WRITES:
            receiver = _slot_of(func.value, variable, names)
            first = _slot_of(call.args[0].value, variable, names) if call.args else None
            whole.update(slot for slot in (receiver, first) if slot is not None)
        elif isinstance(func, cst.Name) and func.value in _WHOLE_WRITES and call.args:
            slot = _slot_of(call.args[0].value, variable, names)
            if slot is not None:
                whole.add(slot)
    return next((call for slot, call in scattered.items() if slot not in whole), None)


_WHOLE_WRITES = ("assign", "assign_add", "assign_sub", "update", "update_add", "update_sub")


def as_branch(migration: Migration, method: cst.FunctionDef, evidence: cst.Call) -> cst.FunctionDef | None:
    """The lazy method as update_step's branch writes it: its sparse kernels written out row by
    row; None where its update is neither scatters (which update_step writes as self.assign*() of a
    tf.IndexedSlices) nor kernels optfix writes out."""
    qualified = (migration.qualified(evidence.func) or "").rpartition(".")[2]
    if sparse_kernel(migration, evidence) is None and ("Sparse" in qualified or "_sparse_" in qualified):
        return None
    written = rows_written_out(migration, method)
    return None if sparse_kernel_calls(migration, written) else written


def merged(migration: Migration, sparse: cst.FunctionDef, duplicates: cst.FunctionDef) -> cst.FunctionDef | None:
    """`_resource_apply_sparse_duplicate_indices` with its `return
    super()._resource_apply_sparse_duplicate_indices(grad, var, indices, ...)` (which sums a row
    given twice, then calls _resource_apply_sparse) written out: the summing, then
    _resource_apply_sparse's statements (as tf.keras 2's SGD has it). None where the two do not
    take the same names, or the base class's method is called otherwise."""
    names = [p.name.value for p in duplicates.params.params]
    if len(names) != 4 or [p.name.value for p in sparse.params.params][:4] != names:
        return None
    used = {n.value for method in (sparse, duplicates) for n in descendants(method, cst.Name)}
    if "unique_positions" in used:
        return None
    grad, indices = names[1], names[3]
    tf = migration.tensorflow()
    summing = cst.parse_module(f"{indices}, unique_positions = {tf}.unique({indices})\n"
                               f"{grad} = {tf}.math.unsorted_segment_sum({grad}, unique_positions, {tf}.shape({indices})[0])\n").body
    body = [s for s in sparse.body.body if not is_docstring(s)]
    if not (isinstance(body[-1], cst.SimpleStatementLine) and isinstance(body[-1].body[-1], cst.Return)):
        body.append(cst.SimpleStatementLine([cst.Return()]))
    inlined = duplicates.visit(_Inline(duplicates.name.value, names[1:4], [*summing, *body]))
    calls = [c for c in descendants(inlined, cst.Call) if is_super_call(c, duplicates.name.value)]
    return None if calls or inlined.deep_equals(duplicates) else inlined


class _Inline(cst.CSTTransformer):
    def __init__(self, method: str, arguments: list[str], statements: list[cst.BaseStatement]) -> None:
        super().__init__()
        self.method, self.arguments, self.statements = method, arguments, statements

    def leave_SimpleStatementLine(self, original, updated):
        if len(updated.body) != 1 or not isinstance(updated.body[0], cst.Return):
            return updated
        call = updated.body[0].value
        if not (isinstance(call, cst.Call) and is_super_call(call, self.method)):
            return updated
        given = [a.value.value if isinstance(a.value, cst.Name) and a.keyword is None and not a.star else None for a in call.args[:3]]
        if given != self.arguments or any(a.star != "**" for a in call.args[3:]):
            return updated
        return cst.FlattenSentinel([self.statements[0].with_changes(leading_lines=updated.leading_lines), *self.statements[1:]])


def _updates(call: cst.Call) -> bool:
    func = call.func
    return isinstance(func, cst.Attribute) and func.attr.value in ("assign", "assign_add", "assign_sub", *_SCATTERS)


def lazy_message(method: cst.FunctionDef, evidence: cst.CSTNode) -> str:
    kernel = sparse_row_named(code(evidence.func).rpartition(".")[2])
    if kernel is None:
        why = "whose update moves the other rows too"
    elif kernel.rows_stay:
        why = f"and _resource_apply_dense does not make the update of {kernel.dense}, so the two paths differ"
    else:
        why = f"whose dense update ({kernel.dense}) {kernel.why}"
    how = "from scatters and from TensorFlow's sparse kernels called with arguments it can match"
    return (f"{method.name.value}() updates the variable only at the rows of a sparse gradient ({code(evidence.func)}), a lazy "
            f"update as for embeddings, which optfix writes out only {how}; made dense, the gradient would go through the "
            f"dense path, {why}, so the math would change for embeddings: migrate it by hand (on the TensorFlow backend Keras 3 "
            "hands update_step an embedding's gradient as a tf.IndexedSlices, and self.assign*() of a tf.IndexedSlices scatters "
            "it: write the row-wise math under `if isinstance(gradient, tf.IndexedSlices):`) or keep it on tf_keras")
