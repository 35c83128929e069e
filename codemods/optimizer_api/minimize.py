"""`optimizer.minimize(...)` as the Keras 3 statements that compute the same step: the loss
recorded on a GradientTape, its gradients, and `apply_gradients(zip(gradients, var_list))`.

What TF 2.x's minimize did (OptimizerV2 and the optimizers of 2.11-2.15 alike): with the tape
given, or a new one, record the loss (calling it if it is a callable), take the gradients of the
variables (with `grad_loss` as the output gradients) and apply them. A LossScaleOptimizer scaled
the loss on the tape and unscaled the gradients; Keras 3's scales with `scale_loss` and unscales
in `apply_gradients`, and every Keras 3 optimizer has `scale_loss` (the identity unless it scales).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from optfix.analysis.tree import code, descendants
from optfix.knowledge.optimizer_api import MINIMIZE_PARAMETERS
from optfix.lazy import libcst as cst
from optfix.rulekit.calls import bind

from optfix.codemods.optimizer_api.values import Kind, Scope

_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
NO_MINIMIZE = "Keras 3 optimizers have no minimize() (AttributeError)"


@dataclass(frozen=True)
class Minimize:
    """What a minimize call takes, decided on the original tree; `statements` writes the Keras 3
    code from the call as the traversal left it (other rules may have changed its arguments)."""

    receiver: str  # the optimizer, as written
    loss: str  # "lambda": a lambda's body is the loss; "callable": call it; "tensor": already computed
    scale: bool  # the optimizer may scale losses: scale the loss on the tape
    bind_variables: bool  # var_list is evaluated once, into a name of its own, before the tape
    tf: str  # the name TensorFlow is imported as
    names: frozenset[str]  # names the code around already uses


def variables_are_pure(node: cst.BaseExpression) -> bool:
    """Whether evaluating var_list twice gives the same list with no effect: names, attributes,
    lists and tuples of them, `+` between them, subscripts of them."""
    if isinstance(node, (cst.Name, cst.Integer, cst.SimpleString)):
        return True
    if isinstance(node, cst.Attribute):
        return variables_are_pure(node.value)
    if isinstance(node, (cst.List, cst.Tuple)):
        return all(variables_are_pure(element.value) for element in node.elements)
    if isinstance(node, cst.BinaryOperation):
        return isinstance(node.operator, cst.Add) and variables_are_pure(node.left) and variables_are_pure(node.right)
    if isinstance(node, cst.Subscript):
        return variables_are_pure(node.value) and all(
            isinstance(element.slice, cst.Index) and variables_are_pure(element.slice.value) for element in node.slice
        )
    return False


def fresh(names: frozenset[str], *candidates: str) -> str:
    """The first candidate the code does not use, else the last one numbered."""
    for candidate in candidates:
        if candidate not in names:
            return candidate
    number = 1
    while f"{candidates[-1]}_{number}" in names:
        number += 1
    return f"{candidates[-1]}_{number}"


def statements(plan: Minimize, arguments: dict[str, cst.Arg], line: cst.SimpleStatementLine) -> list[cst.BaseStatement]:
    """The statements that replace `line`, the minimize call's statement, keeping the comments
    above it (on the first) and after it (on the last)."""
    loss = arguments["loss"].value
    var_list = _text(arguments["var_list"].value)
    tape = _text(arguments["tape"].value) if "tape" in arguments else None
    lines = []
    if plan.bind_variables:
        variables = fresh(plan.names, "variables", "var_list")
        lines.append(f"{variables} = {var_list}")
        var_list = variables
    if plan.loss == "tensor" and not plan.scale:
        target = _text(loss)
    else:
        if plan.loss == "lambda":
            value = _text(loss.body)
        elif plan.loss == "callable":
            value = f"{_text(loss)}()"
        else:
            value = _text(loss)
        if plan.scale:
            value = f"{plan.receiver}.scale_loss({value})"
        target = fresh(plan.names, "scaled_loss") if plan.loss == "tensor" else fresh(plan.names, "loss", "loss_value")
        if tape is None:
            tape = fresh(plan.names, "tape")
            lines.append(f"with {plan.tf}.GradientTape() as {tape}:")
        else:
            lines.append(f"with {tape}:")
        lines.append(f"    {target} = {value}")
    gradients = fresh(plan.names, "gradients", "grads")
    output = f", output_gradients={_text(arguments['grad_loss'].value)}" if "grad_loss" in arguments else ""
    lines.append(f"{gradients} = {tape}.gradient({target}, {var_list}{output})")
    lines.append(f"{plan.receiver}.apply_gradients(zip({gradients}, {var_list}))")
    body = list(cst.parse_module("\n".join(lines) + "\n").body)
    between = [cst.EmptyLine(indent=True, comment=comment) for comment in _comments_between_arguments(line.body[0].value)]
    body[0] = body[0].with_changes(leading_lines=[*line.leading_lines, *between])
    if isinstance(body[-1], cst.SimpleStatementLine):
        body[-1] = body[-1].with_changes(trailing_whitespace=line.trailing_whitespace)
    return body


def _comments_between_arguments(call: cst.Call) -> list[cst.Comment]:
    """The comments of a call written over several lines, but those inside an argument's value
    (which keeps them)."""
    kept = {id(comment) for arg in call.args for comment in descendants(arg.value, cst.Comment)}
    return [comment for comment in descendants(call, cst.Comment) if id(comment) not in kept]


def _text(node: cst.BaseExpression) -> str:
    """An expression's code, in parentheses where it spans lines (it may lose the brackets that
    allowed that)."""
    text = code(node)
    return f"({text})" if "\n" in text and not _IDENTIFIER.fullmatch(text) else text


def one_line(node: cst.CSTNode) -> str:
    """A node's code on one line."""
    return " ".join(code(node).split())


class MinimizeStatements:
    """The rule's part that replaces statements: a minimize call's by its tape block, and a
    `grads = grads` that a rewrite of get_unscaled_gradients left by nothing (its comments go to
    the next statement). Needs the rule's `values`, `statement_of`, `assigned_to`, `expressions`,
    `expansions` and `removals`. A block is rewritten whole, when it is left."""

    def _minimize(self, original, updated, receiver, kind, scope) -> cst.Call:
        reason, plan = self._minimize_plan(original, receiver, kind, scope)
        if reason:
            self._minimize_report(original, receiver, reason)
        else:
            self.expansions[id(self.statement_of[id(original)])] = (original, plan, receiver)
        return updated

    def _minimize_report(self, call: cst.Call, receiver: str, reason: str) -> None:
        self.report(call, f"{receiver}.minimize(...): {NO_MINIMIZE}: compute the gradients on a tf.GradientTape and "
                          f"call {receiver}.apply_gradients(zip(gradients, var_list)); not rewritten: {reason}")

    def _minimize_plan(self, call: cst.Call, receiver: str, kind: Kind, scope: Scope) -> tuple[str, Minimize | None]:
        """Why minimize cannot be rewritten, or how it is."""
        names = bind(call, list(MINIMIZE_PARAMETERS))
        statement = self.statement_of.get(id(call))
        if names is None or "loss" not in names or "var_list" not in names:
            return "its arguments cannot be read", None
        if statement is None and id(call) in self.expressions:
            return "it shares its line with other statements", None
        if statement is None or id(call) in self.assigned_to:
            return "its result is used (an op to run, in TF1 graph code?)", None
        if self.values.graph_node is not None:
            return f"the file uses TF1 graph APIs ({one_line(self.values.graph_node.func)})", None
        if not isinstance(call.func.value, (cst.Name, cst.Attribute)):
            return "the optimizer is not a name or an attribute", None
        arguments = dict(zip(names, (arg.value for arg in call.args)))
        tape = arguments.get("tape")
        if tape is not None and not isinstance(tape, (cst.Name, cst.Attribute)):
            return "its tape is not a name or an attribute", None
        var_list = arguments["var_list"]
        if isinstance(var_list, cst.Lambda) or self.values.holds(var_list, scope) == "function":
            return "its var_list is a callable (evaluate it after the loss, then apply_gradients)", None
        loss = arguments["loss"]
        holds = self.values.holds(loss, scope)
        if isinstance(loss, cst.Lambda):
            params = loss.params
            if params.params or params.posonly_params or params.kwonly_params or isinstance(params.star_arg, cst.Param) or params.star_kwarg:
                return "its loss is a lambda that takes arguments", None
            form = "lambda"
        elif tape is not None:
            form = "callable" if holds == "function" else "tensor"
        elif isinstance(loss, cst.Attribute) or (isinstance(loss, cst.Name) and holds != "value"):
            form = "callable"  # TF 2.x raised ValueError for a tensor loss without a tape
        else:
            return "its loss is a tensor and no tape is given (compute it on a tf.GradientTape)", None
        tf_name = self._tensorflow_name()
        if tf_name is None and (form != "tensor" or tape is None):
            return "TensorFlow is not imported as tf, and the name tf is taken", None
        function = scope.function().node
        names_used = frozenset(name.value for name in descendants(function, cst.Name)) | frozenset(self.file.imports.bindings)
        return "", Minimize(receiver=code(call.func.value), loss=form, scale=kind is not Kind.PLAIN,
                                     bind_variables=not variables_are_pure(var_list), tf=tf_name or "tf", names=names_used)

    def _tensorflow_name(self) -> str | None:
        """What TensorFlow is imported as; `tf`, imported here, where the file does not import it
        and the name is free; None otherwise."""
        imports = self.file.imports
        name = imports.name_for("tensorflow")
        if name is not None:
            return name
        if "tf" in imports.bindings or "tf" in imports.rebound or re.search(r"\btf\b", self.file.text):
            return None
        return "tf"

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        return self._statements(original, updated)

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        return self._statements(original, updated)

    def _statements(self, original, updated):
        if not any(id(statement) in self.expansions or id(statement) in self.removals for statement in original.body):
            return updated
        suppressed = self.file.suppressed(self.id, original)
        body: list[cst.BaseStatement] = []
        carried: list[cst.EmptyLine] = []  # comments of a removed statement, for the next one
        for index, (old, new) in enumerate(zip(original.body, updated.body)):
            if carried:
                new = new.with_changes(leading_lines=[*carried, *new.leading_lines])
                carried = []
            if id(old) in self.expansions:
                call, plan, receiver = self.expansions[id(old)]
                message = f"{receiver}.minimize(...) -> a tf.GradientTape block and {receiver}.apply_gradients(zip(...)): {NO_MINIMIZE}"
                if suppressed:
                    self._minimize_report(call, receiver, "a line of its block is suppressed (# optfix: ignore)")
                elif self.rewrite(call, False, True, message):
                    arguments = bind(new.body[0].value, list(MINIMIZE_PARAMETERS))
                    body += statements(plan, dict(zip(arguments, new.body[0].value.args)), new)
                    continue
            elif id(old) in self.removals and not suppressed and index + 1 < len(original.body):
                carried = list(new.leading_lines)
                comment = new.trailing_whitespace.comment
                if comment is not None:
                    carried.append(cst.EmptyLine(indent=True, comment=comment))
                continue
            body.append(new)
        return updated.with_changes(body=body)


