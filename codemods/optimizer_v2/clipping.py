"""An `apply_gradients` override that clips the gradients by their global norm and then calls the
base class's, as Keras 3's optimizers do when given `global_clipnorm=`:

    def apply_gradients(self, grads_and_vars, name=None, experimental_aggregate_gradients=True):
        grads, tvars = list(zip(*grads_and_vars))
        if experimental_aggregate_gradients and self.gradient_clip_norm > 0.0:
            (grads, _) = tf.clip_by_global_norm(grads, clip_norm=self.gradient_clip_norm)
        return super().apply_gradients(zip(grads, tvars), name=name, experimental_aggregate_gradients=...)

goes; `__init__` gives the base class `global_clipnorm=` under the same condition, the attributes
read as the `__init__` parameters they were set from. Keras 3's clipping computes what
`tf.clip_by_global_norm` computes (scale = clip_norm * min(1 / norm, 1 / clip_norm)) over the same
gradients (those that are not None), before the update, as here. Where `global_clipnorm=` is given too, OptimizerV2
clipped by it after the override had: the smaller norm of the two, which is what `__init__` keeps.
A flag parameter of apply_gradients that is True by default (experimental_aggregate_gradients) is
taken as given: Keras 3's apply_gradients takes no such argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from optfix.analysis.tree import code, descendants
from optfix.codemods.optimizer_v2.expressions import argument
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import assignment_of, expression_of, flat, is_docstring, is_self_attribute, is_super_call

if TYPE_CHECKING:
    from optfix.codemods.optimizer_v2.migration import Migration

_CLIP = ("tensorflow.clip_by_global_norm", "tensorflow.compat.v1.clip_by_global_norm", "tensorflow.python.ops.clip_ops.clip_by_global_norm")
KEYWORD = "global_clipnorm"


@dataclass
class GlobalClip:
    norm: str  # the clip norm, in __init__'s terms
    condition: str | None  # when apply_gradients clipped, in __init__'s terms

    def lines(self, kwargs: str, quote, indent: str) -> list[str]:
        """The statements that give the base class `global_clipnorm=` in `kwargs`."""
        key = quote(KEYWORD)
        given = f"{kwargs}.get({key}) or {self.norm}"
        line = f"{kwargs}[{key}] = min({self.norm}, {given})"
        return [f"if {self.condition}:\n{indent}{line}" if self.condition else line]


def global_clip(migration: Migration, method: cst.FunctionDef, init: cst.FunctionDef | None) -> GlobalClip | None:
    """The clipping an apply_gradients override makes before the base class's, or None (it does
    more, or otherwise)."""
    params = method.params
    names = [p.name.value for p in params.params]
    body = [s for s in method.body.body if not is_docstring(s)] if isinstance(method.body, cst.IndentedBlock) else []
    if len(names) < 2 or params.star_arg not in (cst.MaybeSentinel.DEFAULT, None) or params.star_kwarg is not None \
            or len(body) != 3 or init is None:
        return None
    flags = {p.name.value for p in params.params[2:] if p.default is not None and flat(p.default) == "True"}
    unpacked = _unpacked(body[0], names[1])
    if unpacked is None:
        return None
    grads, tvars = unpacked
    clipping, condition = body[1], None
    if isinstance(clipping, cst.If) and clipping.orelse is None and isinstance(clipping.body, cst.IndentedBlock) and len(clipping.body.body) == 1:
        condition, clipping = clipping.test, clipping.body.body[0]
    norm = _clip_norm(migration, clipping, grads, body)
    if norm is None or not _hands_on(body[2], grads, tvars, set(names[2:])):
        return None
    attributes = _set_from_parameters(migration, init)
    norm_text = _in_init_terms(norm, attributes)
    condition_text = _condition(condition, flags, attributes) if condition is not None else None
    if norm_text is None or condition is not None and condition_text is None:
        return None
    return GlobalClip(norm_text, condition_text or None)


def only_repacks(method: cst.FunctionDef) -> bool:
    """`grads, tvars = list(zip(*grads_and_vars))` then `return super().apply_gradients(zip(grads,
    tvars), name=name, **kwargs)`: the pairs handed on as they came, nothing else done."""
    names = [p.name.value for p in method.params.params]
    body = [s for s in method.body.body if not is_docstring(s)] if isinstance(method.body, cst.IndentedBlock) else []
    if len(names) < 2 or len(body) != 2 or (unpacked := _unpacked(body[0], names[1])) is None:
        return False
    star = method.params.star_kwarg
    forwarded = {*names[2:], *(p.name.value for p in method.params.kwonly_params)}
    return _hands_on(body[1], *unpacked, forwarded, star.name.value if isinstance(star, cst.Param) else None)


def _unpacked(statement: cst.BaseStatement, pairs: str) -> tuple[str, str] | None:
    """`grads, tvars = list(zip(*grads_and_vars))` (or without list)."""
    assignment = assignment_of(statement)
    if assignment is None or not isinstance(assignment[0], cst.Tuple) or len(assignment[0].elements) != 2:
        return None
    if flat(assignment[1]) not in (f"list(zip(*{pairs}))", f"zip(*{pairs})"):
        return None
    targets = [e.value for e in assignment[0].elements]
    return (targets[0].value, targets[1].value) if all(isinstance(t, cst.Name) for t in targets) else None


def _clip_norm(migration: Migration, statement: cst.BaseStatement, grads: str, body) -> cst.BaseExpression | None:
    """C of `(grads, _) = tf.clip_by_global_norm(grads, clip_norm=C)`, the norm it returns unread."""
    assignment = assignment_of(statement)
    if assignment is None or not isinstance(assignment[0], cst.Tuple) or len(assignment[0].elements) != 2:
        return None
    call = assignment[1]
    if not isinstance(call, cst.Call) or migration.qualified(call.func) not in _CLIP or len(call.args) != 2:
        return None
    first, norm_name = (e.value for e in assignment[0].elements)
    if not (isinstance(first, cst.Name) and first.value == grads and isinstance(norm_name, cst.Name)):
        return None
    if flat(argument(call, 0, "t_list") or cst.Name("_")) != grads:
        return None
    if sum(n.value == norm_name.value for s in body for n in descendants(s, cst.Name)) > 1:
        return None  # the global norm is read
    return argument(call, 1, "clip_norm")


def _hands_on(statement: cst.BaseStatement, grads: str, tvars: str, forwarded: set[str], kwargs: str | None = None) -> bool:
    """`return super().apply_gradients(zip(grads, tvars), name=name, ...)`, the other arguments the
    method's own parameters passed on (and its `**kwargs`, where it takes them)."""
    small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 else None
    call = small.value if isinstance(small, cst.Return) else expression_of(statement)
    if not (isinstance(call, cst.Call) and is_super_call(call, "apply_gradients") and call.args):
        return False
    first, *rest = call.args
    return (first.keyword is None and flat(first.value) == f"zip({grads},{tvars})"
            and all(a.keyword is not None and isinstance(a.value, cst.Name) and a.value.value in forwarded
                    or kwargs is not None and a.star == "**" and isinstance(a.value, cst.Name) and a.value.value == kwargs for a in rest))


def _set_from_parameters(migration: Migration, init: cst.FunctionDef) -> dict[str, str]:
    """`self.A = p` statements of __init__'s own block, p a parameter never rebound, A set nowhere
    else in the class: attribute -> parameter."""
    params = {p.name.value for p in (*init.params.params, *init.params.kwonly_params)}
    rebound = {n.value for t in descendants(init, cst.AssignTarget) if isinstance(t.target, (cst.Name, cst.Tuple, cst.List))
               for n in descendants(t.target, cst.Name)}
    found = {}
    for statement in init.body.body:
        assignment = assignment_of(statement)
        if assignment and is_self_attribute(assignment[0]) and isinstance(assignment[1], cst.Name) \
                and assignment[1].value in params - rebound:
            found[assignment[0].attr.value] = assignment[1].value
    setters = [t.target.attr.value for t in descendants(migration.node, cst.AssignTarget) if is_self_attribute(t.target)]
    return {attribute: name for attribute, name in found.items() if setters.count(attribute) == 1}


def _in_init_terms(node: cst.BaseExpression, attributes: dict[str, str]) -> str | None:
    """An expression of numbers and attributes set from parameters, with the parameters read."""
    for inner in descendants(node, cst.CSTNode):
        if isinstance(inner, (cst.Call, cst.Subscript, cst.Lambda)):
            return None
        if isinstance(inner, cst.Name) and inner.value not in ("self", "None", "True", "False") and not _is_attribute_name(node, inner):
            return None
    for attribute in descendants(node, cst.Attribute):
        if not is_self_attribute(attribute) or attribute.attr.value not in attributes:
            return None
    return code(node.visit(_Parameters(attributes)))


def _is_attribute_name(root: cst.CSTNode, name: cst.Name) -> bool:
    return any(a.attr is name for a in descendants(root, cst.Attribute))


def _condition(test: cst.BaseExpression, flags: set[str], attributes: dict[str, str]) -> str | None:
    """The test in __init__'s terms, the apply_gradients flags that are True by default dropped."""
    terms = []
    node = test
    while isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.And):
        terms.append(node.right)
        node = node.left
    terms.append(node)
    kept = []
    for term in reversed(terms):
        if isinstance(term, cst.Name) and term.value in flags:
            continue
        text = _in_init_terms(term, attributes)
        if text is None:
            return None
        kept.append(text)
    return " and ".join(kept)


class _Parameters(cst.CSTTransformer):
    def __init__(self, attributes: dict[str, str]) -> None:
        super().__init__()
        self.attributes = attributes

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        return cst.Name(self.attributes[original.attr.value]) if is_self_attribute(original) else updated
