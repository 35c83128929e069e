"""Walking a libcst subtree without rebuilding it (or, transforming it, rebuilding only what changed).

libcst's own traversals (a visitor, `node.children`) construct a new copy of every node they
pass: reading a large module that way costs more than parsing it. Here children are read from
the nodes' fields, in the order of the code.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Iterator

from optfix.lazy import libcst as cst

_FIELDS: dict[type, tuple[str, ...]] = {}
_NODE_TYPES: dict[type, bool] = {}
_VISITED_FIELD = re.compile(r"""visit_\w+\(\s*self,\s*["'](\w+)["']""")


def _fields(kind: type) -> tuple[str, ...]:
    """A node type's fields in the order its code is written: the order in which libcst's own
    `_visit_and_replace_children` visits them (dataclass order where that cannot be read)."""
    declared = [field.name for field in dataclasses.fields(kind)]
    try:
        visited = _VISITED_FIELD.findall(inspect.getsource(kind._visit_and_replace_children))
    except (OSError, TypeError):
        visited = []
    ordered = list(dict.fromkeys(name for name in visited if name in declared))
    return _FIELDS.setdefault(kind, (*ordered, *(name for name in declared if name not in ordered)))


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """What `node.children` gives, in the same order."""
    for name in _FIELDS.get(type(node)) or _fields(type(node)):
        value = getattr(node, name)
        if type(value) in (list, tuple):
            yield from (item for item in value if _is_node(item))
        elif _is_node(value):
            yield value


def _is_node(value: object) -> bool:
    # isinstance() with CSTNode, an abstract class, is slow: decided once per type
    kind = type(value)
    known = _NODE_TYPES.get(kind)
    if known is None:
        known = _NODE_TYPES[kind] = isinstance(value, cst.CSTNode)
    return known


def descendants(node: cst.CSTNode, kind: type) -> list:
    """Every node of type `kind` inside `node` (itself included), in the order of the code."""
    found = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, kind):
            found.append(current)
        stack.extend(reversed(list(children(current))))
    return found


def walk(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """`node.visit(visitor)` for a visitor that only reads (the same calls of its visit_ and
    leave_ methods, in the same order), without copying the tree."""
    if visitor.on_visit(node):
        for child in children(node):
            walk(child, visitor)
    visitor.on_leave(node)


def transformed(node: cst.CSTNode, transformer: cst.CSTTransformer) -> cst.CSTNode:
    """`node.visit(transformer)` for a transformer whose handlers never remove or flatten a node:
    the same calls, in the same order, but a node none of whose descendants changed is passed on
    as it is (`updated is original`) instead of being rebuilt, so only the path above a change
    is copied."""
    updated = node
    if transformer.on_visit(node):
        changes = {}
        for name in _FIELDS.get(type(node)) or _fields(type(node)):
            value = getattr(node, name)
            if type(value) in (list, tuple):
                items = [transformed(item, transformer) if _is_node(item) else item for item in value]
                if any(new is not old for new, old in zip(items, value)):
                    changes[name] = type(value)(items)
            elif _is_node(value):
                item = transformed(value, transformer)
                if item is not value:
                    changes[name] = item
        if changes:
            updated = node.with_changes(**changes)
    result = transformer.on_leave(node, updated)
    if not _is_node(result):
        raise TypeError(f"transformed() keeps every node: a handler gave {result!r} for a {type(node).__name__}")
    return result


def reads(node: cst.CSTNode, heads: bool = False) -> list[cst.Name]:
    """The names `node` reads, in the order of the code: not attributes' names, keywords, or
    the names of import statements. `heads`: only those read as a namespace, `K` of `K.sqrt`."""
    found: list[cst.Name] = []

    class _Reads(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            if not heads:
                found.append(name)

        def visit_Attribute(self, attribute: cst.Attribute) -> bool:
            if heads and isinstance(attribute.value, cst.Name):
                found.append(attribute.value)
            walk(attribute.value, self)
            return False

        def visit_Arg(self, arg: cst.Arg) -> bool:
            walk(arg.value, self)
            return False

        def visit_Import(self, node: cst.Import) -> bool:
            return False

        def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
            return False

    walk(node, _Reads())
    return found
