"""A TF 2.x LossScaleOptimizer constructor's arguments as Keras 3's: the inner optimizer, then
`initial_scale=` and `dynamic_growth_steps=` by keyword (Keras 3's second positional parameter is
the initial scale, TF 2.4's was `dynamic`). Keras 3's scale is always dynamic, with TF 2.x's
defaults (2 ** 15, doubled after 2000 finite steps)."""

from __future__ import annotations

from dataclasses import dataclass

from optfix.knowledge.optimizer_api import (
    DYNAMIC_LOSS_SCALE_CLASSES,
    DYNAMIC_LOSS_SCALE_KEYWORDS,
    DYNAMIC_LOSS_SCALE_MULTIPLIER,
    DYNAMIC_LOSS_SCALE_PARAMETERS,
    EXPERIMENTAL_LOSS_SCALE_PARAMETERS,
    LOSS_SCALE_PARAMETERS,
    NO_FIXED_SCALE,
)
from optfix.analysis.tree import code
from optfix.lazy import libcst as cst
from optfix.rulekit.calls import NOT_CONSTANT, as_keyword, bind, constant


@dataclass
class Arguments:
    """The Keras 3 arguments, or why there are none (`problem`)."""

    args: list[cst.Arg]
    changed: bool = False
    problem: str = ""


def loss_scale_arguments(call: cst.Call) -> Arguments:
    """`LossScaleOptimizer(inner, dynamic=True, initial_scale=None, dynamic_growth_steps=None)`."""
    parameters = [name for name, _ in LOSS_SCALE_PARAMETERS]
    names = bind(call, parameters)
    if names is None:
        return Arguments([], problem="its arguments cannot be read (*args, **kwargs or unknown keywords)")
    kept, changed = [], False
    for name, arg in zip(names, call.args):
        value = constant(arg.value)
        if name == "dynamic":
            if value is True:
                changed = True
                continue
            if value is False:
                return Arguments([], problem=f"dynamic=False: {NO_FIXED_SCALE}")
            if arg.keyword is None:
                return Arguments(list(call.args))  # not a bool: Keras 3's initial_scale, already Keras 3 code
            return Arguments([], problem=f"dynamic= is not a literal True: {NO_FIXED_SCALE}")
        if name != "inner_optimizer" and value is None:
            changed = True  # None asked for the default, which Keras 3 has too
            continue
        if name != "inner_optimizer" and arg.keyword is None:
            arg, changed = as_keyword(arg, name), True
        kept.append(arg)
    return Arguments(kept, changed)


def experimental_arguments(call: cst.Call, imports) -> Arguments:
    """`mixed_precision.experimental.LossScaleOptimizer(optimizer, loss_scale)` (TF 2.1-2.3), whose
    loss_scale is "dynamic", a number (a fixed scale) or a DynamicLossScale."""
    names = bind(call, list(EXPERIMENTAL_LOSS_SCALE_PARAMETERS))
    if names is None:
        return Arguments([], problem="its arguments cannot be read (*args, **kwargs or unknown keywords)")
    kept: list[cst.Arg] = []
    for name, arg in zip(names, call.args):
        if name == "optimizer":
            kept.append(as_keyword(arg, "inner_optimizer") if arg.keyword is not None else arg)
            continue
        value = constant(arg.value)
        if value == "dynamic":
            continue
        if value is not NOT_CONSTANT:
            return Arguments([], problem=f"loss_scale={value!r} is a fixed scale: {NO_FIXED_SCALE}")
        scale = _dynamic_loss_scale(arg.value, imports)
        if scale is None:
            return Arguments([], problem="its loss_scale is neither 'dynamic' nor a DynamicLossScale built here")
        if isinstance(scale, str):
            return Arguments([], problem=scale)
        kept += scale
    return Arguments(kept, changed=True)


def _dynamic_loss_scale(node: cst.BaseExpression, imports) -> list[cst.Arg] | str | None:
    """The Keras 3 keywords of `DynamicLossScale(initial_loss_scale, increment_period, multiplier)`,
    a reason where it has none, None where `node` is not such a call."""
    if not isinstance(node, cst.Call) or imports.qualified_name(node.func) not in DYNAMIC_LOSS_SCALE_CLASSES:
        return None
    names = bind(node, list(DYNAMIC_LOSS_SCALE_PARAMETERS))
    if names is None:
        return "its DynamicLossScale's arguments cannot be read"
    keywords = []
    for name, arg in zip(names, node.args):
        if name == "multiplier":
            if constant(arg.value) != DYNAMIC_LOSS_SCALE_MULTIPLIER:
                return f"DynamicLossScale(multiplier={code(arg.value)}): Keras 3 always doubles the scale"
            continue
        keywords.append(cst.Arg(arg.value, keyword=cst.Name(DYNAMIC_LOSS_SCALE_KEYWORDS[name]),
                                equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))))
    return keywords
