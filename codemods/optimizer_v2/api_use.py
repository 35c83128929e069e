"""What of the tf.keras 2 optimizer API (OptimizerV2) a class uses, read in libcst or in `ast`."""

from __future__ import annotations

import ast

from optfix.analysis.tree import descendants, reads
from optfix.knowledge.keras import OPTIMIZER_V2_API
from optfix.lazy import libcst as cst


def api_used(node: cst.ClassDef) -> set[str]:
    """The OptimizerV2 methods a class defines or calls on self."""
    defined = {s.name.value for s in node.body.body if isinstance(s, cst.FunctionDef)}
    called = {c.func.attr.value for c in descendants(node, cst.Call)
              if isinstance(c.func, cst.Attribute) and isinstance(c.func.value, cst.Name) and c.func.value.value == "self"}
    return (defined | called) & OPTIMIZER_V2_API


def uses_the_api(node: ast.ClassDef) -> bool:
    """`api_used`, as the `ast` reads it."""
    return any(isinstance(item, ast.FunctionDef) and item.name in OPTIMIZER_V2_API for item in node.body) or any(
        isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in OPTIMIZER_V2_API
        and isinstance(call.func.value, ast.Name) and call.func.value.id == "self"
        for call in ast.walk(node)
    )


def overrides_apply_gradients(node: ast.ClassDef) -> bool:
    return any(isinstance(item, ast.FunctionDef) and item.name == "apply_gradients" for item in node.body)


def steps(node: ast.ClassDef) -> bool:
    """A class with update_step: Keras 3's API, maybe this rule's output, read again."""
    return any(isinstance(item, ast.FunctionDef) and item.name == "update_step" for item in node.body)


def names_read(node: cst.CSTNode) -> set[str]:
    return {name.value for name in reads(node, heads=True)} | {name.value for name in reads(node)}
