"""Classes written against the tf.keras 2 optimizer APIs, which Keras 3's optimizers neither have
nor call."""

from __future__ import annotations

import ast

from optfix.analysis.tree import descendants
from optfix.knowledge.keras import OPTIMIZER_V2_API, TF_KERAS_NEW_API
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import keras2_api_class

SUBCLASS_API = OPTIMIZER_V2_API | TF_KERAS_NEW_API


def legacy_subclass_api(node: cst.ClassDef, module: cst.Module) -> list[str]:
    """What a class of `module` defines or calls of the tf.keras 2 optimizer APIs that Keras 3
    removed, in order."""
    if keras2_api_class(module, node):
        return []  # Keras 2.2's API (get_updates, itself or in a subclass): rule get-updates migrates it
    used = []
    for statement in node.body.body:
        if not isinstance(statement, cst.FunctionDef):
            continue
        name = statement.name.value
        if name in SUBCLASS_API or (name == "update_step" and len(statement.params.params) == 3):
            used.append("update_step(gradient, variable)" if name == "update_step" else name)
    called = {
        call.func.attr.value
        for call in descendants(node, cst.Call)
        if isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Name) and call.func.value.value == "self"
    }
    used += sorted((called & SUBCLASS_API) - set(used))
    return used


def legacy_subclass_methods(node: ast.ClassDef) -> bool:
    """Whether a class defines or calls a method of the tf.keras 2 optimizer APIs (the `ast` view
    of `legacy_subclass_api`)."""
    defined = any(
        isinstance(item, ast.FunctionDef) and (item.name in SUBCLASS_API or item.name == "update_step" and len(item.args.args) == 3)
        for item in node.body
    )
    return defined or any(
        isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in SUBCLASS_API
        and isinstance(call.func.value, ast.Name) and call.func.value.id == "self"
        for call in ast.walk(node)
    )
