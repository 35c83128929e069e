"""`_prepare_local` and `_resource_apply_dense` as one Keras 3 `update_step(gradient, variable,
learning_rate)`.

OptimizerV2 computed the coefficients of a step once per device and dtype (`_prepare_local`
fills `apply_state[(var_device, var_dtype)]`), and `_resource_apply_dense` read them back. Keras 3
calls update_step once per variable with the learning rate of the step: the coefficients are
computed at its top, each as a local named by its key (`coefficients["beta_1_t"]` reads
`beta_1_t`), `lr_t` (the base class's decayed learning rate) from the learning-rate argument.
"""

from __future__ import annotations

from collections import Counter

from typing import TYPE_CHECKING

from optfix.analysis.tree import code, descendants
from optfix.codemods.optimizer_v2.expressions import Translate, is_tf_function, literal
from optfix.codemods.optimizer_v2.rows_guard import local_tensorflow
from optfix.codemods.optimizer_v2.statements import Statements
from optfix.knowledge.tf_math import IDENTITY
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import assignment_of, expression_of, flat, is_docstring, is_super_call
from optfix.rulekit.tensor_operands import tensor_operands, variable_names

if TYPE_CHECKING:
    from optfix.codemods.optimizer_v2.migration import Migration

LR_T = "lr_t"  # the key OptimizerV2's own _prepare_local sets: the decayed learning rate


class StepTranslate(Translate):
    """Translate, with the coefficients read by their names."""

    def __init__(self, migration: Migration, learning_rate: str, state: set[str], hidden: set[str]) -> None:
        super().__init__(migration, learning_rate)
        self.state = state  # apply_state and the names bound to its entry for this dtype
        self.hidden = hidden  # names that mean nothing in Keras 3 (the device)

    def _key(self, node: cst.Subscript) -> str | None:
        return key_of(node, self.state)

    def visit_Subscript(self, node: cst.Subscript) -> bool:
        return self._key(node) is None

    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression:
        key = self._key(original)
        if key is None:
            return updated
        if not key.isidentifier():
            self.migration.problem(original, f"the coefficient {key!r} is not a Python name: optfix reads coefficients as locals")
            return updated
        return cst.Name(key)

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        if original.value in self.state or original.value in self.hidden:
            self.migration.problem(original, f"{original.value} is used other than to read a coefficient by its key: Keras 3 has "
                                             "no per-device state of coefficients to pass around")
        return updated


def _is_state_read(value: cst.BaseExpression, state: set[str]) -> bool:
    """`(apply_state or {}).get((device, dtype)) or self._fallback_apply_state(device, dtype)`, or
    `apply_state[(device, dtype)]`."""
    text = flat(value)
    if "_fallback_apply_state" in text or any(text.startswith((f"({s}or{{}}).get(", f"{s}.get(")) for s in state):
        return True
    # `apply_state[(device, dtype)]`, not a computation that starts with a coefficient (`coefficients["l2"] + ...`)
    return isinstance(value, cst.Subscript) and isinstance(value.value, cst.Name) and value.value.value in state and key_of(value, state) is None


def _dtype_source(value: cst.BaseExpression, variable: str) -> bool:
    """`var.dtype` or `var.dtype.base_dtype`."""
    return flat(value) in (f"{variable}.dtype", f"{variable}.dtype.base_dtype")


class UpdateStep:
    def __init__(self, migration: Migration, dense: cst.FunctionDef, prepare: cst.FunctionDef | None, densify: bool,
                 lazy: cst.FunctionDef | None = None, step_lines: list[cst.BaseStatement] = ()) -> None:
        self.migration, self.dense, self.prepare = migration, dense, prepare
        self.step_lines = list(step_lines)  # what an override of _prepare computed once per step, as locals
        self.lazy = lazy  # a sparse method that updates only the gradient's rows: update_step's branch for them
        self.densify = densify  # the class had a sparse path, which summed the rows of a sparse gradient first
        self.keys: dict[str, cst.CSTNode] = {}  # coefficients _prepare_local sets, where
        self._lr_t_line: cst.BaseStatement | None = None  # `lr_t = ...` for the base class's _prepare_local

    def build(self) -> cst.FunctionDef | None:
        params = self.dense.params
        names = [p.name.value for p in params.params]
        if params.star_arg is not cst.MaybeSentinel.DEFAULT and params.star_arg is not None or params.kwonly_params or len(names) not in (3, 4):
            self.migration.problem(self.dense, "_resource_apply_dense does not take (self, grad, var[, apply_state])")
            return None
        grad, var = names[1], names[2]
        state, hidden = set(names[3:]), set()
        dtype, prepare_body, prepare_state = "var_dtype", [], None
        if self.prepare is not None:
            prepare_params = [p.name.value for p in self.prepare.params.params]
            if len(prepare_params) != 4:
                self.migration.problem(self.prepare, "_prepare_local does not take (self, var_device, var_dtype, apply_state)")
                return None
            _, device, dtype, prepare_state = prepare_params
            hidden.add(device)
            state.add(prepare_state)
            prepare_body = _unwrapped_device_blocks([s for s in self.prepare.body.body if not is_docstring(s)])
        body = list(self.dense.body.body)
        docstring = body[:1] if body and is_docstring(body[0]) else []
        dense_body = body[len(docstring):]
        lazy_body = list(self.lazy.body.body) if self.lazy is not None else []  # its names too must not meet Keras 3's
        gradient, variable, learning_rate = self._parameter_names(prepare_body + dense_body + lazy_body, grad, var)
        prepare_lines = self._prepare_lines(prepare_body, prepare_state, dtype, learning_rate)
        state |= {assignment_of(s)[0].value for s in _in_blocks(dense_body) if reads_state(s, state)}
        read = keys_read(prepare_lines + dense_body, state)
        base_prepare = self.keys.get(LR_T) if self._lr_t_line is not None else None
        if base_prepare is not None and LR_T not in read and not _names_lr_t(self.migration.node):
            # the decayed rate the base class's _prepare_local set is read nowhere in the class (no "lr_t" in it at all)
            prepare_lines = [line for line in prepare_lines if line is not self._lr_t_line]
        elif base_prepare is not None:
            self.migration.decayed_reads.append(base_prepare)
        needs_lr_t = LR_T in read and LR_T not in self.keys
        with_header = self.prepare is not None or needs_lr_t
        dense_lines = without_state_reads(dense_body, state, hidden, var, dtype if with_header else None)
        self._check_names(prepare_lines, dense_lines, read)
        if self.lazy is not None:
            branch = self._lazy_branch(grad, var, state, hidden, dtype if with_header else None, dense_lines)
            if branch is None:
                return None
            dense_lines = [branch]
        opening = []
        if self.densify:
            tf = self.migration.tensorflow()
            opening.append(self._parse(f"if isinstance({gradient}, {tf}.IndexedSlices):  # an embedding's rows: made dense, a row "
                                       f"given twice summed, as OptimizerV2 did\n    {gradient} = {tf}.convert_to_tensor({gradient})"))
        if with_header:
            opening.append(self._parse(f"{dtype} = {variable}.dtype"))
        if needs_lr_t:
            opening.append(self._lr_t(learning_rate, dtype))
            self.migration.decayed_reads.append(self.dense)
        translate = StepTranslate(self.migration, learning_rate, state, hidden)
        statements = Statements(self.migration, translate, updates=True).body(self.step_lines + prepare_lines + dense_lines, read)
        renames = {old: new for old, new in ((grad, gradient), (var, variable)) if old != new}
        if renames:
            statements = [s.visit(_Rename(renames)) for s in statements]
        variables = variable_names(statements, {variable}, _reads_a_slot)
        statements = [tensor_operands(self.migration.names.ops, s, variables) for s in statements]
        signature = cst.parse_statement(f"def update_step(self, {gradient}, {variable}, {learning_rate}):\n    pass\n")
        return self.dense.with_changes(  # a tf.function decorator goes: TensorFlow's, where Keras 3 may run on JAX
            name=cst.Name("update_step"), params=signature.params,
            decorators=[d for d in self.dense.decorators if not is_tf_function(self.migration, d.decorator)],
            body=self.dense.body.with_changes(body=[*docstring, *local_tensorflow(self.migration, [*opening, *statements], gradient)]),
        )

    def _lazy_branch(self, grad: str, var: str, state: set[str], hidden: set[str], dtype: str | None,
                     dense_lines: list[cst.BaseStatement]) -> cst.If | None:
        """`if isinstance(grad, tf.IndexedSlices):` the sparse method's statements, with the rows
        given twice summed first as OptimizerV2 did before calling _resource_apply_sparse; `else:`
        the dense ones."""
        names = [p.name.value for p in self.lazy.params.params]
        if len(names) not in (4, 5) or self.lazy.params.star_arg not in (cst.MaybeSentinel.DEFAULT, None):
            self.migration.problem(self.lazy, f"{self.lazy.name.value} does not take (self, grad, var, indices[, apply_state])")
            return None
        indices = names[3]
        body = [s for s in self.lazy.body.body if not is_docstring(s)]
        body = [s.visit(_Rename({names[1]: grad, names[2]: var})) for s in body]
        state = state | set(names[4:]) | {assignment_of(s)[0].value for s in _in_blocks(body) if reads_state(s, state | set(names[4:]))}
        lines = without_state_reads(body, state, hidden, var, dtype)
        used = {n.value for s in [*dense_lines, *lines] for n in descendants(s, cst.Name)}
        summed_here = self.lazy.name.value == "_resource_apply_sparse"  # else the method sums, where it does
        if indices in {n.value for s in dense_lines for n in descendants(s, cst.Name)} or summed_here and "unique_positions" in used:
            self.migration.problem(self.lazy, f"{indices} or unique_positions is a name of _resource_apply_dense too: one "
                                              "update_step would mix them")
            return None
        tf = self.migration.tensorflow()
        if self.lazy.name.value == "_resource_apply_sparse":
            opening = (f"{indices}, unique_positions = {tf}.unique({grad}.indices)\n"
                       f"{grad} = {tf}.math.unsorted_segment_sum({grad}.values, unique_positions, {tf}.shape({indices})[0])\n")
        else:
            opening = f"{indices} = {grad}.indices\n{grad} = {grad}.values\n"
        test = (f"if isinstance({grad}, {tf}.IndexedSlices):  # an embedding's rows (TensorFlow backend only): "
                f"only they are updated\n    pass\nelse:\n    pass\n")
        branch = self._parse(test.rstrip("\n"))
        rows = list(cst.parse_module(opening).body)
        return branch.with_changes(body=branch.body.with_changes(body=rows + lines),
                                   orelse=branch.orelse.with_changes(body=branch.orelse.body.with_changes(body=dense_lines)))

    def _parse(self, line: str) -> cst.BaseStatement:
        return cst.parse_statement(line + "\n", config=self.migration.file.module.config_for_parsing)

    def _lr_t(self, learning_rate: str, dtype: str) -> cst.BaseStatement:
        """What OptimizerV2's _prepare_local set: the decayed learning rate, in the variable's dtype."""
        self.migration.uses_ops = True
        return self._parse(f"{LR_T} = {self.migration.names.ops}.cast({learning_rate}, {dtype})")

    # -- _prepare_local ------------------------------------------------------------------------

    def _prepare_lines(self, statements, state: str | None, dtype: str, learning_rate: str) -> list[cst.BaseStatement]:
        self.named_entries = _named_entries(statements)
        bound = _bound([*self.dense.body.body, *(self.lazy.body.body if self.lazy is not None else ())])
        lines = []
        for statement in statements:
            assignment = assignment_of(statement)
            if assignment is not None and isinstance(assignment[0], cst.Name) and assignment[0].value in self.named_entries:
                continue  # `entries = dict(...)`, read once by `apply_state[...].update(entries)`: its entries are written out there
            call = expression_of(statement)
            if isinstance(call, cst.Call) and is_super_call(call, "_prepare_local"):
                self.keys[LR_T] = call
                self._lr_t_line = self._lr_t(learning_rate, dtype).with_changes(leading_lines=statement.leading_lines)
                lines.append(self._lr_t_line)
                continue
            entries = self._entries(statement, state)
            if entries is None:
                lines.append(statement)
                continue
            elsewhere = self._read_elsewhere()
            for index, (key, value, node) in enumerate(entries):
                if key not in elsewhere and key in bound:
                    continue  # read by no method, and a name the update binds: not written out, so they do not clash
                self.keys[key] = node
                if self._names_itself(value, key):
                    continue  # `beta_1_t=beta_1_t`, `"momentum": tf.identity(momentum)`: the local is already there
                if "\n" in code(value) and not getattr(value, "lpar", True):  # an argument over lines: a statement needs the parentheses
                    value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
                line = cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(cst.Name(key))], value)])
                lines.append(line.with_changes(leading_lines=statement.leading_lines) if index == 0 else line)
        return lines

    def _names_itself(self, value: cst.BaseExpression, key: str) -> bool:
        if isinstance(value, cst.Call) and len(value.args) == 1 and self.migration.qualified(value.func) in IDENTITY:
            value = value.args[0].value
        return isinstance(value, cst.Name) and value.value == key

    def _read_elsewhere(self) -> set[str]:
        """The keys the class reads outside _prepare_local (`x["k"]`, `x.get("k")`): a coefficient
        whose key is not one of them is read by no method."""
        own = {id(node) for node in descendants(self.prepare, cst.CSTNode)}
        keys = set()
        for node in descendants(self.migration.node, cst.Subscript):
            if id(node) not in own and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
                keys.add(literal(node.slice[0].slice.value))
        for node in descendants(self.migration.node, cst.Call):
            if id(node) not in own and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get" and node.args:
                keys.add(literal(node.args[0].value))
        return keys

    def _entries(self, statement, state: str) -> list[tuple[str, cst.BaseExpression, cst.CSTNode]] | None:
        """(key, value) of `apply_state[...]["k"] = v`, `apply_state[...].update(...)` or `apply_state[...] = dict(...)`."""
        assignment = assignment_of(statement)
        if assignment and isinstance(assignment[0], cst.Subscript) and flat(assignment[0].value) == state and self._lr_t_line is None:
            return _dict_entries(assignment[1])  # `apply_state[(device, dtype)] = dict(...)`: the whole entry
        if assignment and isinstance(assignment[0], cst.Subscript) and flat(assignment[0].value).startswith(f"{state}["):
            key = literal(assignment[0].slice[0].slice.value) if isinstance(assignment[0].slice[0].slice, cst.Index) else None
            return [(key, assignment[1], statement)] if key is not None else None
        call = expression_of(statement)
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "update"
                and flat(call.func.value).startswith(f"{state}[")):
            return None
        entries = []
        for arg in call.args:
            value = arg.value
            if arg.keyword is not None:
                entries.append((arg.keyword.value, value, arg))
            elif isinstance(value, cst.Name) and value.value in self.named_entries:
                entries += self.named_entries[value.value]
            elif (found := _dict_entries(value)) is not None:
                entries += found
            else:
                self.migration.problem(arg, "apply_state is updated with entries optfix cannot read one by one")
        return entries

    # -- _resource_apply_dense -----------------------------------------------------------------

    def _check_names(self, prepare_lines, dense_lines, wanted: set[str]) -> None:
        read = {n.value for s in dense_lines for n in descendants(s, cst.Name)}
        for name in sorted((_bound(prepare_lines) - set(self.keys)) & read - _bound(dense_lines)):
            self.migration.problem(self.prepare, f"{name} is a local of _prepare_local and a name _resource_apply_dense reads: "
                                                 "computed in one update_step, they would be one")
        for name in sorted(_bound(dense_lines) & set(self.keys)):
            self.migration.problem(self.dense, f"_resource_apply_dense binds {name}, which is also the name of a coefficient "
                                               "_prepare_local sets: in one update_step they would be one")
        for key in sorted(wanted - set(self.keys) - {LR_T}):
            if self.migration.built_in is not None:
                self.migration.problem(self.dense, f"_resource_apply_dense reads the coefficient {key!r} of the built-in's "
                                                   f"_prepare_local: optfix writes out only its learning rate (lr_t)")
                continue
            self.migration.problem(self.dense, f"_resource_apply_dense reads the coefficient {key!r}, which _prepare_local does not set")

    def _parameter_names(self, statements, grad: str, var: str) -> tuple[str, str, str]:
        """Keras 3's names for the gradient, the variable and the learning rate, where no name of
        the code or nested scope gets in the way; the method's own names where one does."""
        used = {n.value for s in statements for n in descendants(s, cst.Name)} | set(self.keys)
        nested = {p.name.value for s in statements for p in descendants(s, cst.Param)} | {
            n.value for s in statements for f in descendants(s, cst.CompFor) for n in descendants(f.target, cst.Name)}
        gradient = "gradient" if "gradient" not in used and grad not in nested else grad
        variable = "variable" if "variable" not in used and var not in nested else var
        learning_rate = next(name for name in ("learning_rate", "current_learning_rate", "learning_rate_")
                             if name not in used and name not in (gradient, variable))
        return gradient, variable, learning_rate


class _Rename(cst.CSTTransformer):
    """Names (not attributes, keywords or parameters) renamed."""

    def __init__(self, names: dict[str, str]) -> None:
        super().__init__()
        self.names = names

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        return updated.with_changes(value=self.names[original.value]) if original.value in self.names else updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
        return updated.with_changes(attr=original.attr)

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return updated.with_changes(keyword=original.keyword)


def _unwrapped_device_blocks(statements) -> list[cst.BaseStatement]:
    """`with tf.device(var_device):` blocks replaced by their statements."""
    result = []
    for statement in statements:
        if isinstance(statement, cst.With) and isinstance(statement.body, cst.IndentedBlock) and all(
                isinstance(item.item, cst.Call) and flat(item.item.func).endswith("device") for item in statement.items):
            result += _unwrapped_device_blocks(statement.body.body)
        else:
            result.append(statement)
    return result


def _dict_entries(value: cst.BaseExpression) -> list[tuple[str, cst.BaseExpression, cst.CSTNode]] | None:
    """(key, value, node) of `dict(k=v, ...)` or `{"k": v, ...}`; None for any other expression."""
    if isinstance(value, cst.Call) and flat(value.func) == "dict" and all(a.keyword for a in value.args):
        return [(a.keyword.value, a.value, a) for a in value.args]
    if isinstance(value, cst.Dict) and all(isinstance(e, cst.DictElement) and literal(e.key) for e in value.elements):
        return [(literal(e.key), e.value, e) for e in value.elements]
    return None


def _named_entries(statements) -> dict[str, list[tuple[str, cst.BaseExpression, cst.CSTNode]]]:
    """The entries of each `name = dict(...)` of `statements` that nothing reads but one
    `.update(name)`, by name."""
    found = {}
    for statement in statements:
        assignment = assignment_of(statement)
        if assignment is not None and isinstance(assignment[0], cst.Name) and (entries := _dict_entries(assignment[1])) is not None:
            found[assignment[0].value] = entries
    reads = Counter(n.value for s in statements for n in descendants(s, cst.Name) if n.value in found)
    updates = Counter(a.value.value for s in statements for c in descendants(s, cst.Call)
                      if isinstance(c.func, cst.Attribute) and c.func.attr.value == "update"
                      for a in c.args if isinstance(a.value, cst.Name) and a.value.value in found)
    return {name: entries for name, entries in found.items() if reads[name] == 2 and updates[name] == 1}


def _in_blocks(statements) -> list[cst.BaseStatement]:
    """The statements, and those in the blocks of their `if`s."""
    result = []
    for statement in statements:
        result.append(statement)
        while isinstance(statement, cst.If):
            result += _in_blocks(statement.body.body)
            orelse = statement.orelse
            if isinstance(orelse, cst.Else):
                result += _in_blocks(orelse.body.body)
            statement = orelse
    return result


def reads_state(statement, state: set[str]) -> bool:
    """`coefficients = (apply_state or {}).get(...) or self._fallback_apply_state(...)`."""
    assignment = assignment_of(statement)
    return (assignment is not None and isinstance(assignment[0], cst.Name) and _is_state_read(assignment[1], state)
            and key_of(assignment[1], state) is None)  # `learning_rate = coefficients["lr_t"]` reads a coefficient


def key_of(node: cst.CSTNode, state: set[str]) -> str | None:
    """`k` of `coefficients["k"]` or `apply_state[...]["k"]`."""
    if not (isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index)):
        return None
    inner = node.value
    if isinstance(inner, cst.Subscript):
        inner = inner.value
    return literal(node.slice[0].slice.value) if isinstance(inner, cst.Name) and inner.value in state else None


def keys_read(statements, state: set[str]) -> set[str]:
    return {key for s in statements for node in descendants(s, cst.Subscript) if (key := key_of(node, state)) is not None}


def _names_lr_t(node: cst.CSTNode) -> bool:
    """Whether the class writes the key "lr_t" anywhere (a helper may read the coefficient too)."""
    return any(literal(s) == LR_T for s in descendants(node, cst.SimpleString))


def _bound(statements) -> set[str]:
    bound = set()
    for statement in statements:
        for target in descendants(statement, cst.AssignTarget):
            bound |= {n.value for n in descendants(target.target, cst.Name)} if isinstance(target.target, (cst.Name, cst.Tuple)) else set()
        for loop in descendants(statement, cst.For):
            bound |= {n.value for n in descendants(loop.target, cst.Name)}
    return bound


def without_state_reads(statements, state: set[str], hidden: set[str], var: str, dtype: str | None) -> list[cst.BaseStatement]:
    """The statements of the dense method without its reading of apply_state and of the
    variable's device, nor a `dtype = var.dtype` the header makes (`dtype`, where it has one)."""
    lines = []
    for statement in statements:
        if isinstance(statement, cst.If) and isinstance(statement.body, cst.IndentedBlock):  # its blocks likewise
            lines.append(_if_without_state_reads(statement, state, hidden, var, dtype))
            continue
        assignment = assignment_of(statement)
        if assignment is None:
            lines.append(statement)
            continue
        target, value = assignment
        if reads_state(statement, state):
            continue
        if isinstance(target, cst.Name) and key_of(value, state) == target.value:
            continue  # `beta_1_t = coefficients["beta_1_t"]`: the local is already there
        if isinstance(target, cst.Tuple) and isinstance(value, cst.Tuple) and len(target.elements) == len(value.elements):
            pairs = [(t.value, v.value) for t, v in zip(target.elements, value.elements)]
        else:
            pairs = [(target, value)]
        kept = []
        for name, source in pairs:
            if isinstance(name, cst.Name) and flat(source) == f"{var}.device":
                hidden.add(name.value)
            elif not (isinstance(name, cst.Name) and name.value == dtype and _dtype_source(source, var)):
                kept.append((name, source))
        if len(kept) == len(pairs):
            lines.append(statement)
        elif kept:
            targets = kept[0][0] if len(kept) == 1 else cst.Tuple([cst.Element(t) for t, _ in kept])
            values = kept[0][1] if len(kept) == 1 else cst.Tuple([cst.Element(v) for _, v in kept])
            lines.append(statement.with_changes(body=[cst.Assign([cst.AssignTarget(targets)], values)]))
    return lines


def _if_without_state_reads(statement: cst.If, state: set[str], hidden: set[str], var: str, dtype: str | None) -> cst.If:
    body = without_state_reads(statement.body.body, state, hidden, var, dtype) or [cst.SimpleStatementLine([cst.Pass()])]
    orelse = statement.orelse
    if isinstance(orelse, cst.If):
        orelse = _if_without_state_reads(orelse, state, hidden, var, dtype)
    elif isinstance(orelse, cst.Else) and isinstance(orelse.body, cst.IndentedBlock):
        lines = without_state_reads(orelse.body.body, state, hidden, var, dtype) or [cst.SimpleStatementLine([cst.Pass()])]
        orelse = orelse.with_changes(body=orelse.body.with_changes(body=lines))
    return statement.with_changes(body=statement.body.with_changes(body=body), orelse=orelse)


def _reads_a_slot(value: cst.BaseExpression) -> bool:
    """`self.m_slots[self._get_variable_index(variable)]`."""
    return (isinstance(value, cst.Subscript) and isinstance(value.value, cst.Attribute)
            and value.value.attr.value.endswith("_slots") and "_get_variable_index" in code(value))
