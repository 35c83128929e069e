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

from optfix.analysis.tree import code
from optfix.lazy import libcst as cst

_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


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
    body[0] = body[0].with_changes(leading_lines=line.leading_lines)
    if isinstance(body[-1], cst.SimpleStatementLine):
        body[-1] = body[-1].with_changes(trailing_whitespace=line.trailing_whitespace)
    return body


def _text(node: cst.BaseExpression) -> str:
    """An expression's code, in parentheses where it spans lines (it may lose the brackets that
    allowed that)."""
    text = code(node)
    return f"({text})" if "\n" in text and not _IDENTIFIER.fullmatch(text) else text
