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
    kind = type(visitor)
    if kind.on_visit is cst.CSTVisitor.on_visit and kind.on_leave is cst.CSTVisitor.on_leave:
        _dispatched(node, visitor, {})
    else:
        _walk(node, visitor)


def _walk(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    if visitor.on_visit(node):
        for child in children(node):
            _walk(child, visitor)
    visitor.on_leave(node)


def _dispatched(node: cst.CSTNode, visitor: cst.CSTVisitor, handlers: dict) -> None:
    """`_walk` for a visitor with libcst's own on_visit / on_leave: its visit_<Type> and
    leave_<Type> methods looked up once per node type, not at every node."""
    kind = type(node)
    pair = handlers.get(kind)
    if pair is None:
        pair = handlers[kind] = (getattr(visitor, f"visit_{kind.__name__}", None), getattr(visitor, f"leave_{kind.__name__}", None))
    visit, leave = pair
    if visit is None or visit(node) is not False:
        for child in children(node):
            _dispatched(child, visitor, handlers)
    if leave is not None:
        leave(node)


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
    stack = [node]
    while stack:
        current = stack.pop()
        kind = type(current)
        if kind is cst.Name:
            if not heads:
                found.append(current)
        elif kind is cst.Attribute:
            if heads and type(current.value) is cst.Name:
                found.append(current.value)
            stack.append(current.value)
        elif kind is cst.Arg:
            stack.append(current.value)
        elif kind is not cst.Import and kind is not cst.ImportFrom:
            stack.extend(reversed(list(children(current))))
    return found
