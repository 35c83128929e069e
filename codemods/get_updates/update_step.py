"""update_step(): `get_updates`' loop over the parameters, for one variable, `K.update*` as `self.assign*`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import code
from optfix.codemods.get_updates.backend_calls import BackendCalls
from optfix.codemods.get_updates.pre_step import read_before_the_step
from optfix.rulekit.tensor_operands import tensor_operands
from optfix.rulekit.migrated_optimizers import variable_name_review
from optfix.rulekit.class_code import assignment_of, attributes_named, expression_of, flat, names_in
from optfix.knowledge import backend as facts
from optfix.lazy import libcst as cst

if TYPE_CHECKING:
    from optfix.codemods.get_updates.migration import Migration


def update_step_method(migration: Migration, before, loops: list[cst.For], param_list: str, grads: str,
                       derived: list[dict[str, str]] | None = None) -> cst.FunctionDef:
    """update_step(gradient, variable, learning_rate): the statements before the loops over the
    parameters, then each loop's body, for one variable and its slots. `derived`, one for each
    loop: the lists made from others element by element that it may zip (`grads = [K.switch(c,
    a, 0) for a in accumulated]`), each by the name of its element in update_step."""
    header = [f"learning_rate = {migration.names.ops}.cast(learning_rate, variable.dtype)"]
    if migration.slots:
        header.append("index = self._get_variable_index(variable)")
    translate = BackendCalls(migration, learning_rate="learning_rate")
    body = [s.visit(translate) for s in before]
    bound: dict[str, str] = {}  # names the first loop binds to variables
    unpacked: dict[int, dict[str, str]] = {}  # those of the loops after it, by their unpacking statement
    for number, loop in enumerate(loops):
        found = _unpacked(migration, loop, param_list, grads, derived[number] if derived else {})
        if found is None:
            return loop
        line, variables = found
        if number == 0:
            header.append(line)
            bound = variables
        else:
            statement = cst.parse_statement(line + "\n").with_changes(leading_lines=loop.leading_lines)
            unpacked[id(statement)] = variables
            body.append(statement)
        body += _loop_body(migration, loop.body.body, translate, {param_list, grads})
    every_variable = set(bound).union(*unpacked.values())
    body = [tensor_operands(migration.names.ops, s, every_variable) for s in read_before_the_step(migration, body, bound, unpacked)]
    return migration.method("update_step(self, gradient, variable, learning_rate)", header, body)


def _unpacked(migration: Migration, loop: cst.For, param_list: str, grads: str,
              derived: dict[str, str]) -> tuple[str, dict[str, str]] | None:
    """`p, g, m = variable, gradient, self.moments[index]`: the loop's target for one variable,
    and the names it binds to variables, each with the variable as code."""
    target, zipped = loop.target, loop.iter
    if isinstance(zipped, cst.Name) and isinstance(target, cst.Name):  # `for m in ms`: a zip of one list
        sources, names = [zipped.value], [target]
    elif isinstance(zipped, cst.Call) and flat(zipped.func) == "zip" and all(isinstance(a.value, cst.Name) and not a.star for a in zipped.args):
        sources = [a.value.value for a in zipped.args]
        if not isinstance(target, cst.Tuple) or len(target.elements) != len(sources):
            migration.problem(loop, "the loop's target does not unpack one name per zipped list")
            return None
        names = [e.value for e in target.elements]
    else:
        migration.problem(loop, "the loop is not over zip(params, grads, slot lists...)")
        return None
    if any(s not in (param_list, grads, *migration.slots, *derived) for s in sources) or len(set(sources)) != len(sources):
        migration.problem(loop, "the loop zips lists other than the parameters, gradients and slot lists")
        return None
    if param_list in sources:
        variable_name = names[sources.index(param_list)]
        for node in attributes_named(loop.body, "name"):
            if isinstance(node.value, cst.Name) and isinstance(variable_name, cst.Name) and node.value.value == variable_name.value:
                migration.reviews.append(variable_name_review(node))
    values = [derived[source] if source in derived else "variable" if source == param_list else "gradient" if source == grads
              else f"self.{source}[index]" for source in sources]
    variables = {name.value: value for name, value, source in zip(names, values, sources)
                 if isinstance(name, cst.Name) and source not in derived and source != grads}
    return f"{code(target).strip()} = {', '.join(values)}", variables


def _loop_body(migration: Migration, statements, translate: BackendCalls, whole_lists: set[str]) -> list[cst.BaseStatement]:
    body = []
    for statement in statements:
        if isinstance(statement, cst.If) and "constraint" in flat(statement.test):
            continue  # Keras 3 applies constraints after update_step
        if whole_lists & names_in(statement):
            migration.problem(statement, "the loop body reads the whole list of parameters or gradients")
            continue
        expression = expression_of(statement)
        if isinstance(expression, cst.Call) and flat(expression.func) in ("self.updates.append", "self.updates.extend"):
            body += _assignments(migration, statement, expression, translate)
        elif isinstance(statement, (cst.If, cst.With)) and isinstance(statement.body, cst.IndentedBlock):
            body.append(_nested(migration, statement, translate, whole_lists))
        elif "self.updates" in flat(statement):
            migration.problem(statement, "self.updates used in a way optfix does not translate")
        else:
            body.append(statement.visit(translate))
    return body


def _nested(migration: Migration, statement, translate: BackendCalls, whole_lists: set[str]):
    """An if/with block of the loop body, its blocks translated like the body itself."""
    def block(suite: cst.IndentedBlock) -> cst.IndentedBlock:
        return suite.with_changes(body=_loop_body(migration, suite.body, translate, whole_lists) or [cst.SimpleStatementLine([cst.Pass()])])

    changes = {"body": block(statement.body)}
    if isinstance(statement, cst.If):
        changes["test"] = statement.test.visit(translate)
        orelse = statement.orelse
        if isinstance(orelse, cst.If):
            changes["orelse"] = _nested(migration, orelse, translate, whole_lists)
        elif isinstance(orelse, cst.Else):
            changes["orelse"] = orelse.with_changes(body=block(orelse.body))
    else:
        changes["items"] = [item.visit(translate) for item in statement.items]
    return statement.with_changes(**changes)


def _assignments(migration: Migration, statement, call: cst.Call, translate: BackendCalls) -> list[cst.BaseStatement]:
    """`self.updates.append(K.update(m, m_t))` -> `self.assign(m, m_t)`; `extend([...])` one each."""
    if len(call.args) != 1:
        migration.problem(statement, "self.updates.append() with other than one update")
        return []
    argument = call.args[0].value
    items = [e.value for e in argument.elements] if flat(call.func).endswith("extend") and isinstance(argument, (cst.List, cst.Tuple)) else [argument]
    result = []
    for index, item in enumerate(items):
        update = written_update(migration, item)
        if update is None:
            migration.problem(statement, f"an update optfix does not recognise: {code(item)}")
            continue
        method, (target, value) = update
        written = cst.Call(cst.parse_expression(f"self.{method}"), [
            cst.Arg(target, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))), cst.Arg(value)
        ]).visit(translate)
        line = statement.with_changes(body=[cst.Expr(written)])
        if index:
            line = line.with_changes(leading_lines=[])
        result.append(line)
    return result


def written_update(migration: Migration, item: cst.BaseExpression) -> tuple[str, tuple[cst.BaseExpression, cst.BaseExpression]] | None:
    """The Keras 3 optimizer method that makes an update of get_updates (`K.update(m, m_t)`,
    `tf.compat.v1.assign_add(v, d)`, Keras 2.2's `(m, m_t)`), and its variable and value."""
    if isinstance(item, cst.Call) and len(item.args) == 2 and not any(arg.star or arg.keyword for arg in item.args):
        method = facts.UPDATES.get(migration.backend(item.func)) or facts.TF_UPDATES.get(migration.file.imports.qualified_name(item.func))
        if method is not None:
            return method, (item.args[0].value, item.args[1].value)
    if isinstance(item, cst.Tuple) and len(item.elements) == 2 and not any(isinstance(e, cst.StarredElement) for e in item.elements):
        return "assign", (item.elements[0].value, item.elements[1].value)
    return None


def once_per_step_method(migration: Migration, before, updates) -> cst.FunctionDef:
    """The updates of state: after the base class has run update_step for every variable, so
    that each of those read the values from before the step, as in Keras 2."""
    translate = BackendCalls(migration, learning_rate="learning_rate")
    needed = set().union(*(names_in(u) for u in updates))
    kept = []
    for statement in reversed(before):
        assignment = assignment_of(statement)
        if assignment and isinstance(assignment[0], cst.Name) and assignment[0].value in needed:
            kept.insert(0, statement)
            needed |= names_in(statement)
    assignments = [line for u in updates for line in _assignments(migration, u, expression_of(u), translate)]
    return migration.method(
        "_backend_update_step(self, grads, trainable_variables, learning_rate)",
        ["super()._backend_update_step(grads, trainable_variables, learning_rate)"],
        [*(s.visit(translate) for s in kept), *assignments],
    )
