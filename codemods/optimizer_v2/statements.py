"""Statements of an OptimizerV2 method as Keras 3 runs them, eagerly and in order: variable
updates (`var.assign_sub(x)`, `tf.compat.v1.assign(m, x)`) become `self.assign_sub(var, x)`; what
only grouped or ordered graph operations (`tf.group`, lists of update ops, `tf.control_dependencies`
blocks, the update op returned) goes; a name bound to an update's result reads the variable."""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import code, descendants
from optfix.knowledge import optimizer_v2 as api
from optfix.knowledge.namespaces import keras_member
from optfix.lazy import libcst as cst
from optfix.codemods.optimizer_v2.expressions import argument
from optfix.rulekit.class_code import is_self_attribute

if TYPE_CHECKING:
    from optfix.codemods.optimizer_v2.migration import Migration


class Statements:
    """One method's statements. `updates`: the method makes updates (update_step, a sparse
    method), so what it returns is an operation Keras 3 has no use for; in other methods a
    returned value is kept."""

    def __init__(self, migration: Migration, translate: cst.CSTTransformer, updates: bool, returns_update: bool = False) -> None:
        self.migration = migration
        self.translate = translate
        self.updates = updates
        self.returns_update = returns_update  # a helper whose caller reads the variable an update it returns wrote
        self.op_lists: set[str] = set()
        self.read: set[str] = set()  # names read other than to group or return operations

    def body(self, statements: list[cst.BaseStatement], also_read: set[str] = frozenset()) -> list[cst.BaseStatement]:
        """`also_read`: names the translation will make reads of (`coefficients["wd_t"]` read as `wd_t`)."""
        self.op_lists = self._op_lists(statements)
        self.read = self._names_read(statements) | set(also_read)
        return self._block(statements, tail=True)

    # -- reading -------------------------------------------------------------------------------

    def assign_call(self, node: cst.CSTNode) -> tuple[str, cst.BaseExpression, cst.BaseExpression] | None:
        """(Keras 3 method, variable, value) of a variable update."""
        if not isinstance(node, cst.Call):
            return None
        func = node.func
        qualified = self.migration.qualified(func) or ""
        if qualified in api.ASSIGN_FUNCTIONS:
            ref, value = argument(node, 0, "ref"), argument(node, 1, "value")
            return (api.ASSIGN_FUNCTIONS[qualified], ref, value) if ref is not None and value is not None else None
        update = api.BACKEND_UPDATES.get(keras_member(qualified) or "")
        if update is not None:
            ref, value = argument(node, 0, "x"), argument(node, 1, update[1])
            return (update[0], ref, value) if ref is not None and value is not None else None
        if (isinstance(func, cst.Attribute) and func.attr.value in api.ASSIGN_METHODS and not is_self_attribute(func)
                and not qualified.startswith("tensorflow.")):
            value = argument(node, 0, "value")
            return (func.attr.value, func.value, value) if value is not None else None
        return self._scatter_call(node)

    def _scatter_call(self, node: cst.Call) -> tuple[str, cst.BaseExpression, cst.BaseExpression] | None:
        """(Keras 3 method, variable, tf.IndexedSlices) of a write of some rows: Keras 3's TensorFlow
        optimizer scatters an IndexedSlices given to self.assign*()."""
        func = node.func
        if not isinstance(func, cst.Attribute):
            return None
        if is_self_attribute(func) and func.attr.value in api.SCATTER_HELPERS and func.attr.value not in self.migration.own_methods:
            ref, indices, values = argument(node, 0, "x"), argument(node, 1, "i"), argument(node, 2, "v")
            if ref is None or indices is None or values is None:
                return None
            rows = cst.parse_expression(f"{self.migration.tensorflow()}.IndexedSlices(_, _)")
            rows = rows.with_changes(args=[rows.args[0].with_changes(value=values), rows.args[1].with_changes(value=indices)])
            return api.SCATTER_HELPERS[func.attr.value], ref, rows
        if func.attr.value in api.SCATTER_METHODS and not is_self_attribute(func) and len(node.args) == 1 and node.args[0].keyword is None:
            return api.SCATTER_METHODS[func.attr.value], func.value, node.args[0].value
        return None

    def _is_group(self, node: cst.CSTNode) -> bool:
        return isinstance(node, cst.Call) and self.migration.qualified(node.func) in api.GROUP_FUNCTIONS

    def _op_lists(self, statements) -> set[str]:
        """Names bound to `[]` that are only appended to, extended, grouped or returned: lists
        of update operations."""
        block = cst.IndentedBlock(body=list(statements))
        candidates = {
            small.targets[0].target.value
            for line in descendants(block, cst.SimpleStatementLine) for small in line.body
            if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name)
            and isinstance(small.value, cst.List) and not small.value.elements
        }
        return {name for name in candidates
                if all(self._collects(node, block) for node in descendants(block, cst.Name) if node.value == name)}

    def _collects(self, name: cst.Name, block: cst.CSTNode) -> bool:
        """Whether this occurrence of a list's name only binds, fills, groups, orders after or
        returns it."""
        for item in descendants(block, cst.WithItem):
            if self._orders(item) and any(arg.value is name for arg in item.item.args):
                return True
        for line in descendants(block, cst.SimpleStatementLine):
            for small in line.body:
                if isinstance(small, cst.Assign) and any(t.target is name for t in small.targets):
                    return isinstance(small.value, cst.List) and not small.value.elements
                if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                    func = small.value.func
                    if isinstance(func, cst.Attribute) and func.value is name and func.attr.value in ("append", "extend"):
                        return True
                    if self._is_group(small.value) and any(a.value is name for a in small.value.args):
                        return True
                if isinstance(small, cst.Return) and small.value is not None:
                    if small.value is name or self._is_group(small.value) and any(a.value is name for a in small.value.args):
                        return True
        return False

    def _names_read(self, statements) -> set[str]:
        """Names read anywhere but as an assignment's target or as an operation that is only
        grouped, collected, ordered after or returned."""
        block = cst.IndentedBlock(body=list(statements))
        ignored: set[int] = set()
        for node in descendants(block, cst.CSTNode):
            if isinstance(node, cst.AssignTarget) and isinstance(node.target, (cst.Name, cst.Tuple)):
                ignored |= {id(n) for n in descendants(node.target, cst.Name)}
            elif self._is_group(node) or self._collects_into_list(node):
                ignored |= {id(n) for arg in node.args for n in _operations(arg.value)}
            elif isinstance(node, cst.WithItem) and self._orders(node):
                ignored |= {id(n) for element in _listed(node.item) for n in _operations(element.value)}
            elif isinstance(node, cst.Return) and self.updates and node.value is not None:
                ignored |= {id(n) for n in _operations(node.value)}
        return {n.value for n in descendants(block, cst.Name) if id(n) not in ignored}

    def helpers_read(self, statements) -> set[str]:
        """The class's own methods whose result these statements read: not called as a statement
        of its own, nor for an operation only grouped, ordered after or returned by the update."""
        self.op_lists = self._op_lists(statements)
        read = self._names_read(statements)
        block = cst.IndentedBlock(body=list(statements))
        unread: set[int] = set()
        for line in descendants(block, cst.SimpleStatementLine):
            for small in line.body:
                if isinstance(small, cst.Expr) or isinstance(small, cst.Return) and self.updates:
                    unread.add(id(small.value))
                elif isinstance(small, cst.Assign) and all(isinstance(t.target, cst.Name) and t.target.value not in read for t in small.targets):
                    unread.add(id(small.value))
        return {c.func.attr.value for c in descendants(block, cst.Call) if is_self_attribute(c.func)
                and c.func.attr.value in self.migration.own_methods and id(c) not in unread}

    def _collects_into_list(self, node: cst.CSTNode) -> bool:
        """`updates.append(op)` of a list of update operations."""
        return (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name)
                and node.func.value.value in self.op_lists and node.func.attr.value in ("append", "extend"))

    # -- writing -------------------------------------------------------------------------------

    def _block(self, statements, tail: bool) -> list[cst.BaseStatement]:
        result = []
        carried = []  # the blank lines and comments above statements that went
        for index, statement in enumerate(statements):
            made = self._statement(statement, tail and index == len(statements) - 1)
            if not made:
                carried += list(getattr(statement, "leading_lines", ()))
                continue
            if carried:
                made = _with_leading(made, carried)
                carried = []
            result += made
        return result

    def _suite(self, suite: cst.BaseSuite, tail: bool) -> cst.BaseSuite:
        if not isinstance(suite, cst.IndentedBlock):
            return suite.visit(self.translate)
        body = self._block(list(suite.body), tail)
        return suite.with_changes(body=body or [cst.SimpleStatementLine([cst.Pass()])])

    def _statement(self, statement: cst.BaseStatement, tail: bool) -> list[cst.BaseStatement]:
        if isinstance(statement, cst.SimpleStatementLine):
            return self._line(statement, tail)
        if isinstance(statement, cst.With) and all(self._orders(item) for item in statement.items):
            first = [self._effect(element.value, statement) for item in statement.items for element in _listed(item.item)]
            inner = self._block(list(statement.body.body), tail) if isinstance(statement.body, cst.IndentedBlock) else []
            return _with_leading([made for group in first for made in group] + inner, statement.leading_lines)
        if isinstance(statement, cst.If):
            made = self._if(statement, tail)
            return [] if self._only_ran_in_a_graph(statement, made) else [made]
        if isinstance(statement, (cst.For, cst.While)):
            changes = {"body": self._suite(statement.body, False)}
            changes["iter" if isinstance(statement, cst.For) else "test"] = (statement.iter if isinstance(statement, cst.For) else statement.test).visit(self.translate)
            if statement.orelse is not None:
                changes["orelse"] = statement.orelse.with_changes(body=self._suite(statement.orelse.body, False))
            return [statement.with_changes(**changes)]
        if isinstance(statement, cst.With):
            return [statement.with_changes(items=[item.visit(self.translate) for item in statement.items], body=self._suite(statement.body, tail))]
        if isinstance(statement, cst.Try):
            self._no_updates_inside(statement)
        return [statement.visit(self.translate)]

    def _if(self, statement: cst.If, tail: bool) -> cst.If:
        orelse = statement.orelse
        if isinstance(orelse, cst.If):
            orelse = self._if(orelse, tail)
        elif isinstance(orelse, cst.Else):
            orelse = orelse.with_changes(body=self._suite(orelse.body, tail))
        return statement.with_changes(test=statement.test.visit(self.translate), body=self._suite(statement.body, tail), orelse=orelse)

    def _only_ran_in_a_graph(self, original: cst.If, made: cst.If) -> bool:
        """`if not tf.executing_eagerly(): return <the last graph operation>`, left with nothing to
        do: what it returned only ordered graph operations."""
        body = made.body.body if isinstance(made.body, cst.IndentedBlock) else ()
        calls = descendants(original.test, cst.Call)
        return (self.updates and original.orelse is None and len(body) == 1 and isinstance(body[0], cst.SimpleStatementLine)
                and all(isinstance(small, cst.Pass) for small in body[0].body) and bool(calls)
                and all(self.migration.qualified(call.func) in api.EXECUTION_MODE_TESTS for call in calls))

    def _orders(self, item: cst.WithItem) -> bool:
        return item.asname is None and isinstance(item.item, cst.Call) and self.migration.qualified(item.item.func) in api.ORDERING_BLOCKS

    def _line(self, line: cst.SimpleStatementLine, tail: bool) -> list[cst.BaseStatement]:
        if len(line.body) != 1:
            self._no_updates_inside(line)
            return [line.visit(self.translate)]
        small = line.body[0]
        produced: list[cst.BaseSmallStatement]
        if isinstance(small, cst.Expr):
            produced = self._effect_statements(small.value, line)
        elif isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
            produced = self._assignment(small.targets[0].target.value, small, line)
        elif isinstance(small, cst.Return):
            produced = self._return(small, line, tail)
        else:
            self._no_updates_inside(line)
            produced = [small.visit(self.translate)]
        return [line.with_changes(body=[part], leading_lines=line.leading_lines if index == 0 else [])
                for index, part in enumerate(produced)]

    def _assignment(self, name: str, small: cst.Assign, line) -> list[cst.BaseSmallStatement]:
        if name in self.op_lists:
            return []
        update = self.assign_call(small.value)
        if update is not None:
            method, variable, value = update
            alias = [cst.Assign([cst.AssignTarget(cst.Name(name))], variable.visit(self.translate))] if name in self.read else []
            return [self._update(method, variable, value, line), *alias]
        if self.updates and name not in self.read and isinstance(small.value, cst.Call) \
                and is_self_attribute(small.value.func) and small.value.func.attr.value in self.migration.own_methods:
            return [cst.Expr(small.value.visit(self.translate))]  # a helper's update, its operation only ordered after
        if self._is_group(small.value):
            if name in self.read:
                self.migration.problem(line, f"{name} holds a group of graph operations that the code reads: Keras 3 runs updates eagerly")
            return self._effect_statements(small.value, line)
        self._no_updates_inside(small.value)
        return [small.visit(self.translate)]

    def _return(self, small: cst.Return, line, tail: bool) -> list[cst.BaseSmallStatement]:
        value = _without_op(small.value)
        bare = [] if tail else [cst.Return()]
        if value is None:
            return bare
        update = self.assign_call(value)
        if update is not None and self.returns_update:
            return self._effect_statements(value, line) + [cst.Return(update[1].visit(self.translate))]
        if update is not None or self._is_group(value):
            return self._effect_statements(value, line) + bare
        if not self.updates:
            self._no_updates_inside(value)
            return [small.visit(self.translate)]
        if isinstance(value, cst.Call):  # a helper that makes the updates
            self._no_updates_inside(value)
            return [cst.Expr(value.visit(self.translate)), *bare]
        return bare  # the name of an update operation

    def _effect_statements(self, value: cst.BaseExpression, line) -> list[cst.BaseSmallStatement]:
        return [statement.body[0] for statement in self._effect(value, line)]

    def _effect(self, value: cst.BaseExpression, line) -> list[cst.SimpleStatementLine]:
        """What an expression evaluated for its effect does, as statements: updates kept,
        grouping dropped."""
        value = _without_op(value)
        update = self.assign_call(value)
        if update is not None:
            return [cst.SimpleStatementLine([self._update(*update, line)])]
        if self._is_group(value):
            return [made for arg in value.args for made in self._effect(arg.value, line)]
        if isinstance(value, (cst.List, cst.Tuple)):  # `tf.group(*[var_update, m_t])`
            return [made for element in value.elements for made in self._effect(element.value, line)]
        if isinstance(value, cst.Name):
            return []
        chosen = self._chosen_update(value)
        if chosen is not None:
            return [cst.SimpleStatementLine([self._update(*chosen, line)])]
        if self._collects_into_list(value):
            items = value.args[0].value if value.args else cst.List([])
            elements = items.elements if isinstance(items, (cst.List, cst.Tuple)) and value.func.attr.value == "extend" else [cst.Element(items)]
            return [made for element in elements for made in self._effect(element.value, line)]
        self._no_updates_inside(value)
        return [cst.SimpleStatementLine([cst.Expr(value.visit(self.translate))])]

    def _chosen_update(self, value: cst.BaseExpression) -> tuple[str, cst.BaseExpression, cst.BaseExpression] | None:
        """`tf.cond(c, lambda: K.update(x, a), lambda: K.update(x, b))`, one update of one variable
        either way, as the update of `ops.where(c, a, b)`: the same value, both branches computed."""
        if not isinstance(value, cst.Call) or self.migration.qualified(value.func) not in api.BRANCH_FUNCTIONS:
            return None
        test = argument(value, 0, "pred")
        branches = [argument(value, 1, "true_fn"), argument(value, 2, "false_fn")]
        if test is None or len(value.args) != 3 or not all(isinstance(b, cst.Lambda) and not b.params.params for b in branches):
            return None
        updates = [self.assign_call(b.body) for b in branches]
        if any(u is None for u in updates) or updates[0][0] != updates[1][0] or code(updates[0][1]) != code(updates[1][1]):
            return None
        self.migration.uses_ops = True
        where = cst.parse_expression(f"{self.migration.names.ops}.where(_, _, _)")
        where = where.with_changes(args=[arg.with_changes(value=node) for arg, node in zip(where.args, (test, updates[0][2], updates[1][2]))])
        return updates[0][0], updates[0][1], where

    def _update(self, method: str, variable, value, line) -> cst.Expr:
        self._no_updates_inside(value)
        call = cst.Call(cst.parse_expression(f"self.{method}"), [
            cst.Arg(variable.visit(self.translate), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
            cst.Arg(value.visit(self.translate)),
        ])
        return cst.Expr(call)

    def _no_updates_inside(self, node: cst.CSTNode) -> None:
        for call in descendants(node, cst.Call):
            if self.assign_call(call) is not None:
                self.migration.problem(call, "a variable update inside an expression: optfix moves updates only where they are statements")
                return



def _without_op(node: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """`update` of `update.op` (the graph operation of an update, which returning it only orders)."""
    return node.value if isinstance(node, cst.Attribute) and node.attr.value == "op" and isinstance(node.value, cst.Call) else node


def _operations(node: cst.BaseExpression) -> list[cst.Name]:
    """The names of operations in `op`, `[op, ...]` or `*ops`: what grouping reads of them."""
    if isinstance(node, cst.Name):
        return [node]
    if isinstance(node, (cst.List, cst.Tuple)):
        return [n for element in node.elements for n in _operations(element.value)]
    return []


def _listed(node: cst.BaseExpression) -> list[cst.Element]:
    """The operations a `tf.control_dependencies([...])` orders after (none for a name scope)."""
    if isinstance(node, cst.Call) and node.args and isinstance(node.args[0].value, (cst.List, cst.Tuple)):
        return list(node.args[0].value.elements)
    return []


def _with_leading(statements: list[cst.BaseStatement], leading) -> list[cst.BaseStatement]:
    """`leading` (the lines above a statement that went) put above the first of `statements`,
    one blank line where both had one."""
    if statements:
        lines = []
        for line in [*leading, *statements[0].leading_lines]:
            if line.comment is None and lines and lines[-1].comment is None:
                continue
            lines.append(line)
        statements[0] = statements[0].with_changes(leading_lines=lines)
    return statements
