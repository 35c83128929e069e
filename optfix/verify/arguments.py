"""Constructor arguments verify can supply itself: a required parameter that the class reads as a
mapping (`multipliers.get(name, 1.0)`, `self.lr_mults = lr_mults` then `self.lr_mults.items()`)
gets an empty dict, with which the optimizer computes what it computes for no special cases.
"""

from __future__ import annotations

import ast

_MAPPING_METHODS = {"get", "items", "keys", "values"}


def required_arguments(node: ast.ClassDef) -> list[str]:
    """The parameters of the class's own __init__ that have no default."""
    init = next((s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    if init is None:
        return []
    positional = init.args.posonlyargs + init.args.args
    required = [a.arg for a in positional[1:len(positional) - len(init.args.defaults)]]
    return required + [a.arg for a, default in zip(init.args.kwonlyargs, init.args.kw_defaults) if default is None]


def mapping_arguments(node: ast.ClassDef) -> dict[str, dict]:
    init = next((s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    if init is None:
        return {}
    positional = init.args.posonlyargs + init.args.args
    required = required_arguments(node)
    annotated = {a.arg for a in positional + init.args.kwonlyargs if _names_a_mapping(a.annotation)}
    attributes = _stored_as(init)
    return {name: {} for name in required
            if name in annotated or _read_as_mapping(init, lambda n: isinstance(n, ast.Name) and n.id == name)
            or any(_read_as_mapping(node, lambda n, a=a: _is_self_attribute(n, a)) for a in attributes.get(name, ()))}


def _names_a_mapping(annotation) -> bool:
    if annotation is None:
        return False
    text = ast.unparse(annotation)
    return any(word in text for word in ("dict", "Dict", "Mapping"))


def _stored_as(init: ast.FunctionDef) -> dict[str, list[str]]:
    """parameter -> the `self.X` attributes `__init__` stores it in, as is."""
    stored: dict[str, list[str]] = {}
    for statement in ast.walk(init):
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Name):
            for target in statement.targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                    stored.setdefault(statement.value.id, []).append(target.attr)
    return stored


def _is_self_attribute(node, attribute: str) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == attribute and isinstance(node.value, ast.Name) and node.value.id == "self"


def _read_as_mapping(tree: ast.AST, is_it) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in _MAPPING_METHODS and is_it(node.value):
            return True
        if isinstance(node, ast.Subscript) and is_it(node.value) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
            return True
        if isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops) and any(is_it(c) for c in node.comparators):
            return True
    return False
