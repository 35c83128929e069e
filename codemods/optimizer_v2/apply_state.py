"""Helper methods handed OptimizerV2's `apply_state` (the step's coefficients, by device and dtype),
for an update_step that has no such dictionary: its coefficients are locals at its top.

- A helper that only looks the coefficients up and returns one of them beside the dictionary to
  forward (`lr_t, kwargs = self._get_lr(var.device, var.dtype.base_dtype, apply_state)`, returning
  `coefficients["lr_t"], dict(apply_state=apply_state)`) goes: the call reads the coefficient, and
  the dictionary, forwarded as `**kwargs` to the base class's dense or sparse method, goes with it.
- Another helper given `apply_state` (or the coefficients of the variable's dtype) takes the
  coefficients it reads instead, each as a parameter named by its key
  (`self._decay_weights_op(var, lr_t, weight_decay_rate)`); a `tf.function` decorator goes with
  the dictionary, the helper now runs as part of update_step.

OptimizerV2 always passes `apply_state` to a method that takes it, so a helper's `if apply_state
is None:` branch never ran: it goes. A helper handed `apply_state` that only removed methods call
(the sparse ones) goes with them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import code, descendants
from optfix.codemods.optimizer_v2.expressions import is_tf_function, self_method
from optfix.codemods.optimizer_v2.statements import Statements
from optfix.codemods.optimizer_v2.update_step import StepTranslate, key_of, reads_state, without_state_reads
from optfix.lazy import libcst as cst
from optfix.knowledge import optimizer_v2 as api
from optfix.rulekit.class_code import assignment_of, flat, is_docstring, is_super_call

if TYPE_CHECKING:
    from optfix.codemods.optimizer_v2.migration import Migration

FORWARD = "forward"  # a returned element that is only the dictionary to forward


class ApplyStateHelpers:
    def __init__(self, migration: Migration, methods: dict[str, cst.FunctionDef]) -> None:
        self.migration, self.methods = migration, methods
        self.getters: dict[str, list[str]] = {}  # helper -> what each element of its result is: a key, or FORWARD
        self.helpers: dict[str, tuple[int, list[str]]] = {}  # helper -> (position of its state parameter, the keys it reads)
        self.forwarded: set[str] = set()  # the caller's names bound to a dictionary to forward

    def caller(self, method: cst.FunctionDef, state_parameter: int) -> cst.FunctionDef:
        """An update method (the dense one) with its calls of such helpers rewritten."""
        names = [p.name.value for p in method.params.params]
        if len(names) <= state_parameter:
            return method
        state = {names[state_parameter]}
        state |= {assignment_of(s)[0].value for s in method.body.body if reads_state(s, state)}
        if not any(isinstance(a.value, cst.Name) and a.value.value in state
                   for call in descendants(method, cst.Call) if self.own(call) for a in call.args):
            return method
        rewritten = method.visit(_Calls(self, state))
        for name in descendants(rewritten, cst.Name):
            if name.value in self.forwarded:
                self.migration.problem(method, f"{name.value}, the apply_state a helper returned, is read other than as **{name.value} "
                                               "of the base class's method: Keras 3 has no apply_state to pass on")
                break
        for helper in [*self.getters, *self.helpers]:
            callers = sorted(name for name, other in self.methods.items()
                             if name not in (api.DENSE, *api.SPARSE) and any(self_method(c) == helper for c in descendants(other, cst.Call)))
            if callers:
                self.migration.problem(self.methods[helper], f"{helper}() is handed apply_state by the dense method and also called "
                                                             f"by {callers[0]}(): optfix changes what it takes for update_step only")
        return rewritten

    def own(self, call: cst.Call) -> cst.FunctionDef | None:
        method = self_method(call)
        return self.methods.get(method) if method is not None else None

    # -- the helpers ---------------------------------------------------------------------------

    def getter(self, helper: cst.FunctionDef, position: int) -> list[str] | None:
        """What each element of the helper's result is, where it only looks coefficients up and
        returns them with the dictionary to forward."""
        if helper.name.value in self.getters:
            return self.getters[helper.name.value]
        params = [p.name.value for p in helper.params.params]
        state = {params[position]}
        body = _without_none_branches([s for s in helper.body.body if not is_docstring(s)], params[position])
        if not body or not isinstance(body[-1], cst.SimpleStatementLine) or not isinstance(body[-1].body[0], cst.Return):
            return None
        for statement in body[:-1]:
            if not _looks_up(statement, state):
                return None
            target = assignment_of(statement)
            if target is not None and isinstance(target[0], cst.Name):
                state.add(target[0].value)
        value = body[-1].body[0].value
        if not isinstance(value, cst.Tuple):
            return None
        kinds = []
        for element in value.elements:
            key = key_of(element.value, state)
            kinds.append(key if key is not None else FORWARD if _forwards(element.value, state) else None)
        if None in kinds or FORWARD not in kinds:
            return None
        self.getters[helper.name.value] = kinds
        return kinds

    def keys(self, helper: cst.FunctionDef, position: int) -> list[str]:
        """The coefficients a helper reads from its state parameter, in the order it reads them."""
        if helper.name.value not in self.helpers:
            params = [p.name.value for p in helper.params.params]
            state = {params[position]}
            state |= {assignment_of(s)[0].value for s in helper.body.body if reads_state(s, state)}
            found = [k for node in descendants(helper, cst.Subscript) if (k := key_of(node, state)) is not None]
            self.helpers[helper.name.value] = (position, list(dict.fromkeys(found)))
        return self.helpers[helper.name.value][1]

    def rewritten(self, helper: cst.FunctionDef) -> cst.FunctionDef:
        """A helper given apply_state, taking the coefficients it reads instead."""
        position, keys = self.helpers[helper.name.value]
        params = list(helper.params.params)
        state_name = params[position].name.value
        state = {state_name}
        taken = {p.name.value for p in params} & set(keys)
        if taken:
            self.migration.problem(helper, f"{helper.name.value}() has a parameter named as a coefficient it reads ({', '.join(sorted(taken))})")
            return helper
        parameters = [cst.Param(cst.Name(key), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) for key in keys]
        params[position:position + 1] = parameters
        if params:
            params[-1] = params[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        body = _without_none_branches([s for s in helper.body.body if not is_docstring(s)], state_name)
        docstring = [s for s in helper.body.body[:1] if is_docstring(s)]
        state |= {assignment_of(s)[0].value for s in body if reads_state(s, state)}
        hidden: set[str] = set()
        variable = next((p.name.value for p in helper.params.params if p.name.value in ("var", "variable")), "var")
        lines = without_state_reads(body, state, hidden, variable, None)
        translate = StepTranslate(self.migration, "self.learning_rate", state, hidden)
        statements = Statements(self.migration, translate, updates=False).body(lines)  # what it returns, its caller may read
        decorators = [d for d in helper.decorators if not is_tf_function(self.migration, d.decorator)]
        return helper.with_changes(params=helper.params.with_changes(params=params), decorators=decorators,
                                   body=helper.body.with_changes(body=[*docstring, *statements] or [cst.SimpleStatementLine([cst.Pass()])]))


class _Calls(cst.CSTTransformer):
    """An update method's calls of helpers handed apply_state: a lookup's result read as its
    coefficients, another helper given the coefficients it reads, a forwarded `**kwargs` gone."""

    def __init__(self, helpers: ApplyStateHelpers, state: set[str]) -> None:
        super().__init__()
        self.helpers, self.state = helpers, state
        self.migration = helpers.migration

    def leave_SimpleStatementLine(self, original, updated):
        assignment = assignment_of(updated)
        if assignment is None or not isinstance(assignment[1], cst.Call):
            return updated
        target, call = assignment
        helper, position = self._handed_state(call)
        if helper is None:
            return updated
        kinds = self.helpers.getter(helper, position)
        if kinds is None:
            return updated
        if not (isinstance(target, cst.Tuple) and len(target.elements) == len(kinds)
                and all(isinstance(e.value, cst.Name) for e in target.elements)):
            self.migration.problem(updated, f"the result of {helper.name.value}() is not unpacked into one name per element")
            return updated
        lines = []
        state = next(iter(sorted(self.state)))
        for element, kind in zip(target.elements, kinds):
            if kind == FORWARD:
                self.helpers.forwarded.add(element.value.value)
            else:
                lines.append(cst.Assign([cst.AssignTarget(element.value)], cst.parse_expression(f'{state}["{kind}"]')))
        if not lines:
            return cst.RemoveFromParent()
        return updated.with_changes(body=lines[:1]) if len(lines) == 1 else cst.FlattenSentinel(
            [updated.with_changes(body=[line], leading_lines=updated.leading_lines if i == 0 else []) for i, line in enumerate(lines)])

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        args = [a for a in updated.args if not (a.star == "**" and isinstance(a.value, cst.Name) and a.value.value in self.helpers.forwarded)]
        if len(args) < len(updated.args) and any(is_super_call(updated, name) for name in (api.DENSE, *api.SPARSE)):
            return updated.with_changes(args=[*args[:-1], args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)] if args else [])
        helper, position = self._handed_state(updated)
        if helper is None or self.helpers.getter(helper, position) is not None:
            return updated
        keys = self.helpers.keys(helper, position)
        index = next(i for i, a in enumerate(updated.args) if isinstance(a.value, cst.Name) and a.value.value in self.state)
        given = updated.args[index].value.value
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        new = [cst.Arg(cst.parse_expression(f'{given}["{key}"]'), comma=comma) for key in keys]
        args = list(updated.args)
        args[index:index + 1] = new
        if args:
            args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(args=args)

    def _handed_state(self, call: cst.Call) -> tuple[cst.FunctionDef | None, int]:
        """The own helper a call hands apply_state (or the coefficients), and its parameter's position."""
        helper = self.helpers.own(call)
        if helper is None:
            return None, 0
        handed = [i for i, a in enumerate(call.args) if isinstance(a.value, cst.Name) and a.value.value in self.state]
        if not handed:
            return None, 0
        params = helper.params
        if len(handed) > 1 or any(a.keyword is not None or a.star for a in call.args) or params.star_arg not in (cst.MaybeSentinel.DEFAULT, None) \
                or params.kwonly_params or params.star_kwarg is not None or len(params.params) < len(call.args) + 1:
            self.migration.problem(call, f"{code(call.func)}() is handed apply_state in a way optfix cannot follow (by keyword, "
                                         "twice, or to a helper with * or ** parameters)")
            return None, 0
        return helper, handed[0] + 1


def _forwards(node: cst.BaseExpression, state: set[str]) -> bool:
    """`{}`, `dict(apply_state=apply_state)` or `{"apply_state": apply_state}`: keyword arguments that only pass the state on."""
    if isinstance(node, cst.Dict):
        return all(isinstance(e, cst.DictElement) and isinstance(e.value, cst.Name) and e.value.value in state for e in node.elements)
    return (isinstance(node, cst.Call) and flat(node.func) == "dict"
            and all(a.keyword is not None and isinstance(a.value, cst.Name) and a.value.value in state for a in node.args))


def _looks_up(statement: cst.BaseStatement, state: set[str]) -> bool:
    """A statement that only finds the coefficients of the state: `apply_state = apply_state or {}`,
    `coefficients = apply_state.get(key)`, `if coefficients is None: coefficients =
    self._fallback_apply_state(...)`, `apply_state[key] = coefficients`."""
    if isinstance(statement, cst.If) and statement.orelse is None and isinstance(statement.body, cst.IndentedBlock):
        return flat(statement.test).endswith("isNone") and all(_looks_up(s, state) for s in statement.body.body)
    assignment = assignment_of(statement)
    if assignment is None:
        return False
    target, value = assignment
    if not (isinstance(target, cst.Name) or isinstance(target, cst.Subscript) and flat(target.value) in state):
        return False
    calls = descendants(value, cst.Call)
    return all(self_method(c) == "_fallback_apply_state" or isinstance(c.func, cst.Attribute) and c.func.attr.value == "get"
               and flat(c.func.value).strip("()").split("or")[0] in state for c in calls) and bool(
        {n.value for n in descendants(value, cst.Name)} & state or calls)


def _without_none_branches(statements: list, state: str | None) -> list:
    """The statements without `if <state> is None:` blocks (OptimizerV2 always gave the state)."""
    return [s for s in statements if not (isinstance(s, cst.If) and s.orelse is None and flat(s.test) == f"{state}isNone")]


def handed_by_removed(methods: dict[str, cst.FunctionDef], removed: list[cst.FunctionDef], handled: set[int]) -> list[cst.FunctionDef]:
    """The helpers that only removed methods (the sparse ones) call, handing them apply_state:
    they go with them."""
    removed_names = {m.name.value for m in removed}
    found = []
    for name, helper in methods.items():
        if id(helper) in handled or name in removed_names:
            continue
        calls = {caller: [c for c in descendants(method, cst.Call) if self_method(c) == name]
                 for caller, method in methods.items() if caller != name}
        callers = {caller for caller, made in calls.items() if made}
        if callers and callers <= removed_names and any(_hands_state(methods[caller], call) for caller in callers for call in calls[caller]):
            found.append(helper)
    return found


def with_helper_bodies(methods: dict[str, cst.FunctionDef], method: cst.FunctionDef) -> cst.FunctionDef:
    """A sparse method with the statements of the helpers it hands apply_state added, their
    parameters named as the arguments it gives them: what it does, to read (not to run). The dense
    method is no helper: a sparse method that hands it the gradient made dense computes what it does."""
    added = []
    for call in descendants(method, cst.Call):
        helper = methods.get(self_method(call) or "")
        if helper is None or helper.name.value == api.DENSE or not _hands_state(method, call) or any(a.keyword or a.star for a in call.args):
            continue
        names = {p.name.value: a.value.value for p, a in zip(helper.params.params[1:], call.args) if isinstance(a.value, cst.Name)}
        added += [s.visit(_Renamed(names)) for s in helper.body.body if not is_docstring(s)]
    return method.with_changes(body=method.body.with_changes(body=[*method.body.body, *added])) if added else method


def _hands_state(caller: cst.FunctionDef, call: cst.Call) -> bool:
    """Whether a sparse method's call gives its apply_state (the parameter after the indices)."""
    state = {p.name.value for p in caller.params.params[4:]}
    return any(isinstance(a.value, cst.Name) and a.value.value in state for a in call.args)


class _Renamed(cst.CSTTransformer):
    def __init__(self, names: dict[str, str]) -> None:
        super().__init__()
        self.names = names

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        return updated.with_changes(value=self.names[original.value]) if original.value in self.names else updated
