"""A subclass of a tf.keras 2 built-in optimizer (`class AdamW(tf.keras.optimizers.Adam)`) as a
subclass of the Keras 3 built-in that computes the same update.

- `super().__init__(learning_rate, beta_1, ..., name, **kwargs)` passes each argument by the
  legacy parameter's name, since Keras 3's positional order differs; `lr=` and OptimizerV2's
  time-based `decay=` (the built-in always read the decayed rate) are taken from `**kwargs` as the
  custom classes' are;
- `super()._resource_apply_dense(grad, var, apply_state)` becomes
  `super().update_step(gradient, variable, learning_rate)`, after what the override did first (a
  weight decay, a changed gradient), in the same order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import code, descendants
from optfix.knowledge import optimizer_v2 as api
from optfix.knowledge.optimizer_v2_builtins import LEGACY_SIGNATURES
from optfix.codemods.optimizer_v2.rows_guard import local_tensorflow
from optfix.lazy import libcst as cst
from optfix.codemods.optimizer_v2.expressions import literal, self_method
from optfix.rulekit.class_code import LEARNING_RATES, expression_of, is_docstring, is_super_call, is_super_init

if TYPE_CHECKING:
    from optfix.codemods.optimizer_v2.migration import Migration

DECAY = "decay"
_UNSUPPORTED = (api.SLOTS, "_resource_apply_sparse_duplicate_indices")


def refuse_unsupported(migration: Migration, methods: dict[str, cst.FunctionDef]) -> None:
    for name in _UNSUPPORTED:
        if name in methods:
            migration.problem(methods[name], f"it overrides {name}() of a built-in optimizer: optfix migrates subclasses of a "
                                             "built-in that change its update, not its slots")


def delegating(migration: Migration, dense: cst.FunctionDef) -> cst.FunctionDef:
    """The dense method with its call of the built-in's as `super().update_step(g, v)`, the
    learning rate added by `completed` once update_step has its parameters."""
    calls = [c for c in descendants(dense, cst.Call) if is_super_call(c, api.DENSE)]
    if len(calls) != 1:
        migration.problem(dense, f"{api.DENSE}() calls the built-in's {'more than once' if calls else 'not at all'}: optfix "
                                 "migrates an override that adds to the built-in's update and then runs it")
        return dense
    call = calls[0]
    args = list(call.args)
    if len(args) not in (2, 3) or any(a.star or a.keyword and a.keyword.value not in ("grad", "var", "apply_state") for a in args):
        migration.problem(call, f"{code(call.func)}() with arguments optfix cannot map to update_step(gradient, variable, learning_rate)")
        return dense
    positional = [a.value for a in args if a.keyword is None]
    by_name = {a.keyword.value: a.value for a in args if a.keyword is not None}
    gradient = positional[0] if positional else by_name.get("grad")
    variable = positional[1] if len(positional) > 1 else by_name.get("var")
    if gradient is None or variable is None:
        migration.problem(call, f"{code(call.func)}() without the gradient or the variable")
        return dense
    replacement = cst.parse_expression("super().update_step(g, v)").with_changes(args=[
        cst.Arg(gradient, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))), cst.Arg(variable)])
    migration.decayed_reads.append(dense)  # the built-in reads the decayed learning rate
    return dense.deep_replace(call, replacement)


def completed(migration: Migration, update_step: cst.FunctionDef | None, inherits_sparse: bool) -> cst.FunctionDef | None:
    """`super().update_step(g, v)` given update_step's learning-rate parameter. Where the class
    left the built-in's sparse method as it was, the gradient of an embedding (rows) goes to the
    built-in's update untouched, as it did: the override changed dense gradients only."""
    if update_step is None:
        return None
    gradient, variable, learning_rate = (p.name.value for p in update_step.params.params[1:4])
    for call in descendants(update_step, cst.Call):
        if is_super_call(call, "update_step") and len(call.args) == 2:
            args = [call.args[0], call.args[1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                    cst.Arg(cst.Name(learning_rate))]
            update_step = update_step.deep_replace(call, call.with_changes(args=args))
            break
    if not inherits_sparse:
        return update_step
    tf = migration.tensorflow()
    indent = migration.file.module.default_indent
    rows = cst.parse_statement(f"if isinstance({gradient}, {tf}.IndexedSlices):  # an embedding's rows: summed where given twice, "
                               f"then the built-in's update, as its sparse path did\n"
                               f"{indent}return super().update_step({tf}.convert_to_tensor({gradient}), {variable}, {learning_rate})\n",
                               config=migration.file.module.config_for_parsing)
    body = list(update_step.body.body)
    docstring = 1 if body and is_docstring(body[0]) else 0
    lines = local_tensorflow(migration, [rows, *body[docstring:]], gradient)  # under the backend guard where only it reads TensorFlow
    return update_step.with_changes(body=update_step.body.with_changes(body=[*body[:docstring], *lines]))


def inherited_init(migration: Migration) -> cst.FunctionDef:
    """The legacy built-in's `__init__`, written out for a subclass that kept it, so that
    `BuiltInConstructor` gives it `lr=` and `decay=` as the built-in took them."""
    signature = LEGACY_SIGNATURES[migration.built_in]
    parameters = ", ".join(f"{name}={migration.string(default) if isinstance(default, str) else repr(default)}" for name, default in signature)
    names = ", ".join(name for name, _ in signature)
    indent = migration.file.module.default_indent
    return cst.parse_statement(f"def __init__(self, {parameters}, **kwargs):\n{indent}super().__init__({names}, **kwargs)\n",
                               config=migration.file.module.config_for_parsing)


class BuiltInConstructor:
    """`__init__` of the subclass: the built-in's arguments by keyword, `lr=` and `decay=` taken."""

    def __init__(self, migration: Migration, init: cst.FunctionDef) -> None:
        self.migration, self.init = migration, init
        self.signature = [name for name, _ in LEGACY_SIGNATURES[migration.built_in]]
        params = init.params
        self.params = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
        self.kwargs = params.star_kwarg.name.value if isinstance(params.star_kwarg, cst.Param) else None

    def build(self) -> cst.FunctionDef:
        statements = list(self.init.body.body)
        index = next((i for i, s in enumerate(statements) if isinstance(c := expression_of(s), cst.Call) and is_super_init(c)), None)
        if index is None:
            self.migration.problem(self.init, "__init__ does not call the base class's __init__ where optfix can see it (a statement of its own)")
            return self.init
        call = expression_of(statements[index])
        args = self._by_keyword(call)
        if args is None:
            return self.init
        learning_rate = next((a.value for a in args if a.keyword is not None and a.keyword.value == "learning_rate"), None)
        before = self._lines(learning_rate)
        if before is None:
            return self.init
        lines = [self._parse(line) for line in before]
        statement = statements[index]
        if lines:
            lines[0] = lines[0].with_changes(leading_lines=statement.leading_lines)
            statement = statement.with_changes(leading_lines=[])
        base = statement.with_changes(body=[statement.body[0].with_changes(value=call.with_changes(args=args))])
        translate = self.migration.translator()
        after = [self._statement(s, translate) for s in statements[index + 1:]]
        body = [s.visit(translate) for s in statements[:index]] + lines + [base] + after
        return self.init.with_changes(body=self.init.body.with_changes(body=body))

    def _by_keyword(self, call: cst.Call) -> list[cst.Arg] | None:
        args = []
        for position, arg in enumerate(call.args):
            if arg.star or arg.keyword is not None:
                args.append(arg)
                continue
            if position >= len(self.signature):
                self.migration.problem(arg, f"the base class's __init__ takes {len(self.signature)} arguments by position")
                return None
            args.append(arg.with_changes(keyword=cst.Name(self.signature[position]),
                                         equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))))
        for arg in args:
            if arg.keyword is not None and arg.keyword.value in ("lr", DECAY, "gradient_aggregator", "gradient_transformers"):
                self.migration.problem(arg, f"{arg.keyword.value}= given to the base class by keyword: Keras 3's takes no such argument")
                return None
        return args

    def _lines(self, learning_rate: cst.BaseExpression | None) -> list[str] | None:
        """`lr=` and `decay=` of **kwargs, folded into the learning rate given to the base class."""
        clip = self.migration.clip_lines(self.kwargs, self.init)
        if self.kwargs is None:
            return clip
        if not (isinstance(learning_rate, cst.Name) and learning_rate.value in self.params):
            self.migration.problem(self.init, "the base class is not given __init__'s learning-rate parameter: optfix cannot fold "
                                              "lr= and decay= of **kwargs into it")
            return None
        if DECAY in self.params:
            self.migration.problem(self.init, "__init__ has a parameter named decay, so optfix cannot tell the time-based decay "
                                              "OptimizerV2 took from **kwargs from it")
            return None
        name, kwargs, quote = learning_rate.value, self.kwargs, self.migration.string
        schedules = f"{self.migration.names.keras}.optimizers.schedules"
        indent = self.migration.file.module.default_indent
        return [f"{name} = {kwargs}.pop({quote('lr')}, {name})", f"{DECAY} = {kwargs}.pop({quote(DECAY)}, 0.0)",
                f"if {DECAY} > 0:\n{indent}{name} = {schedules}.InverseTimeDecay({name}, decay_steps=1, decay_rate={DECAY})", *clip]

    def _statement(self, statement: cst.BaseStatement, translate) -> cst.BaseStatement:
        """`self._set_hyper("rate", rate)` as `self.rate = rate`, where Keras 3's Adam and the
        class's `_get_hyper` read it."""
        call = expression_of(statement)
        if not (isinstance(call, cst.Call) and self_method(call) == "_set_hyper" and len(call.args) == 2):
            return statement.visit(translate)
        name = literal(call.args[0].value)
        if name is None or name in LEARNING_RATES or name == DECAY:
            self.migration.problem(call, "_set_hyper() of the learning rate or the decay in a subclass of a built-in, which sets them itself")
            return statement
        target = cst.AssignTarget(cst.parse_expression(f"self.{self.migration.attribute(name)}"))
        return statement.with_changes(body=[cst.Assign([target], call.args[1].value.visit(translate))])

    def _parse(self, text: str) -> cst.BaseStatement:
        return cst.parse_statement(text + "\n", config=self.migration.file.module.config_for_parsing)

