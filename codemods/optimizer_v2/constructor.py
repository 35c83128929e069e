"""An OptimizerV2 `__init__` as a Keras 3 one.

- `self._set_hyper("beta_1", beta_1)` becomes `self.beta_1 = beta_1` (the attribute OptimizerV2
  already read it through);
- the learning rate (`_set_hyper("learning_rate", kwargs.get("lr", learning_rate))`) goes to the
  base class, which Keras 3 requires, taken as `lr=` too where the legacy code took it so, and as
  `learning_rate=` where its parameter has another name (`from_config` passes that); one kept as
  a plain attribute (`self._lr = learning_rate`) stays so, and the base class is given it too;
- OptimizerV2's time-based decay (`decay=` in `**kwargs`, applied by `_decayed_lr` as
  lr / (1 + decay * iterations)) becomes an `InverseTimeDecay` schedule, where the class reads the
  decayed learning rate; `_set_hyper("decay", self._initial_decay)` goes;
- `super().__init__(name, **kwargs)` passes the name by keyword, after the learning rate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import code, descendants
from optfix.codemods.optimizer_v2.expressions import literal, self_method
from optfix.codemods.optimizer_v2.no_learning_rate import placeholder_lines, reads_a_learning_rate
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import LEARNING_RATES, assignment_of, expression_of, is_self_attribute, is_super_init

if TYPE_CHECKING:
    from optfix.codemods.optimizer_v2.migration import Migration

DECAY = "decay"


def hyperparameters(migration: Migration, init: cst.FunctionDef) -> dict[str, cst.Call]:
    """`_set_hyper("name", value)` calls of __init__, by name."""
    found = {}
    for call in descendants(init, cst.Call):
        if self_method(call) == "_set_hyper":
            name = literal(call.args[0].value) if call.args else None
            if name is None or len(call.args) != 2:
                migration.problem(call, "_set_hyper() of a name that is not a string literal: optfix cannot name its attribute")
            else:
                found[name] = call
    return found


class Constructor:
    def __init__(self, migration: Migration, init: cst.FunctionDef, hypers: dict[str, cst.Call], fold_decay: bool) -> None:
        self.migration, self.init, self.hypers, self.fold_decay = migration, init, hypers, fold_decay
        params = init.params
        self.params = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
        self.kwargs = params.star_kwarg.name.value if isinstance(params.star_kwarg, cst.Param) else None
        self.used = {n.value for n in descendants(init, cst.Name)}

    def build(self) -> cst.FunctionDef:
        statements = list(self.init.body.body)
        base = next((i for i, s in enumerate(statements) if isinstance(c := expression_of(s), cst.Call) and is_super_init(c)), None)
        if base is None:
            self.migration.problem(self.init, "__init__ does not call the base class's __init__ where optfix can see it (a statement of its own)")
            return self.init
        for statement in statements[:base]:
            if _sets_self(statement) or any(self_method(c) is not None for c in descendants(statement, cst.Call)):
                self.migration.problem(statement, "__init__ sets the optimizer's state before calling the base class's __init__, "
                                                  "which Keras 3 needs first")
        learning_rate, before = self._learning_rate()
        if learning_rate is None:
            return self.init
        base_call = expression_of(statements[base])
        call = self._base_call(base_call, learning_rate)
        translate = self.migration.translator()
        moved = self._learning_rate_preparation(statements, base)
        body = []
        for index, statement in enumerate(statements):
            if index in moved:
                continue
            if index == base:
                lines = [statements[i].visit(translate) for i in moved] + [self._parse(line) for line in before]
                if lines:
                    lines[0] = lines[0].with_changes(leading_lines=statement.leading_lines)
                    statement = statement.with_changes(leading_lines=[])
                body += lines + [statement.with_changes(body=[statement.body[0].with_changes(value=call)])]
                continue
            body += self._statement(statement, translate)
        return self.init.with_changes(body=self.init.body.with_changes(body=body))

    def _parse(self, text: str) -> cst.BaseStatement:
        return cst.parse_statement(text + "\n", config=self.migration.file.module.config_for_parsing)

    def _learning_rate(self) -> tuple[str | None, list[str]]:
        """The name __init__ gives the base class the learning rate by, and the lines that make it."""
        call = next((self.hypers[name] for name in LEARNING_RATES if name in self.hypers), None)
        if call is not None:
            value = call.args[1].value
        elif (plain := self._plain_learning_rate()) is not None:  # kept as the class wrote it; the base class is given it too
            call = value = plain
        elif self.kwargs is not None and not reads_a_learning_rate(self.migration):
            name = self._free("learning_rate")
            return name, placeholder_lines(self.migration, self.kwargs, name) + self.migration.clip_lines(self.kwargs, self.init)
        else:
            self.migration.problem(self.init, "__init__ sets no learning rate with _set_hyper(), but the class reads one"
                                   if reads_a_learning_rate(self.migration) else
                                   "__init__ sets no learning rate with _set_hyper() and takes no **kwargs: the Keras 3 base "
                                   "class needs one, and from_config passes the one it holds")
            return None, []
        lines = []
        from_lr = self._kwargs_get_lr(value)
        if from_lr is not None:
            value = from_lr
        if isinstance(value, cst.Name) and value.value in self.params:
            name = value.value
        elif {n.value for n in descendants(value, cst.Name)} - self.params - {self.kwargs, "None", "True", "False"}:
            self.migration.problem(call, f"the learning rate {code(value)} reads names __init__ binds itself: optfix gives the base "
                                         "class the learning rate before they are bound")
            return None, []
        else:
            name = self._free("learning_rate")
            if name != "learning_rate" and "learning_rate" in self.params:
                self.migration.problem(call, "the learning rate is not __init__'s learning_rate parameter: optfix cannot tell which to give the base class")
                return None, []
            lines.append(f"{name} = {code(value)}")
        if from_lr is not None:
            lines.append(f"{name} = {self.kwargs}.pop({self.migration.string('lr')}, {name})")
        if name != "learning_rate" and self.kwargs is not None:
            lines.append(f"{name} = {self.kwargs}.pop({self.migration.string('learning_rate')}, {name})")
        if self.fold_decay and self.kwargs is not None and DECAY in self.params:
            if self._base_may_take_decay():
                self.migration.problem(self.init, "__init__ has a parameter named decay that may reach the base class, so optfix "
                                                  "cannot tell OptimizerV2's time-based decay from it")
                return None, []
            return name, lines + self.migration.clip_lines(self.kwargs, self.init)  # decay= never reached OptimizerV2: its decay was 0
        if self.fold_decay and self.kwargs is not None:
            given = name
            schedules = f"{self.migration.names.keras}.optimizers.schedules"
            indent = self.migration.file.module.default_indent
            if self._read_elsewhere(name, call):  # the rest of __init__ reads the number (`if learning_rate < 0: raise`)
                given = self._free(f"{name}_schedule")
                lines.append(f"{given} = {name}")
                # from_config gives back the schedule get_config wrote: the number is inside it
                lines.append(f"if isinstance({name}, {schedules}.InverseTimeDecay):\n{indent}{name} = {name}.initial_learning_rate")
            lines.append(f"{DECAY} = {self.kwargs}.pop({self.migration.string('decay')}, 0.0)")
            lines.append(f"if {DECAY} > 0:\n{indent}{given} = {schedules}.InverseTimeDecay({name}, decay_steps=1, decay_rate={DECAY})")
            return given, lines + self.migration.clip_lines(self.kwargs, self.init)
        return name, lines + self.migration.clip_lines(self.kwargs, self.init)

    def _learning_rate_preparation(self, statements: list[cst.BaseStatement], base: int) -> list[int]:
        """The statements after the base class's __init__ and before `_set_hyper("learning_rate", P)`
        that only rebind the parameter P from itself (`if isinstance(P, dict): P = deserialize(P)`):
        they go before the base class's __init__, which is given P."""
        call = next((self.hypers[name] for name in LEARNING_RATES if name in self.hypers), None)
        if call is None:
            return []
        value = self._kwargs_get_lr(call.args[1].value) or call.args[1].value
        if not (isinstance(value, cst.Name) and value.value in self.params):
            return []
        param = value.value
        setting = next((i for i, s in enumerate(statements) if any(c is call for c in descendants(s, cst.Call))), None)
        if setting is None or setting < base:
            return []
        local = {t.target.value for s in statements for t in descendants(s, cst.AssignTarget) if isinstance(t.target, cst.Name)}
        others = (self.params | local | {"self", self.kwargs}) - {param}
        moved = []
        for index in range(base + 1, setting):
            statement = statements[index]
            targets = [t.target for t in descendants(statement, cst.AssignTarget)]
            names = {n.value for n in descendants(statement, cst.Name)}
            if targets and all(isinstance(t, cst.Name) and t.value == param for t in targets) and not names & others:
                moved.append(index)
        return moved

    def _read_elsewhere(self, name: str, learning_rate: cst.CSTNode) -> bool:
        """Whether __init__ reads `name` other than where it sets the learning rate."""
        inside = {id(n) for n in descendants(learning_rate, cst.Name)}
        return any(n.value == name and id(n) not in inside for n in descendants(self.init.body, cst.Name))

    def _plain_learning_rate(self) -> cst.BaseExpression | None:
        """`P` of `self.X = P` (or of `self.X = kwargs.get("lr", P)`) in __init__'s body, P its
        `learning_rate` or `lr` parameter: a learning rate OptimizerV2 never saw, read as a number."""
        for statement in self.init.body.body:
            assignment = assignment_of(statement)
            if assignment is None or not is_self_attribute(assignment[0]):
                continue
            value = self._kwargs_get_lr(assignment[1]) or assignment[1]
            if isinstance(value, cst.Name) and value.value in LEARNING_RATES and value.value in self.params:
                return assignment[1]
        return None

    def _base_may_take_decay(self) -> bool:
        """Whether the base class's __init__ may be given the decay parameter: passed to it, or
        __init__ reads it anywhere but as a plain argument of its own (`decay=0.` of Keras 2's
        signatures, which OptimizerV2 never saw)."""
        calls = [c for c in descendants(self.init, cst.Call) if is_super_init(c)]
        passed = any(arg.star == "**" and code(arg.value) != self.kwargs or arg.keyword is not None and arg.keyword.value == DECAY
                     for call in calls for arg in call.args)
        read = any(n.value == DECAY for n in descendants(self.init.body, cst.Name))
        return passed or read

    def _kwargs_get_lr(self, value: cst.BaseExpression) -> cst.BaseExpression | None:
        """`P` of `kwargs.get("lr", P)`."""
        if (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and isinstance(value.func.value, cst.Name)
                and value.func.value.value == self.kwargs and value.func.attr.value in ("get", "pop") and len(value.args) == 2
                and literal(value.args[0].value) == "lr"):
            return value.args[1].value
        return None

    def _free(self, name: str) -> str:
        while name in self.used or name in self.params:
            name += "_"
        return name

    def _base_call(self, call: cst.Call, learning_rate: str) -> cst.Call:
        args = list(call.args)
        if args and args[0].keyword is None and not args[0].star:
            args[0] = args[0].with_changes(keyword=cst.Name("name"), equal=_equal())
        for arg in args:
            if arg.keyword is not None and arg.keyword.value in ("gradient_aggregator", "gradient_transformers"):
                self.migration.problem(arg, f"{arg.keyword.value}= has no Keras 3 counterpart")
        first = cst.Arg(cst.Name(learning_rate), keyword=cst.Name("learning_rate"), equal=_equal(),
                        comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return call.with_changes(args=[first, *args])

    def _statement(self, statement: cst.BaseStatement, translate) -> list[cst.BaseStatement]:
        call = expression_of(statement)
        if isinstance(call, cst.Call) and self_method(call) == "_set_hyper" and len(call.args) == 2:
            name = literal(call.args[0].value)
            if name in LEARNING_RATES or name == DECAY:
                return []
            value = call.args[1].value.visit(translate)
            line = cst.Assign([cst.AssignTarget(cst.parse_expression(f"self.{self.migration.attribute(name)}"))], value)
            return [statement.with_changes(body=[line])]
        if isinstance(statement, cst.If):
            return [self._if(statement, translate)]
        if isinstance(statement, (cst.For, cst.While, cst.With)) and isinstance(statement.body, cst.IndentedBlock) and getattr(statement, "orelse", None) is None:
            header = {"iter": statement.iter} if isinstance(statement, cst.For) else {"test": statement.test} if isinstance(statement, cst.While) else {}
            changes = {key: value.visit(translate) for key, value in header.items()}
            if isinstance(statement, cst.With):
                changes["items"] = [item.visit(translate) for item in statement.items]
            return [statement.with_changes(body=self._block(statement.body, translate), **changes)]
        return [statement.visit(translate)]

    def _if(self, statement: cst.If, translate) -> cst.If:
        orelse = statement.orelse
        if isinstance(orelse, cst.If):
            orelse = self._if(orelse, translate)
        elif isinstance(orelse, cst.Else):
            orelse = orelse.with_changes(body=self._block(orelse.body, translate))
        return statement.with_changes(test=statement.test.visit(translate), body=self._block(statement.body, translate), orelse=orelse)

    def _block(self, suite: cst.BaseSuite, translate) -> cst.BaseSuite:
        if not isinstance(suite, cst.IndentedBlock):
            return suite.visit(translate)
        inner = [line for s in suite.body for line in self._statement(s, translate)]
        return suite.with_changes(body=inner or [cst.SimpleStatementLine([cst.Pass()])])


def _sets_self(statement: cst.CSTNode) -> bool:
    return any(isinstance(t.target, cst.Attribute) and isinstance(t.target.value, cst.Name) and t.target.value.value == "self"
               for t in descendants(statement, cst.AssignTarget))


def _equal() -> cst.AssignEqual:
    return cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
