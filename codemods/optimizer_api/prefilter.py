"""The files worth parsing for rule optimizer-api: the bytes stage (`wants`) and the `ast` stage
(`relevant`). Each must say yes wherever the rule would act.

The rule acts on a call of one of its methods (or a `.weights`) where the object may be an
optimizer, which takes a name for it in the code: a Keras optimizer class or module, a
LossScaleOptimizer, `model.optimizer`, a variable named like one (`optimizer`, `opt`, `g_opt`).
Without such a name it acts only on the calls it reports on any object: the methods only
optimizers have, `apply_gradients` with an aggregation keyword, and the optimizer methods a class
made from a function's parameter calls on itself.
"""

from __future__ import annotations

import ast
import re

from optfix.analysis.ast_nodes import every_node
from optfix.knowledge.optimizer_api import AGGREGATION_KEYWORDS, REPORTED_METHODS

# Methods only TF 2.x Keras optimizers have: a call of one on an object the file does not show to
# be an optimizer is still reported, as what it calls can only be one.
ONLY_OPTIMIZERS = frozenset({"get_scaled_loss", "get_unscaled_gradients", "_decayed_lr", "_get_hyper", "_set_hyper"})
METHODS = frozenset({
    "minimize", "get_scaled_loss", "get_unscaled_gradients", "apply_gradients", "_decayed_lr", "get_weights",
    "variables", *REPORTED_METHODS,
})
# Methods of OptimizerV2 a class may call on itself.
FACTORY_METHODS = frozenset({"add_slot", "get_slot", "get_slot_names", "_get_hyper", "_set_hyper", "get_gradients"})
LOSS_SCALE_CLASS_NAME = "LossScaleOptimizer"

_TRIGGER = re.compile(
    rb"\b(?:minimize|get_scaled_loss|get_unscaled_gradients|_decayed_lr|get_weights|weights|variables|get_slot"
    rb"|get_slot_names|add_slot|get_gradients|_get_hyper|_set_hyper|LossScaleOptimizer|experimental_aggregate_gradients"
    rb"|skip_gradients_aggregation|apply_gradients)\b"
)
# A name an optimizer may be reached by (`optimizers`, `Optimizer`, `optimiser`, `opt`, `g_opt`,
# `opt_clip`), or a method or keyword the rule acts on whatever the object is called.
_NAME_OR_UNCONDITIONAL = re.compile(
    rb"(?i:ptimi[sz]er)|(?i:(?<![a-z0-9])opt(?![a-z0-9]))|"
    + b"|".join(re.escape(word.encode()) for word in sorted({*ONLY_OPTIMIZERS, *FACTORY_METHODS, *AGGREGATION_KEYWORDS}))
)
# What `_NAME_OR_UNCONDITIONAL` looks for in the bytes, in one identifier.
_NAMED = re.compile(r"(?i:ptimi[sz]er)|(?i:(?:^|_)opt(?:_|$))")


def wants(data: bytes) -> bool:
    return _NAME_OR_UNCONDITIONAL.search(data) is not None and _TRIGGER.search(data) is not None


def relevant(tree: ast.Module) -> bool:
    """A call of one of the methods, or a `.weights`, in code that names an optimizer somewhere;
    a call the rule reports on any object; a LossScaleOptimizer."""
    named = sites = factory_calls = False
    for node in every_node(tree):
        kind = type(node)
        if kind is ast.Call and type(node.func) is ast.Attribute:
            method = node.func.attr
            if method in ONLY_OPTIMIZERS:
                return True
            if method == "apply_gradients" and any(keyword.arg in AGGREGATION_KEYWORDS for keyword in node.keywords):
                return True
            sites = sites or method in METHODS
            factory_calls = factory_calls or (method in FACTORY_METHODS and type(node.func.value) is ast.Name)
        elif kind is ast.Attribute:
            if node.attr == LOSS_SCALE_CLASS_NAME:
                return True
            sites = sites or node.attr == "weights"
            named = named or _names_one(node.attr)
        elif kind is ast.Name:
            if node.id == LOSS_SCALE_CLASS_NAME:
                return True
            named = named or _names_one(node.id)
        elif kind is ast.alias:
            if node.name.rpartition(".")[2] == LOSS_SCALE_CLASS_NAME and node.asname not in (None, LOSS_SCALE_CLASS_NAME):
                return True  # imported under another name
            named = named or node.name == "*" or any(_names_one(part) for part in node.name.split(".")) \
                or node.asname is not None and _names_one(node.asname)
        elif kind is ast.ImportFrom:
            named = named or node.module is not None and any(_names_one(part) for part in node.module.split("."))
    return sites and named or factory_calls and _class_made_from_parameter(tree)


def _names_one(identifier: str) -> bool:
    """Whether an identifier may name an optimizer, a Keras optimizer module or a
    LossScaleOptimizer. `ast` reads identifiers NFKC-normalized, libcst as written: one that is not
    ASCII counts."""
    return _NAMED.search(identifier) is not None or not identifier.isascii()


def _class_made_from_parameter(tree: ast.Module) -> bool:
    """Whether a class in a function derives from a parameter of a function around it (`def
    make(base): class Wrapped(base): ...`)."""
    for function in every_node(tree):
        if type(function) not in (ast.FunctionDef, ast.AsyncFunctionDef):
            continue
        parameters = {arg.arg for arg in (*function.args.posonlyargs, *function.args.args)}
        for node in ast.walk(function):
            if type(node) is ast.ClassDef and any(type(base) is ast.Name and base.id in parameters for base in node.bases):
                return True
    return False
