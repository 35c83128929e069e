"""`_create_slots(var_list)` as Keras 3's `build(var_list)`.

Each slot name becomes a list attribute (`"m"` -> `self.m_slots`) with one variable per model
variable, made by `add_variable_from_reference` with the slot's initializer; `get_slot(var, "m")`
reads `self.m_slots[self._get_variable_index(var)]`. The statements that make the slots stay in
their order, so Keras 3 makes the variables in the order OptimizerV2 did (all m, then all v, where
the legacy code had one loop per slot; m and v of each variable in turn, where it had one loop).
That needs each slot made for every variable or for none: `add_slot` inside a loop over the
variables, under no condition that reads the variable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import code, descendants
from optfix.codemods.optimizer_v2.expressions import argument, literal, self_method
from optfix.codemods.optimizer_v2.slot_shapes import has_own_shape, shaped_slot
from optfix.knowledge import optimizer_v2 as api
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import assignment_of, expression_of, is_docstring

if TYPE_CHECKING:
    from optfix.codemods.optimizer_v2.migration import Migration


def slot_attributes(create_slots: cst.FunctionDef, taken: set[str]) -> dict[str, str]:
    """Slot name -> the attribute of its list, for each `add_slot(var, "<name>")` with a literal name."""
    found = {}
    for call in descendants(create_slots, cst.Call):
        if self_method(call) == "add_slot":
            name = literal(argument(call, 1, "slot_name") or cst.Name("_"))
            if name is not None and name.isidentifier() and name not in found:
                attribute = f"{name}_slots"
                while attribute in taken:
                    attribute += "_"
                found[name] = attribute
                taken.add(attribute)
    return found


class Build:
    def __init__(self, migration: Migration, create_slots: cst.FunctionDef) -> None:
        self.migration = migration
        self.function = create_slots
        params = [p.name.value for p in create_slots.params.params]
        self.var_list = params[1] if len(params) == 2 else None
        self.initializers: set[str] = set()  # locals bound to a translated initializer
        self.placed: set[int] = set()  # the add_slot calls migrated

    def build(self) -> cst.FunctionDef | None:
        if self.var_list is None:
            self.migration.problem(self.function, "_create_slots does not take (self, var_list)")
            return None
        body = list(self.function.body.body)
        docstring = body[:1] if body and is_docstring(body[0]) else []
        made = self._block(body[len(docstring):], loop_variable=None)
        for call in descendants(self.function, cst.Call):
            if self_method(call) == "add_slot" and id(call) not in self.placed:
                self.migration.problem(call, "add_slot() outside a loop over the variables (or under a condition that reads the "
                                             "variable): Keras 3 finds a slot by the variable's index, so each slot needs one "
                                             "variable per model variable")
        lists = [f"self.{attribute} = []" for attribute in self.migration.slots.values()]
        opening = ["if self.built:\n    return", f"super().build({self.var_list})", *lists]
        config = self.migration.file.module.config_for_parsing
        parsed = [cst.parse_statement(line + "\n", config=config) for line in opening]
        return self.function.with_changes(name=cst.Name("build"), body=self.function.body.with_changes(body=[*docstring, *parsed, *made]))

    def _block(self, statements, loop_variable: str | None) -> list[cst.BaseStatement]:
        return [self._statement(statement, loop_variable) for statement in statements]

    def _statement(self, statement: cst.BaseStatement, loop_variable: str | None) -> cst.BaseStatement:
        if isinstance(statement, cst.For) and isinstance(statement.body, cst.IndentedBlock) and statement.orelse is None \
                and isinstance(statement.target, cst.Name) and isinstance(statement.iter, cst.Name) and statement.iter.value == self.var_list \
                and loop_variable is None:
            body = self._block(statement.body.body, statement.target.value)
            return statement.with_changes(body=statement.body.with_changes(body=body))
        if isinstance(statement, cst.If) and isinstance(statement.body, cst.IndentedBlock) and not (
                loop_variable and loop_variable in {n.value for n in descendants(statement.test, cst.Name)}):
            orelse = statement.orelse
            if isinstance(orelse, cst.Else) and isinstance(orelse.body, cst.IndentedBlock):
                orelse = orelse.with_changes(body=orelse.body.with_changes(body=self._block(orelse.body.body, loop_variable)))
            elif isinstance(orelse, cst.If):
                orelse = self._statement(orelse, loop_variable)
            return statement.with_changes(body=statement.body.with_changes(body=self._block(statement.body.body, loop_variable)),
                                          orelse=orelse, test=statement.test.visit(self.migration.translator()))
        call = expression_of(statement)
        if loop_variable is not None and isinstance(call, cst.Call) and self_method(call) == "add_slot":
            self.placed.add(id(call))
            slot = self._slot(call, loop_variable)
            return statement if slot is None else statement.with_changes(body=[cst.Expr(slot)])
        assignment = assignment_of(statement)
        if assignment is not None and isinstance(assignment[0], cst.Name):
            initializer = self._initializer(assignment[1], loop_variable, quiet=True)
            if initializer is not None:
                self.initializers.add(assignment[0].value)
                return statement.with_changes(body=[statement.body[0].with_changes(value=initializer)])
        if any(self_method(c) == "add_slot" for c in descendants(statement, cst.Call)):
            return statement  # slots made for some variables only: build() reports them
        return statement.visit(self.migration.translator())

    def _slot(self, call: cst.Call, loop_variable: str) -> cst.BaseExpression | None:
        variable, name = argument(call, 0, "var"), literal(argument(call, 1, "slot_name") or cst.Name("_"))
        if not (isinstance(variable, cst.Name) and variable.value == loop_variable) or name not in self.migration.slots:
            self.migration.problem(call, "add_slot() of another variable than the loop's, or of a slot name that is not a plain string")
            return None
        if has_own_shape(self, call):
            return shaped_slot(self, call, loop_variable)
        given = argument(call, 2, "initializer")
        keyword = ""
        if given is not None:
            initializer = self._initializer(given, loop_variable)
            if initializer is None:
                return None
            if literal(initializer) != "zeros":  # Keras 3's default
                keyword = f", initializer={code(initializer)}"
        attribute, written = self.migration.slots[name], code(argument(call, 1, "slot_name"))
        return cst.parse_expression(f"self.{attribute}.append(self.add_variable_from_reference({loop_variable}, name={written}{keyword}))")

    def initializer_for(self, node: cst.BaseExpression, loop_variable: str | None) -> cst.BaseExpression | None:
        return self._initializer(node, loop_variable)

    def depends(self, node: cst.CSTNode, loop_variable: str | None) -> bool:
        return self._depends(node, loop_variable)

    def _initializer(self, node: cst.BaseExpression, loop_variable: str | None, quiet: bool = False):
        """The initializer as Keras 3 takes it: a string, `keras.initializers.Constant(value)`, or a
        local bound to one; None (a problem, unless `quiet`) for others."""
        text = literal(node)
        if text is not None:
            if text in api.INITIALIZER_STRINGS:
                return node
        elif isinstance(node, cst.Name) and node.value in self.initializers:
            return node
        elif isinstance(node, cst.Call):
            qualified = self.migration.qualified(node.func) or ""
            if qualified in api.NAMED_INITIALIZERS and not node.args:
                return cst.SimpleString(self.migration.string(api.NAMED_INITIALIZERS[qualified]))
            value = argument(node, 0, "value")
            if qualified in api.CONSTANT_INITIALIZERS and value is not None and not self._depends(value, loop_variable):
                return cst.parse_expression(f"{self.migration.names.keras}.initializers.Constant({code(value.visit(self.migration.translator()))})")
        if not quiet:
            reason = ("it depends on the variable or on another slot" if self._depends(node, loop_variable)
                      else "optfix knows Keras 3's counterpart only for 'zeros', 'ones' and constant initializers")
            self.migration.problem(node, f"the slot initializer {code(node)} is not migrated: {reason}")
        return None

    def _depends(self, node: cst.CSTNode, loop_variable: str | None) -> bool:
        names = {n.value for n in descendants(node, cst.Name)}
        return bool(loop_variable and loop_variable in names) or any(self_method(c) == "get_slot" for c in descendants(node, cst.Call))
